"""Survey responses through the API: the survey component's import services (check, import
all or nothing or the valid rows, score), the organiser's right only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from api_helpers import assert_error
from django.utils import timezone
from factories import install_methodology, make_cycle, make_unit, make_user

from parindex.accounts.models import OrgUnit, Role
from parindex.assessment.models import Cycle
from parindex.surveys import services as survey_svc
from parindex.surveys.models import ImportJob, Response

SIPAS = {
    "doi_tuong": "ca_nhan",
    "gioi_tinh": "nu",
    **dict.fromkeys(("tc1", "tc2", "tc3", "tc4", "tt1", "tt2", "tt3", "tt4"), "4"),
    **dict.fromkeys(("cc1", "cc2", "cc3", "cc4", "kq1", "kq2", "kq3", "gy1", "gy2", "gy3"), 4),
}


def sipas(respondent: str, unit: str = "API-STP", **answers: Any) -> dict[str, Any]:
    return {"respondent": respondent, "unit": unit, "group": "nguoi_dan", **SIPAS, **answers}


@dataclass
class SurveyCycle:
    cycle: Cycle
    keys: dict[str, str]


@pytest.fixture
def api_survey(transactional_db, api_key):
    """A cycle on the example methodology with the sample questionnaires. Transactional:
    the import's tasks run after commit, as in a real request (immediate task backend)."""
    province = make_unit("API-T", "Tỉnh Thử API", OrgUnit.Type.PROVINCE)
    organiser = make_unit("API-SNV", "Sở Nội vụ", parent=province)
    dept = make_unit("API-STP", "Sở Tư pháp", parent=province)
    cycle = make_cycle(
        organiser=organiser,
        units=[dept],
        methodology=install_methodology("example-province-internal"),
    )
    manager = make_user(Role.MANAGER, organiser)
    survey_svc.demo_seed(cycle, manager)
    keys = {
        "manager": api_key(manager),
        "officer": api_key(make_user(Role.OFFICER, dept)),
        "outsider": api_key(make_user(Role.MANAGER, make_unit())),
    }
    return SurveyCycle(cycle, keys)


def _post(api_client, world, role, body):
    return api_client(world.keys[role]).post(f"/cycles/{world.cycle.pk}/survey-responses", body)


def test_responses_are_checked_imported_and_scored_in_one_request(api_survey, api_client):
    rows = [sipas(f"API-{n:03}") for n in range(3)]
    response = _post(api_client, api_survey, "manager", {"rows": rows, "mode": "all"})
    assert response.status_code == 202, response.content
    job = response.json()
    assert (job["status"], job["mode"], job["rows_total"], job["rows_imported"]) == (
        "done",
        "all",
        3,
        3,
    )
    assert job["refusal"] == "" and job["errors"] == []
    assert Response.objects.filter(cycle=api_survey.cycle).count() == 3
    stored = ImportJob.objects.get()
    assert stored.original_name.startswith("api-") and stored.original_name.endswith(".csv")


def test_without_a_mode_rows_are_only_checked_then_started(api_survey, api_client):
    rows = [sipas("API-001"), sipas("API-002", tc1="7"), sipas("API-003", unit="NO-UNIT")]
    response = _post(api_client, api_survey, "manager", {"rows": rows, "name": "đợt 1"})
    job = response.json()
    assert job["status"] == "validated" and job["rows_valid"] == 1 and job["rows_rejected"] == 2
    assert {e["respondent"] for e in job["errors"]} == {"API-002", "API-003"}
    assert all(e["line"] and e["message"] for e in job["errors"])
    assert not Response.objects.exists()
    client = api_client(api_survey.keys["manager"])
    path = f"/cycles/{api_survey.cycle.pk}/survey-imports/{job['id']}"
    assert client.get(path).json()["status"] == "validated"
    refused = client.post(path + "/start", {"mode": "all"})
    assert "2" in assert_error(refused, 400, "invalid")["message"]
    started = client.post(path + "/start", {"mode": "valid_only"})
    assert started.status_code == 202 and started.json()["rows_imported"] == 1
    assert list(Response.objects.values_list("respondent", flat=True)) == ["API-001"]


def test_mode_all_with_rejected_rows_imports_nothing_and_says_why(api_survey, api_client):
    rows = [sipas("API-001"), sipas("API-002", tc1="x")]
    job = _post(api_client, api_survey, "manager", {"rows": rows, "mode": "all"}).json()
    assert job["status"] == "validated" and job["refusal"]
    assert not Response.objects.exists()


def test_only_the_organiser_sends_responses(api_survey, api_client):
    body = {"rows": [sipas("API-001")], "mode": "all"}
    assert_error(_post(api_client, api_survey, "officer", body), 403, "forbidden")
    assert_error(_post(api_client, api_survey, "outsider", body), 404, "not_found")
    assert not ImportJob.objects.exists()


def test_another_cycles_import_is_404(api_survey, api_client):
    job = _post(api_client, api_survey, "manager", {"rows": [sipas("API-001")]}).json()
    client = api_client(api_survey.keys["manager"])
    assert_error(client.get(f"/cycles/{api_survey.cycle.pk}/survey-imports/999999"), 404)
    assert_error(client.get(f"/cycles/999999/survey-imports/{job['id']}"), 404)


@pytest.mark.parametrize(
    "body", [{"rows": []}, {"rows": [{"a": [1]}]}, {"rows": [{}], "mode": "x"}]
)
def test_malformed_bodies_are_422(api_survey, api_client, body):
    response = api_client(api_survey.keys["manager"]).post(
        f"/cycles/{api_survey.cycle.pk}/survey-responses", body
    )
    assert_error(response, 422, "validation_error")


def test_polling_an_import_whose_worker_died_reports_it_interrupted(
    api_survey, api_client, settings
):
    settings.SURVEY_JOB_STALE_AFTER = 600
    job = _post(api_client, api_survey, "manager", {"rows": [sipas("API-001")]}).json()
    ImportJob.objects.filter(pk=job["id"]).update(
        status=ImportJob.Status.IMPORTING,
        mode="all",
        progress=75,
        heartbeat_at=timezone.now() - dt.timedelta(seconds=601),
    )
    client = api_client(api_survey.keys["manager"])
    got = client.get(f"/cycles/{api_survey.cycle.pk}/survey-imports/{job['id']}").json()
    assert got["status"] == "failed" and got["message"].startswith("Nhập bị gián đoạn")
    assert not Response.objects.exists()
