"""Who may see and do what: the one module that decides it.

A role table (ROLE_CAPS) says what each role may do and where its rights reach; the
functions below combine it with the user's memberships and with the cycle's state
(parindex.assessment.lifecycle) and answer every question the rest of the code asks:

- `on_participation(user, p)`: the capabilities on one unit's self-assessment (view, enter,
  submit, explain, appraise, manage), limited to some criteria codes for lead agencies and
  appraisers assigned to some fields;
- `results_access(user, cycle)`: whose rows of the ranking and of the ledger of lost points
  (with the appraisers' reasons and comments) the user reads, which stages, and whether the
  whole-cycle report;
- `cycles_visible_to`, `participations_visible_to`, `participation_for_user`,
  `home_participations`, `can_manage`, `can_import_national`, `is_admin`;
- who is told (e-mails): `approvers` (a unit's leaders), `cycle_managers`, `unit_workers`
  (who enters or explains a unit's items), `cycle_appraisers`.

Services enforce these answers (`require`); views, templates, exports and the API only ask.
No other module compares a membership's role. tests/security/ pins the table as a matrix of
URLs × roles × cycle states × stages.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from parindex.accounts.models import Membership, OrgUnit, Role

from . import lifecycle
from .models import Cycle, Participation

# --- capabilities --------------------------------------------------------------------------

VIEW = "view"  # open the unit's self-assessment, evidence and explanations
EDIT_SELF = "edit_self"  # enter the self-assessment, handle evidence
SUBMIT = "submit"  # approve and submit (or withdraw) the self-assessment
EXPLAIN = "explain"  # reply to round 1's cuts
APPRAISE = "appraise"  # appraise the unit's items (council)
MANAGE = "manage"  # run the cycle (organiser)
STAFF = "staff"  # the organiser's side: appraisal stages visible while they run
RESULTS_ALL = "results_all"  # every unit's ranking rows, before publication too
LEDGER_ALL = "ledger_all"  # every unit's ledger (reasons, comments) and the cycle report
NATIONAL_IMPORT = "national_import"  # import the published national results
# Download the unit's self-assessment report (Word) and its evidence bundle (zip): the
# unit's own staff and the organiser's managers, not other units nor lead agencies.
SELF_REPORT = "self_report"
PLAN_EDIT = "plan_edit"  # draft and run the unit's improvement plan (parindex.plans)
PLAN_READ = "plan_read"  # read the unit's improvement plan
PLANS_READ = "plans_read"  # every unit's improvement plan of the cycle
# Enter back the results of the outside body the cycle reports to (Cycle.reports_to: the
# Ministry's appraisal, the explanation round, its final points): the organiser's managers.
OUTSIDE_RESULTS = "outside_results"

# Where a membership's rights reach in a cycle:
OWN = "own"  # the membership's unit takes part (officer, leader)
TARGET = "target"  # the membership's target unit takes part (lead agency)
ORGANISER = "organiser"  # the membership's unit organises the cycle (manager, appraiser)
BELOW = "below"  # units below the membership's unit, or the whole cycle when the
# organiser is below it (viewer)


@dataclass(frozen=True)
class RoleRule:
    reach: str
    unit_caps: frozenset[str]  # on a participation it reaches
    cycle_caps: frozenset[str] = frozenset()  # on the whole cycle, when it reaches it all
    by_codes: bool = False  # the membership's `codes` (criteria, fields) limit its items


def _caps(*caps: str) -> frozenset[str]:
    return frozenset(caps)


ROLE_CAPS: dict[str, RoleRule] = {
    Role.MANAGER: RoleRule(
        ORGANISER,
        _caps(VIEW, MANAGE, SELF_REPORT, PLAN_EDIT),
        _caps(MANAGE, STAFF, RESULTS_ALL, LEDGER_ALL, PLANS_READ, OUTSIDE_RESULTS),
    ),
    # An appraiser assigned to one unit (`target`) reaches that unit only; to some fields
    # (`codes`), those items only.
    Role.APPRAISER: RoleRule(
        ORGANISER, _caps(VIEW, APPRAISE), _caps(STAFF, RESULTS_ALL, LEDGER_ALL), by_codes=True
    ),
    Role.OFFICER: RoleRule(OWN, _caps(VIEW, EDIT_SELF, EXPLAIN, SELF_REPORT, PLAN_EDIT)),
    Role.LEADER: RoleRule(OWN, _caps(VIEW, EDIT_SELF, SUBMIT, EXPLAIN, SELF_REPORT, PLAN_EDIT)),
    # A lead agency reads and reports on the plan tasks it leads (on_plan: `agencies`).
    Role.LEAD_AGENCY: RoleRule(TARGET, _caps(VIEW, EDIT_SELF, EXPLAIN), by_codes=True),
    # A viewer above the organiser reads the whole cycle's results at the units' stages.
    Role.VIEWER: RoleRule(
        BELOW, _caps(VIEW, PLAN_READ), _caps(RESULTS_ALL, LEDGER_ALL, PLANS_READ)
    ),
}
ADMIN_CAPS = _caps(
    VIEW,
    MANAGE,
    STAFF,
    RESULTS_ALL,
    LEDGER_ALL,
    NATIONAL_IMPORT,
    SELF_REPORT,
    PLAN_EDIT,
    PLANS_READ,
    OUTSIDE_RESULTS,
)
# Outside any cycle: managers of a ministry (the national index's organiser) import the
# published national results.
NATIONAL_IMPORTERS = {(Role.MANAGER, OrgUnit.Type.MINISTRY)}


class NotAllowed(Exception):
    """Refused by the rules of this module (services turn it into their own error)."""


def require(allowed: bool, message: str) -> None:
    """Raise NotAllowed(message) unless `allowed`: how services enforce an answer."""
    if not allowed:
        raise NotAllowed(message)


# --- memberships -----------------------------------------------------------------------------


def memberships(user: Any) -> list[Membership]:
    """The user's memberships, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_parindex_memberships", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).select_related("unit", "target"))
        user._parindex_memberships = cached
    return cached


def forget_memberships(user: Any) -> None:
    """Drop the memberships cached on `user` (after its roles changed)."""
    user.__dict__.pop("_parindex_memberships", None)


def roles(user: Any) -> set[str]:
    """The roles the user holds anywhere (the menu shows what they lead to)."""
    out = {m.role for m in memberships(user)}
    if is_admin(user):
        out.add(Role.ADMIN)
    return out


# The menu's entries beyond what every signed-in user has, and who gets them.
MENU_APPRAISAL = "appraisal"
MENU_SETUP = "setup"  # units, accounts, roles, methodologies, cycles (parindex.setup)
MENU_PLANS = "plans"  # improvement plans (parindex.plans)


def menu(user: Any) -> set[str]:
    """The menu entries the user's roles lead to (the pages still check each object)."""
    out = set()
    if is_admin(user) or any(
        (rule := _rule(m)) is not None and rule.reach == ORGANISER for m in memberships(user)
    ):
        out.add(MENU_APPRAISAL)
    if can_setup(user):
        out.add(MENU_SETUP)
    if is_admin(user) or any(
        (rule := _rule(m)) is not None
        and (rule.unit_caps & {PLAN_EDIT, PLAN_READ} or rule.reach == TARGET)
        for m in memberships(user)
    ):
        out.add(MENU_PLANS)
    return out


def is_admin(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False)) or any(
        m.role == Role.ADMIN for m in memberships(user)
    )


def unit_and_below(unit: OrgUnit) -> set[int]:
    ids = {unit.pk}
    frontier = [unit.pk]
    while frontier:
        frontier = list(OrgUnit.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids.update(frontier)
    return ids


def _in_cycle(m: Membership, cycle: Cycle) -> bool:
    return m.cycle_id is None or m.cycle_id == cycle.pk


def _rule(m: Membership) -> RoleRule | None:
    return ROLE_CAPS.get(m.role)


def _reaches(m: Membership, cycle: Cycle, unit_id: int) -> bool:
    """Whether membership `m` reaches the participation of `unit_id` in `cycle`."""
    rule = _rule(m)
    if rule is None or not _in_cycle(m, cycle):
        return False
    if rule.reach == OWN:
        return m.unit_id == unit_id
    if rule.reach == TARGET:
        return m.target_id == unit_id
    if rule.reach == ORGANISER:
        return m.unit_id == cycle.organiser_id and m.target_id in (None, unit_id)
    if rule.reach == BELOW and m.unit is not None:
        below = _below(m)
        return unit_id in below or cycle.organiser_id in below
    return False


def _below(m: Membership) -> set[int]:
    cached = getattr(m, "_below", None)
    if cached is None:
        cached = unit_and_below(m.unit) if m.unit is not None else set()
        m._below = cached  # type: ignore[attr-defined]
    return cached


def _whole_cycle(m: Membership, cycle: Cycle) -> bool:
    """Whether `m` reaches every unit of `cycle` (its cycle_caps then apply)."""
    rule = _rule(m)
    if rule is None or not _in_cycle(m, cycle):
        return False
    if rule.reach == ORGANISER:
        return m.unit_id == cycle.organiser_id and m.target_id is None
    if rule.reach == BELOW and m.unit is not None:
        return cycle.organiser_id in _below(m)
    return False


# --- one participation -----------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """What a user may do on one participation (one unit in one cycle)."""

    caps: frozenset[str] = frozenset()
    codes: tuple[str, ...] | None = None  # lead agency / appraiser: limited to these codes

    def can(self, cap: str) -> bool:
        return cap in self.caps

    def covers(self, code: str) -> bool:
        return self.codes is None or any(code == c or code.startswith(f"{c}.") for c in self.codes)

    def handles_evidence(self, code: str | None = None) -> bool:
        """Whoever may enter or explain the unit's items (for `code`, when given) handles
        its evidence documents."""
        return bool(self.caps & {EDIT_SELF, EXPLAIN}) and (code is None or self.covers(code))

    @property
    def staff(self) -> bool:
        """The organiser's side on this unit: appraisal stages visible while they run."""
        return STAFF in self.caps

    def stages(self, cycle: Cycle) -> tuple[str, ...]:
        """The stages of this unit's results the user may read now."""
        return lifecycle.stages_shown(cycle.state, staff=self.staff)

    def sees_stage(self, cycle: Cycle, stage: str) -> bool:
        return stage in self.stages(cycle)


def on_participation(user: Any, participation: Participation) -> Access:
    """The capabilities of `user` on `participation`."""
    cycle = participation.cycle
    if is_admin(user):
        return Access(ADMIN_CAPS - {NATIONAL_IMPORT})
    caps: set[str] = set()
    limited: list[str] = []
    unlimited = False
    for m in memberships(user):
        if not _reaches(m, cycle, participation.unit_id):
            continue
        rule = ROLE_CAPS[m.role]
        caps |= rule.unit_caps
        if rule.reach == ORGANISER:
            caps.add(STAFF)
        if rule.by_codes and m.codes:
            limited += m.codes
        elif rule.unit_caps & {EDIT_SELF, APPRAISE}:
            unlimited = True
    codes = tuple(limited) if limited and not unlimited else None
    return Access(frozenset(caps), codes)


# Kept under its former name for the callers that ask "access".
access = on_participation


def participations_visible_to(user: Any, cycle: Cycle) -> list[Participation]:
    qs = cycle.participations.select_related("unit", "cycle", "cycle__organiser")
    return [p for p in qs if on_participation(user, p).can(VIEW)]


def participation_for_user(user: Any, pk: int, cap: str = VIEW) -> tuple[Participation, Access]:
    """Fetch a participation the user may `cap`; raises Participation.DoesNotExist otherwise
    (so a view answers 404 and never reveals that another unit's object exists)."""
    p = Participation.objects.select_related(
        "unit", "cycle", "cycle__methodology", "cycle__organiser"
    ).get(pk=pk)
    acc = on_participation(user, p)
    if not acc.can(cap):
        raise Participation.DoesNotExist
    return p, acc


def home_participations(user: Any) -> QuerySet[Participation]:
    """Participations the user works on directly (own unit, lead agency target)."""
    q = Q(pk__in=[])
    for m in memberships(user):
        rule = _rule(m)
        if rule is None:
            continue
        if rule.reach == OWN:
            q |= Q(unit=m.unit)
        elif rule.reach == TARGET:
            q |= Q(unit=m.target)
    return Participation.objects.filter(q).select_related("unit", "cycle")


# --- a whole cycle -----------------------------------------------------------------------------


def cycles_visible_to(user: Any) -> QuerySet[Cycle]:
    qs = Cycle.objects.select_related("methodology", "organiser")
    if is_admin(user):
        return qs
    q = Q(pk__in=[])
    for m in memberships(user):
        rule = _rule(m)
        if rule is None:
            continue
        scope = Q(pk=m.cycle_id) if m.cycle_id else Q()
        if rule.reach == ORGANISER:
            q |= Q(organiser=m.unit) & scope
        elif rule.reach == OWN:
            q |= Q(participations__unit=m.unit) & scope
        elif rule.reach == TARGET:
            q |= Q(participations__unit=m.target) & scope
        elif rule.reach == BELOW and m.unit is not None:
            below = _below(m)
            q |= (Q(organiser_id__in=below) | Q(participations__unit_id__in=below)) & scope
    return qs.filter(q).distinct()


def cycle_caps(user: Any, cycle: Cycle) -> frozenset[str]:
    """Capabilities on the cycle as a whole (manage it, the organiser's side, every unit's
    results and ledger)."""
    if is_admin(user):
        return ADMIN_CAPS
    caps: set[str] = set()
    for m in memberships(user):
        if _whole_cycle(m, cycle):
            caps |= ROLE_CAPS[m.role].cycle_caps
        elif (rule := _rule(m)) and rule.reach == ORGANISER and _in_cycle(m, cycle):
            if m.unit_id == cycle.organiser_id:
                caps.add(STAFF)  # an appraiser of one unit: its stages, its unit only
    return frozenset(caps)


def can_manage(user: Any, cycle: Cycle) -> bool:
    return MANAGE in cycle_caps(user, cycle)


def can_enter_outside_results(user: Any, cycle: Cycle) -> bool:
    """Whether the user enters back the outside body's results of the cycle (the state and
    Cycle.reports_to are the lifecycle's: lifecycle.outside_results_open)."""
    return OUTSIDE_RESULTS in cycle_caps(user, cycle)


def cycle_staff(user: Any, cycle: Cycle) -> bool:
    """The organiser's side of a cycle: admins, its managers and its council."""
    return STAFF in cycle_caps(user, cycle)


def setup_units(user: Any) -> Units:
    """The units whose set-up (units below them, accounts and roles, appraisers, lead
    agencies, cycles they organise) the user runs: administrators all; a manager the tree
    of the unit above the one it manages (a Sở Nội vụ sets up its province; the Ministry,
    having no unit above, its own tree)."""
    if is_admin(user):
        return Units(all=True)
    ids: set[int] = set()
    for m in memberships(user):
        rule = _rule(m)
        if rule is None or MANAGE not in rule.unit_caps or m.unit is None or m.cycle_id:
            continue
        top = m.unit.parent if m.unit.parent is not None else m.unit
        ids |= unit_and_below(top)
    return Units(ids=frozenset(ids))


def can_setup(user: Any, unit: OrgUnit | None = None) -> bool:
    """Whether the user runs set-up at all (`unit` None) or for `unit`."""
    units = setup_units(user)
    return bool(units) if unit is None else units.has(unit.pk)


def grantable_roles(user: Any) -> list[str]:
    """The roles the user may give in set-up: administrators every role, organisers every
    role but the administrator's."""
    if is_admin(user):
        return list(Role.values)
    return [r for r in Role.values if r != Role.ADMIN] if can_setup(user) else []


# How set-up shows a role: assignments of the council ("appraisal": an appraiser, limited to
# a unit or fields), lead agencies ("lead_agency": for a target unit's criteria), or a plain
# role in a unit ("").
ASSIGNMENT_APPRAISAL = "appraisal"
ASSIGNMENT_LEAD = "lead_agency"


def assignment_kind(role: str) -> str:
    rule = ROLE_CAPS.get(role)
    if rule is None:
        return ""
    if rule.reach == TARGET:
        return ASSIGNMENT_LEAD
    if rule.reach == ORGANISER and rule.by_codes:
        return ASSIGNMENT_APPRAISAL
    return ""


def role_needs_target(role: str) -> bool:
    """A lead agency's role names the unit whose self-assessment it fills in."""
    rule = ROLE_CAPS.get(role)
    return rule is not None and rule.reach == TARGET


def role_is_admin(role: str) -> bool:
    """The administrator's role: held without a unit, given by administrators only."""
    return role == Role.ADMIN


def works_in_unit(role: str) -> bool:
    """Roles held by the unit's own staff (officers, leaders): a lead agency named in the
    set-up workbook without an account is given to them."""
    rule = ROLE_CAPS.get(role)
    return rule is not None and rule.reach == OWN


def role_for_assignment(kind: str) -> str:
    """The role a set-up assignment ("appraisal", "lead_agency") gives."""
    for role in ROLE_CAPS:
        if assignment_kind(role) == kind:
            return role
    raise KeyError(kind)


def may_hand_over(acc: Access) -> bool:
    """Officers (and lead agencies) hand the unit's form over to the leader."""
    return acc.can(EDIT_SELF)


def may_write_report(acc: Access) -> bool:
    """The closing sections of the self-assessment report (difficulties, recommendations)
    are the unit's own: its officers and leaders, not a lead agency limited to some items."""
    return acc.can(EDIT_SELF) and acc.codes is None


def may_approve(acc: Access) -> bool:
    """The unit's leader approves (submits) or returns a form handed over."""
    return acc.can(SUBMIT)


def _holders(
    unit_ids: Iterable[int], cycle: Cycle, *, cap: str, reach: str, extra: Q | None = None
) -> QuerySet[Any]:
    """Active users holding, on one of `unit_ids` (as `reach` reads it: their unit, their
    target), a role whose unit capabilities include `cap` in `cycle`."""
    from django.contrib.auth import get_user_model

    roles_ = [r for r, rule in ROLE_CAPS.items() if cap in rule.unit_caps and rule.reach == reach]
    field_ = "memberships__target_id__in" if reach == TARGET else "memberships__unit_id__in"
    return (
        get_user_model()
        .objects.filter(
            Q(memberships__cycle__isnull=True) | Q(memberships__cycle=cycle),
            extra or Q(),
            is_active=True,
            memberships__role__in=roles_,
            **{field_: list(unit_ids)},
        )
        .distinct()
    )


def approvers(p: Participation) -> QuerySet[Any]:
    """Who approves a form handed over: the unit's leaders (e-mails of a hand-over)."""
    return _holders([p.unit_id], p.cycle, cap=SUBMIT, reach=OWN)


def cycle_managers(cycle: Cycle) -> QuerySet[Any]:
    """Who runs the cycle: its organiser's managers (e-mails of a submission)."""
    whole = Q(memberships__target__isnull=True)
    return _holders([cycle.organiser_id], cycle, cap=MANAGE, reach=ORGANISER, extra=whole)


def unit_workers(p: Participation, cap: str = EDIT_SELF) -> list[Any]:
    """Who works on the unit's self-assessment (`cap`: EDIT_SELF, EXPLAIN): its officers
    and leaders, and the lead agencies that fill some of its items (deadline e-mails)."""
    own = _holders([p.unit_id], p.cycle, cap=cap, reach=OWN)
    target = _holders([p.unit_id], p.cycle, cap=cap, reach=TARGET)
    return list({u.pk: u for u in [*own, *target]}.values())


def cycle_appraisers(cycle: Cycle) -> QuerySet[Any]:
    """The council members of the cycle (the appraisal deadline e-mails; each is then
    asked what is left to them)."""
    return _holders([cycle.organiser_id], cycle, cap=APPRAISE, reach=ORGANISER)


def can_import_national(user: Any) -> bool:
    """The published national results (everyone's reference) are imported by administrators
    and by the managers of a ministry, not by a province's or a department's organiser."""
    if is_admin(user):
        return True
    return any(
        m.unit is not None and (m.role, m.unit.type) in NATIONAL_IMPORTERS
        for m in memberships(user)
    )


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Units:
    """A set of a cycle's units: all of them, or those with the given ids."""

    all: bool = False
    ids: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return self.all or bool(self.ids)

    def has(self, unit_id: int) -> bool:
        return self.all or unit_id in self.ids


@dataclass(frozen=True)
class ResultsAccess:
    """What of a cycle's results a user reads.

    ranking: whose rows of the ranking (points, index, rank);
    ledger: whose rows of the ledger of lost points, with the appraisers' reasons and
            comments (units: their own, also after publication);
    own: the user's own units taking part (officer, leader, lead agency, an appraiser's
         assigned units, a viewer's units below);
    stages: the stages the user reads now (lifecycle: the organiser's side while they run,
            the others once the cycle has passed them);
    report: the whole-cycle report (it holds every unit's ledger)."""

    cycle: Cycle
    ranking: Units = field(default_factory=Units)
    ledger: Units = field(default_factory=Units)
    own: frozenset[int] = frozenset()
    staff: bool = False
    stages: tuple[str, ...] = ()

    @property
    def any(self) -> bool:
        return bool(self.ranking)

    @property
    def report(self) -> bool:
        return self.ledger.all

    @property
    def ledger_readable(self) -> bool:
        """The ledger holds the appraisal's final cuts: the organiser's side reads it while
        the appraisal runs, the others once the final stage is shown to them."""
        return bool(self.ledger) and (self.staff or "final" in self.stages)

    @property
    def ranking_all(self) -> bool:
        return self.ranking.all

    @property
    def ledger_all(self) -> bool:
        return self.ledger.all

    def sees_stage(self, stage: str) -> bool:
        return stage in self.stages

    def sees(self, unit_id: int) -> bool:
        return self.ranking.has(unit_id)

    def codes(self, units: Units) -> frozenset[str] | None:
        """Unit codes of `units` in the cycle (None: all)."""
        if units.all:
            return None
        return frozenset(
            self.cycle.participations.filter(unit_id__in=units.ids).values_list(
                "unit__code", flat=True
            )
        )


def results_access(user: Any, cycle: Cycle) -> ResultsAccess:
    caps = cycle_caps(user, cycle)
    staff = STAFF in caps
    stages = lifecycle.stages_shown(cycle.state, staff=staff)
    taking_part = set(cycle.participations.values_list("unit_id", flat=True))
    own: set[int] = set()
    assigned: set[int] = set()  # appraisers of some units
    for m in memberships(user):
        rule = _rule(m)
        if rule is None or not _in_cycle(m, cycle):
            continue
        if rule.reach == OWN and m.unit_id:
            own.add(m.unit_id)
        elif rule.reach == TARGET and m.target_id:
            own.add(m.target_id)
        elif rule.reach == ORGANISER and m.unit_id == cycle.organiser_id and m.target_id:
            assigned.add(m.target_id)
        elif rule.reach == BELOW and m.unit is not None:
            own |= _below(m)
    own &= taking_part
    assigned &= taking_part
    published = lifecycle.of(cycle).published
    mine = frozenset(own | assigned)
    ranking = Units(all=True) if RESULTS_ALL in caps or (mine and published) else Units(ids=mine)
    ledger = Units(all=True) if LEDGER_ALL in caps else Units(ids=mine)
    return ResultsAccess(
        cycle=cycle,
        ranking=ranking,
        ledger=ledger,
        own=mine,
        staff=staff,
        stages=stages if ranking else (),
    )


def cycle_for_results(user: Any, pk: int) -> tuple[Cycle, ResultsAccess]:
    """A cycle whose results the user may read (some of them at least) and what of them;
    raises Cycle.DoesNotExist otherwise (views answer 404)."""
    cycle = Cycle.objects.select_related("methodology", "organiser", "organiser__parent").get(pk=pk)
    seen = results_access(user, cycle)
    if not seen.any:
        raise Cycle.DoesNotExist
    return cycle, seen


def audit_actions_hidden(acc: Access, cycle: Cycle) -> set[str]:
    """Audit actions whose records (points, reasons, comments of a stage) the user may not
    read yet: appraisal rounds not shown to them."""
    shown = acc.stages(cycle)
    hidden = set()
    for rnd, stage in ((1, "r1"), (2, "r2")):
        if stage not in shown:
            hidden.add(f"entry.appraised_r{rnd}")
    if "final" not in shown:
        hidden.add("entry.finalised")
    return hidden


def codes_of(units: Iterable[int], cycle: Cycle) -> frozenset[str]:
    return frozenset(
        cycle.participations.filter(unit_id__in=list(units)).values_list("unit__code", flat=True)
    )


# --- improvement plans (parindex.plans) ----------------------------------------------------------


@dataclass(frozen=True)
class PlanAccess:
    """What a user may do on one unit's improvement plan (drafted from `cycle`'s results).

    view:     read the whole plan (every task, the dashboard, the exports);
    edit:     draft and refresh it, change any task, link a finished task's files as
              evidence (the organiser's managers, the unit's officers and leaders);
    agencies: the units the user works for (its own unit, a lead agency's department): the
              tasks they lead are shown to the user, who reports their progress."""

    view: bool = False
    edit: bool = False
    agencies: frozenset[int] = frozenset()

    def sees_task(self, lead_agency_id: int | None) -> bool:
        return self.view or (lead_agency_id is not None and lead_agency_id in self.agencies)

    def reports_on(self, lead_agency_id: int | None) -> bool:
        return self.edit or (lead_agency_id is not None and lead_agency_id in self.agencies)


def agencies_of(user: Any) -> frozenset[int]:
    """The units `user` works for: its own unit (officer, leader) and the departments it
    acts for as a lead agency, whatever cycle the role was given for."""
    return frozenset(
        m.unit_id
        for m in memberships(user)
        if m.unit_id is not None and (rule := _rule(m)) is not None and rule.reach in (OWN, TARGET)
    )


def on_plan(user: Any, unit_id: int, cycle: Cycle) -> PlanAccess:
    """The rights of `user` on the plan of unit `unit_id` drafted from `cycle`: those of
    its roles that reach the unit in that cycle (ROLE_CAPS: PLAN_EDIT, PLAN_READ), every
    unit's plan for whoever reads the whole cycle (PLANS_READ), and its agencies' tasks."""
    if is_admin(user):
        return PlanAccess(view=True, edit=True, agencies=agencies_of(user))
    caps: set[str] = set()
    for m in memberships(user):
        if _reaches(m, cycle, unit_id):
            caps |= ROLE_CAPS[m.role].unit_caps
    edit = PLAN_EDIT in caps
    view = edit or PLAN_READ in caps or PLANS_READ in cycle_caps(user, cycle)
    return PlanAccess(view=view, edit=edit, agencies=agencies_of(user))


def may_draft_plan(user: Any, participation: Participation) -> bool:
    """Who drafts a unit's plan from a finished cycle: whoever may edit that plan."""
    return on_plan(user, participation.unit_id, participation.cycle).edit


def may_draft_plans_in(user: Any, cycle: Cycle) -> bool:
    """Whether the finished cycle's page offers its plans: to its managers and to whoever
    may draft one of its units' plans (a province's own Sở Nội vụ in the Ministry's cycle)."""
    if not lifecycle.of(cycle).finished:
        return False
    if can_manage(user, cycle):
        return True
    return any(may_draft_plan(user, p) for p in cycle.participations.select_related("cycle"))


def plan_assignable_units(user: Any, plan_unit: OrgUnit, cycle: Cycle) -> set[int]:
    """The units `user` may give a plan's task to beyond those already on the plan: the
    organiser's side every unit of the province (or ministry) tree the cycle belongs to;
    the unit's own staff (PLAN_EDIT through their own role) the unit and the units below it
    (a province's departments and communes carry out the province's plan)."""
    if can_manage(user, cycle):
        top = cycle.organiser.parent or cycle.organiser
        return unit_and_below(top) | {plan_unit.pk}
    if on_plan(user, plan_unit.pk, cycle).edit:
        return unit_and_below(plan_unit)
    return {plan_unit.pk}


def may_plan_target(user: Any, participation: Participation) -> bool:
    """Who opens the target planner of a unit in a cycle (parindex.targets: the index a
    rank takes, what-if, forecast): whoever reads the unit's improvement plan."""
    return on_plan(user, participation.unit_id, participation.cycle).view


def agency_workers(unit_id: int) -> QuerySet[Any]:
    """Who works for an agency (its officers and leaders, the accounts acting as a lead
    agency for it): told of the plan tasks it leads (deadline e-mails)."""
    from django.contrib.auth import get_user_model

    roles_ = [r for r, rule in ROLE_CAPS.items() if rule.reach in (OWN, TARGET)]
    return (
        get_user_model()
        .objects.filter(is_active=True, memberships__role__in=roles_, memberships__unit_id=unit_id)
        .distinct()
    )
