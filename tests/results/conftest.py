"""Fixtures for the results tests (prefix `rs_`): a province's Sở Nội vụ runs a cycle on
tests/data/small.yaml for three departments and two communes, driven through the services
from self-assessment to the final results; a finished cycle of the year before; a lead
agency for one criterion.

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
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from factories import MOVE

from parindex.accounts.models import Membership, OrgUnit, Role
from parindex.assessment import services
from parindex.assessment.models import Cycle, Entry, Participation

SMALL_YAML = Path(__file__).resolve().parents[1] / "data" / "small.yaml"

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


def rs_user(username: str, role: str, unit: OrgUnit | None, **extra) -> User:
    user = User.objects.create_user(username, first_name=username)
    Membership.objects.create(user=user, role=role, unit=unit, **extra)
    return user


def rs_transition(cycle: Cycle, user: User, *states: str) -> Cycle:
    for state in states:
        cycle = services.cycle_transition(**MOVE, cycle=cycle, to_state=state, user=user)
    return cycle


def rs_finished_cycle(
    *, name: str, year: int, mv, organiser: OrgUnit, values: dict[str, dict[str, str]], units
) -> Cycle:
    """A cycle whose entries are written directly and which is then finalised (for the
    years before: only its final results matter)."""
    cycle = services.cycle_create(
        name=name, year=year, methodology=mv, organiser=organiser, units=list(units)
    )
    tree = mv.tree
    for p in cycle.participations.select_related("unit"):
        for code, raw in values.get(p.unit.code, {}).items():
            pts = services._self_points(tree, p.unit, tree.nodes[code], raw)
            Entry.objects.create(participation=p, code=code, value=raw, self_points=pts)
    Cycle.objects.filter(pk=cycle.pk).update(state=Cycle.State.APPRAISAL_2)
    cycle.refresh_from_db()
    manager = User.objects.filter(
        memberships__role=Role.MANAGER, memberships__unit=organiser
    ).first()
    return services.cycle_transition(**MOVE, cycle=cycle, to_state=Cycle.State.FINAL, user=manager)


@pytest.fixture
def rs_world(db):
    province = OrgUnit.objects.create(code="LCI", name="Tỉnh Lào Cai", type="province")
    snv = OrgUnit.objects.create(code="SNV", name="Sở Nội vụ", type="department", parent=province)
    units = {
        code: OrgUnit.objects.create(code=code, name=name, type=kind, parent=province)
        for code, name, kind in [
            ("STP", "Sở Tư pháp", "department"),
            ("SYT", "Sở Y tế", "department"),
            ("SXD", "Sở Xây dựng", "department"),
            ("SKH", "Sở Kế hoạch và Đầu tư", "department"),
            ("XA1", "Xã Bảo Thắng", "commune"),
            ("XA2", "Phường Sa Pa", "commune"),
        ]
    }
    manager = rs_user("rs_quanly", Role.MANAGER, snv)
    appraiser = rs_user("rs_thamdinh", Role.APPRAISER, snv)
    leaders = {c: rs_user(f"rs_ld_{c}", Role.LEADER, u) for c, u in units.items()}
    # Sở Kế hoạch leads criterion 1.1 for Sở Tư pháp; Sở Y tế leads every item of XA2.
    rs_user("rs_ct_skh", Role.LEAD_AGENCY, units["SKH"], target=units["STP"], codes=["1.1"])
    rs_user("rs_ct_syt", Role.LEAD_AGENCY, units["SYT"], target=units["XA2"], codes=[])
    mv = services.methodology_install(source=SMALL_YAML.read_text(encoding="utf-8"))

    previous = rs_finished_cycle(
        name="Chỉ số CCHC năm 2024",
        year=2024,
        mv=mv,
        organiser=snv,
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

    cycle = services.cycle_create(
        name="Chỉ số CCHC năm 2025",
        year=2025,
        methodology=mv,
        organiser=snv,
        units=list(units.values()),
    )
    cycle = rs_transition(cycle, manager, Cycle.State.OPEN)
    parts = {p.unit.code: p for p in cycle.participations.select_related("unit", "cycle")}
    for code, vals in VALUES.items():
        for leaf, raw in vals.items():
            services.entry_save_self(
                participation=parts[code], code=leaf, value=raw, user=leaders[code]
            )
        services.participation_submit(participation=parts[code], user=leaders[code])
    cycle = rs_transition(cycle, manager, Cycle.State.SELF_CLOSED)
    for code, raw in SURVEY.items():
        services.entry_set_external(
            participation=parts[code], code="2.2.1", value=raw, user=manager
        )
    cycle = rs_transition(cycle, manager, Cycle.State.APPRAISAL)

    def appraise(unit: str, leaf: str, points, reason: str) -> None:
        p = Participation.objects.select_related("cycle", "unit").get(pk=parts[unit].pk)
        entry = Entry.objects.get(participation=p, code=leaf)
        entry.participation = p
        services.entry_appraise(entry=entry, points=points, reason=reason, user=appraiser)

    for unit, leaf, points, reason in CUTS:
        appraise(unit, leaf, points, reason)
    cycle = rs_transition(cycle, manager, Cycle.State.EXPLANATION)
    p = Participation.objects.select_related("cycle", "unit").get(pk=parts["STP"].pk)
    entry = Entry.objects.get(participation=p, code="1.1.2")
    entry.participation = p
    services.entry_explain(
        entry=entry, text="Kế hoạch số 12/KH-STP đã được bổ sung.", user=leaders["STP"]
    )
    cycle = rs_transition(cycle, manager, Cycle.State.APPRAISAL_2)
    for unit, leaf, points, reason in RESTORE:
        appraise(unit, leaf, points, reason)
    cycle = rs_transition(cycle, manager, Cycle.State.FINAL)
    cycle.refresh_from_db()
    return {
        "cycle": cycle,
        "previous": previous,
        "units": units,
        "snv": snv,
        "province": province,
        "manager": manager,
        "appraiser": appraiser,
        "leaders": leaders,
        "parts": {
            p.unit.code: p
            for p in Participation.objects.filter(cycle=cycle).select_related("unit", "cycle")
        },
        "mv": mv,
    }


@pytest.fixture
def rs_helpers():
    """The helpers above, for tests that build more data: .user(...), .finished_cycle(...)."""

    class Helpers:
        user = staticmethod(rs_user)
        finished_cycle = staticmethod(rs_finished_cycle)

    return Helpers
