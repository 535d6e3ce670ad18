"""The organiser's and council's page tests (tests/web/test_cycle_views.py and
test_appraisal_views.py) read the test cast (tests/cast.py) as `ap_world`, a dict."""

from __future__ import annotations

import pytest
from cast import FILL, Cast, login

from parindex.assessment.models import Cycle, Participation

State = Cycle.State

# What a department fills in on tests/data/small.yaml, and the points it gets (5 of 8).
AP_VALUES = FILL
ap_client = login  # ap_client(user or None) -> a test client
ap_state = Cast.jump  # ap_state(cycle, state, **dates): set directly


@pytest.fixture
def ap_world(cast):
    """The cast's organiser runs a draft cycle on small.yaml, without a schedule, for units
    A and B. Keys: cycle, a, b, p, p_b (A's and B's participations), the cast's manager,
    appraiser, appraiser_2 (field 2 only), officer, leader, lead_agency (1.1 of A),
    leader_b, outsider (a unit of another province), viewer (the province) and other (the
    officer of B); `cast` for the rest."""
    cycle = cast.cycle(State.DRAFT, self_start=None, self_end=None, explanation_end=None)
    names = ("manager", "appraiser", "appraiser_2", "officer", "leader", "viewer")
    return {
        "cast": cast,
        "cycle": cycle,
        "a": cast.a,
        "b": cast.b,
        "p": cast.part(cycle, "a"),
        "p_b": cast.part(cycle, "b"),
        **{name: cast.users[name] for name in names},
        **{name: cast.users[name] for name in ("lead_agency", "leader_b", "outsider")},
        "other": cast.officer_b,
    }


def ap_fill(world, p: Participation, values=None, submit=True) -> None:
    """The cycle opened (directly), the unit's leader enters `values` (default AP_VALUES)
    and submits."""
    ap_state(world["cycle"], State.OPEN)
    p.refresh_from_db()
    world["cast"].fill(p, values or AP_VALUES, submit=submit)
