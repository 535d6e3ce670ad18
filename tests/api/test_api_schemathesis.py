"""Property-based fuzzing of every operation of the OpenAPI schema (schemathesis): whatever
the parameters and bodies, valid or not, the API never answers with a server error (5xx).

Bounded: MAX_EXAMPLES cases per operation, generation mode and token holder. Odd generated
ids (and unit codes of odd length) are replaced by the real cycle, methodology and unit, so
the fuzzing reaches the services and not only the 404 branch.

schemathesis's own pytest integration (`schema.parametrize()`) fails under pytest 9
(`Function._nodeid`), so each operation is driven through its Hypothesis strategy."""

from __future__ import annotations

import pytest
import schemathesis
from api_helpers import BASE
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from parindex.api.v1 import api
from parindex.wsgi import application

MAX_EXAMPLES = 20
OPERATIONS = [
    (path, method)
    for path, methods in api.get_openapi_schema()["paths"].items()
    for method in methods
]
ROLES = {
    "admin": "every object, the organiser's writes",
    "leader": "the department's own unit, its self-assessment writes",
}


_loaded: list[schemathesis.BaseSchema] = []


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Calling the WSGI application directly fires request_started/finished, whose
    close_old_connections would close the test's database connection (inside its
    transaction) on PostgreSQL; Django's test client disconnects it the same way."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _schema() -> schemathesis.BaseSchema:
    if not _loaded:
        _loaded.append(schemathesis.openapi.from_wsgi(BASE + "/openapi.json", application))
    return _loaded[0]


def _aim_at_real_objects(case, world) -> None:
    params = case.path_parameters or {}
    if isinstance(params.get("cycle_id"), int) and params["cycle_id"] % 2:
        params["cycle_id"] = world.cycle.pk
    if isinstance(params.get("methodology_id"), int) and params["methodology_id"] % 2:
        params["methodology_id"] = world.methodology.pk
    code = params.get("unit_code")
    if isinstance(code, str) and len(code) % 2:
        params["unit_code"] = world.department.code


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize(
    ("path", "method"), OPERATIONS, ids=[f"{m.upper()} {p}" for p, m in OPERATIONS]
)
def test_no_server_errors(api_world, path, method, role, mode):
    operation = _schema()[path][method]
    headers = {"Authorization": f"Bearer {api_world.keys[role]}"}

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case):
        _aim_at_real_objects(case, api_world)
        response = case.call(headers=headers)
        case.validate_response(response, checks=[not_a_server_error])

    run()
