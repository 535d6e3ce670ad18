"""The load test's world, built through the services (bench/load.py runs it in a process of
its own against the run's fresh database, after `migrate`):

    DJANGO_SETTINGS_MODULE=parindex.settings python bench/load_world.py PLAN.json \
        [--officers 100 --appraisers 40 --leaders 60] [--units 38]

- the demo's units (demo/org.py: the Ministry, the 34 provinces, Lào Cai's 14 departments
  and 24 communes; `--units` takes the first N of Lào Cai's) and named accounts, the shipped
  methodology `example-province-internal`;
- three cycles of Lào Cai's units organised by its Sở Nội vụ, the values drawn as the demo
  draws them (demo/generate.py), written with the self-assessment service
  (`entries_save_self`, one transaction per unit):
  * year Y-2: every item entered, submitted, appraised (round 1 accepted through
    `appraise_remaining`), finalised and published: the leaders' rankings and exports;
  * year Y-1: every item entered and submitted, in appraisal round 1: the appraisers' work;
  * year Y: open for self-assessment, about 40 % of each unit's items entered: the officers'
    work;
- the simulated users' accounts, distinct (one login each): officers of each unit (the
  unit's items shared out between them, so that two users never save the same item),
  appraisers of the organiser (the units of the Y-1 cycle shared out, and the items of a
  unit between the appraisers who share it), leaders of each unit. One Argon2 hash of the
  published demo password is computed and given to every load account (hashing 200
  passwords one by one would take most of the build).

Writes PLAN.json: the password, the cycles' ids and, per simulated user, the account and
what it works on (participation, item codes, two valid values per item).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

PASSWORD = "parindex-demo-2025"  # noqa: S105 - the demo's published password (demo/org.py)


def _setup_django() -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parindex.settings")
    django.setup()


def build(
    *, officers: int, appraisers: int, leaders: int, units_max: int, seed: int = 2025
) -> dict[str, Any]:
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from django.utils import timezone

    from parindex.accounts.models import OrgUnit, Role
    from parindex.assessment import services as svc
    from parindex.assessment.models import Cycle, Entry, Participation
    from parindex.core.model import EXTERNAL, SURVEY
    from parindex.demo import generate as gen
    from parindex.demo import org
    from parindex.demo.builder import DEMO_MOVE, install_methodology
    from parindex.setup import services as setup

    rng = random.Random(seed)
    State = Cycle.State
    started = time.monotonic()
    all_units = org.build_units()
    internal = install_methodology("example-province-internal")
    named = org.build_accounts(all_units, None)
    manager = named["sonoivu"]
    organiser = all_units[org.MARKER_UNIT]
    lao_cai = [
        u
        for u in all_units.values()
        if u.parent_id == all_units[org.PROVINCE].pk
        and u.type in (OrgUnit.Type.DEPARTMENT, OrgUnit.Type.COMMUNE)
    ]
    lao_cai.sort(key=lambda u: (u.type != OrgUnit.Type.DEPARTMENT, u.code))
    # departments and communes alike when cut short (both unit types in every ranking)
    depts = [u for u in lao_cai if u.type == OrgUnit.Type.DEPARTMENT]
    communes = [u for u in lao_cai if u.type == OrgUnit.Type.COMMUNE]
    units: list[OrgUnit] = []
    while len(units) < min(units_max, len(lao_cai)):
        for group in (depts, communes):
            if group and len(units) < units_max:
                units.append(group.pop(0))
    quality = {u.code: rng.uniform(0.35, 1.0) for u in units}

    # --- accounts: one hash for all --------------------------------------------------------
    hashed = make_password(PASSWORD)

    def make_account(username: str, role: str, unit: OrgUnit) -> str:
        acc = org.account(username, f"Tải Thử {username}", password=None)
        org.give_role(acc, role, unit=unit)
        return username

    # The first unit is the cross-process check's (bench/load.py): only its two accounts
    # work on it, so that its points change only by the check's saves.
    check_unit, worked = units[0], units[1:]
    check_officer = make_account("load.check.cb", Role.OFFICER, check_unit)
    check_leader = make_account("load.check.ld", Role.LEADER, check_unit)
    officer_names: dict[str, list[str]] = {u.code: [] for u in units}
    leader_names: dict[str, list[str]] = {u.code: [] for u in units}
    for i in range(officers):
        u = worked[i % len(worked)]
        officer_names[u.code].append(make_account(f"load.cb{i:03d}", Role.OFFICER, u))
    for i in range(leaders):
        u = worked[i % len(worked)]
        leader_names[u.code].append(make_account(f"load.ld{i:03d}", Role.LEADER, u))
    appraiser_names = [
        make_account(f"load.td{i:03d}", Role.APPRAISER, organiser) for i in range(appraisers)
    ]
    # the cycles' own leaders and officers (they submit and enter the history)
    staff = {u.code: (officer_names[u.code] or [None])[0] for u in units}
    for u in units:
        if staff[u.code] is None:
            staff[u.code] = make_account(f"load.cbx.{u.code.lower()}", Role.OFFICER, u)
        if not leader_names[u.code]:
            make_account(f"load.ldx.{u.code.lower()}", Role.LEADER, u)
    helper_leader = {
        u.code: (leader_names[u.code] or [f"load.ldx.{u.code.lower()}"])[0] for u in units
    }
    User.objects.filter(username__startswith="load.").update(password=hashed)
    appraiser_user = User.objects.get(username="thamdinh")
    users = {x.username: x for x in User.objects.filter(username__startswith="load.")}

    def own_leaves(cycle: Cycle, unit: OrgUnit) -> list[Any]:
        return [
            n
            for n in cycle.methodology.tree.leaves
            if n.applies(unit.type) and n.method not in (SURVEY, EXTERNAL)
        ]

    def fill(cycle: Cycle, share: float) -> None:
        tree = cycle.methodology.tree
        for p in Participation.objects.filter(cycle=cycle).select_related("unit"):
            p.cycle = cycle
            leaves = own_leaves(cycle, p.unit)
            chosen = leaves if share >= 1 else rng.sample(leaves, round(len(leaves) * share))
            unit = svc.unit_of(p.unit)
            items = []
            for node in chosen:
                inp = gen.self_input(rng, tree, node, unit, quality[p.unit.code])
                items.append(svc.EntryInput(code=node.code, value=inp.value, note=inp.note))
            try:
                svc.entries_save_self(participation=p, items=items, user=users[staff[p.unit.code]])
            except svc.EntriesRefused as exc:
                raise SystemExit(f"{p.unit.code}: {exc.errors[:3]}") from None

    def submit_all(cycle: Cycle) -> None:
        for p in Participation.objects.filter(cycle=cycle).select_related("unit"):
            svc.participation_submit(participation=p, user=users[helper_leader[p.unit.code]])

    def move(cycle: Cycle, *states: str) -> Cycle:
        for state in states:
            cycle = svc.cycle_transition(
                **DEMO_MOVE, cycle=Cycle.objects.get(pk=cycle.pk), to_state=state, user=manager
            )
        return cycle

    today = timezone.localdate()
    year = today.year if today.month >= 9 else today.year - 1

    def at(days: int, hour: int) -> Any:
        return timezone.make_aware(datetime.combine(today + timedelta(days=days), dtime(hour)))

    # Every cycle is created with its self-assessment open now (the earlier ones are entered,
    # then moved on by the organiser, as a late cycle is).
    schedule = dict(  # noqa: C408 - the keywords of setup_cycle_create
        self_start=at(-10, 7),
        self_end=at(20, 17),
        appraisal_start=at(22, 8),
        appraisal_end=at(40, 17),
        explanation_start=at(42, 8),
        explanation_end=at(50, 17),
        publication_date=today + timedelta(days=70),
    )

    def create(name: str, y: int) -> Cycle:
        return setup.setup_cycle_create(
            name=name,
            year=y,
            methodology=internal,
            organiser=organiser,
            units=units,
            user=manager,
            confirm_years=True,
            **schedule,
        )

    # Y-2: published
    published = create(f"Tải thử: Chỉ số CCHC năm {year - 2} (đã công bố)", year - 2)
    published = move(published, State.OPEN)
    fill(published, 1.0)
    submit_all(published)
    published = move(published, State.SELF_CLOSED, State.APPRAISAL)
    for p in Participation.objects.filter(cycle=published):
        svc.appraise_remaining(participation=p, user=appraiser_user)
    published = move(published, State.EXPLANATION, State.APPRAISAL_2, State.FINAL, State.PUBLISHED)
    # Y-1: in appraisal round 1
    appraisal = create(f"Tải thử: Chỉ số CCHC năm {year - 1} (thẩm định)", year - 1)
    appraisal = move(appraisal, State.OPEN)
    fill(appraisal, 1.0)
    submit_all(appraisal)
    appraisal = move(appraisal, State.SELF_CLOSED, State.APPRAISAL)
    # Y: open
    current = create(f"Tải thử: Chỉ số CCHC năm {year} (tự đánh giá)", year)
    current = move(current, State.OPEN)
    fill(current, 0.4)

    # --- what each simulated user works on --------------------------------------------------
    tree = current.methodology.tree
    plan_officers = []
    for p in Participation.objects.filter(cycle=current).select_related("unit"):
        names = officer_names[p.unit.code]
        leaves = own_leaves(current, p.unit)
        unit = svc.unit_of(p.unit)
        for j, username in enumerate(names):
            mine = leaves[j :: len(names)]
            values = {}
            for node in mine:
                # two different values, neither "không phát sinh" (it needs a note)
                drawn = [gen.self_input(rng, tree, node, unit, q).value for q in (0.9, 0.4) * 8]
                usable = [v for v in dict.fromkeys(drawn) if v != gen.NOT_ARISING]
                if usable:
                    values[node.code] = (usable * 2)[:2]
            mine = [n for n in mine if n.code in values]
            plan_officers.append(
                {
                    "username": username,
                    "participation": p.pk,
                    "unit": p.unit.code,
                    "codes": [n.code for n in mine],
                    "values": values,
                }
            )
    plan_appraisers = []
    parts = list(Participation.objects.filter(cycle=appraisal).order_by("unit__code"))
    sharing: dict[int, list[str]] = {}
    for i, username in enumerate(appraiser_names):
        sharing.setdefault(parts[i % len(parts)].pk, []).append(username)
    for pk, names in sharing.items():
        codes = sorted(
            Entry.objects.filter(participation_id=pk)
            .exclude(self_points=None)
            .values_list("code", flat=True)
        )
        for j, username in enumerate(names):
            plan_appraisers.append(
                {"username": username, "participation": pk, "codes": codes[j :: len(names)]}
            )
    own_part = {p.unit.code: p.pk for p in Participation.objects.filter(cycle=current)}
    # the check's item: one whose two values give different points (a deadline kept or not)
    check_code = next(
        n.code
        for n in own_leaves(current, check_unit)
        if n.rule is not None and n.rule.kind == "timeliness"
    )
    plan_leaders = [
        {
            "username": username,
            "unit": code,
            "unit_type": next(u.type for u in units if u.code == code),
            "participation": own_part[code],
        }
        for code, names in leader_names.items()
        for username in names
    ]
    return {
        "password": PASSWORD,
        "cycles": {"published": published.pk, "appraisal": appraisal.pk, "open": current.pk},
        "units": len(units),
        "officers": plan_officers,
        "appraisers": plan_appraisers,
        "leaders": plan_leaders,
        "check": {
            "officer": check_officer,
            "leader": check_leader,
            "unit": check_unit.code,
            "participation": own_part[check_unit.code],
            "code": check_code,
            "values": ["đúng hạn", "chậm"],
        },
        "entries": Entry.objects.count(),
        "build_seconds": round(time.monotonic() - started, 1),
        "built_on": date.today().isoformat(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("plan", type=Path)
    parser.add_argument("--officers", type=int, default=100)
    parser.add_argument("--appraisers", type=int, default=40)
    parser.add_argument("--leaders", type=int, default=60)
    parser.add_argument("--units", type=int, default=38)
    args = parser.parse_args()
    _setup_django()
    plan = build(
        officers=args.officers,
        appraisers=args.appraisers,
        leaders=args.leaders,
        units_max=max(2, args.units),
    )
    args.plan.write_text(json.dumps(plan, ensure_ascii=False, indent=1), encoding="utf-8")
    print(
        f"world: {plan['units']} units, {plan['entries']} entries, "
        f"{len(plan['officers'])} officers, {len(plan['appraisers'])} appraisers, "
        f"{len(plan['leaders'])} leaders in {plan['build_seconds']} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
