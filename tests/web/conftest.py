"""Fixtures for the web tests, views of the test cast (tests/cast.py). Names are prefixed by
area (`self_`: the unit's self-assessment pages; `ap_`: the organiser's and council's pages,
tests/ap_cast.py) so several areas can share this file without clashes."""

from __future__ import annotations

import pytest
from ap_cast import ap_world  # noqa: F401
from cast import login


@pytest.fixture
def self_world(cast):
    """The cast's organiser runs an open cycle (no schedule) on tests/data/small.yaml for
    units A (unit_a, assessed) and B (unit_b). Keys: cycle, unit_a, unit_b, p, p_b, the cast's
    officer, leader, manager, lead_agency (1.1 of A), appraiser, and other (the officer of
    B); `cast` for the rest."""
    cycle = cast.cycle(self_start=None, self_end=None, explanation_end=None)
    names = ("officer", "leader", "manager", "lead_agency", "appraiser")
    return {
        "cast": cast,
        "cycle": cycle,
        "unit_a": cast.a,
        "unit_b": cast.b,
        "p": cast.part(cycle, "a"),
        "p_b": cast.part(cycle, "b"),
        **{name: cast.users[name] for name in names},
        "other": cast.officer_b,
    }


@pytest.fixture
def self_login():
    """self_login(user) -> a test client logged in as `user` (cast.login)."""
    return login
