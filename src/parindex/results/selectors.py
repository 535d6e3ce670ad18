"""Reads of results: rankings, unit profiles, the ledger of lost points and the published
national results. One query fetches a cycle's participations with their entries; each unit
is computed once per stage (parindex.assessment.services.unit_result); the tables
themselves are built by results/tables.py (pure, shared with the exports and benchmark).

Visibility is decided by parindex.assessment.permissions (results_access, cycle_for_results):
this module computes, callers filter with what the permissions say.

Caching: `cycle_ranking` is `cycle_results` without the per-unit result trees (what a
ranking table shows), cached under a version token (`ranking_version`) that changes with any
audited change of the cycle; see "cached rankings" below.
"""

from __future__ import annotations

import gc
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, cast

from django.core.cache import cache
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from parindex.accounts.models import Membership, Role
from parindex.assessment import lifecycle
from parindex.assessment.models import Cycle, Entry, Participation
from parindex.assessment.services import unit_of, unit_result
from parindex.audit.models import LogEntry
from parindex.core import UnitResult, q4

from .lineage import lineage
from .models import NationalResult
from .tables import (
    STAGE_LABELS,
    STAGES,
    Assignment,
    Change,
    CycleResults,
    LeafRecord,
    LedgerEntry,
    LedgerFilter,
    UnitInput,
    UnitRow,
    build_results,
    change_between,
    filter_ledger,
    ledger_entries,
    node_stats,
    with_changes,
)

FINISHED = lifecycle.FINISHED_STATES


def national_label(year: int) -> str:
    return _("Chỉ số CCHC cấp tỉnh năm %(y)s (Bộ Nội vụ công bố)") % {"y": year}


# --- inputs from the database -----------------------------------------------------------------


def leaf_records(entries: Sequence[Entry]) -> dict[str, LeafRecord]:
    out = {}
    for e in entries:
        comment = e.r2_comment if e.r2_points is not None and e.r2_comment else e.r1_comment
        out[e.code] = LeafRecord(
            code=e.code,
            self_points=e.self_points,
            r1_points=e.r1_points,
            r2_points=e.r2_points,
            r1_reason=e.r1_reason,
            r2_reason=e.r2_reason,
            comment=comment,
            r1_comment=e.r1_comment,
            explanation=e.explanation,
        )
    return out


def _participations(cycle: Cycle, unit_type: str | None) -> list[Participation]:
    qs = cycle.participations.select_related("unit").prefetch_related(
        Prefetch("entries", queryset=Entry.objects.order_by("code"))
    )
    if unit_type:
        qs = qs.filter(unit__type=unit_type)
    parts = list(qs)
    for p in parts:
        p.cycle = cycle  # one methodology tree for all, no query per unit
    return parts


def unit_inputs(cycle: Cycle, stage: str, unit_type: str | None = None) -> list[UnitInput]:
    """Each participating unit computed once at `stage`, with its stored entries."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage: {stage}")
    out = []
    for p in _participations(cycle, unit_type):
        entries = list(p.entries.all())
        out.append(
            UnitInput(
                unit=unit_of(p.unit),
                result=unit_result(p, stage, entries),
                leaves=leaf_records(entries),
                participation_id=p.pk,
            )
        )
    return out


# --- rankings ----------------------------------------------------------------------------------


def previous_cycle(cycle: Cycle) -> Cycle | None:
    """The finished cycle of the year before, same organiser and methodology code."""
    return (
        Cycle.objects.filter(
            organiser_id=cycle.organiser_id,
            methodology__code=cycle.methodology.code,
            year=cycle.year - 1,
            state__in=FINISHED,
        )
        .select_related("methodology")
        .order_by("-finalised_at", "-pk")
        .first()
    )


def cycle_results(
    cycle: Cycle,
    stage: str = "final",
    *,
    unit_type: str | None = None,
    by_type: bool = True,
    with_change: bool = True,
) -> CycleResults:
    """The ranking of a cycle at a stage: per unit rank, index, points, maximum, band,
    component index and rank per field (ties share ranks; each unit type ranked separately
    unless `by_type` is False), and the change against the year before (the previous
    cycle of the same organiser and methodology code; for provinces without one, the
    imported national results through the 63 -> 34 lineage)."""
    results = build_results(
        cycle.methodology.tree,
        unit_inputs(cycle, stage, unit_type),
        stage=stage,
        by_type=by_type,
        cycle_id=cycle.pk,
        cycle_name=cycle.name,
        year=cycle.year,
        organiser=cycle.organiser.name,
        unit_type=unit_type,
    )
    if with_change:
        _attach_changes(cycle, results, by_type=by_type)
    return results


def _attach_changes(cycle: Cycle, results: CycleResults, *, by_type: bool) -> None:
    changes: dict[str, Change] = {}
    label = ""
    prev = previous_cycle(cycle)
    if prev is not None:
        before = cycle_ranking(  # the ranks and indices of the year before, cached
            prev, "final", unit_type=results.unit_type, by_type=by_type, with_change=False
        )
        label = prev.name
        by_code = {r.unit.code: r for r in before.rows}
        for row in results.rows:
            old = by_code.get(row.unit.code)
            if old is not None:
                changes[row.unit.code] = change_between(
                    row,
                    year=prev.year,
                    source="cycle",
                    label=prev.name,
                    index=old.index,
                    rank=old.rank,
                )
    provinces = [
        r for r in results.rows if r.unit.type == "province" and r.unit.code not in changes
    ]
    if provinces:
        national = national_changes(provinces, cycle.year - 1)
        changes.update(national)
        if national and not label:
            label = national_label(cycle.year - 1)
    with_changes(results, changes, label)


def national_changes(rows: Sequence[UnitRow], year: int) -> dict[str, Change]:
    """Changes of province rows against the published national results of `year`. The
    comparison uses the province's continuing predecessor (same name, or the only one);
    every predecessor's published total is listed. Ranks are compared only between years
    with the same provinces (both before, or both from 2025), as the 63 and the 34 differ."""
    lin = lineage()
    wanted = {}
    for r in rows:
        prov = lin.province(r.unit.name) or lin.province(r.unit.code)
        if prov is not None:
            wanted[r.unit.code] = prov
    if not wanted:
        return {}
    published: dict[str, list[NationalResult]] = {}
    for nr in NationalResult.objects.filter(
        year=year, province_2025__in={p.name for p in wanted.values()}
    ):
        published.setdefault(nr.province_2025, []).append(nr)
    out = {}
    for r in rows:
        prov = wanted.get(r.unit.code)
        found = published.get(prov.name, []) if prov else []
        if not prov or not found:
            continue
        basis_name = prov.continuing()
        basis = next((n for n in found if n.province_canonical == basis_name), None)
        if basis is None and year >= 2025:
            basis = next((n for n in found if n.province_canonical == prov.name), None)
        comparable_ranks = year >= 2025
        change = change_between(
            r,
            year=year,
            source="national",
            label=national_label(year),
            index=basis.total if basis else None,
            rank=basis.rank if basis else None,
        )
        out[r.unit.code] = replace(
            change,
            rank_delta=change.rank_delta if comparable_ranks else None,
            basis=basis.province if basis else "",
            predecessors=tuple(
                (n.province, n.total) for n in sorted(found, key=lambda n: n.province)
            ),
        )
    return out


# --- cached rankings ---------------------------------------------------------------------------
#
# Computing a national cycle (4,000 units x 90 leaves, 345,000 entries) takes seconds, so the
# ranking tables are cached. What is cached: the rows of `cycle_results` (rank, index, points,
# band, component indices and ranks, change against the year before) WITHOUT the unit result
# trees and leaf records: for 3,321 communes those take 240 MB and hold closures that cannot be
# pickled, while the rows alone pickle to 2.7 MB (19 MB in memory). Two levels:
#   1. Django's cache framework (settings.CACHES, alias "default"). The default LocMemCache
#      lives in each process: with several worker processes, set CACHES to Redis or the
#      database cache so that one computation serves every worker;
#   2. in front of it, a per-process dictionary of the live rows (at most LOCAL_MAX_ROWS rows,
#      least recently used dropped first), so that a hit costs no unpickling (0.1 s for 3,321
#      rows).
# The key holds a version token (`ranking_version`), read with indexed queries on each request:
# every change of data feeding the results goes through a service that writes an append-only
# audit row (parindex.audit LogEntry) with the cycle, in the same transaction (entries at every
# stage, external and survey data, appraisal, explanation, participations, state changes and
# the finalisation), so the cycle's latest audit row changes whenever its results may have.
# The token adds the cycle's state and methodology and, for the change against the year
# before, the previous cycle's token and the latest import of national results. A new version
# replaces the old one's entries (both levels); entries expire after RANKING_CACHE_SECONDS,
# which also bounds how long a change made outside the audited services (a unit renamed in
# the admin) can go unseen.


@dataclass
class RankingTable(CycleResults):
    """CycleResults from the ranking cache: rows without result trees, and `memo`, a dict
    shared by every copy of the same cached ranking where readers keep what they derive
    from all of its rows (the rows never change under a key)."""

    memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


RANKING_CACHE_SECONDS = 3600
READ_ONLY_ACTIONS = ("results.exported",)  # logged with the cycle, change nothing
LOCAL_MAX_ROWS = 20_000  # per process, about 6 KB a row (Decimals)
_local: OrderedDict[str, tuple[str, float, RankingTable]] = OrderedDict()  # key: (base, expiry,)
_local_lock = threading.Lock()
_computing: dict[str, threading.Lock] = {}


def _log_token(**filters: Any) -> str:
    row = (
        LogEntry.objects.filter(**filters)
        .exclude(action__in=READ_ONLY_ACTIONS)
        .order_by("-id")
        .values_list("id", "at")
        .first()
    )
    # The time is part of the token: a database restored or rebuilt reuses ids (tests roll
    # back), hardly ever with the same microsecond.
    return f"{row[0]}@{row[1].timestamp():.6f}" if row else "0"


def results_version(cycle: Cycle) -> str:
    """Changes whenever data feeding the cycle's results may have changed: the cycle's
    latest audit row (one indexed query), its state and methodology."""
    return f"{cycle.pk}.{cycle.methodology_id}.{cycle.state}.{_log_token(cycle_id=cycle.pk)}"


def ranking_version(cycle: Cycle, *, with_change: bool = True) -> str:
    """results_version, plus what the change against the year before reads: the previous
    cycle (which one, and its version) and the latest import of national results."""
    if not with_change:
        return results_version(cycle)
    prev = previous_cycle(cycle)
    before = results_version(prev) if prev is not None else "-"
    national = _log_token(action="results.national_imported")
    return f"{results_version(cycle)}|{before}|{national}"


def _ranking_keys(
    cycle: Cycle, stage: str, unit_type: str | None, by_type: bool, with_change: bool
) -> tuple[str, str]:
    """(base, key): the base names the ranking, the key one version of it."""
    flags = f"{stage}:{unit_type or '*'}:{int(by_type)}:{int(with_change)}"
    base = f"parindex:ranking:v1:{cycle.pk}:{flags}"
    return base, f"{base}:{ranking_version(cycle, with_change=with_change)}"


def _local_get(key: str) -> RankingTable | None:
    with _local_lock:
        found = _local.get(key)
        if found is None:
            return None
        if found[1] < time.monotonic():
            del _local[key]
            return None
        _local.move_to_end(key)
        return found[2]


def _local_put(base: str, key: str, results: RankingTable) -> None:
    with _local_lock:
        for old in [k for k, v in _local.items() if v[0] == base]:
            del _local[old]  # a superseded version
        _local[key] = (base, time.monotonic() + RANKING_CACHE_SECONDS, results)
        rows = sum(len(v[2].rows) for v in _local.values())
        while rows > LOCAL_MAX_ROWS and len(_local) > 1:
            _k, (_b, _t, dropped) = _local.popitem(last=False)
            rows -= len(dropped.rows)


def ranking_cache_clear() -> None:
    """Forget the per-process rows (tests; Django's cache is cleared with cache.clear())."""
    with _local_lock:
        _local.clear()


def _slim(rows: Sequence[UnitRow]) -> list[UnitRow]:
    return [replace(r, result=cast(UnitResult, None), leaves={}) for r in rows]


def _computed(
    cycle: Cycle,
    stage: str,
    unit_type: str | None,
    by_type: bool,
    with_change: bool,
    base: str,
    key: str,
) -> tuple[list[UnitRow], str]:
    """(rows, previous label) from Django's cache, else computed and stored there."""
    stored = cache.get(key)
    if stored is not None:
        return stored
    full = cycle_results(
        cycle, stage, unit_type=unit_type, by_type=by_type, with_change=with_change
    )
    stored = (_slim(full.rows), full.previous_label)
    del full
    # The entries loaded (model instances in reference cycles with their participations) and
    # the result trees are garbage now: collect them in this slow request rather than in a
    # later, fast one (a full pass over a million objects stalls every thread for 0.3-1 s).
    gc.collect()
    superseded = cache.get(base)
    if superseded and superseded != key:
        cache.delete(superseded)
    cache.set_many({key: stored, base: key}, RANKING_CACHE_SECONDS)
    return stored


def cycle_ranking(
    cycle: Cycle,
    stage: str = "final",
    *,
    unit_type: str | None = None,
    by_type: bool = True,
    with_change: bool = True,
) -> RankingTable:
    """`cycle_results` for ranking tables, cached (see above): the same rows, ranks and
    changes, but `row.result` is None and `row.leaves` empty (use `cycle_results` for unit
    profiles, the ledger and exports). Each call returns its own RankingTable and row list;
    the rows themselves and the memo are shared (never change them)."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage: {stage}")
    base, key = _ranking_keys(cycle, stage, unit_type, by_type, with_change)
    found = _local_get(key)
    if found is None:
        with _local_lock:
            computing = _computing.setdefault(key, threading.Lock())
        with computing:  # one computation per key and process; the others wait for it
            found = _local_get(key)
            if found is None:
                rows, previous_label = _computed(
                    cycle, stage, unit_type, by_type, with_change, base, key
                )
                found = RankingTable(
                    methodology=cycle.methodology.tree,
                    stage=stage,
                    rows=rows,
                    cycle_id=cycle.pk,
                    unit_type=unit_type,
                    previous_label=previous_label,
                )
                _local_put(base, key, found)
        with _local_lock:
            _computing.pop(key, None)
    return replace(
        found,
        rows=list(found.rows),
        cycle_name=cycle.name,
        year=cycle.year,
        organiser=cycle.organiser.name,
    )


# --- lead agencies and the ledger --------------------------------------------------------------


def lead_agency_assignments(cycle: Cycle) -> dict[str, list[Assignment]]:
    """Per assessed unit code: (codes, agency code, agency name) of the lead agencies
    (Membership role lead_agency, target = the unit; empty codes = every item)."""
    out: dict[str, list[Assignment]] = {}
    qs = Membership.objects.filter(
        role=Role.LEAD_AGENCY, target__participations__cycle=cycle
    ).select_related("unit", "target")
    for m in qs:
        if m.cycle_id not in (None, cycle.pk) or m.unit is None or m.target is None:
            continue
        item: Assignment = (tuple(m.codes or ()), m.unit.code, m.unit.name)
        lst = out.setdefault(m.target.code, [])
        if item not in lst:
            lst.append(item)
    return out


def lost_points_ledger(
    cycle: Cycle,
    filters: LedgerFilter | None = None,
    *,
    results: CycleResults | None = None,
) -> list[LedgerEntry]:
    """Every unit x leaf that lost points at the final stage: maximum, self, round 1, round
    2, final, lost, the appraiser's reason, the lead agencies and what is recoverable (rules
    in results/tables.py), filtered and sorted by `filters`. Pass `results` (final stage)
    when already computed."""
    filters = filters or LedgerFilter()
    if results is None or results.stage != "final":
        results = cycle_results(cycle, "final", unit_type=filters.unit_type, with_change=False)
    assignments = lead_agency_assignments(cycle)
    entries = ledger_entries(results.rows, lambda code: assignments.get(code, ()))
    return filter_ledger(entries, filters)


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


def _compare(row: UnitRow, rows: Sequence[UnitRow], code: str) -> NodeComparison:
    n = row.result.nodes[code]
    st = node_stats(rows, code)
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
    its ledger of lost points."""
    cycle = participation.cycle
    unit = participation.unit
    if results is None or results.stage != stage:
        results = cycle_results(cycle, stage, unit_type=unit.type)
    rows = results.of_type(unit.type)
    row = next(r for r in rows if r.unit.code == unit.code)
    comparisons = [
        _compare(row, rows, n.code)
        for f in row.result.fields
        for n in f.walk()
        if n.children and n.max_points > 0
    ]
    leaves = [
        _compare(row, rows, n.code)
        for f in row.result.fields
        for n in f.walk()
        if not n.children and n.lost > 0
    ]
    leaves.sort(key=lambda c: (-c.lost, -(c.lost - c.average_lost)))
    entries = list(participation.entries.all())
    stages = []
    for s in STAGES:
        r = unit_result(participation, s, entries)
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
    ledger = ledger_entries([row], lambda code: assignments.get(code, ()))
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
        ledger=filter_ledger(ledger, LedgerFilter()),
    )


def unit_trend(participation: Participation, row: UnitRow | None = None) -> list[TrendPoint]:
    """The unit's index in earlier finished cycles (same unit code) and, for a province, the
    published national results mapped to it; oldest first, ending with this cycle."""
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
        res = cycle_results(p.cycle, "final", unit_type=unit.type, with_change=False)
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
                        national_label(nr.year),
                        nr.total,
                        nr.rank,
                        "national",
                        province=nr.province,
                        predecessor=nr.province_canonical != prov.continuing(),
                    )
                )
    points.sort(key=lambda t: (t.year, t.source != "cycle", t.predecessor, t.province))
    if row is not None:
        points.append(TrendPoint(cycle.year, cycle.name, row.index, row.rank, "cycle"))
    return points


# --- national results ------------------------------------------------------------------------


def national_results_for(province: str, *, before_year: int | None = None) -> list[NationalResult]:
    """Published national results shown under a 2025 province (any spelling): its own and
    its predecessors' rows (NationalResult.is_predecessor), newest year first."""
    prov = lineage().province(province)
    if prov is None:
        return []
    qs = NationalResult.objects.filter(province_2025=prov.name)
    if before_year is not None:
        qs = qs.filter(year__lt=before_year)
    return list(qs.order_by("-year", "province"))


def national_results_table(year: int) -> list[tuple[str, list[NationalResult]]]:
    """A year's published results grouped under the 34 provinces (lineage order); a 2024
    row for "Yên Bái" appears under Lào Cai. Provinces without a row get an empty list."""
    rows: dict[str, list[NationalResult]] = {}
    for nr in NationalResult.objects.filter(year=year).order_by("rank", "-total"):
        rows.setdefault(nr.province_2025, []).append(nr)
    return [(p.name, rows.get(p.name, [])) for p in lineage().provinces]


def national_years() -> list[int]:
    return list(NationalResult.objects.values_list("year", flat=True).distinct().order_by("-year"))


def ledger_filter_from_params(params: Any, *, unit_type: str | None = None) -> LedgerFilter:
    """A LedgerFilter from query parameters (web, API): unit (codes, repeatable), field,
    recoverable (1/0), kind, reason, lead_agency (agency code), min_lost, sort (lost,
    recoverable, unit, code, rank), order (asc/desc). Unknown values are ignored."""
    from .tables import KIND_LABELS, LEDGER_SORTS, REASON_LABELS

    def get(name: str) -> str:
        value = params.get(name, "")
        return value.strip() if isinstance(value, str) else ""

    units = params.getlist("unit") if hasattr(params, "getlist") else []
    recoverable = {"1": True, "true": True, "0": False, "false": False}.get(get("recoverable"))
    min_lost = None
    if get("min_lost"):
        try:
            min_lost = Decimal(get("min_lost").replace(",", "."))
        except ArithmeticError:
            min_lost = None
    sort = get("sort") if get("sort") in LEDGER_SORTS else "lost"
    return LedgerFilter(
        unit_type=unit_type or get("unit_type") or None,
        units=frozenset(u.strip() for u in units if u.strip()),
        field=get("field") or None,
        recoverable=recoverable,
        kind=get("kind") if get("kind") in KIND_LABELS else None,
        reason=get("reason") if get("reason") in REASON_LABELS else None,
        lead_agency=get("lead_agency") or None,
        min_lost=min_lost,
        sort=sort,
        descending=get("order") != "asc",
    )
