"""Fixtures for the results tests (prefix `rs_`), views of the test cast (tests/cast.py): the
cast's Sở Nội vụ of Tỉnh Lào Cai runs a cycle on tests/data/small.yaml for four departments
(the cast's STP, SYT and SKH, and SXD) and two communes (the cast's XA1, and XA2), driven
through the services from self-assessment to the final results; a finished cycle of the
year before; the cast's lead agency (SKH) for criterion 1.1 of STP, and SYT leading every
item of XA2.

Final results of the 2025 cycle (small.yaml; maximum 8 for a department, 10 for a commune
as 2.1.2 applies to communes only):

  STP 1 + 0,5 (1.1.2 cut from 1: evidence) + 1 + 0,75 + 1,8 + 1,6 = 6,65 / 8 = 83,125
  SYT 1 + 1 + 1 + 1 + 2 + 2 = 8 / 8 = 100            (rank 1, tied with SKH)
  SKH the same as SYT                                 (rank 1)
  SXD 0,5 + 0 + 0 + 0,25 + 1,6 (cut to 1 in round 1, restored in round 2) + 1,5 = 3,85 / 8
  XA1 1 + 1 + 1 (not arising, full points) + 1 + 2 + 2 + 1,8 = 9,8 / 10 = 98
  XA2 0,5 + 0,5 + 1 + 0,5 + 1 + 0 (2.1.2 cut from 2: not met) + 1,4 = 4,9 / 10 = 49

2024 (finished cycle, no survey entered for STP and SXD): STP 75 (rank 2), SYT 100 (1),
SXD 6,25 (3), XA1 98 (1).
"""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import User

from parindex.accounts.models import OrgUnit, Role
from parindex.assessment.models import Cycle, Participation

VALUES = {
    "STP": {"1.1.1": "đúng hạn", "1.1.2": "100", "1.2.1": "có", "1.2.2": "0.75", "2.1.1": "90"},
    "SYT": {"1.1.1": "đúng hạn", "1.1.2": "100", "1.2.1": "có", "1.2.2": "1", "2.1.1": "100"},
    "SXD": {"1.1.1": "late", "1.1.2": "50", "1.2.1": "không", "1.2.2": "0.25", "2.1.1": "80"},
    "SKH": {"1.1.1": "đúng hạn", "1.1.2": "100", "1.2.1": "có", "1.2.2": "1", "2.1.1": "100"},
    "XA1": {
        "1.1.1": "đúng hạn",
        "1.1.2": "100",
        "1.2.1": "không phát sinh",
        "1.2.2": "1",
        "2.1.1": "100",
        "2.1.2": "có",
    },
    "XA2": {
        "1.1.1": "late",
        "1.1.2": "85",
        "1.2.1": "có",
        "1.2.2": "0.5",
        "2.1.1": "50",
        "2.1.2": "có",
    },
}
SURVEY = {"STP": "80", "SYT": "100", "SXD": "75", "SKH": "100", "XA1": "90", "XA2": "70"}
# Round 1 cuts: (unit, code, points, reason); round 2 restores SXD 2.1.1.
CUTS = [
    ("STP", "1.1.2", Decimal("0.5"), "evidence_missing"),
    ("XA2", "2.1.2", Decimal("0"), "not_met"),
    ("SXD", "2.1.1", Decimal("1"), "evidence_invalid"),
]
RESTORE = [("SXD", "2.1.1", Decimal("1.6"), "other")]


@pytest.fixture
def rs_world(cast):
    units = {"STP": cast.a, "SYT": cast.b, "SKH": cast.lead_unit, "XA1": cast.commune}
    units["SXD"] = cast.unit("SXD", "Sở Xây dựng")
    units["XA2"] = cast.unit("XA2", "Phường Sa Pa", OrgUnit.Type.COMMUNE)
    units = {code: units[code] for code in VALUES}  # STP, SYT, SXD, SKH, XA1, XA2
    manager, appraiser = cast.manager, cast.appraiser
    leaders = {c: cast.leader_of(u) for c, u in units.items()}
    # The cast's lead agency (Sở Kế hoạch) leads criterion 1.1 of Sở Tư pháp; Sở Y tế leads
    # every item of XA2.
    cast.user(Role.LEAD_AGENCY, units["SYT"], target=units["XA2"], codes=[], username="chutri_syt")

    previous = cast.finished(
        name="Chỉ số CCHC năm 2024",
        year=2024,
        units=[units[c] for c in ("STP", "SYT", "SXD", "XA1")],
        values={
            # STP 2024: 1+1+1+1+2 = 6 of 8 (no survey) = 75 -> rank 2 of 3 departments
            "STP": {
                "1.1.1": "đúng hạn",
                "1.1.2": "100",
                "1.2.1": "có",
                "1.2.2": "1",
                "2.1.1": "100",
            },
            # SYT 2024: 8 of 8 with the survey -> 100, rank 1
            "SYT": {**VALUES["SYT"], "2.2.1": "100"},
            # SXD 2024: 0.5 + 0 + 0 + 0 + 0 = 0.5 of 8 -> 6.25, rank 3
            "SXD": {"1.1.1": "late", "1.1.2": "0", "1.2.1": "không", "1.2.2": "0", "2.1.1": "0"},
            "XA1": {**VALUES["XA1"], "2.2.1": "90"},
        },
    )

    cycle = cast.cycle(
        Cycle.State.SELF_CLOSED,
        name="Chỉ số CCHC năm 2025",
        year=2025,
        units=list(units.values()),
        values=VALUES,
    )
    parts = {code: cast.part(cycle, unit) for code, unit in units.items()}
    for code, raw in SURVEY.items():
        cast.fill(parts[code], {"2.2.1": raw}, submit=False)
    cycle = cast.advance(cycle, Cycle.State.APPRAISAL)
    for unit, leaf, points, reason in CUTS:
        cast.appraise(parts[unit], leaf, points, reason)
    cycle = cast.advance(cycle, Cycle.State.EXPLANATION)
    cast.explain(parts["STP"], "1.1.2", "Kế hoạch số 12/KH-STP đã được bổ sung.", leaders["STP"])
    cycle = cast.advance(cycle, Cycle.State.APPRAISAL_2)
    for unit, leaf, points, reason in RESTORE:
        cast.appraise(parts[unit], leaf, points, reason)
    cycle = cast.advance(cycle, Cycle.State.FINAL)
    cycle.refresh_from_db()
    return {
        "cast": cast,
        "cycle": cycle,
        "previous": previous,
        "units": units,
        "snv": cast.organiser,
        "province": cast.province,
        "manager": manager,
        "appraiser": appraiser,
        "leaders": leaders,
        "parts": {
            p.unit.code: p
            for p in Participation.objects.filter(cycle=cycle).select_related("unit", "cycle")
        },
        "mv": cycle.methodology,
    }


@pytest.fixture
def rs_helpers(cast):
    """For tests that build more data: .user(username, role, unit, **membership) (a user
    of the cast), .finished_cycle(name=, year=, mv=, organiser=, units=, values=) (a cycle
    taken to "final" through the services, run by a manager of `organiser`)."""

    def user(username: str, role: str, unit: OrgUnit | None, **extra):
        return cast.user(role, unit, username=username, **extra)

    def finished_cycle(*, name, year, mv, organiser, units, values):
        manager = User.objects.filter(
            memberships__role=Role.MANAGER, memberships__unit=organiser
        ).first()
        return cast.finished(
            name=name,
            year=year,
            methodology=mv,
            organiser=organiser,
            manager=manager,
            units=units,
            values=values,
        )

    return SimpleNamespace(user=user, finished_cycle=finished_cycle)
