"""Property-based fuzzing of every operation of the OpenAPI schema (schemathesis): whatever
the parameters and bodies, valid or not, the API never answers with a server error (5xx).

Every role of the project holds a token (ROLES): the administrator and the leader with
MAX_EXAMPLES cases per operation and generation mode, the other roles with
MAX_EXAMPLES_MORE. Odd generated ids (and unit codes of odd length) are replaced by the real
cycle, methodology, plan and unit, ids of 2 modulo 4 (codes of length 2 modulo 4) by those
of another province (OTHER: its Sở Nội vụ's cycle, its unit, its plan), so the fuzzing
reaches the services, the 404 branch and the other province's objects.

No leak: no 2xx body read by a role other than the administrator names the other
province's unit or cycle (nobody of this province may see them); the unit's own staff and
its lead agency never read the commune's name (another unit of the same open cycle).

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
MAX_EXAMPLES_MORE = 5
OPERATIONS = [
    (path, method)
    for path, methods in api.get_openapi_schema()["paths"].items()
    for method in methods
]
ROLES = {
    "admin": "every object, the organiser's writes",
    "leader": "the department's own unit, its self-assessment writes",
    "manager": "every unit of the organiser's cycles",
    "officer": "the department's own unit, its entries",
    "lead_agency": "field 1 of the department's self-assessment",
    "appraiser": "every unit of the organiser's cycles, appraisal",
    "viewer": "the units of the province",
}
EXAMPLES = {"admin": MAX_EXAMPLES, "leader": MAX_EXAMPLES}
OTHER = "ZZ-OTHER"  # the other province's unit code; its name and cycle's start with it
# What each role must never read in a 2xx body (the administrator reads everything).
UNSEEN = {role: [OTHER] for role in ROLES if role != "admin"}
for _role in ("officer", "leader", "lead_agency"):
    UNSEEN[_role] = [OTHER, "XA1", "Xã Bảo Thắng"]  # the commune, in the same cycle


def test_every_role_of_the_project_fuzzes_the_api():
    from parindex.accounts.models import Role

    assert {r.value for r in Role} == set(ROLES)


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


@pytest.fixture
def fuzz_world(api_world, cast):
    """api_world, with another province's unit in its Sở Nội vụ's open cycle (filled in),
    and a plan of that unit."""
    from parindex.plans.models import Plan

    other = cast.unit(OTHER, f"{OTHER}-UNIT", parent="other_province")
    cycle = cast.cycle(
        units=(other,), organiser=cast.other_organiser, manager=cast.other_manager,
        name=f"{OTHER}-CYCLE", filled=True,
    )  # fmt: skip
    plan = Plan.objects.create(unit=other, year=cycle.year + 1, source_cycle=cycle, goal=OTHER)
    api_world.other = {"cycle_id": cycle.pk, "unit_code": OTHER, "plan_id": plan.pk}
    api_world.plan_id = Plan.objects.create(
        unit=api_world.department, year=api_world.cycle.year + 1, source_cycle=api_world.cycle
    ).pk
    return api_world


def _aim_at_real_objects(case, world) -> None:
    params = case.path_parameters or {}
    ours = {
        "cycle_id": world.cycle.pk,
        "methodology_id": world.methodology.pk,
        "plan_id": world.plan_id,
    }
    for key, value in params.items():
        if key in ours and isinstance(value, int) and not isinstance(value, bool):
            if value % 2:
                params[key] = ours[key]
            elif value % 4 == 2 and key in world.other:
                params[key] = world.other[key]
    code = params.get("unit_code")
    if isinstance(code, str) and len(code) % 2:
        params["unit_code"] = world.department.code
    elif isinstance(code, str) and len(code) % 4 == 2:
        params["unit_code"] = OTHER


def _leaks(role: str, response) -> list[str]:
    if not 200 <= response.status_code < 300:
        return []
    body = response.content.decode("utf-8", "replace")
    return [mark for mark in UNSEEN.get(role, []) if mark in body]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize(
    ("path", "method"), OPERATIONS, ids=[f"{m.upper()} {p}" for p, m in OPERATIONS]
)
def test_no_server_errors(fuzz_world, path, method, role, mode):
    operation = _schema()[path][method]
    headers = {"Authorization": f"Bearer {fuzz_world.keys[role]}"}

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES.get(role, MAX_EXAMPLES_MORE),
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case):
        _aim_at_real_objects(case, fuzz_world)
        response = case.call(headers=headers)
        case.validate_response(response, checks=[not_a_server_error])
        leaks = _leaks(role, response)
        assert not leaks, f"{role} reads {leaks}: {case.method} {case.formatted_path}"

    run()
