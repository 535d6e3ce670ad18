"""A cycle's stages: the checklist of open points before each move, and the move itself,
through the services of the cycle page (cycle_moves, cycle_transition). Only those who
manage the cycle (permissions.can_manage) read the checklist and move the cycle; others
who see the cycle get 403, the rest 404."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Body

from parindex.assessment import permissions as perm
from parindex.assessment import services as svc
from parindex.assessment.models import Cycle

from .auth import user_of
from .errors import ApiError
from .reads import CYCLE_ID, cycle_for, cycle_out, router
from .schemas import ChecklistOut, CycleOut, ErrorOut, TransitionIn

ERRORS: dict[int | str, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _managed(request: HttpRequest, cycle_id: int) -> tuple[Any, Cycle]:
    user = user_of(request)
    cycle = cycle_for(user, cycle_id)
    if not perm.can_manage(user, cycle):
        raise ApiError(403, _("Chỉ người quản lý kỳ đánh giá được xem và chuyển giai đoạn."))
    return user, cycle


def _item(item: svc.CheckItem) -> dict[str, Any]:
    return {
        "check": item.check,
        "label": str(item.label),
        "count": item.count,
        "consequence": str(item.consequence),
        "note": str(item.note),
        "units": list(item.units),
    }


def _move(move: svc.Move) -> dict[str, Any]:
    return {
        "to_state": move.to_state,
        "label": str(Cycle.State(move.to_state).label),
        "back": move.back,
        "open": move.open,
        "reason_required": move.reason_required,
        "decision_required": move.decision_required,
        "items": [_item(i) for i in move.items],
    }


@router.get("/cycles/{cycle_id}/checklist", response={200: ChecklistOut, **ERRORS}, tags=["stages"])
def cycle_checklist(request: HttpRequest, cycle_id: int = CYCLE_ID) -> Any:
    """Every move the cycle may make now: forward, with the open points of each check
    (units not submitted, items not appraised, explanations not answered, surveys below
    their sample) and what happens to them; back one stage. A move with open points, and
    every move back, needs a reason; publishing needs the approving decision."""
    _user, cycle = _managed(request, cycle_id)
    return {
        "cycle": cycle.pk,
        "state": cycle.state,
        "state_label": cycle.get_state_display(),
        "moves": [_move(m) for m in svc.cycle_moves(cycle)],
    }


@router.post("/cycles/{cycle_id}/transition", response={200: CycleOut, **ERRORS}, tags=["stages"])
def cycle_move(
    request: HttpRequest, cycle_id: int = CYCLE_ID, body: TransitionIn = Body(...)
) -> Any:
    """Move the cycle (as the button on the cycle page does): audited with the reason and
    the open points. Refused (400, nothing changed) when the move is not allowed from the
    current state, when points are open or the move goes back and no `reason` is given, or
    when publishing without the decision's number and date; `details` then lists the open
    points of the move."""
    user, cycle = _managed(request, cycle_id)
    try:
        moved = svc.cycle_transition(
            cycle=cycle,
            to_state=body.to_state,
            user=user,
            reason=body.reason,
            decision_number=body.decision_number,
            decision_date=body.decision_date,
        )
    except svc.ServiceError as exc:
        move = next((m for m in svc.cycle_moves(cycle) if m.to_state == body.to_state), None)
        details = [_item(i) for i in move.items if i.count] if move else []
        raise ApiError(400, str(exc), code="transition_refused", details=details) from None
    return cycle_out(Cycle.objects.select_related("methodology", "organiser").get(pk=moved.pk))
