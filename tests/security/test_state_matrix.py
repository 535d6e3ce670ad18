"""Who reads what, in every state of a cycle: every page, export and API route that shows
results, appraisal or audit data × every role × every cycle state × every stage parameter,
for the unit's own rows and another unit's.

The world, a cycle of the test cast (tests/cast.py), is driven through the services, state
by state, as a real cycle would be: units A (Sở Tư pháp) and B (Sở Y tế) enter and submit;
in round 1 the council cuts item 1.1.1 of both with a comment; in the explanation round
both explain; in round 2 the council answers with another comment; the cycle is finalised
and published. Each piece of appraisal data
carries a mark ("R1-A-MARK", "R2-B-MARK", "EXPL-A-MARK", ...) that may appear in a response
only where the expectations below (written here, independently of the code under test) say
the role may read it:
- the organiser's side (admin, manager, the council; an appraiser assigned to unit A for A
  only) reads a round while it runs; the units and the viewers once the cycle has passed it
  (round 1 from the explanation round, round 2 once final);
- a unit reads its own appraisal data, never another unit's — also after publication;
- before publication a unit reads only its own rows of the ranking.
Exports and API routes asked for a stage the role may not read yet answer 403/404.

test_the_matrix_can_fail: a capability or a stage granted too early (one entry of the role
table or of the lifecycle table changed) makes the same check report leaks.

Speed: one world per state (module-scoped `world`, built once per state through the
services by factories.built_once; each test runs in a savepoint rolled back after it, so
they all see the world as built), one test per state × role. Each distinct URL is asked
once per role:
the permission matrix's pages that the routes above already ask are not asked twice.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from cast import Cast
from django.test import Client
from django.urls import reverse
from factories import built_once

from parindex.accounts.models import OrgUnit, Role
from parindex.api.services import api_token_create
from parindex.assessment import lifecycle, permissions, services
from parindex.assessment.models import Cycle, Entry, Participation

S = Cycle.State
STATES = list(S.values)
STAGES = ("self", "r1", "r2", "final")

# The stages each side reads per state (the expectation, written out).
STAFF_STAGES = {
    S.DRAFT: "s", S.OPEN: "s", S.SELF_CLOSED: "s", S.APPRAISAL: "s1", S.EXPLANATION: "s1",
    S.APPRAISAL_2: "s12", S.FINAL: "s12f", S.PUBLISHED: "s12f",
}  # fmt: skip
UNIT_STAGES = {
    S.DRAFT: "s", S.OPEN: "s", S.SELF_CLOSED: "s", S.APPRAISAL: "s", S.EXPLANATION: "s1",
    S.APPRAISAL_2: "s1", S.FINAL: "s12f", S.PUBLISHED: "s12f",
}  # fmt: skip
LETTER = {"self": "s", "r1": "1", "r2": "2", "final": "f"}

# role -> (organiser's side?, units whose data it reads)
ROLES: dict[str, tuple[bool, str]] = {
    "admin": (True, "AB"),
    "manager": (True, "AB"),
    "appraiser": (True, "AB"),
    "appraiser_a": (True, "A"),  # council member assigned to unit A only
    "officer_a": (False, "A"),
    "lead_agency": (False, "A"),  # fills criterion 1.2 of A
    "viewer": (False, "AB"),  # viewer of the province (above the organiser)
    "officer_b": (False, "B"),
}


def reads_stage(role: str, state: str, stage: str) -> bool:
    staff, _units = ROLES[role]
    return LETTER[stage] in (STAFF_STAGES if staff else UNIT_STAGES)[state]


# --- the world, driven through the services up to `state` ---------------------------------------


@dataclass
class World:
    cycle: Cycle
    units: dict[str, OrgUnit]
    parts: dict[str, Participation]
    users: dict[str, Any]
    view: Any = None  # the permission matrix's objects on this world (_with_matrix_objects)


def build(state: str, cast: Any = None) -> World:
    """A cycle of the cast (the one in the database unless given) for units A and B (its
    lead agency on criterion 1.2 of A), from draft through the services up to `state`.
    A's and B's names are made ones no page shows by chance (the shipped methodologies name
    "Sở Tư pháp"), for the marks."""
    cast = cast or Cast.current()
    a, b = cast.a, cast.b
    for unit, name in ((a, "Sở Tư pháp tỉnh Lào Cai"), (b, "Sở Y tế tỉnh Lào Cai")):
        unit.name = name
        unit.save(update_fields=["name"])
    cycle = cast.cycle(S.DRAFT, units=(a, b))
    cast.reassign("lead_agency", codes=["1.2"])
    names = {"officer_a": "officer", "leader_a": "leader"}
    roles = [*ROLES, "leader_a", "leader_b"]
    users = {role: cast.users[names.get(role, role)] for role in roles}
    parts = {x: Participation.objects.get(cycle=cycle, unit=u) for x, u in (("A", a), ("B", b))}
    w = World(cycle, {"A": a, "B": b}, parts, users)
    order = STATES.index(state)

    def reached(s: str) -> bool:
        return order >= STATES.index(s)

    if reached(S.OPEN):
        cycle = cast.advance(cycle, S.OPEN)
        for x in "AB":
            p = parts[x]
            officer = users[f"officer_{x.lower()}"]
            for code, value in (("1.1.1", "đúng hạn"), ("1.2.1", "có"), ("2.1.1", "90")):
                services.entry_save_self(
                    participation=p, code=code, value=value, note=f"NOTE-{x}", user=officer
                )
    if reached(S.SELF_CLOSED):
        for x in "AB":
            services.participation_submit(participation=parts[x], user=users[f"leader_{x.lower()}"])
        cycle = cast.advance(cycle, S.SELF_CLOSED)
    if reached(S.APPRAISAL):
        cycle = cast.advance(cycle, S.APPRAISAL)
        for x in "AB":
            entry = Entry.objects.get(participation=parts[x], code="1.1.1")
            services.entry_appraise(
                entry=entry,
                points=Decimal("0.5"),
                reason=Entry.Reason.EVIDENCE_MISSING,
                comment=f"R1-{x}-MARK",
                user=users["appraiser"],
            )
    if reached(S.EXPLANATION):
        cycle = cast.advance(cycle, S.EXPLANATION)
        for x in "AB":
            entry = Entry.objects.get(participation=parts[x], code="1.1.1")
            services.entry_explain(
                entry=entry, text=f"EXPL-{x}-MARK", user=users[f"officer_{x.lower()}"]
            )
    if reached(S.APPRAISAL_2):
        cycle = cast.advance(cycle, S.APPRAISAL_2)
        for x in "AB":
            entry = Entry.objects.get(participation=parts[x], code="1.1.1")
            services.entry_appraise(
                entry=entry,
                points=Decimal("0.25"),
                reason=Entry.Reason.NOT_MET,
                comment=f"R2-{x}-MARK",
                user=users["appraiser"],
            )
    if reached(S.FINAL):
        cycle = cast.advance(cycle, S.FINAL)
    if reached(S.PUBLISHED):
        cycle = cast.advance(cycle, S.PUBLISHED)
    assert cycle.state == state
    w.cycle = cycle
    return w


# --- what is asked -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ask:
    label: str
    url: str
    stage: str | None = None  # the stage asked for explicitly (exports, API)
    api: bool = False


def asks(w: World) -> list[Ask]:
    c, pa = w.cycle.pk, w.parts["A"].pk
    out = [
        Ask("cycle page", reverse("cycle_detail", args=[c])),
        Ask("self-assessment A", reverse("self_assessment", args=[pa])),
        Ask("explanation A", reverse("explanation", args=[pa])),
        Ask("unit results A", reverse("unit_results", args=[pa])),
        Ask("audit A", reverse("audit_participation", args=[pa])),
        Ask("audit A 1.1.1", reverse("audit_item", args=[pa, "1.1.1"])),
        Ask("appraisal A", reverse("appraisal_detail", args=[pa])),
        Ask("ledger page", reverse("results_ledger", args=[c])),
        Ask("results index", reverse("results_index")),
        Ask("api cycle", f"/api/v1/cycles/{c}", api=True),
        Ask("api ledger", f"/api/v1/cycles/{c}/ledger", api=True),
    ]
    for stage in STAGES:
        q = f"?stage={stage}"
        out += [
            Ask(f"ranking page {stage}", reverse("results_ranking", args=[c]) + q),
            Ask(f"unit profile A {stage}", reverse("results_unit", args=[pa]) + q),
            Ask(f"api results {stage}", f"/api/v1/cycles/{c}/results{q}", stage, api=True),
            Ask(
                f"api unit A {stage}",
                f"/api/v1/cycles/{c}/units/{w.units['A'].code}/results{q}",
                stage,
                api=True,
            ),
        ]
        for what, fmt in (("ranking", "csv"), ("ranking", "xlsx"), ("ledger", "json")):
            out.append(
                Ask(
                    f"{what}.{fmt} {stage}",
                    reverse("results_export", args=[c, what, fmt]) + q,
                    stage,
                )
            )
    out.append(Ask("report.xlsx", reverse("results_export", args=[c, "report", "xlsx"])))
    return out


def _body(response: Any) -> str:
    if getattr(response, "streaming", False):
        data = b"".join(response.streaming_content)
    else:
        data = response.content
    if data[:2] == b"PK":  # a workbook: read its shared strings and sheets
        import io
        import zipfile

        with zipfile.ZipFile(io.BytesIO(data)) as z:
            data = b"".join(z.read(n) for n in z.namelist() if n.endswith(".xml"))
    return data.decode("utf-8", "replace")


def forbidden_marks(role: str, state: str, w: World) -> dict[str, str]:
    """Marks that must not appear in any response to `role` in `state`, with why."""
    _staff, units = ROLES[role]
    out: dict[str, str] = {}
    for x in "AB":
        if x not in units:
            out[f"R1-{x}-MARK"] = f"round 1 comment of unit {x}"
            out[f"R2-{x}-MARK"] = f"round 2 comment of unit {x}"
            out[f"EXPL-{x}-MARK"] = f"explanation of unit {x}"
            if state != S.PUBLISHED:
                out[w.units[x].name] = f"unit {x} before publication"
        else:
            if not reads_stage(role, state, "r1"):
                out[f"R1-{x}-MARK"] = f"round 1 comment of {x} before round 1 is shown"
            if not reads_stage(role, state, "r2"):
                out[f"R2-{x}-MARK"] = f"round 2 comment of {x} before round 2 is shown"
    return out


def page_asks(w: World) -> list[Ask]:
    """Every GET of the permission matrix (its URLs all point at unit A's objects), for the
    roles that could see too much (PAGE_ROLES)."""
    from test_permission_matrix import CASES

    view = w.view if w.view is not None else _with_matrix_objects(w)
    return [
        Ask(f"page {case.id}", reverse(case.name, kwargs=case.kwargs(view)) + case.query)
        for case in CASES
        if case.prepare is None
    ]


def role_asks(w: World, role: str) -> list[Ask]:
    """What `role` is asked: the routes above, and the permission matrix's pages for
    PAGE_ROLES; a URL the routes already ask (the same request of the same user on the
    same world) is not asked again."""
    out = asks(w)
    if role in PAGE_ROLES:
        seen = {(a.api, a.url) for a in out}
        for ask in page_asks(w):
            if (ask.api, ask.url) not in seen:
                seen.add((ask.api, ask.url))
                out.append(ask)
    return out


def role_marks(role: str, state: str, w: World) -> dict[str, str]:
    """forbidden_marks, and for a role that does not read unit A: A's form, evidence and
    evidence title (uploaded with the permission matrix's objects)."""
    marks = forbidden_marks(role, state, w)
    if "A" not in ROLES[role][1] and w.view is not None:
        marks.update(
            {
                reverse("self_assessment", args=[w.parts["A"].pk]): "a link to A's form",
                reverse("evidence_download", args=[w.view.evidence.pk]): "A's evidence",
                "EVIDENCE-A-MARK": "A's evidence title",
            }
        )
    return marks


def check(w: World, state: str, roles: list[str], only: set[str] | None = None) -> list[str]:
    problems: list[str] = []
    for role in roles:
        user = w.users[role]
        client = Client()
        client.force_login(user)
        # a token of this test (the world is shared: a kept key's row would be rolled back)
        key = api_token_create(user=user, name=f"matrix {role}").key
        marks = role_marks(role, state, w)
        for ask in role_asks(w, role):
            if only is not None and ask.label not in only:
                continue
            if ask.api:
                response = Client().get(ask.url, headers={"Authorization": f"Bearer {key}"})
            else:
                response = client.get(ask.url)
            code = response.status_code
            if code >= 500:
                problems.append(f"{role} {ask.label} ({ask.url}): {code}")
                continue
            if ask.stage is not None and code == 200 and not reads_stage(role, state, ask.stage):
                problems.append(f"{role} {ask.label}: 200 for a stage not shown yet")
            if code != 200:
                continue
            body = _body(response)
            for mark, why in marks.items():
                if mark in body:
                    problems.append(f"{role} {ask.label} ({ask.url}): shows {why} ({mark!r})")
    return problems


@pytest.fixture
def no_axes(settings) -> Iterator[None]:
    settings.AXES_ENABLED = False
    yield


def _world(state: str) -> World:
    w = build(state, Cast())
    w.view = _with_matrix_objects(w)
    return w


@pytest.fixture(scope="module", params=STATES)
def world(request, django_db_setup, django_db_blocker, media_root: Path) -> Iterator[World]:
    """The world in the state given, built once (for the tests of this state on this
    worker); the tests ask for `db`, so each runs in a savepoint rolled back after it."""
    yield from built_once(django_db_blocker, media_root, lambda: _world(request.param))


@pytest.mark.parametrize("role", list(ROLES))
def test_state_matrix(world: World, role: str, db, no_axes):
    """Every route above (and, for PAGE_ROLES, every page of the permission matrix) asked
    by `role` in the world's state: never a server error, never a stage's data before it
    is shown to the role, never another unit's data."""
    state = world.cycle.state
    problems = check(world, state, [role])
    assert not problems, f"{state} {role}:\n  " + "\n  ".join(problems)


def test_the_world_is_the_one_asked_for(world: World, db):
    """Each state's world is built once and kept: its cycle is in that state, the matrix's
    objects (A's evidence) are there, and each test starts from it as built."""
    state = world.cycle.state
    assert Cycle.objects.get(pk=world.cycle.pk).state == state
    assert Entry.objects.filter(participation=world.parts["A"]).exists()
    assert world.view.evidence.__class__.objects.filter(title="EVIDENCE-A-MARK").count() == 1


def test_stages_are_asked_of_the_user(world: World, db):
    """Sanity of the world: the permissions read the stages the expectations above say, for
    every role in every state (in round 1 the council reads round 1, the unit does not);
    after publication a unit reads the whole ranking, not others' ledgers."""
    state = world.cycle.state
    for role in ROLES:
        access = permissions.results_access(world.users[role], world.cycle)
        for stage in STAGES:
            assert access.sees_stage(stage) == reads_stage(role, state, stage), (role, stage)
    if state == S.PUBLISHED:
        seen = permissions.results_access(world.users["officer_b"], world.cycle)
        assert seen.ranking.all and not seen.ledger.all


# --- the matrix must be able to fail -----------------------------------------------------------


@pytest.mark.parametrize("world", [S.APPRAISAL, S.PUBLISHED], indirect=True)
def test_the_matrix_can_fail(world: World, db, no_axes, monkeypatch):
    w = world
    if w.cycle.state == S.APPRAISAL:
        # 1. The lifecycle shows round 1 to the units while it runs.
        facts = lifecycle.FACTS[S.APPRAISAL]
        monkeypatch.setitem(
            lifecycle.FACTS, S.APPRAISAL, dataclasses.replace(facts, unit_stages=("self", "r1"))
        )
        only = {"api results r1", "ranking.csv r1", "audit A"}
        problems = check(w, S.APPRAISAL, ["officer_a"], only)
        assert any("stage not shown yet" in p for p in problems), problems
        assert any("R1-A-MARK" in p for p in problems), problems
        return

    # 2. Officers get every unit's ledger.
    rule = permissions.ROLE_CAPS[Role.OFFICER]
    monkeypatch.setitem(
        permissions.ROLE_CAPS,
        Role.OFFICER,
        dataclasses.replace(rule, cycle_caps=frozenset({permissions.LEDGER_ALL})),
    )
    whole = permissions._whole_cycle
    monkeypatch.setattr(
        permissions, "_whole_cycle", lambda m, cycle: m.role == Role.OFFICER or whole(m, cycle)
    )
    problems = check(w, S.PUBLISHED, ["officer_b"], {"ledger.json final", "api ledger"})
    assert any("R2-A-MARK" in p or "R1-A-MARK" in p for p in problems), problems


# --- every page of the permission matrix, in every state ---------------------------------------


PAGE_ROLES = ("officer_a", "lead_agency", "viewer", "appraiser_a", "officer_b")


def _with_matrix_objects(w: World) -> Any:
    """The objects the permission matrix's URLs point at (unit A's evidence and its link,
    the cycle's survey objects), on this world; a view of it the matrix's cases accept."""
    from django.core.files.base import ContentFile
    from test_permission_matrix import _plan_objects, _survey_objects

    from parindex.assessment.models import Evidence, EvidenceLink

    a = w.parts["A"]
    entry, _created = Entry.objects.get_or_create(participation=a, code="1.1.1")
    evidence = Evidence(
        cycle=w.cycle,
        unit=w.units["A"],
        original_name="ke-hoach.pdf",
        size=10,
        sha256="0" * 64,
        content_type="application/pdf",
        title="EVIDENCE-A-MARK",
        uploaded_by=w.users["officer_a"],
    )
    evidence.file.save("ke-hoach.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
    evidence.save()
    link = EvidenceLink.objects.create(evidence=evidence, entry=entry)
    view = SimpleNamespace(
        cycle=w.cycle,
        p=a,
        p_b=w.parts["B"],
        entry=entry,
        evidence=evidence,
        link=link,
        users=w.users,
        unit_a=w.units["A"],
        unit_b=w.units["B"],
        objs={"methodology": w.cycle.methodology},
    )
    view.a_entry = lambda code: Entry.objects.filter(participation=a, code=code).first()
    _survey_objects(view)
    _plan_objects(view)
    return view


@pytest.mark.parametrize("world", [S.EXPLANATION, S.PUBLISHED], indirect=True)
def test_the_marks_show_where_they_may(world: World, db, no_axes):
    """The marks the matrix looks for do reach the pages of those who may read them (else
    the matrix would pass whatever the code did)."""
    w = world
    if w.cycle.state == S.EXPLANATION:
        officer = Client()
        officer.force_login(w.users["officer_a"])
        page = officer.get(reverse("explanation", args=[w.parts["A"].pk])).content.decode()
        assert "R1-A-MARK" in page
        audit = officer.get(reverse("audit_participation", args=[w.parts["A"].pk]))
        assert "R1-A-MARK" in audit.content.decode() and "EXPL-A-MARK" in audit.content.decode()
        return
    manager = Client()
    manager.force_login(w.users["manager"])
    ledger = _body(manager.get(reverse("results_export", args=[w.cycle.pk, "ledger", "json"])))
    assert "R2-A-MARK" in ledger and "R2-B-MARK" in ledger
    own = Client()
    own.force_login(w.users["officer_b"])
    mine = _body(own.get(reverse("results_export", args=[w.cycle.pk, "ranking", "xlsx"])))
    assert "EXPL-B-MARK" in mine and w.units["A"].name in mine  # published: every unit's row
    # A's evidence title (the mark looked for in what officer B gets) does reach A's people.
    officer_a = Client()
    officer_a.force_login(w.users["officer_a"])
    library = officer_a.get(reverse("self_assessment", args=[w.parts["A"].pk]))
    assert library.status_code == 200


@pytest.mark.parametrize("world", [S.APPRAISAL], indirect=True)
def test_round_one_totals_stay_with_the_council_while_it_runs(world: World, db, no_axes):
    """The leak the review found: during round 1 the unit's cycle page and results page
    showed the round-1 total. The stages a page computes are the reader's."""
    w = world
    officer = Client()
    officer.force_login(w.users["officer_a"])
    page = officer.get(reverse("cycle_detail", args=[w.cycle.pk]))
    assert page.context["available"] == ["self"]
    assert all(set(r.results) == {"self"} for r in page.context["rows"])
    mine = officer.get(reverse("unit_results", args=[w.parts["A"].pk]))
    assert [s.code for s in mine.context["stages"] if s.result is not None] == ["self"]
    council = Client()
    council.force_login(w.users["appraiser"])
    staff = council.get(reverse("cycle_detail", args=[w.cycle.pk]))
    assert staff.context["available"] == ["self", "r1"]
