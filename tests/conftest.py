"""Fixtures for every test under tests/.

Automatic (autouse):
- passwords are hashed with MD5 (Argon2 is deliberately slow; a test that checks the real
  hasher sets settings.PASSWORD_HASHERS itself);
- uploaded files go to one temporary MEDIA_ROOT for the session, never to ./var/media.

On request:
- `cast`: the test cast (tests/cast.py): one set of units, one user per role, and the ways
  to make a cycle in any state (`cast.cycle(state=..., filled=...)`) and to log in
  (`cast.client(role)`). Every world below is built from it.
- `small_cycle`: the cast's open cycle for unit A (the department) and the commune, seen
  as a SmallCycle (helpers in tests/factories.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def media_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings) -> None:
    settings.PASSWORD_HASHERS = FAST_HASHERS


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


@dataclass
class SmallCycle:
    """An open cycle on tests/data/small.yaml for the cast's unit A (`department`) and its
    commune.

    users: the cast's admin, manager, officer / leader (the department), commune_officer /
    commune_leader, lead_agency (fills field "1" of the department), appraiser (all fields),
    appraiser_2 (field "2" only), viewer (the province), outsider (officer of unit B, which
    takes no part in this cycle).
    """

    cycle: Any
    methodology: Any
    province: Any
    organiser: Any
    department: Any
    commune: Any
    lead_unit: Any
    p_department: Any
    p_commune: Any
    users: dict[str, Any] = field(default_factory=dict)


@pytest.fixture
def small_cycle(cast):
    cycle = cast.cycle(units=("a", "commune"))
    cast.reassign("lead_agency", codes=["1"])
    names = ("admin", "manager", "officer", "leader", "commune_officer", "commune_leader")
    users = {name: cast.users[name] for name in names}
    users |= {name: cast.users[name] for name in ("lead_agency", "appraiser", "appraiser_2")}
    users |= {"viewer": cast.viewer, "outsider": cast.officer_b}
    return SmallCycle(
        cycle=cycle,
        methodology=cycle.methodology,
        province=cast.province,
        organiser=cast.organiser,
        department=cast.a,
        commune=cast.commune,
        lead_unit=cast.lead_unit,
        p_department=cast.part(cycle, "a"),
        p_commune=cast.part(cycle, "commune"),
        users=users,
    )
