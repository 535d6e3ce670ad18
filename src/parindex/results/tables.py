"""The result tables, built once from engine results and used by every page, export and
the API: the ranking with component indices, the sub-criterion detail and the ledger of lost
points. Pure Python over parindex.core results (no Django), so the benchmark and the tests
can feed it directly; results/selectors.py fetches the inputs from the database.

Rules written down here (the methodology officials audit):

- Ranks are standard competition ranks (1, 2, 2, 4) on the index rounded to 4 decimals,
  within each unit type (departments and communes are separate ranking lists) unless
  `by_type=False`. Each field's component index is ranked the same way; a unit to which the
  field does not apply (maximum 0) has no rank in it.
- Stage points of a leaf: self-assessment as entered; round 1 = the appraiser's points, else
  the self-assessed points (an untouched item is accepted as is); round 2 = the round-2
  points, else round 1. A criterion's or field's stage points are the sums of its leaves.
- Lost points of a leaf = its applicable maximum − the points it was finally given. Which part
  is recoverable (the unit can win it back by its own work) is decided by
  results/recovery.py (`classify_loss`, with the organiser's setting for the cycle: survey
  and external-data items are structural and not recoverable unless the organiser says so).
  An entry is "recoverable" when its recoverable points are > 0.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, NamedTuple

from django.utils.translation import gettext_lazy as _

from parindex.assessment.services import STAGE_LABELS as STAGE_LABELS
from parindex.assessment.services import STAGES as STAGES
from parindex.common.collation import vn_key
from parindex.core import Methodology, NodeResult, Unit, UnitResult, competition_ranks, q4
from parindex.core.aggregate import NOT_APPLICABLE, STATUS_LABELS

from .recovery import (
    APPRAISAL,
    DEFAULT,
    EVIDENCE,
    MISSING,
    SHORTFALL,
    STRUCTURAL,
    Recovery,
)
from .recovery import (
    EVIDENCE_REASONS as EVIDENCE_REASONS,
)
from .recovery import (
    classify_loss as classify_loss,
)

ZERO = Decimal(0)

UNIT_TYPE_LABELS = {
    "ministry": _("Bộ, ngành"),
    "province": _("Tỉnh, thành phố"),
    "department": _("Sở, ban, ngành"),
    "commune": _("Xã, phường, đặc khu"),
    "other": _("Khác"),
}
UNIT_TYPE_ORDER = ("ministry", "province", "department", "commune", "other")
REASON_LABELS = {
    "evidence_missing": _("Thiếu tài liệu kiểm chứng"),
    "evidence_invalid": _("Tài liệu kiểm chứng không hợp lệ"),
    "outside_period": _("Tài liệu ngoài thời gian đánh giá"),
    "not_met": _("Không đáp ứng yêu cầu"),
    "other": _("Lý do khác"),
}
KIND_LABELS = {
    EVIDENCE: _("Bị trừ khi thẩm định do tài liệu kiểm chứng"),
    APPRAISAL: _("Bị trừ khi thẩm định (không đáp ứng yêu cầu, lý do khác)"),
    SHORTFALL: _("Tự đánh giá chưa đạt điểm tối đa"),
    MISSING: _("Đơn vị chưa tự đánh giá"),
    STRUCTURAL: _("Điều tra xã hội học, số liệu khách quan"),
}


def unit_type_label(code: str) -> str:
    return str(UNIT_TYPE_LABELS.get(code, code))


def type_order(code: str) -> int:
    return UNIT_TYPE_ORDER.index(code) if code in UNIT_TYPE_ORDER else len(UNIT_TYPE_ORDER)


def _natural(code: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in code.split("."))


_NATURAL: dict[str, tuple[int, ...]] = {}


def natural_code(code: str) -> tuple[int, ...]:
    """_natural, kept per code (a methodology has a few hundred)."""
    found = _NATURAL.get(code)
    if found is None:
        found = _natural(code)
        if len(_NATURAL) < 100_000:
            _NATURAL[code] = found
    return found


# --- inputs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeafRecord:
    """One leaf of one unit as stored: the points of each stage and the texts around them."""

    code: str
    self_points: Decimal | None = None
    r1_points: Decimal | None = None
    r2_points: Decimal | None = None
    r1_reason: str = ""
    r2_reason: str = ""
    comment: str = ""  # the appraiser's latest comment
    explanation: str = ""  # the unit's reply (giải trình)
    r1_comment: str = ""  # round 1's comment (shown while round 2 is not)
    # A cycle reporting to an outside body (Cycle.reports_to): the cycle's own final points
    # (the province's pre-appraisal), and what that body gave back.
    province_points: Decimal | None = None
    ministry_points: Decimal | None = None
    ministry_final_points: Decimal | None = None
    ministry_reason: str = ""
    ministry_comment: str = ""
    ministry_explanation: str = ""

    @property
    def outside(self) -> bool:
        """The outside body's appraisal or final points were entered back."""
        return self.ministry_points is not None or self.ministry_final_points is not None

    @property
    def r1_effective(self) -> Decimal | None:
        return self.r1_points if self.r1_points is not None else self.self_points

    @property
    def r2_effective(self) -> Decimal | None:
        return self.r2_points if self.r2_points is not None else self.r1_effective

    @property
    def reason(self) -> str:
        """The reason of the latest appraisal change (the outside body's, once given)."""
        if self.outside and self.ministry_reason:
            return self.ministry_reason
        if self.r2_points is not None and self.r2_reason:
            return self.r2_reason
        return self.r1_reason

    def stage(self, stage: str) -> Decimal | None:
        return {"self": self.self_points, "r1": self.r1_effective}.get(stage, self.r2_effective)


@dataclass(frozen=True)
class UnitInput:
    """What the tables need of one unit: its result at the stage shown and its leaves."""

    unit: Unit
    result: UnitResult
    leaves: Mapping[str, LeafRecord]
    participation_id: int | None = None
    not_submitted: bool = False  # "không nộp" and not ranked (the methodology says exclude)


# --- ranking -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldScore:
    code: str
    name: str
    points: Decimal
    max_points: Decimal
    index: Decimal | None  # component index, % (None when the field has no maximum)
    rank: int | None


@dataclass(frozen=True)
class Change:
    """The unit's result a year before: from the previous cycle, or for a province from the
    imported national results. `rank_delta` > 0 means the unit moved up."""

    year: int
    source: str  # "cycle" | "national"
    label: str
    index: Decimal | None
    rank: int | None
    index_delta: Decimal | None
    rank_delta: int | None
    basis: str = ""  # the published province name the comparison uses
    # (province, total, synthetic) of every former province's national result
    predecessors: tuple[tuple[str, Decimal | None, bool], ...] = ()
    synthetic: bool = False  # compared with a demo figure, not an official one

    @property
    def provenance(self) -> str:
        """What the comparison reads: "cycle", "published" or "synthetic"."""
        if self.source == "cycle":
            return "cycle"
        return "synthetic" if self.synthetic else "published"


@dataclass(frozen=True)
class UnitRow:
    rank: int
    unit: Unit
    points: Decimal
    max_points: Decimal
    index: Decimal
    band: str
    band_label: str
    bonus: Decimal
    deduction: Decimal
    fields: tuple[FieldScore, ...]
    result: UnitResult = field(repr=False, compare=False)
    leaves: Mapping[str, LeafRecord] = field(default_factory=dict, repr=False, compare=False)
    participation_id: int | None = None
    change: Change | None = None
    not_submitted: bool = False  # "không nộp": listed after the others, rank 0 (not ranked)

    def field_score(self, code: str) -> FieldScore:
        return next(f for f in self.fields if f.code == code)


@dataclass(frozen=True)
class NodeStats:
    """A node across the units it applies to: average and best component index."""

    code: str
    average: Decimal | None
    best: Decimal | None
    best_units: tuple[str, ...]
    average_lost: Decimal
    count: int


@dataclass
class CycleResults:
    """The ranked results of one cycle at one stage (optionally one unit type)."""

    methodology: Methodology
    stage: str
    rows: list[UnitRow]
    cycle_id: int | None = None
    cycle_name: str = ""
    year: int | None = None
    organiser: str = ""
    unit_type: str | None = None
    previous_label: str = ""
    # The outside body the cycle reports to (Cycle.reports_to): its ledger and exports
    # compare four columns (self, the cycle's own council, that body's appraisal, final).
    reports_to: str = ""

    @property
    def stage_label(self) -> str:
        return str(STAGE_LABELS.get(self.stage, self.stage))

    @property
    def unit_types(self) -> list[str]:
        return sorted({r.unit.type for r in self.rows}, key=type_order)

    def of_type(self, unit_type: str) -> list[UnitRow]:
        return [r for r in self.rows if r.unit.type == unit_type]

    def row_for(self, unit_code: str) -> UnitRow | None:
        return next((r for r in self.rows if r.unit.code == unit_code), None)

    def stats(self, code: str, unit_type: str | None = None) -> NodeStats:
        """Average and best component index of a node over the units it applies to."""
        rows = self.rows if unit_type is None else self.of_type(unit_type)
        return node_stats(rows, code)


def node_stats(rows: Sequence[UnitRow], code: str) -> NodeStats:
    scored: list[tuple[Decimal, str]] = []
    lost = ZERO
    for r in rows:
        n = r.result.nodes.get(code)
        if n is None or n.index is None:
            continue
        scored.append((n.index, r.unit.label))
        lost += n.lost
    if not scored:
        return NodeStats(code, None, None, (), ZERO, 0)
    best = max(i for i, _u in scored)
    avg = q4(sum((i for i, _u in scored), ZERO) / len(scored))
    return NodeStats(
        code,
        avg,
        best,
        tuple(u for i, u in scored if i == best),
        q4(lost / len(scored)),
        len(scored),
    )


def _ranks_of(keys: list[Decimal | None]) -> list[int | None]:
    """Competition ranks of the keys, higher first (None: no rank)."""
    scored = [i for i, k in enumerate(keys) if k is not None]
    ranks = competition_ranks(scored, lambda i: (keys[i],))  # type: ignore[arg-type,return-value]
    out: list[int | None] = [None] * len(keys)
    for i, rk in zip(scored, ranks, strict=True):
        out[i] = rk
    return out


def _group_ranks(
    rows: list[UnitInput], indices: list[tuple[Decimal | None, ...]] | None = None
) -> tuple[list[int], list[list[int | None]]]:
    """Total ranks and, per field, component ranks (None where the field has no index).
    `indices`: each row's field indices, when already computed."""
    ranks = competition_ranks(rows, lambda u: (u.result.index,))
    if indices is None:
        indices = [tuple(f.index for f in u.result.fields) for u in rows]
    n_fields = len(indices[0]) if indices else 0
    per_field = [_ranks_of([ix[i] for ix in indices]) for i in range(n_fields)]
    return ranks, per_field


def _ranks_of_submitted(
    group: list[UnitInput], indices: list[tuple[Decimal | None, ...]]
) -> tuple[list[int], list[list[int | None]]]:
    """_group_ranks over the units that are ranked; a "không nộp" unit gets rank 0 and no
    component ranks."""
    keep = [n for n, u in enumerate(group) if not u.not_submitted]
    if len(keep) == len(group):
        return _group_ranks(group, indices)
    sub_ranks, sub_fields = _group_ranks([group[n] for n in keep], [indices[n] for n in keep])
    n_fields = len(indices[0]) if indices else 0
    ranks = [0] * len(group)
    fields: list[list[int | None]] = [[None] * len(group) for _ in range(n_fields)]
    for j, n in enumerate(keep):
        ranks[n] = sub_ranks[j]
        for i in range(len(sub_fields)):
            fields[i][n] = sub_fields[i][j]
    return ranks, fields


def _order(row: UnitRow) -> tuple[bool, int, Any, str]:
    """Ranked units first by rank (ties in Vietnamese alphabetical order), then the units
    that did not submit ("không nộp")."""
    return (row.not_submitted, row.rank, vn_key(row.unit.name), row.unit.code)


def rank_units(
    m: Methodology,
    inputs: Iterable[UnitInput],
    *,
    by_type: bool = True,
    reuse: dict[int, Any] | None = None,
) -> list[UnitRow]:
    """Rank units (ties share ranks), each unit type separately unless `by_type` is False.
    Rows come by unit type, then rank, then unit code.

    `reuse`: a dict kept by the caller between rankings of the same units (by participation
    id): a unit whose result is the same object, with the same ranks, keeps its row (and
    its field indices are not computed again), so that ranking again after a change builds
    only the rows that moved. The caller gives a new result object for any unit whose
    leaves changed (the row keeps the leaves it was built with)."""
    groups: dict[str, list[UnitInput]] = {}
    for u in inputs:
        groups.setdefault(u.unit.type if by_type else "", []).append(u)
    out: list[UnitRow] = []
    maxima: dict[Decimal, Decimal] = {}
    known: dict[int, Any] = reuse if reuse is not None else {}
    for key in sorted(groups, key=type_order):
        group = groups[key]
        before = [
            known.get(u.participation_id) if u.participation_id is not None else None for u in group
        ]
        indices = [
            b[1] if b is not None and b[0] is u.result else tuple(f.index for f in u.result.fields)
            for u, b in zip(group, before, strict=True)
        ]
        ranks, field_ranks = _ranks_of_submitted(group, indices)
        rows = []
        for n, u in enumerate(group):
            r = u.result
            ix = indices[n]
            placed = (ranks[n], tuple(fr[n] for fr in field_ranks))
            b = before[n]
            if (
                b is not None
                and b[0] is r
                and b[2] == placed
                and b[3].unit == u.unit
                and b[3].not_submitted == u.not_submitted
            ):
                rows.append(b[3])
                continue
            fields = []
            for i, f in enumerate(r.fields):
                top = maxima.get(f.max_points)
                if top is None:
                    top = maxima[f.max_points] = q4(f.max_points)
                node = f.node
                fields.append(
                    FieldScore(node.code, node.name, f.points, top, ix[i], field_ranks[i][n])
                )
            row = UnitRow(
                rank=ranks[n],
                unit=u.unit,
                points=r.points,
                max_points=r.max_points,
                index=r.index,
                band=r.grade.code if r.grade else "",
                band_label=(r.grade.label or r.grade.code) if r.grade else "",
                bonus=r.bonus,
                deduction=r.deduction,
                fields=tuple(fields),
                result=r,
                leaves=u.leaves,
                participation_id=u.participation_id,
                not_submitted=u.not_submitted,
            )
            rows.append(row)
            if reuse is not None and u.participation_id is not None:
                reuse[u.participation_id] = (r, ix, placed, row)
        rows.sort(key=_order)
        out += rows
    if not by_type:
        out.sort(key=_order)
    return out


def copy_row(row: UnitRow, **changes: Any) -> UnitRow:
    """dataclasses.replace(row, **changes) for many rows: a copy of the instance's fields
    with `changes`, without the frozen dataclass's __init__ (several times faster)."""
    new = object.__new__(UnitRow)
    state = new.__dict__
    state.update(row.__dict__)
    state.update(changes)
    return new


def build_results(
    m: Methodology,
    inputs: Iterable[UnitInput],
    *,
    stage: str = "final",
    by_type: bool = True,
    **meta: object,
) -> CycleResults:
    """CycleResults from engine results (meta: cycle_id, cycle_name, year, organiser...)."""
    return CycleResults(m, stage, rank_units(m, inputs, by_type=by_type), **meta)  # type: ignore[arg-type]


def with_changes(results: CycleResults, changes: Mapping[str, Change], label: str) -> None:
    """Attach the change against the year before to the rows (by unit code)."""
    results.rows = [
        copy_row(r, change=changes[r.unit.code]) if r.unit.code in changes else r
        for r in results.rows
    ]
    results.previous_label = label


def change_between(
    row: UnitRow, *, year: int, source: str, label: str, index: Decimal | None, rank: int | None
) -> Change:
    return Change(
        year=year,
        source=source,
        label=label,
        index=index,
        rank=rank,
        index_delta=None if index is None else q4(row.index - index),
        rank_delta=None if rank is None else rank - row.rank,
    )


# --- detail (sub-criterion table) ------------------------------------------------------------


class DetailLine(NamedTuple):
    """One node of one unit: max, stage points, the final points and the texts."""

    unit: Unit
    code: str
    name: str
    depth: int
    is_leaf: bool
    max_points: Decimal
    self_points: Decimal | None
    r1_points: Decimal | None
    r2_points: Decimal | None
    points: Decimal  # at the stage of the results
    reason: str
    explanation: str
    status: str


_NO_SUMS: tuple[Decimal | None, ...] = (None, None, None)


def _add(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    if b is None:
        return a
    return b if a is None else a + b


def _leaf_results(node: NodeResult) -> Iterator[NodeResult]:
    if not node.children:
        yield node
    for c in node.children:
        yield from _leaf_results(c)


def detail_lines(row: UnitRow) -> list[DetailLine]:
    """The unit's fields, criteria and sub-criteria in methodology order; items that do not
    apply to the unit's type are left out. One pass: a parent's stage points are the sums
    of its leaves' (computed while its children are listed)."""
    leaves = row.leaves
    unit = row.unit
    empty = LeafRecord("")
    reasons = {k: str(v) for k, v in REASON_LABELS.items()}
    statuses = {k: str(v) for k, v in STATUS_LABELS.items()}
    statuses["scored"] = statuses["adjusted"] = ""
    out: list[DetailLine | None] = []
    add = out.append

    def visit(n: NodeResult) -> tuple[Decimal | None, ...] | None:
        if n.status == NOT_APPLICABLE:
            return None
        node = n.node
        if not n.children:
            rec = leaves.get(n.code, empty)
            sums = (rec.self_points, rec.r1_effective, rec.r2_effective)
            reason = rec.reason
            add(
                DetailLine(
                    unit,
                    n.code,
                    node.name,
                    node.depth,
                    True,
                    n.max_points,
                    sums[0],
                    sums[1],
                    sums[2],
                    n.points,
                    reasons.get(reason, reason),
                    rec.explanation,
                    statuses.get(n.status, ""),
                )
            )
            return sums
        at = len(out)
        add(None)  # the parent's line, filled in once its children are summed
        total = _NO_SUMS
        applicable = False
        for c in n.children:
            sub = visit(c)
            if sub is not None:
                applicable = True
                total = (_add(total[0], sub[0]), _add(total[1], sub[1]), _add(total[2], sub[2]))
        if not applicable:
            del out[at:]
            return None
        out[at] = DetailLine(
            unit,
            n.code,
            node.name,
            node.depth,
            False,
            q4(n.max_points),
            total[0],
            total[1],
            total[2],
            n.points,
            "",
            "",
            "",
        )
        return total

    for f in row.result.fields:
        visit(f)
    return [line for line in out if line is not None]


# --- the ledger of lost points ---------------------------------------------------------------


class LedgerEntry(NamedTuple):
    """One leaf of one unit that lost points (a tuple: there are hundreds of thousands)."""

    unit: Unit
    unit_rank: int
    code: str
    name: str
    field_code: str
    method: str
    max_points: Decimal
    self_points: Decimal | None
    r1_points: Decimal | None
    r2_points: Decimal | None
    final_points: Decimal
    lost: Decimal
    reason: str
    comment: str
    kind: str
    recoverable_points: Decimal
    lead_agencies: tuple[str, ...] = ()
    lead_agency_codes: tuple[str, ...] = ()
    participation_id: int | None = None
    # A cycle reporting to an outside body: its own final (the council's pre-appraisal) and
    # that body's appraisal; `final_points` is then that body's final, when given.
    province_points: Decimal | None = None
    ministry_points: Decimal | None = None

    # Cut by the cycle's council, by the outside body's appraisal; won back by explanation.
    @property
    def council_cut(self) -> Decimal | None:
        return _diff(self.self_points, self.province_points)

    @property
    def ministry_cut(self) -> Decimal | None:
        return _diff(self.province_points, self.ministry_points)

    @property
    def recovered(self) -> Decimal | None:
        return _diff(self.final_points, self.ministry_points)

    @property
    def recoverable(self) -> bool:
        return self.recoverable_points > 0

    @property
    def reason_label(self) -> str:
        return str(REASON_LABELS.get(self.reason, self.reason))

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])


def _diff(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else q4(a - b)


# (codes the agency covers, empty = all; agency code; agency name)
Assignment = tuple[tuple[str, ...], str, str]


def agencies_for(assignments: Sequence[Assignment], code: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for codes, agency_code, name in assignments:
        if (not codes or any(code == c or code.startswith(f"{c}.") for c in codes)) and (
            agency_code,
            name,
        ) not in out:
            out.append((agency_code, name))
    return out


def ledger_entries(
    rows: Iterable[UnitRow],
    assignments: Callable[[str], Sequence[Assignment]] | None = None,
    *,
    recovery: Recovery = DEFAULT,
) -> list[LedgerEntry]:
    """Every leaf of every unit that lost points (maximum > points), in row order;
    `recovery`: the organiser's recoverability setting (results/recovery.py)."""
    out: list[LedgerEntry] = []
    empty = LeafRecord("")
    for row in rows:
        assigned = assignments(row.unit.code) if assignments else ()
        for f in row.result.fields:
            for n in _leaf_results(f):
                lost = n.lost
                if lost <= 0 or n.status == NOT_APPLICABLE:
                    continue
                rec = row.leaves.get(n.code, empty)
                kind, recoverable = classify_loss(
                    n.node.method, n.max_points, rec, n.points, code=n.code, recovery=recovery
                )
                cut = rec.self_points is not None and n.points < rec.self_points
                agencies = agencies_for(assigned, n.code) if assigned else []
                out.append(
                    LedgerEntry(
                        unit=row.unit,
                        unit_rank=row.rank,
                        code=n.code,
                        name=n.node.name,
                        field_code=f.code,
                        method=n.node.method,
                        max_points=n.max_points,
                        self_points=rec.self_points,
                        r1_points=rec.r1_effective,
                        r2_points=rec.r2_effective,
                        final_points=n.points,
                        lost=q4(lost),
                        reason=rec.reason if cut else "",
                        comment=(rec.ministry_comment or rec.comment) if cut else "",
                        kind=kind,
                        recoverable_points=recoverable,
                        lead_agencies=tuple(a[1] for a in agencies),
                        lead_agency_codes=tuple(a[0] for a in agencies),
                        participation_id=row.participation_id,
                        province_points=rec.province_points,
                        ministry_points=rec.ministry_points,
                    )
                )
    return out


@dataclass(frozen=True)
class LedgerFilter:
    """Filters and order of the ledger. `sort`: lost (default), recoverable, unit, code,
    rank; `field`: a field or criterion code (its sub-criteria)."""

    unit_type: str | None = None
    units: frozenset[str] = frozenset()  # unit codes
    field: str | None = None
    recoverable: bool | None = None
    kind: str | None = None
    reason: str | None = None
    lead_agency: str | None = None  # agency (OrgUnit) code
    min_lost: Decimal | None = None
    sort: str = "lost"
    descending: bool = True


_SORTS: dict[str, Callable[[LedgerEntry], tuple[object, ...]]] = {
    "lost": lambda e: (e.lost, e.recoverable_points),
    "recoverable": lambda e: (e.recoverable_points, e.lost),
    "unit": lambda e: (e.unit.type, e.unit.code),
    "code": lambda e: natural_code(e.code),
    "rank": lambda e: (e.unit_rank,),
}
LEDGER_SORTS = tuple(_SORTS)


def filter_ledger(
    entries: Iterable[LedgerEntry], f: LedgerFilter, *, presorted: bool = False
) -> list[LedgerEntry]:
    """The entries that pass the filter, sorted by it. `presorted`: the entries already come
    by unit code, then code in natural order (the secondary order), as
    results.computation.Snapshot.ledger_lines gives them."""
    out = []
    for e in entries:
        if f.unit_type and e.unit.type != f.unit_type:
            continue
        if f.units and e.unit.code not in f.units:
            continue
        if f.field and not (e.code == f.field or e.code.startswith(f"{f.field}.")):
            continue
        if f.recoverable is not None and e.recoverable != f.recoverable:
            continue
        if f.kind and e.kind != f.kind:
            continue
        if f.reason and e.reason != f.reason:
            continue
        if f.lead_agency and f.lead_agency not in e.lead_agency_codes:
            continue
        if f.min_lost is not None and e.lost < f.min_lost:
            continue
        out.append(e)
    key = _SORTS.get(f.sort, _SORTS["lost"])
    if not presorted:
        # Stable secondary order: unit, then code in natural order.
        natural: dict[str, tuple[int, ...]] = {}
        for e in out:
            if e.code not in natural:
                natural[e.code] = _natural(e.code)
        out.sort(key=lambda e: (e.unit.code, natural[e.code]))
    out.sort(key=key, reverse=f.descending)
    return out


def redact_leaves(
    rows: Sequence[UnitRow], detail_codes: frozenset[str] | None, stages: Sequence[str]
) -> list[UnitRow]:
    """Rows whose per-item records hold only what a reader may read (the decision is
    parindex.assessment.permissions'): the items of the units in `detail_codes` (None: all;
    the others keep their totals, not their items), and of these only the stages in
    `stages` — a round's points, reasons and comments stay blank until it is shown."""
    blank_r1 = "r1" not in stages
    blank_r2 = "r2" not in stages and "final" not in stages

    def leaf(rec: LeafRecord) -> LeafRecord:
        if blank_r1:
            return replace(
                rec, r1_points=None, r2_points=None, r1_reason="", r2_reason="", comment=""
            )
        if blank_r2:
            return replace(rec, r2_points=None, r2_reason="", comment=rec.r1_comment)
        return rec

    out = []
    for r in rows:
        if detail_codes is not None and r.unit.code not in detail_codes:
            out.append(replace(r, leaves={}))
        elif blank_r1 or blank_r2:
            out.append(replace(r, leaves={c: leaf(x) for c, x in r.leaves.items()}))
        else:
            out.append(r)
    return out
