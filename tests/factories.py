"""Small builders for tests that need units, users, methodologies and cycles: the bricks of
the test cast (tests/cast.py, fixture `cast`), which most tests should use instead.

Import them as `from factories import ...` (tests/ is on sys.path through tests/conftest.py).

    make_unit(code=None, name=None, type="department", parent=None, **fields) -> OrgUnit
        Codes and names default to unique values ("U1", "Đơn vị 1", ...).
    make_user(role=None, unit=None, target=None, codes=None, cycle=None, *, username=None,
              password=PASSWORD, **fields) -> User
        A user (password PASSWORD, hashed fast in tests) with one Membership when `role` is
        given; role may be a parindex.accounts.models.Role or its value ("officer", ...).
        Role "admin" also makes the user a superuser.
    install_methodology(source=SMALL_YAML) -> MethodologyVersion
        Installs a YAML file (path) or a shipped methodology name through
        services.methodology_install (idempotent on code + version).
    make_cycle(*, organiser, units, methodology=None, state="open", name=..., year=2025,
               **schedule) -> Cycle
        Creates the cycle through services.cycle_create. Unless given, the self-assessment
        window runs from yesterday to two weeks ahead and the explanation window ends in a
        month, so the services accept input now. `state` is set directly (a fixture shortcut,
        not audited): test transitions with services.cycle_transition.
    build_small_cycle() -> cast.SmallCycle
        The `small_cycle` fixture's world, for tests that cannot take fixtures on the
        database (the browser journey under live_server): a new Cast and its small cycle.
    built_once(django_db_blocker, media_root, build) -> generator
        For a module- or class-scoped fixture: `build()` once, kept for the tests of its
        scope, each test in a savepoint rolled back after it (see its docstring).

Log users in with `client.force_login(user)`: django-axes needs a request for
`client.login()`. To authenticate directly, pass a request:
`authenticate(RequestFactory().post("/"), username=..., password=PASSWORD)`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.utils import timezone

from parindex.accounts.models import Membership, OrgUnit, Role
from parindex.assessment import services
from parindex.assessment.models import Cycle, MethodologyVersion

PASSWORD = "mat-khau-thu-nghiem-2025"
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
T = TypeVar("T")
DATA = Path(__file__).resolve().parent / "data"
SMALL_YAML = DATA / "small.yaml"

_numbers = itertools.count(1)


# What services.cycle_transition needs besides the state in tests that run a cycle through
# its stages with open points: a reason, and for the publication the approving decision.
MOVE: dict[str, Any] = {
    "reason": "Kiểm thử: chuyển giai đoạn",
    "decision_number": "01/QĐ-UBND",
    "decision_date": date(2026, 1, 15),
}


def make_unit(
    code: str | None = None,
    name: str | None = None,
    type: str = OrgUnit.Type.DEPARTMENT,
    parent: OrgUnit | None = None,
    **fields: Any,
) -> OrgUnit:
    n = next(_numbers)
    return OrgUnit.objects.create(
        code=code or f"U{n}", name=name or f"Đơn vị {n}", type=type, parent=parent, **fields
    )


def make_user(
    role: str | None = None,
    unit: OrgUnit | None = None,
    target: OrgUnit | None = None,
    codes: list[str] | None = None,
    cycle: Cycle | None = None,
    *,
    username: str | None = None,
    password: str = PASSWORD,
    **fields: Any,
) -> User:
    n = next(_numbers)
    name = username or (f"{role}{n}" if role else f"user{n}")
    if role == Role.ADMIN:
        fields.setdefault("is_superuser", True)
        fields.setdefault("is_staff", True)
    user = User.objects.create_user(name, password=password, **fields)
    if role:
        Membership.objects.create(
            user=user, role=role, unit=unit, target=target, codes=codes or [], cycle=cycle
        )
    return user


def install_methodology(source: str | Path = SMALL_YAML) -> MethodologyVersion:
    path = Path(source)
    if path.suffix in (".yaml", ".yml"):
        return services.methodology_install(source=path.read_text(encoding="utf-8"), name=path.name)
    from importlib import resources

    text = (resources.files("parindex.methodologies") / f"{source}.yaml").read_text(
        encoding="utf-8"
    )
    return services.methodology_install(source=text, name=f"{source}.yaml")


def make_cycle(
    *,
    organiser: OrgUnit,
    units: list[OrgUnit],
    methodology: MethodologyVersion | None = None,
    state: str = Cycle.State.OPEN,
    name: str = "Chỉ số CCHC năm 2025 (thử nghiệm)",
    year: int = 2025,
    **schedule: datetime | None,
) -> Cycle:
    now = timezone.now()
    schedule.setdefault("self_start", now - timedelta(days=1))
    schedule.setdefault("self_end", now + timedelta(days=14))
    schedule.setdefault("explanation_end", now + timedelta(days=30))
    cycle = services.cycle_create(
        name=name,
        year=year,
        methodology=methodology or install_methodology(),
        organiser=organiser,
        units=units,
        **schedule,
    )
    if state != cycle.state:
        Cycle.objects.filter(pk=cycle.pk).update(state=state)
        cycle.refresh_from_db()
    return cycle


def build_small_cycle() -> Any:
    from cast import Cast, small_cycle_of

    return small_cycle_of(Cast())


def built_once(django_db_blocker: Any, media_root: Path, build: Callable[[], T]) -> Iterator[T]:
    """For a module- or class-scoped fixture: `yield from built_once(django_db_blocker,
    media_root, lambda: make_the_world())`. The fixture must also ask for `django_db_setup`,
    and its tests for `db` (not `transactional_db`: a flush would empty the world).

    `build()` runs in a transaction (fast password hashing, files under the session's
    MEDIA_ROOT) that stays open while the tests run, each in a savepoint rolled back after
    it, so every test starts from the world as built; the transaction is rolled back at the
    end, so other modules never see it. Objects returned are shared by the tests: a test
    that changes one in memory (delete() clears its pk, assignments) must re-read it.

    The foreign keys of what `build()` wrote are checked once, here: on PostgreSQL they are
    deferred, and Django checks the deferred constraints at the end of every test
    (SET CONSTRAINTS ALL IMMEDIATE), which would otherwise check the whole world again at
    every test (the rollback to the savepoint marks them unchecked again).
    """
    from django.db import connection, transaction
    from django.test import override_settings

    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHERS, MEDIA_ROOT=media_root),
        transaction.atomic(),
    ):
        value = build()
        connection.check_constraints()
        yield value
        transaction.set_rollback(True)
