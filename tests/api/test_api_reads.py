"""Read endpoints: what each role sees, numbers as Decimal strings, ranks with ties,
stages shown only when the cycle has reached them, and the ledger."""

from __future__ import annotations

from decimal import Decimal

from api_helpers import assert_error
from factories import make_unit

from parindex.accounts.models import OrgUnit
from parindex.assessment import services
from parindex.assessment.models import Cycle, Participation

DEPT_SCORES = {"1.1.1": "đúng hạn", "1.1.2": "85,5", "1.2.1": "có", "2.1.1": "90"}


def _fill(world, participation, scores, role="leader"):
    for code, value in scores.items():
        services.entry_save_self(
            participation=participation, code=code, value=value, user=world.users[role]
        )


def _set_state(world, state):
    Cycle.objects.filter(pk=world.cycle.pk).update(state=state)


def _codes(items):
    return [i["unit"]["code"] for i in items]


# --- methodologies -------------------------------------------------------------------------


def test_methodologies_list_and_tree_with_numbers_as_strings(api_world):
    client = api_world.client("outsider")
    page = client.get("/methodologies").json()
    assert page["count"] == 1 and page["items"][0]["code"] == "small"
    detail = client.get(f"/methodologies/{api_world.methodology.pk}").json()
    tree = detail["tree"]
    assert tree["code"] == "small" and tree["version"] == "2025"
    field = tree["fields"][0]
    assert field["code"] == "1" and field["max"] == "4"
    leaf = field["children"][0]["children"][0]
    assert leaf["code"] == "1.1.1" and leaf["rule"]["kind"] == "timeliness"
    assert tree["adjustments"][0]["code"] == "T1"
    assert tree["bands"][0] == {"code": "A", "label": "A", "min": "90"}


def test_an_unknown_methodology_is_404(api_world):
    assert_error(api_world.client("officer").get("/methodologies/999999"), 404, "not_found")


# --- cycles and units ----------------------------------------------------------------------


def test_cycles_are_those_the_user_may_see(api_world):
    cid = api_world.cycle.pk
    for role in ("admin", "manager", "officer", "commune_officer", "lead_agency", "viewer"):
        page = api_world.client(role).get("/cycles").json()
        assert [c["id"] for c in page["items"]] == [cid], role
    assert api_world.client("outsider").get("/cycles").json()["count"] == 0
    assert_error(api_world.client("outsider").get(f"/cycles/{cid}"), 404, "not_found")


def test_cycles_filter_by_year_and_state(api_world):
    client = api_world.client("admin")
    assert client.get("/cycles", {"year": 2025}).json()["count"] == 1
    assert client.get("/cycles", {"year": 2024}).json()["count"] == 0
    assert client.get("/cycles", {"state": "open"}).json()["count"] == 1
    assert client.get("/cycles", {"state": "final"}).json()["count"] == 0
    assert_error(client.get("/cycles", {"state": "nope"}), 422, "validation_error")


def test_cycle_detail_lists_the_stages_the_user_may_read(api_world):
    cid = api_world.cycle.pk
    _set_state(api_world, Cycle.State.APPRAISAL)
    manager = api_world.client("manager").get(f"/cycles/{cid}").json()
    officer = api_world.client("officer").get(f"/cycles/{cid}").json()
    assert manager["stages"] == ["self", "r1"] and manager["units"] == 2
    assert officer["stages"] == ["self"] and officer["units"] == 1
    assert manager["organiser"]["code"] == "SNV"
    assert manager["methodology"]["code"] == "small"


def test_units_are_those_the_user_may_see(api_world):
    cid = api_world.cycle.pk
    manager = api_world.client("manager").get(f"/cycles/{cid}/units").json()
    assert sorted(_codes(manager["items"])) == ["STP", "XA1"]
    officer = api_world.client("officer").get(f"/cycles/{cid}/units").json()
    assert _codes(officer["items"]) == ["STP"]
    assert officer["items"][0]["status"] == "draft"
    lead = api_world.client("lead_agency").get(f"/cycles/{cid}/units").json()
    assert _codes(lead["items"]) == ["STP"]


def test_entries_give_values_and_versions(api_world):
    _fill(api_world, api_world.p_department, {"1.1.1": "đúng hạn"})
    cid = api_world.cycle.pk
    page = api_world.client("officer").get(f"/cycles/{cid}/units/STP/scores").json()
    assert page["items"][0] | {"updated_at": None} == {
        "code": "1.1.1",
        "value": "đúng hạn",
        "note": "",
        "points": "1.0000",
        "version": 1,
        "updated_at": None,
    }
    assert_error(api_world.client("commune_officer").get(f"/cycles/{cid}/units/STP/scores"), 404)


# --- results -------------------------------------------------------------------------------


def test_results_give_points_index_band_and_fields_as_decimal_strings(api_world):
    _fill(api_world, api_world.p_department, DEPT_SCORES)
    cid = api_world.cycle.pk
    page = api_world.client("manager").get(f"/cycles/{cid}/results", {"stage": "self"}).json()
    dept = next(i for i in page["items"] if i["unit"]["code"] == "STP")
    # 1 + 0.5 + 1 + 0 (1.2.2 missing) + 1.8 (90 % of 2) = 4.3 of 8 (survey 2.2.1 missing).
    assert dept["points"] == "4.3000" and dept["max_points"] == "8.0000"
    assert dept["index"] == "53.7500" and dept["band"] == "D" and dept["rank"] == 1
    assert dept["fields"]["1"] == {
        "points": "2.5000",
        "max": "4.0000",
        "index": "62.5000",
        "rank": 1,
    }
    assert Decimal(dept["fields"]["2"]["points"]) == Decimal("1.8")


def test_ties_share_ranks_within_a_unit_type(api_world):
    other = make_unit("SXD", "Sở Xây dựng", parent=api_world.province)
    Participation.objects.create(cycle=api_world.cycle, unit=other)
    cid = api_world.cycle.pk
    client = api_world.client("manager")
    ranks = {
        i["unit"]["code"]: i["rank"]
        for i in client.get(f"/cycles/{cid}/results", {"stage": "self"}).json()["items"]
    }
    assert ranks == {"STP": 1, "SXD": 1, "XA1": 1}
    _fill(api_world, api_world.p_department, {"1.1.1": "đúng hạn"})
    page = client.get(f"/cycles/{cid}/results", {"stage": "self", "type": "department"}).json()
    assert [(i["unit"]["code"], i["rank"]) for i in page["items"]] == [
        ("STP", 1),
        ("SXD", 2),
    ]


def test_units_read_only_their_own_results(api_world):
    cid = api_world.cycle.pk
    officer = api_world.client("officer").get(f"/cycles/{cid}/results", {"stage": "self"})
    assert _codes(officer.json()["items"]) == ["STP"]
    viewer = api_world.client("viewer").get(f"/cycles/{cid}/results", {"stage": "self"})
    assert sorted(_codes(viewer.json()["items"])) == ["STP", "XA1"]
    assert_error(api_world.client("outsider").get(f"/cycles/{cid}/results"), 404)


def test_a_stage_is_readable_once_the_cycle_reached_it(api_world):
    cid = api_world.cycle.pk
    path = f"/cycles/{cid}/results"
    officer, manager = api_world.client("officer"), api_world.client("manager")
    assert_error(manager.get(path, {"stage": "final"}), 403, "stage_not_available")
    _set_state(api_world, Cycle.State.APPRAISAL)
    assert manager.get(path, {"stage": "r1"}).status_code == 200
    assert_error(officer.get(path, {"stage": "r1"}), 403, "stage_not_available")
    _set_state(api_world, Cycle.State.EXPLANATION)
    assert officer.get(path, {"stage": "r1"}).status_code == 200
    assert_error(officer.get(path, {"stage": "r2"}), 403, "stage_not_available")
    _set_state(api_world, Cycle.State.FINAL)
    assert officer.get(path, {"stage": "final"}).status_code == 200
    assert_error(officer.get(path, {"stage": "everything"}), 422, "validation_error")


def test_unit_results_list_every_applicable_leaf(api_world):
    _fill(api_world, api_world.p_department, DEPT_SCORES)
    cid = api_world.cycle.pk
    body = (
        api_world.client("officer")
        .get(f"/cycles/{cid}/units/STP/results", {"stage": "self"})
        .json()
    )
    assert body["stage"] == "self" and body["points"] == "4.3000"
    leaves = {leaf["code"]: leaf for leaf in body["leaves"]}
    assert "2.1.2" not in leaves  # communes only
    assert leaves["1.1.2"]["points"] == "0.5000" and leaves["1.1.2"]["max"] == "1.0000"
    assert leaves["1.1.2"]["status"] == "scored" and "85,5" in leaves["1.1.2"]["explanation"]
    assert leaves["1.2.2"]["status"] == "missing"
    assert body["adjustments"] == []  # none entered yet


def test_another_units_results_are_404_not_403(api_world):
    cid = api_world.cycle.pk
    for role in ("commune_officer", "outsider", "lead_agency"):
        response = api_world.client(role).get(f"/cycles/{cid}/units/XA1/results?stage=self")
        if role == "commune_officer":
            assert response.status_code == 200
        else:
            assert_error(response, 404, "not_found")
    assert_error(api_world.client("officer").get(f"/cycles/{cid}/units/NO-SUCH/results"), 404)


# --- ledger --------------------------------------------------------------------------------


def test_the_ledger_for_the_organiser_any_time(api_world):
    _fill(api_world, api_world.p_department, DEPT_SCORES)
    cid = api_world.cycle.pk
    client = api_world.client("manager")
    page = client.get(f"/cycles/{cid}/ledger", {"page_size": 500}).json()
    entries = {(e["unit"]["code"], e["code"]): e for e in page["items"]}
    e = entries[("STP", "1.1.2")]
    assert e["max"] == "1.0000" and e["final_points"] == "0.5000" and e["lost"] == "0.5000"
    assert (
        e["kind"] == "self_shortfall" and e["recoverable"] and e["recoverable_points"] == "0.5000"
    )
    assert entries[("STP", "2.2.1")]["kind"] == "structural"
    assert not entries[("STP", "2.2.1")]["recoverable"]
    lost = [Decimal(e["lost"]) for e in page["items"]]
    assert lost == sorted(lost, reverse=True)
    communes = client.get(f"/cycles/{cid}/ledger", {"type": "commune"}).json()["items"]
    assert {e["unit"]["code"] for e in communes} == {"XA1"}
    only = client.get(f"/cycles/{cid}/ledger", {"unit": "STP", "field": "1"}).json()["items"]
    assert {e["code"] for e in only} == {"1.1.2", "1.2.2"}
    structural = client.get(f"/cycles/{cid}/ledger", {"recoverable": "false"}).json()["items"]
    assert structural and all(e["kind"] == "structural" for e in structural)
    by_code = client.get(f"/cycles/{cid}/ledger", {"sort": "code", "order": "asc"}).json()
    assert by_code["items"][0]["code"] == "1.1.1"


def test_units_read_their_own_ledger_once_final(api_world):
    cid = api_world.cycle.pk
    officer = api_world.client("officer")
    assert_error(officer.get(f"/cycles/{cid}/ledger"), 403, "stage_not_available")
    _set_state(api_world, Cycle.State.FINAL)
    items = officer.get(f"/cycles/{cid}/ledger", {"page_size": 500}).json()["items"]
    assert items and {e["unit"]["code"] for e in items} == {"STP"}
    asked_other = officer.get(f"/cycles/{cid}/ledger", {"unit": "XA1"}).json()
    assert asked_other["count"] == 0
    assert_error(api_world.client("outsider").get(f"/cycles/{cid}/ledger"), 404)


def test_lead_agencies_are_listed_in_the_ledger(api_world):
    cid = api_world.cycle.pk
    items = (
        api_world.client("manager")
        .get(f"/cycles/{cid}/ledger", {"lead_agency": "SKH", "page_size": 500})
        .json()["items"]
    )
    assert items and all(e["code"].startswith("1.") for e in items)
    assert all(e["lead_agencies"] == ["SKH"] for e in items)
    assert {e["unit"]["code"] for e in items} == {"STP"}
    assert OrgUnit.objects.filter(code="SKH").exists()
