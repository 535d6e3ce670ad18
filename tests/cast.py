"""The test cast: one set of units and accounts every test builds on.

Like a BaseTestCase whose setUp makes the accounts and projects all tests share, the
`cast` fixture (tests/conftest.py) makes, once per test:

Units (OrgUnit; attribute, code, name):
    province        LCI      Tỉnh Lào Cai (province)
    organiser       SNV      Sở Nội vụ           the organiser of the cycles (parent: LCI)
    a               STP      Sở Tư pháp          unit A, a department
    b               SYT      Sở Y tế             unit B, another department
    lead_unit       SKH      Sở Kế hoạch và Đầu tư   the lead agency's department
    commune         XA1      Xã Bảo Thắng        a commune of the province
    other_province  K        Tỉnh Khác
    other_organiser K-SNV    Sở Nội vụ tỉnh Khác
    other_unit      K-STP    Sở Tư pháp tỉnh Khác
  (`cast.units` holds them by attribute name; `cast.unit(code)` makes one more.)

Users (one per role; `cast.users[name]`, `cast.<name>`; username in brackets; the password
is factories.PASSWORD; first_name is the username):
    admin           superuser                                   [quantri]
    manager         manager of the organiser                    [quanly]
    officer, leader officer / leader of unit A                  [canbo, lanhdao]
    officer_b, leader_b  officer / leader of unit B             [canbo_b, lanhdao_b]
    commune_officer, commune_leader  of the commune             [canbo_xa, lanhdao_xa]
    lead_agency     Sở Kế hoạch, filling criterion 1.1 of A     [chutri]
    appraiser       council member of the organiser, all items  [thamdinh]
    appraiser_2     council member limited to field 2           [thamdinh2]
    appraiser_a     council member assigned to unit A only      [thamdinh_a]
    viewer          viewer of the province                      [xem]
    outsider        officer of a unit of the other province     [ngoai]
    other_manager   manager of the other province's Sở Nội vụ   [quanly_k]
  `cast.user(role, unit, username=..., **membership)` adds one (factories.make_user);
  `cast.reassign(name, **membership)` changes one's membership (unit, target, codes).
  `Cast.current()` is the cast already in the database (else a new one), for helpers
  that take no fixture.

Cycles: `cast.cycle(state="open", filled=False, values=None, units=("a", "b"),
methodology=None, **kw)` creates a cycle of the organiser on tests/data/small.yaml (or a
shipped methodology by name: `methodology="example-province-internal"`) and drives it
through the services (parindex.assessment.services: cycle_transition, entry_save_self,
entry_set_external, participation_submit) to `state`. While it is open, with
`filled=True` every unit's leader enters FILL (a commune FILL_COMMUNE) and submits;
`values={unit code: {item: value}}` gives a unit its own values (the organiser's items,
survey and external data, bonus and deduction, are entered by the manager:
entry_set_external) and submits it too. Appraisal and explanation are left to the test:
`cast.appraise(...)`, `cast.explain(...)`, `cast.advance(cycle, *states)`; `cast.finished(...)`
is a cycle taken to "final" with only self-assessed points (a year before).
`cast.jump(cycle, state, **dates)` sets a state directly (a shortcut, no audit trail) for
tests of one state's behaviour.

Clients: `cast.client(role)` is a django test Client logged in (force_login) as the user
named `role` (or as the User given); `cast.client(None)` is anonymous.

The older fixtures (small_cycle, ap_world, self_world, rs_world, the survey `world`,
api_world, the security matrices' worlds) are views of this cast with the names their
tests read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.test import Client
from factories import (
    MOVE,
    PASSWORD,
    SMALL_YAML,
    install_methodology,
    make_cycle,
    make_unit,
    make_user,
)

from parindex.accounts.models import Membership, OrgUnit, Role
from parindex.assessment import services
from parindex.assessment.models import Cycle, Entry, MethodologyVersion, Participation
from parindex.core import is_not_arising

State = Cycle.State
STATES = list(State.values)

# What a department enters on tests/data/small.yaml, and the points it gets (5 of 8):
# 1.1.1 1, 1.1.2 1, 1.2.1 1, 1.2.2 0.5, 2.1.1 1.5. A commune also enters 2.1.2 "có" (2).
FILL = {"1.1.1": "đúng hạn", "1.1.2": "100", "1.2.1": "có", "1.2.2": "0,5", "2.1.1": "75"}
FILL_COMMUNE = {**FILL, "2.1.2": "có"}
NOT_ARISING_NOTE = "Trong năm đánh giá không phát sinh nội dung này."

# The units: attribute -> (code, name, type, parent attribute)
UNITS: dict[str, tuple[str, str, str, str | None]] = {
    "province": ("LCI", "Tỉnh Lào Cai", OrgUnit.Type.PROVINCE, None),
    "organiser": ("SNV", "Sở Nội vụ", OrgUnit.Type.DEPARTMENT, "province"),
    "a": ("STP", "Sở Tư pháp", OrgUnit.Type.DEPARTMENT, "province"),
    "b": ("SYT", "Sở Y tế", OrgUnit.Type.DEPARTMENT, "province"),
    "lead_unit": ("SKH", "Sở Kế hoạch và Đầu tư", OrgUnit.Type.DEPARTMENT, "province"),
    "commune": ("XA1", "Xã Bảo Thắng", OrgUnit.Type.COMMUNE, "province"),
    "other_province": ("K", "Tỉnh Khác", OrgUnit.Type.PROVINCE, None),
    "other_organiser": ("K-SNV", "Sở Nội vụ tỉnh Khác", OrgUnit.Type.DEPARTMENT, "other_province"),
    "other_unit": ("K-STP", "Sở Tư pháp tỉnh Khác", OrgUnit.Type.DEPARTMENT, "other_province"),
}

# The users: name -> (username, role, unit attribute, membership extras)
USERS: dict[str, tuple[str, str, str | None, dict[str, Any]]] = {
    "admin": ("quantri", Role.ADMIN, None, {}),
    "manager": ("quanly", Role.MANAGER, "organiser", {}),
    "officer": ("canbo", Role.OFFICER, "a", {}),
    "leader": ("lanhdao", Role.LEADER, "a", {}),
    "officer_b": ("canbo_b", Role.OFFICER, "b", {}),
    "leader_b": ("lanhdao_b", Role.LEADER, "b", {}),
    "commune_officer": ("canbo_xa", Role.OFFICER, "commune", {}),
    "commune_leader": ("lanhdao_xa", Role.LEADER, "commune", {}),
    "lead_agency": ("chutri", Role.LEAD_AGENCY, "lead_unit", {"target": "a", "codes": ["1.1"]}),
    "appraiser": ("thamdinh", Role.APPRAISER, "organiser", {}),
    "appraiser_2": ("thamdinh2", Role.APPRAISER, "organiser", {"codes": ["2"]}),
    "appraiser_a": ("thamdinh_a", Role.APPRAISER, "organiser", {"target": "a"}),
    "viewer": ("xem", Role.VIEWER, "province", {}),
    "outsider": ("ngoai", Role.OFFICER, "other_unit", {}),
    "other_manager": ("quanly_k", Role.MANAGER, "other_organiser", {}),
}


class Cast:
    """The units and users above (see the module's docstring)."""

    PASSWORD = PASSWORD

    province: OrgUnit
    organiser: OrgUnit
    a: OrgUnit
    b: OrgUnit
    lead_unit: OrgUnit
    commune: OrgUnit
    other_province: OrgUnit
    other_organiser: OrgUnit
    other_unit: OrgUnit

    def __init__(self) -> None:
        self.units: dict[str, OrgUnit] = {}
        for attr, (code, name, kind, parent) in UNITS.items():
            unit = make_unit(code, name, kind, parent=self.units[parent] if parent else None)
            self.units[attr] = unit
            setattr(self, attr, unit)
        self.users: dict[str, User] = {}
        for key, (username, role, unit_attr, extra) in USERS.items():
            extra = dict(extra)
            if "target" in extra:
                extra["target"] = self.units[extra["target"]]
            unit = self.units[unit_attr] if unit_attr else None
            self.users[key] = self.user(role, unit, username=username, **extra)
        self._methodologies: dict[str, MethodologyVersion] = {}

    @classmethod
    def current(cls) -> Cast:
        """The cast already in the test's database (made by the `cast` fixture or an
        earlier Cast()), else a new one: for helpers that take no fixture."""
        if not OrgUnit.objects.filter(code=UNITS["organiser"][0]).exists():
            return cls()
        cast = cls.__new__(cls)
        cast.units = {attr: OrgUnit.objects.get(code=code) for attr, (code, *_r) in UNITS.items()}
        cast.__dict__.update(cast.units)
        cast.users = {key: User.objects.get(username=u) for key, (u, *_r) in USERS.items()}
        cast._methodologies = {}
        return cast

    def __getattr__(self, name: str) -> Any:
        users = self.__dict__.get("users", {})
        if name in users:
            return users[name]
        raise AttributeError(name)

    # --- units and users ----------------------------------------------------------------------

    def unit(
        self,
        code: str,
        name: str,
        type: str = OrgUnit.Type.DEPARTMENT,
        parent: OrgUnit | None | str = "province",
        **fields: Any,
    ) -> OrgUnit:
        """One more unit, by default a department of the province."""
        if isinstance(parent, str):
            parent = self.units[parent]
        return make_unit(code, name, type, parent=parent, **fields)

    def user(
        self, role: str | None, unit: OrgUnit | None = None, *, username: str, **membership: Any
    ) -> User:
        """One more user with one membership (target, codes, cycle); first_name = username."""
        membership.setdefault("first_name", username)
        return make_user(role, unit, username=username, **membership)

    def reassign(self, user: User | str, **membership: Any) -> User:
        """Change the user's membership (unit, target, codes, cycle), e.g. to give the lead
        agency other criteria: cast.reassign("lead_agency", codes=["1.2"])."""
        user = self.users[user] if isinstance(user, str) else user
        Membership.objects.filter(user=user).update(**membership)
        return user

    # --- cycles ---------------------------------------------------------------------------------

    def methodology(self, source: str | Any = SMALL_YAML) -> MethodologyVersion:
        key = str(source)
        if key not in self._methodologies:
            self._methodologies[key] = install_methodology(source)
        return self._methodologies[key]

    def cycle(
        self,
        state: str = State.OPEN,
        *,
        filled: bool = False,
        values: dict[str, dict[str, str]] | None = None,
        units: Iterable[OrgUnit | str] = ("a", "b"),
        methodology: MethodologyVersion | str | None = None,
        organiser: OrgUnit | None = None,
        manager: User | None = None,
        **kw: Any,
    ) -> Cycle:
        """A cycle of the organiser (or `organiser`, run by `manager`) for `units`, driven
        through the services to `state`; kw: name, year and the schedule (make_cycle)."""
        if not isinstance(methodology, MethodologyVersion):
            methodology = self.methodology(methodology or SMALL_YAML)
        members = [self.units[u] if isinstance(u, str) else u for u in units]
        cycle = make_cycle(
            organiser=organiser or self.organiser,
            units=members,
            methodology=methodology,
            state=State.DRAFT,
            **kw,
        )
        manager = manager or self.manager
        target = STATES.index(state)
        for step in STATES[1 : target + 1]:
            cycle = services.cycle_transition(**MOVE, cycle=cycle, to_state=step, user=manager)
            if step == State.OPEN and (filled or values):
                for p in self.participations(cycle):
                    if values and p.unit.code in values:
                        self.fill(p, values[p.unit.code], manager=manager)
                    elif filled:
                        self.fill(p)
        return cycle

    def finished(
        self, *, units: Iterable[OrgUnit | str], values: dict[str, dict[str, str]], **kw: Any
    ) -> Cycle:
        """A cycle (of a year before: give name and year) whose units enter `values` and
        which goes to "final" without appraisal; kw as for cycle()."""
        return self.cycle(State.FINAL, units=units, values=values, **kw)

    def participations(self, cycle: Cycle) -> list[Participation]:
        return list(Participation.objects.filter(cycle=cycle).select_related("unit").order_by("pk"))

    def part(self, cycle: Cycle, unit: OrgUnit | str) -> Participation:
        """The participation of `unit` (an OrgUnit, an attribute name or a code)."""
        if isinstance(unit, str):
            unit = self.units.get(unit) or OrgUnit.objects.get(code=unit)
        return Participation.objects.get(cycle=cycle, unit=unit)

    def leader_of(self, unit: OrgUnit) -> User:
        """A leader of `unit` (made when the cast has none)."""
        found = User.objects.filter(memberships__role=Role.LEADER, memberships__unit=unit).first()
        return found or self.user(Role.LEADER, unit, username=f"lanhdao_{unit.code.lower()}")

    def fill(
        self,
        p: Participation,
        values: dict[str, str] | None = None,
        *,
        submit: bool = True,
        user: User | None = None,
        manager: User | None = None,
    ) -> Participation:
        """The unit's leader (or `user`) enters `values` (default FILL, FILL_COMMUNE for a
        commune) and submits; the organiser's items among them (survey, external data,
        bonus, deduction) are entered by the manager (or `manager`)."""
        if values is None:
            values = FILL_COMMUNE if p.unit.type == OrgUnit.Type.COMMUNE else FILL
        user = user or self.leader_of(p.unit)
        cycle = Cycle.objects.select_related("methodology").get(pk=p.cycle_id)
        external = {n.code for n in services.external_codes(cycle.methodology.tree)}
        for code, value in values.items():
            if code in external:
                services.entry_set_external(
                    participation=p, code=code, value=value, user=manager or self.manager
                )
            else:
                # An item marked "không phát sinh" says why (the services refuse it bare).
                note = NOT_ARISING_NOTE if is_not_arising(value) else None
                services.entry_save_self(
                    participation=p, code=code, value=value, note=note, user=user
                )
        if submit:
            p = services.participation_submit(participation=p, user=user)
        return p

    def advance(self, cycle: Cycle, *states: str, user: User | None = None) -> Cycle:
        """cycle_transition to each state in turn (by the manager unless `user`)."""
        for state in states:
            cycle = services.cycle_transition(
                **MOVE, cycle=cycle, to_state=state, user=user or self.manager
            )
        return cycle

    @staticmethod
    def jump(cycle: Cycle, state: str, **dates: Any) -> Cycle:
        """Set the state (and schedule dates) directly: a shortcut, not audited."""
        Cycle.objects.filter(pk=cycle.pk).update(state=state, **dates)
        cycle.refresh_from_db()
        return cycle

    def appraise(
        self,
        p: Participation,
        code: str,
        points: Decimal | str | None,
        reason: str = "",
        comment: str = "",
        user: User | None = None,
    ) -> Entry:
        """The council (the appraiser unless `user`) appraises one item of `p`."""
        entry = Entry.objects.get(participation=p, code=code)
        return services.entry_appraise(
            entry=entry,
            points=None if points is None else Decimal(points),
            reason=reason,
            comment=comment,
            user=user or self.appraiser,
        )

    def explain(self, p: Participation, code: str, text: str, user: User | None = None) -> Entry:
        """The unit (its leader unless `user`) explains an item cut in round 1."""
        entry = Entry.objects.get(participation=p, code=code)
        return services.entry_explain(entry=entry, text=text, user=user or self.leader_of(p.unit))

    # --- clients ----------------------------------------------------------------------------------

    def client(self, role: str | User | None, **kw: Any) -> Client:
        """A test client logged in as the user named `role` (or that User); None: anonymous."""
        return login(self.users[role] if isinstance(role, str) else role, **kw)


def login(user: User | None, **kw: Any) -> Client:
    """A test client logged in (force_login: django-axes needs a request for login()) as
    `user`; None: anonymous. Cast.client(role) by the user's name."""
    client = Client(**kw)
    if user is not None:
        client.force_login(user)
    return client


@dataclass
class SmallCycle:
    """An open cycle on tests/data/small.yaml for the cast's unit A (`department`) and its
    commune, opened directly (no audit row): fixture `small_cycle`;
    factories.build_small_cycle() outside a test's database fixture.

    users: the cast's admin, manager, officer / leader (the department), commune_officer /
    commune_leader, lead_agency (fills field "1" of the department), appraiser (all fields),
    appraiser_2 (field "2" only), viewer (the province), outsider (the officer of unit B,
    which takes no part in this cycle).
    """

    cycle: Cycle
    methodology: MethodologyVersion
    province: OrgUnit
    organiser: OrgUnit
    department: OrgUnit
    commune: OrgUnit
    lead_unit: OrgUnit
    p_department: Participation
    p_commune: Participation
    users: dict[str, User] = field(default_factory=dict)


def small_cycle_of(cast: Cast) -> SmallCycle:
    # Opened directly, leaving no "cycle.state_changed" row: its tests count the log.
    cycle = cast.jump(cast.cycle(State.DRAFT, units=("a", "commune")), State.OPEN)
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
