"""The plans in the REST API: the same rights as the pages (another unit's plan answers 404, a
lead agency gets the tasks it leads), a task's status and progress updated with its version
(409 when stale), a note recorded as a progress report."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from parindex.api.services import api_token_create
from parindex.plans import services as svc
from parindex.plans.models import ProgressReport, Task


@pytest.fixture
def plan(plan_world):
    return svc.plan_draft(
        cycle=plan_world.finished, unit=plan_world.cast.a, user=plan_world.cast.manager
    ).plan


def api(user):
    key = api_token_create(user=user, name="thử").key
    client = Client()
    headers = {"Authorization": f"Bearer {key}"}

    class Api:
        def get(self, path):
            return client.get("/api/v1" + path, headers=headers)

        def patch(self, path, body):
            return client.patch(
                "/api/v1" + path, json.dumps(body), content_type="application/json", headers=headers
            )

    return Api()


def test_plans_and_tasks_are_read_with_the_pages_rights(plan_world, plan):
    cast = plan_world.cast
    listed = api(cast.officer).get("/plans").json()["items"]
    assert [(p["id"], p["year"], p["tasks"], p["whole"]) for p in listed] == [
        (plan.pk, 2025, 6, True)
    ]
    assert listed[0]["expected_points"] == "2.0000"
    tasks = api(cast.officer).get(f"/plans/{plan.pk}/tasks").json()["items"]
    assert [t["code"] for t in tasks] == ["1.1.1", "1.1.2", "1.2.1", "1.2.2", "2.1.1", "2.2.1"]
    cut = tasks[1]
    assert (cut["kind"], cut["field"], cut["lost"], cut["reason"]) == (
        "recover",
        "1",
        "1.0000",
        "evidence_missing",
    )
    assert cut["lead_agency"]["code"] == "SKH" and cut["overdue"] is False
    assert api(cast.officer_b).get(f"/plans/{plan.pk}").status_code == 404
    assert api(cast.officer_b).get("/plans").json()["items"] == []
    assert api(cast.officer_b).get(f"/tasks/{cut['id']}").status_code == 404
    mine = api(cast.lead_agency).get(f"/plans/{plan.pk}/tasks").json()["items"]
    assert {t["code"] for t in mine} == {"1.1.1", "1.1.2"}


def test_a_task_is_updated_with_its_version(plan_world, plan):
    cast = plan_world.cast
    task = plan.tasks.get(code="1.1.2")
    path = f"/tasks/{task.pk}"
    ok = api(cast.lead_agency).patch(path, {"version": 0, "status": "in_progress", "progress": 30})
    assert ok.status_code == 200, ok.content
    assert (ok.json()["status"], ok.json()["progress"], ok.json()["version"]) == (
        "in_progress",
        30,
        1,
    )
    stale = api(cast.officer).patch(path, {"version": 0, "status": "done"})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "conflict"
    noted = api(cast.officer).patch(path, {"version": 1, "status": "done", "note": "Đã bổ sung."})
    assert noted.status_code == 200 and noted.json()["progress"] == 100
    assert ProgressReport.objects.get(task=task).note == "Đã bổ sung."
    other = plan.tasks.get(code="2.1.1")
    refused = api(cast.lead_agency).patch(f"/tasks/{other.pk}", {"version": 0, "status": "done"})
    assert refused.status_code == 404
    viewer = api(cast.viewer).patch(f"/tasks/{other.pk}", {"version": 0, "status": "done"})
    assert viewer.status_code == 403
    assert Task.objects.get(pk=other.pk).status == "not_started"
