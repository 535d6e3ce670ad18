"""Fixtures for every test under tests/.

Automatic (autouse):
- passwords are hashed with MD5 (Argon2 is deliberately slow; a test that checks the real
  hasher sets settings.PASSWORD_HASHERS itself);
- uploaded files go to one temporary MEDIA_ROOT for the session, never to ./var/media.
- every test starts (and ends) in the site's language (Vietnamese).

Marks:
- `database`: given at collection to every test that can reach a database (a `django_db`
  mark, or one of the fixtures `db`, `transactional_db`, `django_db_setup`, `live_server`
  and kin among its fixtures). The others cannot open a connection (pytest-django refuses
  it), so their outcome is the same on every database: CI runs them once, on SQLite, and
  only `-m database` on PostgreSQL.

Workers: pyproject runs the suite with pytest-xdist, `-n auto --dist loadfile`: a worker per
CPU (none when the command names only test files: pytest_xdist_auto_num_workers below),
each with its own test database; the tests of a module run on one worker, so a module-scoped
world (built_once, a Chromium) is built once.

Data built once for many tests (the `setUpTestData` of a module or class):
- `factories.built_once(django_db_blocker, media_root, build)`: a generator for a module- or
  class-scoped fixture (`yield from built_once(...)`); runs `build()` in a transaction kept
  open while the tests of the fixture's scope run, each in its own savepoint rolled back
  after it (pytest-django's `db`), and rolled back at the end. See its docstring.

On request:
- `cast`: the test cast (tests/cast.py): one set of units, one user per role, and the ways
  to make a cycle in any state (`cast.cycle(state=..., filled=...)`) and to log in
  (`cast.client(role)`). Every world below is built from it.
- `small_cycle`: the cast's open cycle for unit A (the department) and the commune, seen
  as a cast.SmallCycle.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from factories import FAST_HASHERS

# A test whose fixtures include one of these (or marked django_db) can reach the database.
DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_setup",
        "live_server",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
    }
)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """`-n auto` (pyproject): one worker per CPU for the suite or a folder, but none for a
    run of named test files (`uv run pytest tests/web/test_self_form.py`), where starting
    the workers and their databases would cost more than it saves."""
    args = [str(a).split("::")[0] for a in config.args]
    if args and all(a.endswith(".py") and Path(a).is_file() for a in args):
        return 0
    return None  # pytest-xdist's own answer (PYTEST_XDIST_AUTO_NUM_WORKERS, else the CPUs)


@pytest.hookimpl(tryfirst=True)  # before `-m` selects on the marks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        uses = item.get_closest_marker("django_db") is not None
        if uses or DATABASE_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.database)


@pytest.fixture(scope="session")
def media_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings) -> None:
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(autouse=True)
def _no_leaked_demo_key():
    """`parindex demo` (some tests run it in-process) points SECRET_KEY_FILE at its own key
    for the rest of the process; a later test's server subprocess would inherit it."""
    before = os.environ.get("SECRET_KEY_FILE")
    yield
    if before is None:
        os.environ.pop("SECRET_KEY_FILE", None)
    else:
        os.environ["SECRET_KEY_FILE"] = before


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, media_root: Path) -> None:
    settings.MEDIA_ROOT = media_root


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Each test starts with empty caches (the cached rankings among them)."""
    from django.core.cache import cache

    from parindex.results.selectors import ranking_cache_clear

    cache.clear()
    ranking_cache_clear()
    yield


@pytest.fixture
def cast(db):
    from cast import Cast

    return Cast()


@pytest.fixture
def small_cycle(cast):
    from cast import small_cycle_of

    return small_cycle_of(cast)


@pytest.fixture(autouse=True)
def _vietnamese_first():
    """Each test starts in the site's language: a request in English (the locale middleware
    activates it for the thread) must not leak English into the next test."""
    from django.conf import settings as django_settings
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)
