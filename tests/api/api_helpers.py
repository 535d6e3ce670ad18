"""Helpers of the API tests (import as `from api_helpers import ...`)."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

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
