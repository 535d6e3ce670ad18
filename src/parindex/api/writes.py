"""Write endpoints for integrations: self-assessment scores and the organiser's survey,
external and bonus/deduction values. Each request is all or nothing: every item gets the
same checks as on the pages and all are written at once by the bulk services
(entries_save_self, entries_set_external: one transaction, one write_entries); if any item
is refused, nothing is saved and every refused item is listed."""

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Body

from parindex.assessment import permissions as perm
from parindex.assessment import services as svc
from parindex.assessment.models import Entry

from .auth import user_of
from .errors import ApiError
from .reads import CYCLE_ID, UNIT_CODE, dec, participation_for, router
from .schemas import ErrorOut, ExternalIn, SavedOut, ScoreIn

MAX_ITEMS = 2000
WRITE_ERRORS: dict[int | str, Any] = {
    400: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


def _text(value: str | int | float) -> str:
    return value if isinstance(value, str) else str(value)


def _item_error(index: int, code: str, exc: svc.ServiceError) -> dict[str, Any]:
    detail: dict[str, Any] = {"item": index, "code": code, "message": str(exc)}
    if isinstance(exc, svc.Conflict):
        detail["conflict"] = True
        detail["current"] = {
            "value": exc.entry.value,
            "points": dec(exc.entry.self_points),
            "version": exc.entry.version,
        }
    return detail


def _duplicates(codes: list[str]) -> list[dict[str, Any]]:
    seen: dict[str, int] = {}
    out = []
    for i, code in enumerate(codes):
        if code in seen:
            out.append(
                {
                    "item": i,
                    "code": code,
                    "message": _("Mã %(c)s trùng với mục thứ %(n)s.")
                    % {"c": code, "n": seen[code]},
                }
            )
        else:
            seen[code] = i
    return out


def save_all(
    items: list[Any],
    write: Callable[[list[svc.EntryInput]], list[Entry]],
    check: Callable[[Any], str] | None = None,
) -> list[Entry]:
    """Save every item through `write` (a bulk service, all or nothing) in one transaction;
    on any refusal roll everything back and raise ApiError (409 when an item conflicts,
    else 400) listing each refusal. `check(item)` returns a message refusing an item before
    it is saved ("" if fine)."""
    if not items:
        raise ApiError(400, _("Danh sách mục cần lưu đang trống."))
    if len(items) > MAX_ITEMS:
        raise ApiError(400, _("Tối đa %(n)s mục mỗi lần gửi.") % {"n": MAX_ITEMS})
    errors = _duplicates([i.code for i in items])
    saved: list[Entry] = []
    if not errors:
        with transaction.atomic():
            todo: list[int] = []
            for index, item in enumerate(items):
                refusal = check(item) if check else ""
                if refusal:
                    errors.append({"item": index, "code": item.code, "message": refusal})
                else:
                    todo.append(index)
            inputs = [
                svc.EntryInput(
                    code=items[i].code,
                    value=_text(items[i].value),
                    note=getattr(items[i], "note", None),
                    version=items[i].version,
                )
                for i in todo
            ]
            try:
                saved = write(inputs)
            except svc.EntriesRefused as exc:
                errors += [_item_error(todo[i], items[todo[i]].code, e) for i, e in exc.errors]
            if errors:
                transaction.set_rollback(True)
    if errors:
        errors.sort(key=lambda e: int(e["item"]))
        conflict = any(e.get("conflict") for e in errors)
        raise ApiError(
            409 if conflict else 400,
            _("Không lưu mục nào: %(n)s mục bị từ chối.") % {"n": len(errors)},
            code="conflict" if conflict else "items_refused",
            details=errors,
        )
    return saved


def saved_out(entries: list[Entry]) -> dict[str, Any]:
    return {
        "saved": len(entries),
        "items": [
            {
                "code": e.code,
                "value": e.value,
                "points": dec(e.self_points),
                "version": e.version,
            }
            for e in entries
        ],
    }


@router.put(
    "/cycles/{cycle_id}/units/{unit_code}/scores",
    response={200: SavedOut, **WRITE_ERRORS},
    tags=["scores"],
)
def scores_save(
    request: HttpRequest,
    cycle_id: int = CYCLE_ID,
    unit_code: str = UNIT_CODE,
    items: list[ScoreIn] = Body(...),
) -> Any:
    """Save self-assessment values (with their notes) of one unit, as its officers do on the
    self-assessment page; all or nothing. Send each item's `version` (from GET .../scores)
    to be told, with 409, when someone changed it since you read it."""
    user = user_of(request)
    p, acc = participation_for(user, cycle_id, unit_code)
    if not acc.can(perm.EDIT_SELF):
        raise ApiError(403, _("Bạn không có quyền nhập tự đánh giá của đơn vị này."))

    def write(inputs: list[svc.EntryInput]) -> list[Entry]:
        return svc.entries_save_self(participation=p, items=inputs, user=user)

    return saved_out(save_all(items, write))


@router.put(
    "/cycles/{cycle_id}/units/{unit_code}/external",
    response={200: SavedOut, **WRITE_ERRORS},
    tags=["scores"],
)
def external_save(
    request: HttpRequest,
    cycle_id: int = CYCLE_ID,
    unit_code: str = UNIT_CODE,
    items: list[ExternalIn] = Body(...),
) -> Any:
    """The organiser's values for one unit: survey and external-data items, bonus and
    deduction items (as on the cycle's external data page); all or nothing."""
    user = user_of(request)
    p, _acc = participation_for(user, cycle_id, unit_code)
    if not svc.can_manage(user, p.cycle):
        raise ApiError(403, _("Chỉ cơ quan tổ chức kỳ đánh giá được nhập số liệu này."))
    tree = p.cycle.methodology.tree
    allowed = {n.code: n for n in svc.external_codes(tree)}

    def check(item: ExternalIn) -> str:
        node = allowed.get(item.code)
        if node is None:
            if item.code in tree.nodes:
                return _("Mục “%(c)s” do đơn vị tự đánh giá, không nhập ở đây.") % {"c": item.code}
            return _("Không có mục “%(c)s” trong bộ tiêu chí.") % {"c": item.code}
        if not node.applies(p.unit.type):
            return _("Mục %(c)s không áp dụng cho %(u)s.") % {"c": item.code, "u": p.unit.name}
        return ""

    def write(inputs: list[svc.EntryInput]) -> list[Entry]:
        return svc.entries_set_external(participation=p, items=inputs, user=user)

    return saved_out(save_all(items, write, check))
