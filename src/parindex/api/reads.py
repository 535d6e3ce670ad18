"""Read endpoints: methodologies, cycles, units, results, the ledger and a unit's entries.
Every object is fetched through the selectors the pages use (cycles_visible_to, access,
participations_visible_to, results_access); what the user may not see answers 404."""

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router
from ninja.pagination import paginate

from parindex.assessment import permissions as perm
from parindex.assessment.models import Cycle, MethodologyVersion, Participation
from parindex.core import methodology_to_dict, q4
from parindex.core.aggregate import NOT_APPLICABLE, NodeResult
from parindex.results.selectors import cycle_results, lost_points_ledger
from parindex.results.tables import LedgerEntry, LedgerFilter, UnitRow

from .auth import user_of
from .errors import ApiError
from .pagination import Pagination
from .schemas import (
    CycleDetailOut,
    CycleOut,
    CycleState,
    EntryOut,
    LedgerKind,
    LedgerOut,
    LedgerReason,
    LedgerSort,
    MethodologyDetailOut,
    MethodologyOut,
    ParticipationOut,
    Stage,
    UnitResultDetailOut,
    UnitResultOut,
    UnitType,
)

router = Router()  # writes.py adds its operations here too (same paths, other methods)
PK_MAX = 2_147_483_647  # ids beyond this exist nowhere (and overflow some databases)
CYCLE_ID = Path(..., ge=1, le=PK_MAX, description="Mã số kỳ đánh giá")
UNIT_CODE = Path(..., min_length=1, max_length=32, description="Mã đơn vị")

# --- helpers -------------------------------------------------------------------------------


def dec(value: Decimal | None) -> str | None:
    """A published number: a Decimal with 4 places, as a string ("61.4200")."""
    return None if value is None else str(q4(value))


def plain(value: Any) -> Any:
    """JSON-ready data: Decimals as strings, tuples and sets as lists, dates as ISO text."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(plain(v) for v in value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def unit_ref(unit: Any) -> dict[str, str]:
    return {"code": unit.code, "name": unit.name, "type": unit.type}


def cycle_for(user: Any, cycle_id: int) -> Cycle:
    """A cycle the user may see (404 otherwise)."""
    try:
        return perm.cycles_visible_to(user).get(pk=cycle_id)
    except Cycle.DoesNotExist:
        raise ApiError(404, _("Không tìm thấy kỳ đánh giá.")) from None


def participation_for(
    user: Any, cycle_id: int, unit_code: str, cap: str = perm.VIEW
) -> tuple[Participation, perm.Access]:
    """A unit's participation in a cycle that the user may `cap` (404 otherwise, like the
    pages: the API never reveals that another unit's object exists)."""
    try:
        p = Participation.objects.select_related(
            "unit", "cycle", "cycle__methodology", "cycle__organiser"
        ).get(cycle_id=cycle_id, unit__code=unit_code)
    except Participation.DoesNotExist:
        p = None
    acc = perm.access(user, p) if p is not None else perm.Access()
    if p is None or not acc.can(cap):
        raise ApiError(404, _("Không tìm thấy đơn vị trong kỳ đánh giá này."))
    return p, acc


def require_stage(cycle: Cycle, stage: str, stages: tuple[str, ...]) -> None:
    """403 unless `stage` is among the stages the user reads now (permissions)."""
    if stage not in stages:
        raise ApiError(
            403,
            _("Kết quả giai đoạn này chưa được công bố (kỳ đánh giá đang ở “%(s)s”).")
            % {"s": cycle.get_state_display()},
            code="stage_not_available",
        )


def methodology_out(m: MethodologyVersion) -> dict[str, Any]:
    return {
        "id": m.pk,
        "code": m.code,
        "version": m.version,
        "name": m.name,
        "status": m.status,
        "created_at": m.created_at,
    }


def cycle_out(c: Cycle) -> dict[str, Any]:
    return {
        "id": c.pk,
        "name": c.name,
        "year": c.year,
        "state": c.state,
        "state_label": c.get_state_display(),
        "methodology": methodology_out(c.methodology),
        "organiser": unit_ref(c.organiser),
        **{f: getattr(c, f) for f in _SCHEDULE},
        "finalised_at": c.finalised_at,
        "published_at": c.published_at,
        "decision_number": c.decision_number,
        "decision_date": c.decision_date,
    }


_SCHEDULE = (
    "self_start",
    "self_end",
    "appraisal_start",
    "appraisal_end",
    "explanation_start",
    "explanation_end",
    "publication_date",
)


def row_out(row: UnitRow) -> dict[str, Any]:
    return {
        "unit": unit_ref(row.unit),
        "rank": None if row.not_submitted else row.rank,
        "not_submitted": row.not_submitted,
        "points": dec(row.points),
        "max_points": dec(row.max_points),
        "index": dec(row.index),
        "band": row.band,
        "band_label": row.band_label,
        "bonus": dec(row.bonus),
        "deduction": dec(row.deduction),
        "fields": {
            f.code: {
                "points": dec(f.points),
                "max": dec(f.max_points),
                "index": dec(f.index),
                "rank": f.rank,
            }
            for f in row.fields
        },
    }


def _leaves(node: NodeResult) -> Iterator[NodeResult]:
    if not node.children:
        yield node
    for child in node.children:
        yield from _leaves(child)


def leaf_out(n: NodeResult, field: str) -> dict[str, Any]:
    return {
        "code": n.code,
        "name": n.node.name,
        "field": field,
        "max": dec(n.max_points),
        "points": dec(n.points),
        "status": n.status,
        "explanation": n.explanation,
    }


def ledger_out(e: LedgerEntry) -> dict[str, Any]:
    return {
        "unit": unit_ref(e.unit),
        "unit_rank": e.unit_rank,
        "code": e.code,
        "name": e.name,
        "field": e.field_code,
        "method": e.method,
        "max": dec(e.max_points),
        "self_points": dec(e.self_points),
        "r1_points": dec(e.r1_points),
        "r2_points": dec(e.r2_points),
        "final_points": dec(e.final_points),
        "lost": dec(e.lost),
        "recoverable_points": dec(e.recoverable_points),
        "recoverable": e.recoverable,
        "kind": e.kind,
        "kind_label": e.kind_label,
        "reason": e.reason,
        "reason_label": e.reason_label if e.reason else "",
        "comment": e.comment,
        "lead_agencies": list(e.lead_agency_codes),
    }


# --- methodologies -------------------------------------------------------------------------


@router.get("/methodologies", response=list[MethodologyOut], tags=["methodologies"])
@paginate(Pagination)
def methodology_list(request: HttpRequest) -> Any:
    """The installed methodologies (bộ tiêu chí), newest version first per code."""
    return [methodology_out(m) for m in MethodologyVersion.objects.order_by("code", "-version")]


@router.get(
    "/methodologies/{methodology_id}", response=MethodologyDetailOut, tags=["methodologies"]
)
def methodology_detail(
    request: HttpRequest, methodology_id: int = Path(..., ge=1, le=PK_MAX)
) -> Any:
    """One methodology with its whole tree, as in its YAML file (numbers as strings)."""
    try:
        m = MethodologyVersion.objects.get(pk=methodology_id)
    except MethodologyVersion.DoesNotExist:
        raise ApiError(404, _("Không tìm thấy bộ tiêu chí.")) from None
    return {**methodology_out(m), "tree": plain(methodology_to_dict(m.tree))}


# --- cycles and units ----------------------------------------------------------------------


@router.get("/cycles", response=list[CycleOut], tags=["cycles"])
@paginate(Pagination)
def cycle_list(
    request: HttpRequest, year: int | None = None, state: CycleState | None = None
) -> Any:
    """The cycles you may see, newest first; filter by year and state."""
    qs = perm.cycles_visible_to(user_of(request))
    if year is not None:
        qs = qs.filter(year=year) if 1900 <= year <= 9999 else qs.none()
    if state:
        qs = qs.filter(state=state)
    return [cycle_out(c) for c in qs.order_by("-year", "name", "pk")]


@router.get("/cycles/{cycle_id}", response=CycleDetailOut, tags=["cycles"])
def cycle_detail(request: HttpRequest, cycle_id: int = CYCLE_ID) -> Any:
    user = user_of(request)
    cycle = cycle_for(user, cycle_id)
    seen = perm.results_access(user, cycle)
    return {
        **cycle_out(cycle),
        "units": len(perm.participations_visible_to(user, cycle)),
        "stages": list(seen.stages),
    }


@router.get("/cycles/{cycle_id}/units", response=list[ParticipationOut], tags=["cycles"])
@paginate(Pagination)
def unit_list(request: HttpRequest, cycle_id: int = CYCLE_ID) -> Any:
    """The participating units you may see, with the state of their self-assessment."""
    user = user_of(request)
    cycle = cycle_for(user, cycle_id)
    return [
        {
            "unit": unit_ref(p.unit),
            "status": p.status,
            "submitted_at": p.submitted_at,
            "late_until": p.late_until,
        }
        for p in perm.participations_visible_to(user, cycle)
    ]


@router.get("/cycles/{cycle_id}/units/{unit_code}/scores", response=list[EntryOut], tags=["scores"])
@paginate(Pagination)
def entry_list(request: HttpRequest, cycle_id: int = CYCLE_ID, unit_code: str = UNIT_CODE) -> Any:
    """The unit's self-assessment as entered: value, note, points and the version to send
    back when changing an item."""
    p, _acc = participation_for(user_of(request), cycle_id, unit_code)
    return [
        {
            "code": e.code,
            "value": e.value,
            "note": e.note,
            "points": dec(e.self_points),
            "version": e.version,
            "updated_at": e.updated_at,
        }
        for e in p.entries.order_by("code")
    ]


# --- results and the ledger ----------------------------------------------------------------


@router.get("/cycles/{cycle_id}/results", response=list[UnitResultOut], tags=["results"])
@paginate(Pagination)
def results_list(
    request: HttpRequest,
    cycle_id: int = CYCLE_ID,
    stage: Stage = "final",
    unit_type: UnitType | None = Query(None, alias="type"),
) -> Any:
    """The ranking at a stage (self, r1, r2, final): per unit rank, points, maximum, index,
    band and per field points, maximum, index and rank. Ties share ranks (1, 2, 2, 4); each
    unit type is ranked separately. Units see only their own rows until publication."""
    user = user_of(request)
    try:
        cycle, seen = perm.cycle_for_results(user, cycle_id)
    except Cycle.DoesNotExist:
        raise ApiError(404, _("Không tìm thấy kỳ đánh giá.")) from None
    require_stage(cycle, stage, seen.stages)
    rows = cycle_results(cycle, stage, unit_type=unit_type, with_change=False).rows
    own = seen.codes(seen.ranking)
    if own is not None:
        rows = [r for r in rows if r.unit.code in own]
    return [row_out(r) for r in rows]


@router.get(
    "/cycles/{cycle_id}/units/{unit_code}/results",
    response=UnitResultDetailOut,
    tags=["results"],
)
def unit_results(
    request: HttpRequest,
    cycle_id: int = CYCLE_ID,
    unit_code: str = UNIT_CODE,
    stage: Stage = "final",
) -> Any:
    """One unit's result at a stage, with every sub-criterion: maximum, points, status and
    the engine's explanation (input, rule branch, points)."""
    p, acc = participation_for(user_of(request), cycle_id, unit_code)
    cycle = p.cycle
    require_stage(cycle, stage, acc.stages(cycle))
    row = cycle_results(cycle, stage, unit_type=p.unit.type, with_change=False).row_for(p.unit.code)
    if row is None:  # pragma: no cover - the unit takes part, so it has a row
        raise ApiError(404, _("Không tìm thấy kết quả của đơn vị."))
    leaves = [
        leaf_out(n, f.code)
        for f in row.result.fields
        for n in _leaves(f)
        if n.status != NOT_APPLICABLE
    ]
    adjustments = [leaf_out(a, "") for a in row.result.adjustments]
    return {**row_out(row), "stage": stage, "leaves": leaves, "adjustments": adjustments}


@router.get("/cycles/{cycle_id}/ledger", response=list[LedgerOut], tags=["results"])
@paginate(Pagination)
def ledger(
    request: HttpRequest,
    cycle_id: int = CYCLE_ID,
    unit_type: UnitType | None = Query(None, alias="type"),
    unit: list[str] | None = Query(None),
    field: str | None = Query(None, max_length=32),
    recoverable: bool | None = None,
    kind: LedgerKind | None = None,
    reason: LedgerReason | None = None,
    lead_agency: str | None = Query(None, max_length=32),
    min_lost: Decimal | None = Query(None, ge=0, le=1000),
    sort: LedgerSort = "lost",
    order: str = Query("desc", pattern="^(asc|desc)$"),
) -> Any:
    """The lost-points ledger (final stage): every unit x sub-criterion that lost points,
    what was lost and how much is recoverable by the unit's own work, the appraiser's
    reason and the lead agencies. Filters as on the ledger page; `unit` is repeatable.
    The organiser's side reads it at any time, the units once the results are final."""
    user = user_of(request)
    try:
        cycle, seen = perm.cycle_for_results(user, cycle_id)
    except Cycle.DoesNotExist:
        raise ApiError(404, _("Không tìm thấy kỳ đánh giá.")) from None
    if not seen.ledger_readable:
        require_stage(cycle, "final", ())
    units = frozenset(u.strip() for u in unit or () if u.strip())
    own = seen.codes(seen.ledger)
    if own is not None:
        units = units & own if units else own
        if not units:
            return []
    filters = LedgerFilter(
        unit_type=unit_type,
        units=units,
        field=field or None,
        recoverable=recoverable,
        kind=kind,
        reason=reason,
        lead_agency=lead_agency or None,
        min_lost=min_lost,
        sort=sort,
        descending=order != "asc",
    )
    return [ledger_out(e) for e in lost_points_ledger(cycle, filters)]
