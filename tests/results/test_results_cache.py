"""The cached rankings (parindex.results.selectors.cycle_ranking) and the paged ranking page.

- the cached rows equal a fresh computation (cycle_results), at every stage, per unit type
  and across types, with the change against the year before; read back from the
  per-process level and from Django's cache alike;
- a second read computes nothing; a change through any audited service makes the next read
  compute again (self-assessment, external data, the surveys' bulk writer, appraisal,
  finalisation, a national results import for the change), an export does not;
- the ranking page shows long lists a page at a time, finds a unit by name or code.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse
from factories import MOVE

from parindex.assessment import services
from parindex.assessment.models import Cycle, Entry
from parindex.results import computation, presenters
from parindex.results import selectors as rsel
from parindex.results.services import export_for_user, national_results_import
from parindex.results.tables import STAGES
from parindex.surveys.services.scores import entries_set_survey

State = Cycle.State


@pytest.fixture(autouse=True)
def _empty_caches():
    cache.clear()
    rsel.ranking_cache_clear()
    yield
    cache.clear()
    rsel.ranking_cache_clear()


@pytest.fixture
def shared(monkeypatch):
    """Django's cache used as a shared one (as Redis or the database cache would be)."""
    monkeypatch.setattr(rsel, "shared_cache", lambda: cache)
    return cache


@pytest.fixture
def computations(monkeypatch):
    """Counts the computations (calls of selectors.cycle_results)."""
    calls: list[tuple[int, str]] = []
    real = rsel.cycle_results

    def counting(cycle, stage="final", **kwargs):
        calls.append((cycle.pk, stage))
        return real(cycle, stage, **kwargs)

    monkeypatch.setattr(rsel, "cycle_results", counting)
    return calls


def _fresh(cycle: Cycle) -> Cycle:
    return Cycle.objects.select_related("methodology", "organiser").get(pk=cycle.pk)


def _same(cached, fresh) -> None:
    # UnitRow equality leaves out the result tree and the leaves (compare=False)
    assert cached.rows == fresh.rows
    assert [r.change for r in cached.rows] == [r.change for r in fresh.rows]
    assert cached.previous_label == fresh.previous_label
    assert (cached.stage, cached.cycle_id, cached.unit_type) == (
        fresh.stage,
        fresh.cycle_id,
        fresh.unit_type,
    )
    assert all(r.result is None and not r.leaves for r in cached.rows)


@pytest.mark.parametrize("unit_type", [None, "department", "commune"])
def test_cached_ranking_equals_a_fresh_computation(rs_world, unit_type, shared):
    cycle = _fresh(rs_world["cycle"])
    for stage in STAGES:
        for by_type in (True, False):
            fresh = rsel.cycle_results(cycle, stage, unit_type=unit_type, by_type=by_type)
            first = rsel.cycle_ranking(cycle, stage, unit_type=unit_type, by_type=by_type)
            _same(first, fresh)
            _same(rsel.cycle_ranking(cycle, stage, unit_type=unit_type, by_type=by_type), fresh)
            rsel.ranking_cache_clear()  # read back from Django's cache (unpickled)
            _same(rsel.cycle_ranking(cycle, stage, unit_type=unit_type, by_type=by_type), fresh)
    final = rsel.cycle_ranking(cycle, "final", unit_type=unit_type)
    assert any(r.change is not None for r in final.rows)  # against the 2024 cycle
    assert final.cycle_name == cycle.name and final.organiser == cycle.organiser.name


def test_a_second_read_computes_nothing(rs_world, shared):
    counters = computation.counters
    cycle = _fresh(rs_world["cycle"])
    counters.reset()
    rsel.cycle_ranking(cycle, "final", unit_type="department")
    assert counters.loads and counters.units_computed >= 4
    counters.reset()
    rsel.cycle_ranking(cycle, "final", unit_type="department")
    rsel.cycle_ranking(_fresh(cycle), "final", unit_type="department")
    rsel.ranking_cache_clear()  # a new process: the rows from Django's (shared) cache
    rsel.cycle_ranking(cycle, "final", unit_type="department")
    assert (counters.loads, counters.refreshes, counters.units_computed) == (0, 0, 0)
    rsel.cycle_ranking(cycle, "r1", unit_type="department")  # another stage: its own entry
    # (the year before's final ranking, for the change, was cached by the first read)
    assert counters.units_computed == 4  # the four departments at r1


def test_callers_cannot_change_the_cached_rows(rs_world):
    cycle = _fresh(rs_world["cycle"])
    first = rsel.cycle_ranking(cycle, "final")
    n = len(first.rows)
    first.rows = first.rows[:1]
    first.rows.clear()
    assert len(rsel.cycle_ranking(cycle, "final").rows) == n


def test_an_export_does_not_invalidate(rs_world, computations):
    cycle = _fresh(rs_world["cycle"])
    before = rsel.ranking_version(cycle)
    rsel.cycle_ranking(cycle, "final", unit_type="department")
    export_for_user(user=rs_world["manager"], cycle=cycle, what="ranking", fmt="csv")
    computations.clear()
    assert rsel.ranking_version(_fresh(cycle)) == before
    rsel.cycle_ranking(_fresh(cycle), "final", unit_type="department")
    assert computations == []


def test_national_results_import_changes_the_version_of_the_change_only(rs_world):
    cycle = _fresh(rs_world["cycle"])
    results_before = rsel.results_version(cycle)
    ranking_before = rsel.ranking_version(cycle)
    national_results_import(
        rows=[(2, {"year": "2024", "province": "Lào Cai", "total": "85,5"})], user=None
    )
    assert rsel.results_version(cycle) == results_before
    assert rsel.ranking_version(cycle) != ranking_before
    assert rsel.ranking_version(cycle, with_change=False) == results_before


def test_a_new_version_replaces_the_old_entry(rs_world, shared):
    cycle = _fresh(rs_world["cycle"])
    base, old_key = rsel._ranking_keys(cycle, "final", "department", True, True)
    rsel.cycle_ranking(cycle, "final", unit_type="department")
    assert cache.get(old_key) is not None and cache.get(base) == old_key
    # an audited change of the cycle (here: publication)
    services.cycle_transition(
        **MOVE, cycle=cycle, to_state=State.PUBLISHED, user=rs_world["manager"]
    )
    cycle = _fresh(cycle)
    _base, new_key = rsel._ranking_keys(cycle, "final", "department", True, True)
    assert new_key != old_key
    rsel.cycle_ranking(cycle, "final", unit_type="department")
    assert cache.get(old_key) is None and cache.get(base) == new_key
    assert old_key not in rsel._local and new_key in rsel._local


# --- changes through the services -------------------------------------------------------------


def _index(cycle: Cycle, stage: str, code: str) -> Decimal:
    row = rsel.cycle_ranking(_fresh(cycle), stage).row_for(code)
    assert row is not None
    return row.index


def _check_fresh(cycle: Cycle, stage: str) -> None:
    cycle = _fresh(cycle)
    _same(rsel.cycle_ranking(cycle, stage), rsel.cycle_results(cycle, stage))


def test_changes_through_the_services_invalidate_the_ranking(small_cycle, computations):
    sc = small_cycle
    cycle, users = sc.cycle, sc.users
    dept, commune = sc.p_department, sc.p_commune
    dept_code, commune_code = sc.department.code, sc.commune.code

    # self-assessment (entry_save_self)
    services.entry_save_self(
        participation=dept, code="1.1.1", value="đúng hạn", user=users["officer"]
    )
    before = _index(cycle, "self", dept_code)
    computations.clear()
    assert _index(cycle, "self", dept_code) == before
    assert computations == []
    services.entry_save_self(participation=dept, code="1.2.1", value="có", user=users["officer"])
    assert _index(cycle, "self", dept_code) > before
    assert computations == [(cycle.pk, "self")]
    _check_fresh(cycle, "self")

    # survey data entered by the organiser (entry_set_external)
    before = _index(cycle, "self", dept_code)
    services.entry_set_external(participation=dept, code="2.2.1", value="80", user=users["manager"])
    assert _index(cycle, "self", dept_code) > before
    _check_fresh(cycle, "self")

    # the surveys' bulk writer (entries_set_survey)
    before = _index(cycle, "self", commune_code)
    with transaction.atomic():
        entries_set_survey(
            cycle=_fresh(cycle), values={(commune, "2.2.1"): "90"}, user=users["manager"]
        )
    assert _index(cycle, "self", commune_code) > before
    _check_fresh(cycle, "self")

    # appraisal round 1 (entry_appraise), then the finalisation (cycle_transition)
    for p, leader in ((dept, users["leader"]), (commune, users["commune_leader"])):
        services.participation_submit(participation=p, user=leader)
    manager = users["manager"]
    for state in (State.SELF_CLOSED, State.APPRAISAL):
        cycle = services.cycle_transition(**MOVE, cycle=_fresh(cycle), to_state=state, user=manager)
    before = _index(cycle, "r1", dept_code)
    final_before = _index(cycle, "final", dept_code)
    entry = Entry.objects.get(participation=dept, code="1.2.1")
    services.entry_appraise(
        entry=entry, points=Decimal("0.5"), reason="evidence_missing", user=users["appraiser"]
    )
    assert _index(cycle, "r1", dept_code) < before
    _check_fresh(cycle, "r1")
    for state in (State.EXPLANATION, State.APPRAISAL_2, State.FINAL):
        cycle = services.cycle_transition(**MOVE, cycle=_fresh(cycle), to_state=state, user=manager)
    assert Entry.objects.get(pk=entry.pk).final_points == Decimal("0.5")
    assert _index(cycle, "final", dept_code) < final_before
    _check_fresh(cycle, "final")


# --- the ranking page, a page at a time --------------------------------------------------------


def _page(client: Client, cycle: Cycle, **params: str) -> str:
    url = reverse("results_ranking", args=[cycle.pk])
    response = client.get(url, {"stage": "final", "type": "department", **params})
    assert response.status_code == 200
    return response.content.decode()


def _table_units(html: str) -> list[str]:
    import re

    return re.findall(r'data-unit="([^"]+)"', html)


def test_the_ranking_page_shows_long_lists_a_page_at_a_time(rs_world, monkeypatch):
    monkeypatch.setattr(presenters, "RANK_PAGE_SIZE", 2)
    cycle = rs_world["cycle"]
    client = Client()
    client.force_login(rs_world["manager"])
    # departments: SKH and SYT 100 (rank 1), STP 83,125 (3), SXD (4)
    first = _page(client, cycle)
    assert _table_units(first) == ["SKH", "SYT"]
    assert "Trang 1/2" in first and 'name="q"' in first
    second = _page(client, cycle, page="2")
    assert _table_units(second) == ["STP", "SXD"]
    assert "Trang 2/2" in second
    everything = _page(client, cycle, page="all")
    assert _table_units(everything) == ["SKH", "SYT", "STP", "SXD"]
    assert "Xem theo trang" in everything
    # a search (case and diacritics ignored) opens the unit's page and highlights it
    found = _page(client, cycle, q="xay dung")
    assert _table_units(found) == ["STP", "SXD"]
    assert 'class="rs-you" data-unit="SXD"' in found
    assert _table_units(_page(client, cycle, q="stp")) == ["STP", "SXD"]
    # the highlighted unit's page by default; the pager keeps the highlight
    marked = _page(client, cycle, unit="SXD")
    assert _table_units(marked) == ["STP", "SXD"] and "unit=SXD" in marked
    missing = _page(client, cycle, q="không có")
    assert "Không tìm thấy đơn vị" in missing and _table_units(missing) == ["SKH", "SYT"]
    assert _table_units(_page(client, cycle, page="99")) == ["STP", "SXD"]


def test_a_short_list_is_not_paged(rs_world):
    client = Client()
    client.force_login(rs_world["manager"])
    html = _page(client, rs_world["cycle"])
    assert _table_units(html) == ["SKH", "SYT", "STP", "SXD"]
    assert "rs-pager" not in html and 'name="unit"' in html  # the highlight list
    # a unit before publication: its own row only
    client.force_login(rs_world["leaders"]["STP"])
    assert _table_units(_page(client, rs_world["cycle"])) == ["STP"]


def test_the_public_page_is_paged_too(rs_world, monkeypatch):
    monkeypatch.setattr(presenters, "RANK_PAGE_SIZE", 2)
    cycle = services.cycle_transition(
        **MOVE, cycle=rs_world["cycle"], to_state=State.PUBLISHED, user=rs_world["manager"]
    )
    url = reverse("public_cycle", args=[cycle.pk])
    client = Client()
    html = client.get(url, {"type": "department"}).content.decode()
    assert _table_units(html) == ["SKH", "SYT"] and "Trang 1/2" in html
    html = client.get(url, {"type": "department", "q": "Sở Xây"}).content.decode()
    assert _table_units(html) == ["STP", "SXD"] and 'class="rs-you" data-unit="SXD"' in html
