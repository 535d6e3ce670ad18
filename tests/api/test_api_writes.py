"""Write endpoints: the same services and rights as the pages, all or nothing, conflicts."""

from __future__ import annotations

import pytest
from api_helpers import assert_error

from parindex.assessment import services
from parindex.assessment.models import Cycle, Entry
from parindex.audit.models import LogEntry


def _scores_path(world, unit="STP"):
    return f"/cycles/{world.cycle.pk}/units/{unit}/scores"


def _external_path(world, unit="STP"):
    return f"/cycles/{world.cycle.pk}/units/{unit}/external"


def _entries(world, participation=None):
    p = participation or world.p_department
    return dict(Entry.objects.filter(participation=p).values_list("code", "value"))


# --- scores --------------------------------------------------------------------------------


def test_an_officer_saves_scores_through_the_service_without_csrf(api_world):
    response = api_world.client("officer").put(
        _scores_path(api_world),
        [
            {"code": "1.1.1", "value": "đúng hạn", "note": "Kế hoạch số 12/KH-STP"},
            {"code": "2.1.1", "value": 90},
            {"code": "1.1.2", "value": "85,5"},
        ],
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["saved"] == 3
    assert body["items"][1] == {"code": "2.1.1", "value": "90", "points": "1.8000", "version": 1}
    assert _entries(api_world) == {"1.1.1": "đúng hạn", "2.1.1": "90", "1.1.2": "85,5"}
    entry = Entry.objects.get(participation=api_world.p_department, code="1.1.1")
    assert entry.note == "Kế hoạch số 12/KH-STP"
    assert entry.updated_by == api_world.users["officer"]
    logged = LogEntry.objects.filter(action="entry.self_saved")
    assert logged.count() == 3 and {e.actor_id for e in logged} == {api_world.users["officer"].pk}


def test_one_bad_value_saves_nothing_and_lists_each_refusal(api_world):
    before = LogEntry.objects.count()
    response = api_world.client("officer").put(
        _scores_path(api_world),
        [
            {"code": "1.1.1", "value": "đúng hạn"},
            {"code": "2.1.1", "value": "nhiều"},
            {"code": "9.9.9", "value": "1"},
            {"code": "1.2.1", "value": "có"},
        ],
    )
    error = assert_error(response, 400, "items_refused")
    assert [(d["item"], d["code"]) for d in error["details"]] == [(1, "2.1.1"), (2, "9.9.9")]
    assert all(d["message"] for d in error["details"])
    assert "9.9.9" in error["details"][1]["message"]
    assert _entries(api_world) == {}
    assert LogEntry.objects.count() == before


def test_a_stale_version_is_a_conflict_and_nothing_is_saved(api_world):
    leader = api_world.users["leader"]
    services.entry_save_self(
        participation=api_world.p_department, code="1.1.1", value="chậm", user=leader
    )
    response = api_world.client("officer").put(
        _scores_path(api_world),
        [{"code": "1.2.1", "value": "có"}, {"code": "1.1.1", "value": "đúng hạn", "version": 0}],
    )
    error = assert_error(response, 409, "conflict")
    detail = error["details"][0]
    assert detail["code"] == "1.1.1" and detail["conflict"] is True
    assert detail["current"]["version"] == 1 and detail["current"]["value"] == "chậm"
    assert _entries(api_world) == {"1.1.1": "chậm"}
    fresh = api_world.client("officer").put(
        _scores_path(api_world), [{"code": "1.1.1", "value": "đúng hạn", "version": 1}]
    )
    assert fresh.status_code == 200 and fresh.json()["items"][0]["version"] == 2


def test_duplicate_codes_are_refused(api_world):
    response = api_world.client("officer").put(
        _scores_path(api_world),
        [{"code": "1.1.1", "value": "có"}, {"code": "1.1.1", "value": "chậm"}],
    )
    error = assert_error(response, 400, "items_refused")
    assert error["details"][0]["item"] == 1
    assert _entries(api_world) == {}


@pytest.mark.parametrize("body", [[], {"code": "1.1.1"}, [{"value": "1"}], [{"code": ""}], "x"])
def test_malformed_bodies_are_refused(api_world, body):
    response = api_world.client("officer").put(_scores_path(api_world), body)
    assert_error(response, 400 if body == [] else 422)


def test_another_units_scores_are_404(api_world):
    body = [{"code": "1.1.1", "value": "có"}]
    for role in ("commune_officer", "outsider"):
        response = api_world.client(role).put(_scores_path(api_world), body)
        assert_error(response, 404, "not_found")
    assert_error(api_world.client("officer").put(_scores_path(api_world, "NO-SUCH"), body), 404)
    assert _entries(api_world) == {}


def test_a_reader_may_not_write_scores(api_world):
    for role in ("viewer", "appraiser", "manager"):
        response = api_world.client(role).put(
            _scores_path(api_world), [{"code": "1.1.1", "value": "có"}]
        )
        assert_error(response, 403, "forbidden")


def test_a_lead_agency_writes_only_its_fields(api_world):
    client = api_world.client("lead_agency")
    ok = client.put(_scores_path(api_world), [{"code": "1.2.1", "value": "có"}])
    assert ok.status_code == 200
    refused = client.put(
        _scores_path(api_world),
        [{"code": "1.2.2", "value": "1"}, {"code": "2.1.1", "value": "50"}],
    )
    error = assert_error(refused, 400, "items_refused")
    assert [d["code"] for d in error["details"]] == ["2.1.1"]
    assert _entries(api_world) == {"1.2.1": "có"}


def test_survey_items_are_not_self_assessed(api_world):
    response = api_world.client("officer").put(
        _scores_path(api_world), [{"code": "2.2.1", "value": "80"}]
    )
    assert_error(response, 400, "items_refused")


def test_scores_are_refused_once_the_self_assessment_closed(api_world):
    Cycle.objects.filter(pk=api_world.cycle.pk).update(state=Cycle.State.APPRAISAL)
    response = api_world.client("officer").put(
        _scores_path(api_world), [{"code": "1.1.1", "value": "có"}]
    )
    error = assert_error(response, 400, "items_refused")
    assert "giai đoạn tự đánh giá" in error["details"][0]["message"]


# --- external values (organiser) -----------------------------------------------------------


def test_the_organiser_enters_survey_external_and_bonus_values(api_world):
    response = api_world.client("manager").put(
        _external_path(api_world), [{"code": "2.2.1", "value": "80"}, {"code": "T1", "value": 1}]
    )
    assert response.status_code == 200, response.content
    assert _entries(api_world) == {"2.2.1": "80", "T1": "1"}
    assert LogEntry.objects.filter(action="entry.external_set").count() == 2
    body = (
        api_world.client("manager")
        .get(f"/cycles/{api_world.cycle.pk}/units/STP/results?stage=self")
        .json()
    )
    assert [a["code"] for a in body["adjustments"]] == ["T1"]
    assert body["adjustments"][0]["points"] == "0.5000"


def test_only_the_organiser_enters_external_values(api_world):
    body = [{"code": "2.2.1", "value": "80"}]
    for role in ("officer", "leader", "viewer", "appraiser"):
        assert_error(api_world.client(role).put(_external_path(api_world), body), 403)
    assert_error(api_world.client("outsider").put(_external_path(api_world), body), 404)
    assert _entries(api_world) == {}


def test_external_values_refuse_self_items_and_items_of_other_unit_types(api_world):
    response = api_world.client("manager").put(
        _external_path(api_world),
        [
            {"code": "2.2.1", "value": "80"},
            {"code": "1.1.1", "value": "có"},
            {"code": "2.1.2", "value": "có"},
            {"code": "X", "value": "1"},
        ],
    )
    error = assert_error(response, 400, "items_refused")
    assert [d["code"] for d in error["details"]] == ["1.1.1", "2.1.2", "X"]
    assert _entries(api_world) == {}


def test_external_values_detect_conflicts(api_world):
    services.entry_set_external(
        participation=api_world.p_department,
        code="2.2.1",
        value="70",
        user=api_world.users["manager"],
    )
    response = api_world.client("manager").put(
        _external_path(api_world), [{"code": "2.2.1", "value": "80", "version": 0}]
    )
    assert_error(response, 409, "conflict")
    assert _entries(api_world) == {"2.2.1": "70"}
