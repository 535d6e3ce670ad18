"""One unit's profile: where it loses points against the average and the best unit, its
stages, its trend over the years and its neighbours in the ranking, read from the cycle's
kept computation (results/computation.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from parindex.assessment.models import Participation
from parindex.assessment.services import unit_result
from parindex.core import q4

from . import computation
from .lineage import lineage
from .models import NationalResult
from .selectors import (
    FINISHED,
    _with_agencies,
    cycle_ranking,
    cycle_results,
    lead_agency_assignments,
    national_label,
)
from .tables import (
    STAGE_LABELS,
    STAGES,
    CycleResults,
    LedgerEntry,
    LedgerFilter,
    NodeStats,
    UnitRow,
    filter_ledger,
    ledger_entries,
    node_stats,
)

# --- one unit's profile --------------------------------------------------------------------------


@dataclass(frozen=True)
class NodeComparison:
    """A node of the unit against the units of its type: average and best index."""

    code: str
    name: str
    depth: int
    is_leaf: bool
    method: str
    max_points: Decimal
    points: Decimal
    index: Decimal | None
    lost: Decimal
    average: Decimal | None
    best: Decimal | None
    best_units: tuple[str, ...]
    average_lost: Decimal
    rank: int | None = None  # fields only


@dataclass(frozen=True)
class StageTotals:
    stage: str
    label: str
    points: Decimal
    max_points: Decimal
    index: Decimal
    fields: tuple[tuple[str, Decimal, Decimal | None], ...]  # (code, points, index)


@dataclass(frozen=True)
class TrendPoint:
    year: int
    label: str
    index: Decimal | None
    rank: int | None
    source: str  # "cycle" | "national"
    province: str = ""  # national: the name as published
    predecessor: bool = False  # national: published under a former province
    synthetic: bool = False  # national: a demo figure, not an official one


@dataclass(frozen=True)
class PeerRow:
    row: UnitRow
    is_you: bool
    gap_before: bool  # ranks were skipped before this row (show "…")


@dataclass
class UnitProfile:
    participation_id: int
    stage: str
    row: UnitRow
    units_ranked: int
    fields: list[NodeComparison]  # fields and criteria, methodology order
    weakest: list[NodeComparison]  # sub-criteria losing the most points
    stages: list[StageTotals]
    trend: list[TrendPoint]
    peers: list[PeerRow]
    ledger: list[LedgerEntry] = field(default_factory=list)


def _compare(row: UnitRow, st: NodeStats) -> NodeComparison:
    code = st.code
    n = row.result.nodes[code]
    rank = next((f.rank for f in row.fields if f.code == code), None)
    return NodeComparison(
        code=code,
        name=n.node.name,
        depth=n.node.depth,
        is_leaf=n.node.is_leaf,
        method=n.node.method,
        max_points=q4(n.max_points),
        points=n.points,
        index=n.index,
        lost=q4(n.lost),
        average=st.average,
        best=st.best,
        best_units=st.best_units,
        average_lost=st.average_lost,
        rank=rank,
    )


def peers_around(
    rows: Sequence[UnitRow], unit_code: str, top: int = 3, around: int = 5
) -> list[PeerRow]:
    """The top `top` rows and the rows within `around` places of the unit, in rank order."""
    pos = next(i for i, r in enumerate(rows) if r.unit.code == unit_code)
    keep = sorted(
        set(range(min(top, len(rows))))
        | set(range(max(0, pos - around), min(len(rows), pos + around + 1)))
    )
    out, last = [], -1
    for i in keep:
        out.append(PeerRow(rows[i], i == pos, gap_before=last >= 0 and i != last + 1))
        last = i
    return out


def unit_profile(
    participation: Participation,
    stage: str = "final",
    *,
    weakest: int = 10,
    results: CycleResults | None = None,
) -> UnitProfile:
    """One unit's results: fields and criteria against the average and the best unit of
    its type; the sub-criteria where it loses the most points; self vs appraised vs final
    totals; the trend over earlier cycles (same unit code) and, for a province, the
    published national results of it and its predecessors; a "top 3 + you ± 5" peer view;
    its ledger of lost points.

    Everything comes from the cycle's computation (results/computation.py): the averages and
    best values are kept per node and moved by the units that change, the stage totals and
    the ledger lines are the computation's, the trend reads the cached rankings of the
    earlier cycles. `results` (at `stage`): compare against these rows instead."""
    cycle = participation.cycle
    unit = participation.unit
    with computation.computing():
        snap = computation.snapshot(cycle, unit.type)
        if results is None or results.stage != stage:
            results = cycle_results(cycle, stage, unit_type=unit.type)
            stats: Callable[[str], NodeStats] = partial(snap.node_stats, stage, unit.type)
        else:
            given = results.of_type(unit.type)
            stats = partial(node_stats, given)
        rows = results.of_type(unit.type)
        row = next(r for r in rows if r.unit.code == unit.code)
        comparisons = [
            _compare(row, stats(n.code))
            for f in row.result.fields
            for n in f.walk()
            if n.children and n.max_points > 0
        ]
        leaves = [
            _compare(row, stats(n.code))
            for f in row.result.fields
            for n in f.walk()
            if not n.children and n.lost > 0
        ]
        leaves.sort(key=lambda c: (-c.lost, -(c.lost - c.average_lost)))
        known = participation.pk in snap.units
        stages = []
        for s in STAGES:
            r = snap.result(s, participation.pk) if known else unit_result(participation, s)
            stages.append(
                StageTotals(
                    s,
                    str(STAGE_LABELS[s]),
                    r.points,
                    r.max_points,
                    r.index,
                    tuple((f.code, f.points, f.index) for f in r.fields),
                )
            )
        assignments = lead_agency_assignments(cycle)
        if known and row.result is snap.result(stage, participation.pk):
            lines = snap.ledger_lines(stage, unit.type, [participation.pk])
            ledger = filter_ledger(
                _with_agencies(lines, assignments), LedgerFilter(), presorted=True
            )
        else:
            ledger = ledger_entries(
                [row], lambda code: assignments.get(code, ()), recovery=snap.recovery()
            )
            ledger = filter_ledger(ledger, LedgerFilter())
        return UnitProfile(
            participation_id=participation.pk,
            stage=stage,
            row=row,
            units_ranked=len(rows),
            fields=comparisons,
            weakest=leaves[:weakest],
            stages=stages,
            trend=unit_trend(participation, row),
            peers=peers_around(rows, unit.code),
            ledger=ledger,
        )


def unit_trend(participation: Participation, row: UnitRow | None = None) -> list[TrendPoint]:
    """The unit's index in earlier finished cycles (same unit code) and, for a province, the
    published national results mapped to it; oldest first, ending with this cycle. The
    earlier cycles' rankings are the cached ones (cycle_ranking)."""
    cycle = participation.cycle
    unit = participation.unit
    points: list[TrendPoint] = []
    earlier = (
        Participation.objects.filter(
            unit__code=unit.code, cycle__year__lt=cycle.year, cycle__state__in=FINISHED
        )
        .select_related("cycle", "cycle__organiser", "cycle__methodology")
        .order_by("cycle__year")
    )
    years_seen = set()
    for p in earlier:
        res = cycle_ranking(p.cycle, "final", unit_type=unit.type, with_change=False)
        r = res.row_for(unit.code)
        if r is None:
            continue
        years_seen.add(p.cycle.year)
        points.append(TrendPoint(p.cycle.year, p.cycle.name, r.index, r.rank, "cycle"))
    if unit.type == "province":
        prov = lineage().province(unit.name) or lineage().province(unit.code)
        if prov is not None:
            for nr in NationalResult.objects.filter(
                province_2025=prov.name, year__lt=cycle.year
            ).order_by("year", "province"):
                points.append(
                    TrendPoint(
                        nr.year,
                        national_label(nr.year, synthetic=nr.synthetic),
                        nr.total,
                        nr.rank,
                        "national",
                        province=nr.province,
                        predecessor=nr.province_canonical != prov.continuing(),
                        synthetic=nr.synthetic,
                    )
                )
    points.sort(key=lambda t: (t.year, t.source != "cycle", t.predecessor, t.province))
    if row is not None:
        points.append(TrendPoint(cycle.year, cycle.name, row.index, row.rank, "cycle"))
    return points
