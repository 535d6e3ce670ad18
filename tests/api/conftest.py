"""Fixtures of the API tests: tokens for the small_cycle cast and a client that sends them.

api_key(user, **kw) -> str        a token's secret (api_token_create; kw: name, days)
api_client(key) -> ApiClient      .get/.put/.post(path, json=...) with the bearer header
api_world                         small_cycle with one token per user: world.keys["officer"]
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from parindex.api.services import api_token_create

BASE = "/api/v1"


class ApiClient:
    def __init__(self, client: Client, key: str | None) -> None:
        self.client = client
        self.key = key

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"} if self.key else {}

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(BASE + path, params or {}, headers=self._headers())

    def put(self, path: str, body: Any) -> Any:
        return self.client.put(
            BASE + path, json.dumps(body), content_type="application/json", headers=self._headers()
        )

    def post(self, path: str, body: Any) -> Any:
        return self.client.post(
            BASE + path, json.dumps(body), content_type="application/json", headers=self._headers()
        )

    def delete(self, path: str) -> Any:
        return self.client.delete(BASE + path, headers=self._headers())


@pytest.fixture
def api_key(db):
    def make(user: Any, **kw: Any) -> str:
        kw.setdefault("name", "thử nghiệm")
        return api_token_create(user=user, **kw).key

    return make


@pytest.fixture
def api_client():
    def make(key: str | None) -> ApiClient:
        return ApiClient(Client(enforce_csrf_checks=True), key)

    return make


@dataclass
class ApiWorld:
    sc: Any  # factories.SmallCycle
    keys: dict[str, str] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sc, name)


@pytest.fixture
def api_world(small_cycle, api_key, api_client):
    world = ApiWorld(small_cycle)
    for role, user in small_cycle.users.items():
        world.keys[role] = api_key(user)
    world.client = lambda role: api_client(world.keys[role])  # type: ignore[attr-defined]
    return world


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is the API's one error shape with this status (and code)."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "details"}
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], list)
    if code is not None:
        assert error["code"] == code, error
    return error
