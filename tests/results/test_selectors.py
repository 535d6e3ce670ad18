"""Rankings, changes against the year before, the unit profile, the ledger and who may read
which results, on the cycle of conftest.py driven through the services."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parindex.accounts.models import OrgUnit, Role
from parindex.assessment.models import Cycle
from parindex.assessment.permissions import cycle_for_results, results_access
from parindex.results.models import NationalResult
from parindex.results.profile import unit_profile
from parindex.results.selectors import (
    cycle_results,
    ledger_filter_from_params,
    lost_points_ledger,
    previous_cycle,
)
from parindex.results.tables import EVIDENCE, LedgerFilter

D = Decimal


def by_code(results):
    return {r.unit.code: r for r in results.rows}


def test_final_ranking_numbers_ties_and_bands(rs_world):
    res = cycle_results(rs_world["cycle"])
    rows = by_code(res)
    assert [(r.unit.code, r.rank) for r in res.rows] == [
        ("SKH", 1),
        ("SYT", 1),
        ("STP", 3),
        ("SXD", 4),
        ("XA1", 1),
        ("XA2", 2),
    ]
    stp = rows["STP"]
    assert (stp.points, stp.max_points, stp.index) == (D("6.65"), D(8), D("83.125"))
    assert stp.band == "B"
    assert [(f.code, f.points, f.index, f.rank) for f in stp.fields] == [
        ("1", D("3.25"), D("81.25"), 3),
        ("2", D("3.4"), D("85"), 3),
    ]
    assert rows["SXD"].index == D("48.125")
    assert rows["XA1"].points == D("9.8") and rows["XA1"].max_points == D(10)
    assert rows["XA2"].index == D("49")


def test_each_stage_is_its_own_ranking(rs_world):
    self_stage = by_code(cycle_results(rs_world["cycle"], "self", with_change=False))
    assert self_stage["STP"].points == D("7.15")  # before the 0,5 cut
    r1 = by_code(cycle_results(rs_world["cycle"], "r1", with_change=False))
    assert r1["SXD"].points == D("3.25")  # 2.1.1 cut to 1 in round 1, restored in round 2
    assert by_code(cycle_results(rs_world["cycle"], "r2"))["SXD"].points == D("3.85")


def test_filter_by_unit_type(rs_world):
    res = cycle_results(rs_world["cycle"], unit_type="commune")
    assert [(r.unit.code, r.rank) for r in res.rows] == [("XA1", 1), ("XA2", 2)]


def test_results_take_a_constant_number_of_queries(rs_world):
    cycle = Cycle.objects.select_related("methodology", "organiser").get(pk=rs_world["cycle"].pk)
    cycle.methodology.tree  # noqa: B018 - parse once, outside the count
    with CaptureQueriesContext(connection) as few:
        cycle_results(cycle, with_change=False)
    assert len(few) <= 3  # participations + units, entries


def test_change_against_the_previous_cycle(rs_world):
    assert previous_cycle(rs_world["cycle"]) == rs_world["previous"]
    res = cycle_results(rs_world["cycle"])
    rows = by_code(res)
    stp = rows["STP"].change
    assert (stp.year, stp.source, stp.index, stp.rank) == (2024, "cycle", D(75), 2)
    assert stp.index_delta == D("8.125")
    assert stp.rank_delta == -1  # 2nd in 2024, 3rd in 2025
    assert rows["SXD"].change.index_delta == D("41.875")
    assert rows["SYT"].change.rank_delta == 0
    assert rows["SKH"].change is None  # not assessed in 2024
    assert rows["XA2"].change is None
    assert res.previous_label == "Chỉ số CCHC năm 2024"


def test_change_only_from_a_finished_cycle_of_the_same_organiser(rs_world):
    other = OrgUnit.objects.create(code="BNV", name="Bộ Nội vụ", type="ministry")
    Cycle.objects.filter(pk=rs_world["previous"].pk).update(organiser=other)
    assert previous_cycle(rs_world["cycle"]) is None
    assert all(r.change is None for r in cycle_results(rs_world["cycle"]).rows)


def test_unit_profile(rs_world):
    profile = unit_profile(rs_world["parts"]["STP"])
    assert profile.row.rank == 3 and profile.units_ranked == 4
    field1 = next(c for c in profile.fields if c.code == "1")
    # field 1 indices of the departments: SKH 100, SYT 100, STP 81,25, SXD 18,75
    assert field1.index == D("81.25")
    assert field1.average == D("75")
    assert field1.best == D(100)
    assert set(field1.best_units) == {"Sở Y tế", "Sở Kế hoạch và Đầu tư"}
    assert field1.rank == 3
    assert profile.weakest[0].code == "1.1.2" and profile.weakest[0].lost == D("0.5")
    stages = {s.stage: s.points for s in profile.stages}
    assert stages == {"self": D("7.15"), "r1": D("6.65"), "r2": D("6.65"), "final": D("6.65")}
    assert [(t.year, t.index, t.rank) for t in profile.trend] == [
        (2024, D(75), 2),
        (2025, D("83.125"), 3),
    ]
    assert [(p.row.unit.code, p.is_you) for p in profile.peers] == [
        ("SKH", False),
        ("SYT", False),
        ("STP", True),
        ("SXD", False),
    ]
    assert [e.code for e in profile.ledger][0] == "1.1.2"


def test_ledger_rules_reasons_and_lead_agencies(rs_world):
    entries = lost_points_ledger(rs_world["cycle"])
    found = {(e.unit.code, e.code): e for e in entries}
    cut = found[("STP", "1.1.2")]
    assert (cut.max_points, cut.self_points, cut.r1_points, cut.final_points, cut.lost) == (
        D(1),
        D(1),
        D("0.5"),
        D("0.5"),
        D("0.5"),
    )
    assert cut.reason == "evidence_missing" and cut.kind == EVIDENCE and cut.recoverable
    assert cut.lead_agencies == ("Sở Kế hoạch và Đầu tư",)
    not_met = found[("XA2", "2.1.2")]
    assert not_met.reason == "not_met" and not not_met.recoverable and not_met.lost == D(2)
    assert not_met.lead_agencies == ("Sở Y tế",)  # a lead agency for every item of XA2
    survey = found[("STP", "2.2.1")]
    assert survey.kind == "structural" and not survey.recoverable
    assert found[("STP", "1.2.2")].lead_agencies == ()  # SKH only leads 1.1 for STP
    # SXD 2.1.1: cut in round 1, restored in round 2 -> only the shortfall of 80 %.
    restored = found[("SXD", "2.1.1")]
    assert (restored.r1_points, restored.r2_points, restored.final_points) == (
        D(1),
        D("1.6"),
        D("1.6"),
    )
    assert restored.reason == "" and restored.kind == "self_shortfall"
    assert ("SYT", "1.1.1") not in found  # nothing lost
    assert entries[0].lost == max(e.lost for e in entries)


def test_ledger_filters_from_query_parameters(rs_world):
    from django.http import QueryDict

    q = QueryDict("recoverable=0&unit_type=commune&sort=code&order=asc&min_lost=0,5")
    entries = lost_points_ledger(rs_world["cycle"], ledger_filter_from_params(q))
    assert [(e.unit.code, e.code) for e in entries] == [("XA2", "2.1.2"), ("XA2", "2.2.1")]
    q = QueryDict("lead_agency=SKH")
    assert [
        e.code for e in lost_points_ledger(rs_world["cycle"], ledger_filter_from_params(q))
    ] == ["1.1.2"]
    q = QueryDict("kind=nonsense&sort=nonsense&min_lost=abc")
    f = ledger_filter_from_params(q)
    assert f == LedgerFilter()


def test_results_access(rs_world, rs_helpers):
    rs_user = rs_helpers.user
    cycle = rs_world["cycle"]
    stp = rs_world["units"]["STP"].pk
    for staff in (rs_world["manager"], rs_world["appraiser"]):
        seen = results_access(staff, cycle)
        assert seen.ranking.all and seen.ledger.all and seen.report
    own = results_access(rs_world["leaders"]["STP"], cycle)
    assert not own.ranking.all and own.ranking.ids == {stp} and own.ledger.ids == {stp}
    lead = rs_user(
        "rs_ct2", Role.LEAD_AGENCY, rs_world["units"]["SYT"], target=rs_world["units"]["SXD"]
    )
    assert results_access(lead, cycle).ranking.ids == {rs_world["units"]["SXD"].pk}
    outsider = rs_user("rs_out", Role.OFFICER, rs_world["province"])
    assert not results_access(outsider, cycle).any
    viewer = rs_user("rs_view", Role.VIEWER, rs_world["province"])
    assert results_access(viewer, cycle).ranking.all  # the organiser is below the province
    one = rs_user("rs_app1", Role.APPRAISER, cycle.organiser, target=rs_world["units"]["STP"])
    seen = results_access(one, cycle)  # an appraiser of one unit reads that unit only
    assert seen.staff and seen.ranking.ids == {stp} and seen.ledger.ids == {stp}
    assert not seen.report
    Cycle.objects.filter(pk=cycle.pk).update(state=Cycle.State.PUBLISHED)
    cycle.refresh_from_db()
    after = results_access(rs_world["leaders"]["STP"], cycle)
    # Published: the whole ranking, still only its own ledger (the council's comments).
    assert after.ranking.all and after.ledger.ids == {stp} and not after.report
    assert not results_access(outsider, cycle).any
    with pytest.raises(Cycle.DoesNotExist):
        cycle_for_results(outsider, cycle.pk)


# --- provinces against the published national results ----------------------------------------


def test_provinces_are_compared_with_the_national_results_through_the_lineage(rs_world, rs_helpers):
    rs_user, rs_finished_cycle = rs_helpers.user, rs_helpers.finished_cycle
    bnv = OrgUnit.objects.create(code="BNV", name="Bộ Nội vụ", type="ministry")
    rs_user("rs_bnv", Role.MANAGER, bnv)
    provinces = [
        OrgUnit.objects.create(code="LCI2", name="Lào Cai", type="province"),
        OrgUnit.objects.create(code="HUE", name="Thành phố Huế", type="province"),
        OrgUnit.objects.create(code="HNI", name="Hà Nội", type="province"),
        OrgUnit.objects.create(code="CBG", name="Cao Bằng", type="province"),
    ]
    full = {
        "1.1.1": "đúng hạn",
        "1.1.2": "100",
        "1.2.1": "có",
        "1.2.2": "1",
        "2.1.1": "100",
        "2.2.1": "90",
    }
    cycle = rs_finished_cycle(
        name="Chỉ số CCHC cấp tỉnh 2025",
        year=2025,
        mv=rs_world["mv"],
        organiser=bnv,
        units=provinces,
        values={"LCI2": full, "HUE": full, "HNI": {**full, "2.2.1": "50"}, "CBG": full},
    )
    for year, province, total, rank in [
        (2024, "Lào Cai", "85.50", 20),
        (2024, "Yên Bái", "84.10", 30),
        (2024, "Thừa Thiên-Huế", "88.00", 5),
        (2024, "Hà Nội", "90.00", 3),
    ]:
        NationalResult.objects.create(
            year=year,
            province=province,
            province_canonical=province.replace("-", " "),
            province_2025={"Yên Bái": "Lào Cai", "Thừa Thiên-Huế": "Huế"}.get(province, province),
            total=D(total),
            rank=rank,
        )
    rows = by_code(cycle_results(cycle))
    lci = rows["LCI2"].change
    assert (lci.source, lci.year, lci.basis, lci.index) == ("national", 2024, "Lào Cai", D("85.5"))
    assert lci.index_delta == rows["LCI2"].index - D("85.5")
    assert lci.rank == 20 and lci.rank_delta is None  # 63 provinces then, 34 now
    assert lci.predecessors == (("Lào Cai", D("85.5"), False), ("Yên Bái", D("84.1"), False))
    assert not lci.synthetic and lci.provenance == "published"
    hue = rows["HUE"].change
    assert hue.basis == "Thừa Thiên-Huế" and hue.index == D(88)
    assert rows["HNI"].change.index == D(90)
    assert rows["CBG"].change is None  # no published row imported
    profile = unit_profile(cycle.participations.get(unit__code="LCI2"))
    assert [(t.year, t.province, t.predecessor) for t in profile.trend] == [
        (2024, "Lào Cai", False),
        (2024, "Yên Bái", True),
        (2025, "", False),
    ]
