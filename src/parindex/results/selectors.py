"""Reads of results: rankings, unit profiles, the ledger of lost points and the published
national results. Every read of computed results goes through the cycle's computation
(results/computation.py): entries read as plain rows, each unit computed once per stage and
results version, and only the units that changed computed again after a change; the tables
themselves are built by results/tables.py (pure, shared with the exports and benchmark).

Visibility is decided by parindex.assessment.permissions (results_access, cycle_for_results):
this module computes, callers filter with what the permissions say.

Caching: `cycle_ranking` is `cycle_results` without the per-unit result trees (what a
ranking table shows), cached under a version token (`ranking_version`: the cycle's
results version, Cycle.results_version, and what the change against the year before reads);
see "cached rankings" below.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, cast

from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db.models import Count, Max
from django.utils.translation import gettext as _

from parindex.accounts.models import Membership, Role
from parindex.assessment import lifecycle
from parindex.assessment.models import Cycle, Entry
from parindex.common.collation import vn_key

from . import computation
from .lineage import lineage
from .models import NationalResult
from .tables import (
    STAGES,
    Assignment,
    Change,
    CycleResults,
    LeafRecord,
    LedgerEntry,
    LedgerFilter,
    UnitInput,
    UnitRow,
    agencies_for,
    change_between,
    copy_row,
    filter_ledger,
    ledger_entries,
    with_changes,
)

FINISHED = lifecycle.FINISHED_STATES


def national_label(year: int, *, synthetic: bool = False) -> str:
    if synthetic:
        return _(
            "Chỉ số CCHC cấp tỉnh năm %(y)s (số liệu minh họa, không phải số liệu chính thức)"
        ) % {"y": year}
    return _("Chỉ số CCHC cấp tỉnh năm %(y)s (Bộ Nội vụ công bố)") % {"y": year}


# --- inputs from the database -----------------------------------------------------------------


def leaf_records(entries: Sequence[Entry]) -> dict[str, LeafRecord]:
    out = {}
    for e in entries:
        comment = e.r2_comment if e.r2_points is not None and e.r2_comment else e.r1_comment
        outside = e.ministry_points is not None or e.ministry_final_points is not None
        if outside and e.ministry_comment:  # the outside body's word is the latest
            comment = e.ministry_comment
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
            province_points=e.final_points,
            ministry_points=e.ministry_points,
            ministry_final_points=e.ministry_final_points,
            ministry_reason=e.ministry_reason,
            ministry_comment=e.ministry_comment,
            ministry_explanation=e.ministry_explanation,
        )
    return out


def unit_inputs(cycle: Cycle, stage: str, unit_type: str | None = None) -> list[UnitInput]:
    """Each participating unit computed once at `stage`, with its stored entries (from the
    cycle's computation, results/computation.py)."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage: {stage}")
    with computation.computing():
        snap = computation.snapshot(cycle, unit_type)
        units = snap.units_of(unit_type)
        results = snap.stage_results(stage, units)
        return [UnitInput(u.unit, results[u.pid], computation.LazyLeaves(u), u.pid) for u in units]


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
    imported national results through the 63 -> 34 lineage).

    From the cycle's computation (results/computation.py): computed once per results
    version and process, then refreshed for the units that changed. The rows (with their
    result trees) are shared: never change them; the list is the caller's own."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage: {stage}")
    with computation.computing():
        snap = computation.snapshot(cycle, unit_type)
        rows = snap.table(stage, unit_type, by_type)
        label = ""
        if with_change:
            rows, label = _rows_with_changes(cycle, snap, rows, stage, unit_type, by_type)
        return CycleResults(
            methodology=snap.tree,
            stage=stage,
            rows=list(rows),
            cycle_id=cycle.pk,
            cycle_name=cycle.name,
            year=cycle.year,
            organiser=cycle.organiser.name,
            unit_type=unit_type,
            previous_label=label,
            reports_to=cycle.reports_to,
        )


def _rows_with_changes(
    cycle: Cycle,
    snap: computation.Snapshot,
    rows: list[UnitRow],
    stage: str,
    unit_type: str | None,
    by_type: bool,
) -> tuple[list[UnitRow], str]:
    """The rows with their change against the year before, kept with the snapshot under
    what the change reads (the previous cycle's version, the national results' import)."""
    prev = previous_cycle(cycle)
    token = change_version(cycle, prev)
    key = ("changes", stage, unit_type, by_type)
    found = snap.derived.get(key)
    if found is not None and found[0] == token:
        return found[1], found[2]
    results = CycleResults(snap.tree, stage, rows, cycle_id=cycle.pk, unit_type=unit_type)
    _attach_changes(cycle, results, by_type=by_type, prev=prev)
    snap.derived[key] = (token, results.rows, results.previous_label)
    return results.rows, results.previous_label


_NO_PREV: Any = object()


def _attach_changes(
    cycle: Cycle, results: CycleResults, *, by_type: bool, prev: Cycle | None = _NO_PREV
) -> None:
    changes: dict[str, Change] = {}
    label = ""
    if prev is _NO_PREV:
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
            synthetic = any(c.synthetic for c in national.values())
            label = national_label(cycle.year - 1, synthetic=synthetic)
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
        synthetic = basis.synthetic if basis else any(n.synthetic for n in found)
        change = change_between(
            r,
            year=year,
            source="national",
            label=national_label(year, synthetic=synthetic),
            index=basis.total if basis else None,
            rank=basis.rank if basis else None,
        )
        out[r.unit.code] = replace(
            change,
            rank_delta=change.rank_delta if comparable_ranks else None,
            basis=basis.province if basis else "",
            predecessors=tuple(
                (n.province, n.total, n.synthetic)
                for n in sorted(found, key=lambda n: vn_key(n.province))
            ),
            synthetic=synthetic,
        )
    return out


# --- cached rankings ---------------------------------------------------------------------------
#
# A ranking table shows the rows of `cycle_results` (rank, index, points, band, component
# indices and ranks, change against the year before) WITHOUT the unit result trees and leaf
# records: for 3,321 communes those take 240 MB and hold closures that cannot be pickled,
# while the rows alone pickle to 2.7 MB (19 MB in memory). `cycle_ranking` keeps these rows
#   1. per process, in front of everything: a dictionary of the live rows (at most
#      LOCAL_MAX_ROWS rows, least recently used dropped first), so that a hit costs no
#      unpickling (0.1 s for 3,321 rows);
#   2. in Django's cache framework (settings.CACHES, alias "default") when that is shared
#      between processes (Redis, database: see README, "Configuration and production"), so
#      that one computation serves every worker. A process-local cache (the default
#      LocMemCache) is not used for them: level 1 already is one, without pickling.
# Below both, the computation itself (results/computation.py) is kept per process and
# refreshed for the units that changed.
# The key holds a version token read with indexed queries on each request: the cycle's
# results version (Cycle.results_version, bumped with every entry write and state change
# by parindex.assessment.services.results_changed) and methodology; with the change against
# the year before, also the previous cycle's and the latest import of the national results
# of that year. A new version replaces the old one's entries (both levels); entries expire
# after RANKING_CACHE_SECONDS, which also bounds how long a change made outside the
# services (a unit renamed in the admin) can go unseen.


@dataclass
class RankingTable(CycleResults):
    """CycleResults from the ranking cache: rows without result trees, and `memo`, a dict
    shared by every copy of the same cached ranking where readers keep what they derive
    from all of its rows (the rows never change under a key)."""

    memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


RANKING_CACHE_SECONDS = 3600
LOCAL_MAX_ROWS = 20_000  # per process, about 6 KB a row (Decimals)
_local: OrderedDict[str, tuple[str, float, RankingTable]] = OrderedDict()  # key: (base, expiry,)
_local_lock = threading.Lock()
_computing: dict[str, threading.Lock] = {}


def results_version(cycle: Cycle) -> str:
    """Changes whenever data feeding the cycle's results may have changed: the cycle's
    results version, read now (one indexed query), with its methodology."""
    return f"{cycle.pk}.{cycle.methodology_id}.{computation.current_version(cycle.pk)}"


def change_version(cycle: Cycle, prev: Cycle | None) -> str:
    """What the change against the year before reads: the previous cycle (which one, and
    its results version) and the national results of that year (their latest import)."""
    before = f"{prev.pk}.{prev.methodology_id}.{prev.results_version}" if prev else "-"
    national = NationalResult.objects.filter(year=cycle.year - 1).aggregate(
        n=Count("pk"), at=Max("imported_at")
    )
    at = national["at"].timestamp() if national["at"] else 0
    return f"{before}|{national['n']}@{at:.6f}"


def ranking_version(cycle: Cycle, *, with_change: bool = True) -> str:
    """results_version, plus, with the change against the year before, change_version."""
    if not with_change:
        return results_version(cycle)
    return f"{results_version(cycle)}|{change_version(cycle, previous_cycle(cycle))}"


def _ranking_keys(
    cycle: Cycle, stage: str, unit_type: str | None, by_type: bool, with_change: bool
) -> tuple[str, str]:
    """(base, key): the base names the ranking, the key one version of it."""
    flags = f"{stage}:{unit_type or '*'}:{int(by_type)}:{int(with_change)}"
    base = f"parindex:ranking:v2:{cycle.pk}:{flags}"
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
    """Forget what this process keeps: the ranking rows and the computations (tests; Django's
    cache is cleared with cache.clear())."""
    with _local_lock:
        _local.clear()
    computation.clear()


def shared_cache() -> Any:
    """Django's cache when it is shared between processes, else None (see above)."""
    backend = caches["default"]
    if isinstance(backend, LocMemCache | DummyCache):
        return None
    return backend


def _slim(rows: Sequence[UnitRow]) -> list[UnitRow]:
    return [copy_row(r, result=None, leaves={}) for r in rows]


def _computed(
    cycle: Cycle,
    stage: str,
    unit_type: str | None,
    by_type: bool,
    with_change: bool,
    base: str,
    key: str,
) -> tuple[list[UnitRow], str]:
    """(rows, previous label) from Django's cache when shared, else computed (and stored
    there)."""
    shared = shared_cache()
    if shared is not None:
        stored = shared.get(key)
        if stored is not None:
            return cast(tuple[list[UnitRow], str], stored)
    full = cycle_results(
        cycle, stage, unit_type=unit_type, by_type=by_type, with_change=with_change
    )
    stored = (_slim(full.rows), full.previous_label)
    if shared is not None:
        superseded = shared.get(base)
        if superseded and superseded != key:
            shared.delete(superseded)
        shared.set_many({key: stored, base: key}, RANKING_CACHE_SECONDS)
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


def _with_agencies(
    lines: list[LedgerEntry], assignments: dict[str, list[Assignment]]
) -> list[LedgerEntry]:
    """Ledger lines with their lead agencies (the lines of units without any as they are)."""
    if not assignments:
        return lines
    out = []
    for e in lines:
        assigned = assignments.get(e.unit.code)
        if assigned:
            agencies = agencies_for(assigned, e.code)
            if agencies:
                e = e._replace(
                    lead_agencies=tuple(a[1] for a in agencies),
                    lead_agency_codes=tuple(a[0] for a in agencies),
                )
        out.append(e)
    return out


LEDGER_VIEWS_KEPT = 8  # per snapshot: the filtered and sorted ledgers last asked for


def lost_points_ledger(
    cycle: Cycle,
    filters: LedgerFilter | None = None,
    *,
    results: CycleResults | None = None,
) -> list[LedgerEntry]:
    """Every unit x leaf that lost points at the final stage: maximum, self, round 1, round
    2, final, lost, the appraiser's reason, the lead agencies and what is recoverable (rules
    in results/tables.py), filtered and sorted by `filters`. Pass `results` (final stage)
    when already computed; otherwise the lines come from the cycle's computation (kept per
    unit, results/computation.py), only those of the units asked for when filtered by unit."""
    filters = filters or LedgerFilter()
    assignments = lead_agency_assignments(cycle)
    if results is not None and results.stage == "final":
        entries = ledger_entries(
            results.rows,
            lambda code: assignments.get(code, ()),
            recovery=computation.recovery_of(cycle.pk),
        )
        return filter_ledger(entries, filters)
    types: Sequence[str | None] = [filters.unit_type]
    if filters.units and filters.unit_type is None:
        # only the types of the units asked for (a ledger linked from a unit's profile)
        types = sorted(
            set(
                cycle.participations.filter(unit__code__in=filters.units).values_list(
                    "unit__type", flat=True
                )
            )
        )
    lines: list[LedgerEntry] = []
    with computation.computing():
        if len(types) == 1:  # the same filters again: the same list (kept with the snapshot)
            snap = computation.snapshot(cycle, types[0])
            key = (filters, tuple(sorted((k, tuple(v)) for k, v in assignments.items())))
            with snap.lock:
                views = snap.derived.setdefault(("ledger views",), OrderedDict())
                found = views.get(key)
                if found is not None:
                    views.move_to_end(key)
                    return list(found)
        for unit_type in types:
            snap = computation.snapshot(cycle, unit_type)
            pids = None
            if filters.units:
                pids = [
                    u.pid
                    for u in snap.units.values()
                    if u.unit.code in filters.units
                    and (unit_type is None or u.unit.type == unit_type)
                ]
            lines += snap.ledger_lines("final", unit_type, pids)
        if len(types) > 1:
            lines.sort(key=lambda e: e.unit.code)  # by unit code across the types (stable)
        out = filter_ledger(_with_agencies(lines, assignments), filters, presorted=True)
        if len(types) == 1:
            with snap.lock:
                views[key] = out
                while len(views) > LEDGER_VIEWS_KEPT:
                    views.popitem(last=False)
        return list(out)


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
