"""Fixtures of the API tests: tokens for the small_cycle cast and a client that sends them.

api_key(user, **kw) -> str        a token's secret (api_token_create; kw: name, days)
api_client(key) -> ApiClient      .get/.put/.post(path, json=...) with the bearer header
api_world                         small_cycle with one token per user: world.keys["officer"]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from api_helpers import ApiClient
from django.test import Client

from parindex.api.services import api_token_create


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
