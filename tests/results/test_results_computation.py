"""The cycle's computation kept per process (parindex.results.computation), on the cycle of
conftest.py:

- after one entry change (and results_changed, as every write path calls it) only that unit
  is computed again, and everything read equals a computation from scratch: ranking rows,
  result trees, leaf records, ledger, unit profile (averages and best values moved by the
  changed unit only);
- a state change invalidates every unit;
- profile, ledger and trend come from the cached computation (no engine work, a bounded
  number of queries), the earlier cycles' rankings too;
- a large computation is frozen out of the garbage collector's full passes, and a replaced
  one is still freed.
"""

from __future__ import annotations

import gc
import weakref
from decimal import Decimal

import pytest
from django.core.cache import cache
from factories import MOVE

from parindex.assessment import services
from parindex.assessment.models import Cycle, Entry, Participation
from parindex.results import computation
from parindex.results import profile as rprof
from parindex.results import selectors as rsel
from parindex.results.tables import STAGES, LedgerFilter, detail_lines

State = Cycle.State


@pytest.fixture(autouse=True)
def _empty_caches():
    cache.clear()
    rsel.ranking_cache_clear()
    computation.counters.reset()
    yield
    cache.clear()
    rsel.ranking_cache_clear()


def _fresh(cycle: Cycle) -> Cycle:
    return Cycle.objects.select_related("methodology", "organiser").get(pk=cycle.pk)


def _participation(world, code: str) -> Participation:
    return Participation.objects.select_related("unit", "cycle", "cycle__methodology").get(
        pk=world["parts"][code].pk
    )


def _everything(cycle: Cycle) -> dict:
    """What the results pages and exports read, as comparable values."""
    out = {}
    for stage in STAGES:
        for unit_type in (None, "department", "commune"):
            res = rsel.cycle_results(cycle, stage, unit_type=unit_type)
            out[stage, unit_type] = (
                res.rows,
                [r.change for r in res.rows],
                [(r.result.points, r.result.index, r.result.missing) for r in res.rows],
                [detail_lines(r) for r in res.rows],
                res.previous_label,
            )
    out["ledger"] = rsel.lost_points_ledger(cycle)
    out["ledger STP"] = rsel.lost_points_ledger(cycle, LedgerFilter(units=frozenset({"STP"})))
    return out


def _profile_values(profile) -> tuple:
    return (
        profile.row,
        profile.units_ranked,
        profile.fields,
        profile.weakest,
        profile.stages,
        profile.trend,
        [(p.row, p.is_you, p.gap_before) for p in profile.peers],
        profile.ledger,
    )


def _change(world, code: str, leaf: str, points: Decimal) -> None:
    """An entry's final points changed, as the write paths do it (then results_changed)."""
    p = world["parts"][code]
    Entry.objects.filter(participation=p, code=leaf).update(final_points=points)
    services.results_changed(p.cycle_id, [p.pk])


def test_one_entry_change_computes_that_unit_again_only(rs_world):
    counters = computation.counters
    cycle = _fresh(rs_world["cycle"])
    rsel.cycle_results(cycle, "final")
    for code in rs_world["parts"]:
        rprof.unit_profile(_participation(rs_world, code))  # node statistics kept
    assert counters.loads == 2  # this cycle, and 2024's for the trend
    counters.reset()
    rsel.cycle_results(cycle, "final")
    assert (counters.loads, counters.refreshes, counters.units_computed) == (0, 0, 0)

    _change(rs_world, "SYT", "1.2.2", Decimal("0.25"))  # SYT drops below SKH
    after = rsel.cycle_results(_fresh(cycle), "final")
    assert (counters.loads, counters.refreshes, counters.units_computed) == (0, 1, 1)
    assert (
        counters.entries_read
        == Entry.objects.filter(participation__unit__code="SYT")
        .filter(participation__cycle=cycle)
        .count()
    )
    rows = {r.unit.code: r for r in after.rows}
    assert (rows["SKH"].rank, rows["SYT"].rank) == (1, 2)

    incremental = _everything(_fresh(cycle))
    profiles = {
        (code, stage): _profile_values(rprof.unit_profile(_participation(rs_world, code), stage))
        for code in rs_world["parts"]
        for stage in ("final", "self")
    }
    rsel.ranking_cache_clear()  # from scratch
    assert _everything(_fresh(cycle)) == incremental
    for code in rs_world["parts"]:
        p = _participation(rs_world, code)
        for stage in ("final", "self"):
            fresh = rsel.cycle_results(p.cycle, stage, unit_type=p.unit.type)
            # node statistics over these rows (tables.node_stats), not the kept ones
            assert (
                _profile_values(rprof.unit_profile(p, stage, results=fresh))
                == profiles[code, stage]
            )


def test_the_best_unit_leaving_and_a_new_best_are_followed(rs_world):
    cycle = _fresh(rs_world["cycle"])
    p = _participation(rs_world, "STP")

    def stats() -> dict:
        return {n.code: (n.average, n.best, n.best_units) for n in rprof.unit_profile(p).fields}

    stats()
    for code, leaf, points in [
        ("SYT", "1.1.1", Decimal(0)),  # one of the two best units falls
        ("SKH", "1.1.1", Decimal(0)),  # the other one too: the best is searched again
        ("SXD", "2.1.1", Decimal(2)),  # a new best
    ]:
        _change(rs_world, code, leaf, points)
        kept = stats()
        rsel.ranking_cache_clear()
        assert stats() == kept, code
    assert rsel.cycle_results(cycle).row_for("SXD") is not None


def test_a_state_change_invalidates_every_unit(rs_world):
    counters = computation.counters
    cycle = _fresh(rs_world["cycle"])
    before = rsel.cycle_ranking(cycle, "final")
    counters.reset()
    cycle = services.cycle_transition(
        **MOVE, cycle=cycle, to_state=State.PUBLISHED, user=rs_world["manager"]
    )
    after = rsel.cycle_ranking(_fresh(cycle), "final")
    assert counters.refreshes == 1 and counters.units_computed == 6  # every unit, once
    assert after.rows == before.rows


def test_profile_ledger_and_trend_come_from_the_cached_computation(
    rs_world, django_assert_max_num_queries
):
    counters = computation.counters
    p = _participation(rs_world, "STP")
    first = rprof.unit_profile(p)
    rsel.lost_points_ledger(p.cycle, LedgerFilter(units=frozenset({"STP"})))
    assert any(t.year == 2024 for t in first.trend)  # the earlier cycle, computed once
    counters.reset()
    with django_assert_max_num_queries(8):
        again = rprof.unit_profile(p)
    with django_assert_max_num_queries(4):
        ledger = rsel.lost_points_ledger(p.cycle, LedgerFilter(units=frozenset({"STP"})))
    with django_assert_max_num_queries(4):
        trend = rprof.unit_trend(p, again.row)
    assert (counters.loads, counters.refreshes, counters.units_computed) == (0, 0, 0)
    assert _profile_values(again) == _profile_values(first)
    assert ledger == again.ledger and trend == again.trend
    assert {e.unit.code for e in ledger} == {"STP"}
    assert any(e.lead_agency_codes == ("SKH",) for e in ledger)  # 1.1 led by Sở Kế hoạch


def test_the_ledger_of_units_reads_only_their_types(rs_world):
    cycle = _fresh(rs_world["cycle"])
    rsel.lost_points_ledger(cycle, LedgerFilter(units=frozenset({"XA2"})))
    snap = computation._live[cycle.pk]
    assert snap.types == frozenset({"commune"})
    both = rsel.lost_points_ledger(cycle, LedgerFilter(units=frozenset({"XA2", "STP"})))
    rsel.ranking_cache_clear()
    plain = rsel.lost_points_ledger(
        cycle,
        LedgerFilter(units=frozenset({"XA2", "STP"})),
        results=rsel.cycle_results(cycle, "final", with_change=False),
    )
    assert both == plain and {e.unit.code for e in both} == {"XA2", "STP"}


def test_a_large_computation_is_frozen_and_a_replaced_one_freed(rs_world, monkeypatch):
    monkeypatch.setattr(computation, "FREEZE_MIN_ENTRIES", 1)
    counters = computation.counters
    cycle = _fresh(rs_world["cycle"])
    try:
        rsel.lost_points_ledger(cycle)  # result trees, leaf records, ledger lines
        assert counters.freezes == 1 and gc.get_freeze_count() > 0
        old = weakref.ref(computation._live[cycle.pk])
        unit = weakref.ref(next(iter(computation._live[cycle.pk].units.values())))
        _change(rs_world, "STP", "1.2.1", Decimal(0))
        rsel.lost_points_ledger(_fresh(cycle))  # a new version, from the old one
        rsel.ranking_cache_clear()
        assert old() is None and unit() is None  # no reference cycle kept them
    finally:
        gc.unfreeze()
