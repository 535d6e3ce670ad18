"""Who does what next: the "Việc cần làm" block of every role's home page, and the counts
the reminder e-mails (parindex.assessment.notify) send.

One function, `todo_for(user)`, reads the user's participations and cycles with a fixed
number of queries (entries are counted per participation in one query, whatever the number
of units) and asks the lifecycle and the permissions what each of them allows now:

- officers (and lead agencies): items of the unit not entered yet, and the deadline; a form
  the leader returned, with the comment;
- leaders: forms handed over, waiting for approval;
- appraisers: units and items left in the open round;
- units in the explanation round: items cut in round 1 still without an explanation;
- managers: the cycle's next stage and what is still open before it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from parindex.common.collation import unit_key
from parindex.core.model import SELF

from . import lifecycle
from . import permissions as perm
from .models import Cycle, Entry, Participation

Status = Participation.Status


@dataclass(frozen=True)
class TodoItem:
    """One thing to do: what, how many, until when, where it is done."""

    kind: str  # self, returned, approve, explain, appraise, manage
    title: str
    detail: str
    url: str
    count: int | None = None
    deadline: datetime | None = None

    @property
    def deadline_text(self) -> str:
        if self.deadline is None:
            return ""
        return timezone.localtime(self.deadline).strftime("%d/%m/%Y %H:%M")


def self_stage(cycle: Cycle) -> bool:
    """The cycle is in its self-assessment stage (entry open, or late entry only)."""
    facts = lifecycle.of(cycle)
    return facts.self_entry or facts.self_entry_late


def _own_leaves(p: Participation, acc: perm.Access) -> list[str]:
    """The unit's own items (self-assessed, applying to it) the user enters or appraises."""
    tree = p.cycle.methodology.tree
    return [
        n.code
        for n in tree.leaves
        if n.method == SELF and n.applies(p.unit.type) and acc.covers(n.code)
    ]


def _codes(ids: list[int], q: Q) -> dict[int, set[str]]:
    """Codes of the entries matching `q` per participation, in one query."""
    out: dict[int, set[str]] = defaultdict(set)
    if ids:
        rows = Entry.objects.filter(q, participation_id__in=ids)
        for pid, code in rows.values_list("participation_id", "code"):
            out[pid].add(code)
    return out


def _unit_items(user: Any, now: datetime) -> list[TodoItem]:
    """The officer's, leader's and lead agency's work on their units' forms."""
    parts = sorted(
        perm.home_participations(user).select_related("cycle__methodology", "cycle__organiser"),
        key=lambda p: unit_key(p.unit),
    )
    accs = {p.pk: perm.access(user, p) for p in parts}
    entering = [p for p in parts if p.status != Status.SUBMITTED and self_stage(p.cycle)]
    entered = _codes([p.pk for p in entering], ~Q(value=""))
    explaining = [
        p
        for p in parts
        if accs[p.pk].can(perm.EXPLAIN) and lifecycle.explanation_open(p.cycle, now)[0]
    ]
    unexplained = _codes(
        [p.pk for p in explaining],
        Q(r1_points__lt=F("self_points"), explanation=""),
    )
    items: list[TodoItem] = []
    for p in entering:
        acc = accs[p.pk]
        url = reverse("self_assessment", args=[p.pk])
        approver = perm.may_approve(acc)
        if p.status == Status.HANDED_OVER and approver:
            items.append(
                TodoItem(
                    "approve",
                    _("Phê duyệt biểu tự đánh giá: %(u)s") % {"u": p.unit.name},
                    _("Cán bộ đã chuyển biểu lúc %(d)s; phê duyệt và gửi, hoặc trả lại kèm ý kiến.")
                    % {"d": timezone.localtime(p.handed_over_at or now).strftime("%d/%m/%Y %H:%M")},
                    url,
                    1,
                    p.late_until or p.cycle.self_end,
                )
            )
            continue
        if p.status == Status.HANDED_OVER or not acc.can(perm.EDIT_SELF):
            continue  # waiting for the leader: nothing for the officer to do
        leaves = _own_leaves(p, acc)
        left = sum(1 for c in leaves if c not in entered.get(p.pk, set()))
        if p.returned_comment:
            items.append(
                TodoItem(
                    "returned",
                    _("Lãnh đạo trả lại biểu: %(u)s") % {"u": p.unit.name},
                    p.returned_comment,
                    url,
                    None,
                    p.late_until or p.cycle.self_end,
                )
            )
        items.append(
            TodoItem(
                "self",
                _("Tự đánh giá: %(u)s") % {"u": p.unit.name},
                _("%(n)s/%(t)s mục chưa nhập; hoàn thành rồi chuyển lãnh đạo phê duyệt.")
                % {"n": left, "t": len(leaves)}
                if not approver
                else _("%(n)s/%(t)s mục chưa nhập; hoàn thành rồi phê duyệt và gửi.")
                % {"n": left, "t": len(leaves)},
                url,
                left,
                p.late_until or p.cycle.self_end,
            )
        )
    for p in explaining:
        acc = accs[p.pk]
        left = sum(1 for c in unexplained.get(p.pk, set()) if acc.covers(c))
        if left:
            items.append(
                TodoItem(
                    "explain",
                    _("Giải trình: %(u)s") % {"u": p.unit.name},
                    _("%(n)s mục bị giảm điểm ở vòng 1 chưa có giải trình.") % {"n": left},
                    reverse("explanation", args=[p.pk]),
                    left,
                    p.cycle.explanation_end,
                )
            )
    return items


@dataclass(frozen=True)
class AppraisalLeft:
    cycle: Cycle
    round: int
    units: int  # units with items left
    items: int  # items left


def appraisal_left(user: Any, cycles: list[Cycle]) -> list[AppraisalLeft]:
    """Per cycle with an open round: the submitted units the user appraises with items not
    appraised yet in this round, and the number of such items."""
    open_ = [c for c in cycles if lifecycle.of(c).appraisal_round is not None]
    if not open_:
        return []
    parts = Participation.objects.filter(cycle__in=open_, status=Status.SUBMITTED).select_related(
        "unit", "cycle", "cycle__methodology", "cycle__organiser"
    )
    mine = [(p, a) for p in parts if (a := perm.access(user, p)).can(perm.APPRAISE)]
    ids = [p.pk for p, _a in mine]
    done = {1: _codes(ids, Q(r1_points__isnull=False)), 2: _codes(ids, Q(r2_points__isnull=False))}
    out: dict[int, list[int]] = {c.pk: [0, 0] for c in open_}
    for p, acc in mine:
        rnd = lifecycle.of(p.cycle).appraisal_round or 1
        left = sum(1 for c in _own_leaves(p, acc) if c not in done[rnd].get(p.pk, set()))
        if left:
            out[p.cycle_id][0] += 1
            out[p.cycle_id][1] += left
    return [
        AppraisalLeft(c, lifecycle.of(c).appraisal_round or 1, *out[c.pk])
        for c in open_
        if out[c.pk][1]
    ]


def _appraisal_items(user: Any, cycles: list[Cycle]) -> list[TodoItem]:
    return [
        TodoItem(
            "appraise",
            _("Thẩm định vòng %(r)s: %(c)s") % {"r": a.round, "c": a.cycle.name},
            _("%(u)s đơn vị, %(n)s mục chưa thẩm định.") % {"u": a.units, "n": a.items},
            reverse("appraisal_list"),
            a.items,
            a.cycle.appraisal_end,
        )
        for a in appraisal_left(user, cycles)
    ]


OPEN_POINTS_CACHE_SECONDS = 24 * 3600


def open_points(cycle: Cycle, to_state: str) -> list[str]:
    """What is still open before `cycle` moves to `to_state`, in words: the stage
    checklist (services.stages.transition_checklist), its open items only. Kept in Django's
    cache (settings CACHE_URL) under the checklist's version (checklist_version): every
    home page of a manager reads it, and it is counted again only when the data changed."""
    from .services.stages import checklist_version, transition_checklist

    version = checklist_version(cycle, to_state)
    key = f"parindex:todo:open:v1:{translation.get_language()}:{version}"
    found = cache.get(key)
    if found is None:
        found = [
            f"{item.label}: {item.count}."
            for item in transition_checklist(cycle, to_state)
            if item.open
        ]
        cache.set(key, found, OPEN_POINTS_CACHE_SECONDS)
    return list(found)


def _manager_items(user: Any, cycles: list[Cycle]) -> list[TodoItem]:
    items = []
    for cycle in cycles:
        facts = lifecycle.of(cycle)
        if not facts.next_states or not perm.can_manage(user, cycle):
            continue
        nxt = facts.next_states[-1]  # the way forward (a closed stage may also reopen)
        label = Cycle.State(nxt).label
        points = open_points(cycle, nxt)
        items.append(
            TodoItem(
                "manage",
                _("%(c)s: chuyển sang “%(s)s”") % {"c": cycle.name, "s": label},
                " ".join(points) if points else _("Không còn việc tồn đọng."),
                reverse("cycle_detail", args=[cycle.pk]),
                len(points),
                _stage_end(cycle),
            )
        )
    return items


def _stage_end(cycle: Cycle) -> datetime | None:
    """The end of the current stage in the cycle's schedule."""
    facts = lifecycle.of(cycle)
    if facts.self_entry:
        return cycle.self_end
    if facts.appraisal_round is not None:
        return cycle.appraisal_end
    if facts.explanation:
        return cycle.explanation_end
    return None


def todo_for(user: Any, now: datetime | None = None) -> list[TodoItem]:
    """Everything the user has to do next, across roles and cycles."""
    now = now or timezone.now()
    cycles = [c for c in perm.cycles_visible_to(user) if not lifecycle.of(c).published]
    return _unit_items(user, now) + _appraisal_items(user, cycles) + _manager_items(user, cycles)
