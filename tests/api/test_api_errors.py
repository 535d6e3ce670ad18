"""One JSON error shape for every error kind: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

import logging

import pytest
from api_helpers import BASE, assert_error
from django.test import Client

from parindex.assessment import services


def test_400_refused_request(api_world):
    response = api_world.client("officer").put(f"/cycles/{api_world.cycle.pk}/units/STP/scores", [])
    assert_error(response, 400, "invalid")


def test_401_without_token():
    assert_error(Client().get(BASE + "/methodologies"), 401, "unauthorized")


def test_403_forbidden(api_world):
    response = api_world.client("viewer").put(
        f"/cycles/{api_world.cycle.pk}/units/STP/scores", [{"code": "1.1.1", "value": "có"}]
    )
    assert_error(response, 403, "forbidden")


@pytest.mark.parametrize(
    "path", ["/cycles/999999", "/cycles/999999/units", "/cycles/999999/results", "/no/such/path"]
)
def test_404_not_found(api_world, path):
    assert_error(api_world.client("admin").get(path), 404, "not_found")


def test_404_for_unknown_paths_even_without_token():
    assert_error(Client().get(BASE + "/no/such/path"), 404, "not_found")


def test_405_method_not_allowed(api_world):
    response = api_world.client("admin").delete(f"/cycles/{api_world.cycle.pk}")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


def test_409_conflict(api_world):
    services.entry_save_self(
        participation=api_world.p_department,
        code="1.1.1",
        value="đúng hạn",
        user=api_world.users["leader"],
    )
    response = api_world.client("officer").put(
        f"/cycles/{api_world.cycle.pk}/units/STP/scores",
        [{"code": "1.1.1", "value": "chậm", "version": 0}],
    )
    assert_error(response, 409, "conflict")


@pytest.mark.parametrize(
    ("path", "loc"),
    [
        ("/cycles/abc", ["path", "cycle_id"]),
        ("/cycles/0", ["path", "cycle_id"]),
        ("/cycles?page=0", ["query", "page"]),
        ("/cycles?page_size=100000", ["query", "page_size"]),
        ("/cycles?year=x", ["query", "year"]),
    ],
)
def test_422_validation_error_names_the_field(api_world, path, loc):
    error = assert_error(api_world.client("admin").get(path), 422, "validation_error")
    assert error["details"][0]["loc"] == loc
    assert set(error["details"][0]) == {"loc", "message", "type"}


def test_400_for_a_body_that_is_not_json(api_world):
    response = api_world.client("officer").client.put(
        f"{BASE}/cycles/{api_world.cycle.pk}/units/STP/scores",
        "{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {api_world.keys['officer']}"},
    )
    error = assert_error(response, 400, "invalid")
    assert "JSON" in error["message"]


def test_500_is_logged_and_leaks_nothing(api_world, monkeypatch, caplog):
    def boom(*args, **kwargs):
        raise RuntimeError("secret internals at /srv/parindex")

    monkeypatch.setattr("parindex.assessment.permissions.cycles_visible_to", boom)
    with caplog.at_level(logging.ERROR, logger="parindex.api"):
        response = api_world.client("admin").get("/cycles")
    error = assert_error(response, 500, "server_error")
    assert "secret" not in response.content.decode() and "RuntimeError" not in error["message"]
    assert any("secret internals" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


def test_413_for_a_body_too_large(api_world):
    body = [{"code": "1.1.2", "value": "85", "note": "x" * 9000}] * 1200  # > 10 MB
    response = api_world.client("officer").put(
        f"/cycles/{api_world.cycle.pk}/units/STP/scores", body
    )
    assert_error(response, 413, "too_large")
