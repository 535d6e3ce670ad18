"""The OpenAPI schema and the documentation page (assets served here, under our CSP)."""

from __future__ import annotations

import re

import pytest
from api_helpers import BASE
from django.test import Client

EXPECTED = {
    "/api/v1/methodologies": {"get"},
    "/api/v1/methodologies/{methodology_id}": {"get"},
    "/api/v1/cycles": {"get"},
    "/api/v1/cycles/{cycle_id}": {"get"},
    "/api/v1/cycles/{cycle_id}/units": {"get"},
    "/api/v1/cycles/{cycle_id}/checklist": {"get"},
    "/api/v1/cycles/{cycle_id}/transition": {"post"},
    "/api/v1/cycles/{cycle_id}/units/{unit_code}/scores": {"get", "put"},
    "/api/v1/cycles/{cycle_id}/units/{unit_code}/external": {"put"},
    "/api/v1/cycles/{cycle_id}/results": {"get"},
    "/api/v1/cycles/{cycle_id}/units/{unit_code}/results": {"get"},
    "/api/v1/cycles/{cycle_id}/ledger": {"get"},
    "/api/v1/cycles/{cycle_id}/survey-responses": {"post"},
    "/api/v1/cycles/{cycle_id}/survey-imports/{job_id}": {"get"},
    "/api/v1/cycles/{cycle_id}/survey-imports/{job_id}/start": {"post"},
    "/api/v1/plans": {"get"},
    "/api/v1/plans/{plan_id}": {"get"},
    "/api/v1/plans/{plan_id}/tasks": {"get"},
    "/api/v1/tasks/{task_id}": {"get", "patch"},
}


@pytest.fixture
def schema(db):
    response = Client().get(BASE + "/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def test_the_schema_lists_every_path_and_method(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "parindex API" and schema["info"]["version"] == "1"
    paths = {p: set(ops) for p, ops in schema["paths"].items()}
    assert paths == EXPECTED


def test_every_operation_needs_a_bearer_token_and_documents_errors(schema):
    schemes = schema["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= next(iter(schemes.values())).items()
    error = schema["components"]["schemas"]["ErrorOut"]
    assert error["required"] == ["error"]
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            assert op.get("security"), (path, method)
            ref = op["responses"]["default"]["content"]["application/json"]["schema"]["$ref"]
            assert ref == "#/components/schemas/ErrorOut"


def test_the_docs_page_loads_its_assets_from_this_site(db):
    response = Client().get(BASE + "/docs")
    assert response.status_code == 200
    html = response.content.decode()
    csp = response["Content-Security-Policy"]
    assert "cdn" not in html.lower() and "https://" not in html
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    scripts = re.findall(r"<script([^>]*)>", html)
    executable = [s for s in scripts if "application/json" not in s]
    assert executable and all(f'nonce="{nonce}"' in s and "src=" in s for s in executable)
    assert 'style="' not in html
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        asset = Client().get(url)
        assert asset.status_code == 200, url
        assert asset["Content-Type"].startswith(("text/javascript", "text/css"))


def test_only_the_swagger_assets_are_served(db):
    assert Client().get("/api/docs/assets/swagger-ui-bundle.js").status_code == 200
    for name in ("redoc.standalone.js", "..%2Fmain.py", "favicon.png"):
        assert Client().get(f"/api/docs/assets/{name}").status_code == 404


def test_the_root_says_where_the_schema_and_docs_are(db):
    body = Client().get(BASE + "/").json()
    assert body == {
        "title": "parindex API",
        "version": "1",
        "openapi": BASE + "/openapi.json",
        "docs": BASE + "/docs",
        "tokens": "/api/tokens/",
    }
