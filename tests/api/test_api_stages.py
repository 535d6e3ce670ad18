"""The stage checklist and the move of a cycle through the API: the rules of the cycle page
(cycle_moves, cycle_transition), managers only, errors in the API's one shape."""

from __future__ import annotations

from datetime import date

import pytest
from api_helpers import assert_error

from parindex.assessment.models import Cycle
from parindex.audit.models import LogEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_of(cast, api_key, api_client):
    return lambda name: api_client(api_key(cast.users[name]))


def test_the_manager_reads_the_checklist_of_each_move(cast, client_of):
    cycle = cast.cycle("open")  # units A and B have not submitted
    response = client_of("manager").get(f"/cycles/{cycle.pk}/checklist")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["cycle"], body["state"]) == (cycle.pk, "open")
    (move,) = body["moves"]
    assert move["to_state"] == "self_closed" and not move["back"]
    assert move["open"] == 2 and move["reason_required"] and not move["decision_required"]
    (item,) = move["items"]
    assert item["check"] == "unsubmitted" and item["count"] == 2
    assert item["units"] == ["Sở Tư pháp", "Sở Y tế"]
    assert item["consequence"]


def test_a_filled_cycle_moves_on_without_a_reason_and_goes_back_with_one(cast, client_of):
    cycle = cast.cycle("open", filled=True)
    api = client_of("manager")
    (move,) = api.get(f"/cycles/{cycle.pk}/checklist").json()["moves"]
    assert move["open"] == 0 and not move["reason_required"]
    response = api.post(f"/cycles/{cycle.pk}/transition", {"to_state": "self_closed"})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "self_closed"
    moves = api.get(f"/cycles/{cycle.pk}/checklist").json()["moves"]
    assert [(m["to_state"], m["back"]) for m in moves] == [("open", False), ("appraisal", False)]
    api.post(f"/cycles/{cycle.pk}/transition", {"to_state": "appraisal"})
    moves = api.get(f"/cycles/{cycle.pk}/checklist").json()["moves"]
    back = next(m for m in moves if m["back"])
    assert back["to_state"] == "self_closed" and back["reason_required"] and not back["items"]
    error = assert_error(
        api.post(f"/cycles/{cycle.pk}/transition", {"to_state": "self_closed"}),
        400,
        "transition_refused",
    )
    assert "lý do" in error["message"]
    done = api.post(
        f"/cycles/{cycle.pk}/transition", {"to_state": "self_closed", "reason": "Sửa sai"}
    )
    assert done.status_code == 200 and done.json()["state"] == "self_closed"
    assert LogEntry.objects.filter(action="cycle.state_reverted", data__reason="Sửa sai").exists()


def test_open_points_need_a_reason_and_nothing_changes_without_one(cast, client_of):
    cycle = cast.cycle("open")
    api = client_of("manager")
    before = LogEntry.objects.count()
    error = assert_error(
        api.post(f"/cycles/{cycle.pk}/transition", {"to_state": "self_closed"}),
        400,
        "transition_refused",
    )
    assert "lý do" in error["message"]
    assert [(d["check"], d["count"]) for d in error["details"]] == [("unsubmitted", 2)]
    cycle.refresh_from_db()
    assert cycle.state == "open"
    assert LogEntry.objects.count() == before
    response = api.post(
        f"/cycles/{cycle.pk}/transition", {"to_state": "self_closed", "reason": "Hết hạn"}
    )
    assert response.status_code == 200, response.content
    row = LogEntry.objects.get(action="cycle.state_changed", cycle=cycle, data__new="self_closed")
    assert row.actor == cast.manager
    assert row.data["reason"] == "Hết hạn" and row.data["open_points"] == {"unsubmitted": 2}


def test_publishing_needs_the_decision(cast, client_of):
    cycle = cast.cycle("final", filled=True)
    api = client_of("manager")
    (move,) = api.get(f"/cycles/{cycle.pk}/checklist").json()["moves"][:1]
    assert move["to_state"] == "published" and move["decision_required"]
    assert_error(
        api.post(f"/cycles/{cycle.pk}/transition", {"to_state": "published"}),
        400,
        "transition_refused",
    )
    response = api.post(
        f"/cycles/{cycle.pk}/transition",
        {"to_state": "published", "decision_number": "12/QĐ-UBND", "decision_date": "2026-01-20"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["state"], body["decision_number"]) == ("published", "12/QĐ-UBND")
    assert body["decision_date"] == "2026-01-20" and body["published_at"]
    assert Cycle.objects.get(pk=cycle.pk).decision_date == date(2026, 1, 20)


@pytest.mark.parametrize("name", ["officer", "leader", "appraiser", "viewer", "lead_agency"])
def test_who_sees_the_cycle_but_does_not_manage_it_gets_403(cast, client_of, name):
    cycle = cast.cycle("open", filled=True)
    api = client_of(name)
    assert api.get(f"/cycles/{cycle.pk}").status_code == 200  # they see the cycle
    assert_error(api.get(f"/cycles/{cycle.pk}/checklist"), 403, "forbidden")
    assert_error(
        api.post(f"/cycles/{cycle.pk}/transition", {"to_state": "self_closed", "reason": "x"}),
        403,
        "forbidden",
    )
    assert Cycle.objects.get(pk=cycle.pk).state == "open"


def test_others_get_404_and_bad_bodies_422(cast, client_of, api_client):
    cycle = cast.cycle("open")
    for name in ("outsider", "other_manager"):
        assert_error(client_of(name).get(f"/cycles/{cycle.pk}/checklist"), 404, "not_found")
        assert_error(
            client_of(name).post(f"/cycles/{cycle.pk}/transition", {"to_state": "self_closed"}),
            404,
            "not_found",
        )
    assert_error(api_client(None).get(f"/cycles/{cycle.pk}/checklist"), 401, "unauthorized")
    api = client_of("manager")
    assert_error(api.post(f"/cycles/{cycle.pk}/transition", {"to_state": "nowhere"}), 422)
    assert_error(
        api.post(f"/cycles/{cycle.pk}/transition", {"to_state": "final", "reason": "x"}),
        400,
        "transition_refused",
    )
    assert Cycle.objects.get(pk=cycle.pk).state == "open"
