"""Moving a cycle between stages: the checklist of open points shown before each move
(`transition_checklist`), the move itself (`cycle_transition`: forward, or back one stage
before publication), the "không nộp" record of units that never submitted, and the
publication record (date, approving decision).

Which checks a move runs is in the lifecycle table (StateFacts.checks); this module only
counts them. `transition_checklist(cycle, to_state)` is the one entry point for the cycle
page, the API, the CLI and the home page's to-do block."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from parindex.assessment import lifecycle
from parindex.audit.services import log_action
from parindex.common.collation import vn_key
from parindex.common.errors import ServiceError
from parindex.core.model import EXTERNAL, SURVEY

from ..models import Cycle, Entry, Participation
from .base import _require_manage
from .writes import EntryChange, results_changed, write_entries

State = Cycle.State


@dataclass(frozen=True)
class CheckItem:
    """One kind of open point before a move: how many, and what the move does with them."""

    check: str  # one of lifecycle.CHECKS
    label: str  # what is open, e.g. "Đơn vị chưa gửi kết quả tự đánh giá"
    count: int  # how many (0: nothing open)
    consequence: str  # what happens to them if the cycle moves on
    note: str = ""  # a detail, e.g. how many are past their deadline
    units: tuple[str, ...] = ()  # the first few units concerned

    @property
    def open(self) -> bool:
        return self.count > 0


def open_points(items: list[CheckItem]) -> dict[str, int]:
    """The open points of a checklist by check ({} when nothing is open)."""
    return {i.check: i.count for i in items if i.count}


def not_submitted_zero(cycle: Cycle) -> bool:
    """Whether the methodology ranks a unit that never submitted with 0 points (else the
    unit is listed "không nộp" and not ranked)."""
    return cycle.methodology.tree.not_submitted == "zero"


def _names(parts: list[Participation], limit: int = 5) -> tuple[str, ...]:
    return tuple(str(p.unit.name) for p in parts[:limit])


def _unsubmitted(cycle: Cycle, to_state: str, parts: list[Participation]) -> CheckItem:
    now = timezone.now()
    late = [p for p in parts if p.status != Participation.Status.SUBMITTED]
    overdue = [
        p
        for p in late
        if cycle.self_end
        and now > cycle.self_end
        and not (p.late_until is not None and now <= p.late_until)
    ]
    if lifecycle.records_not_submitted(cycle.state, to_state):
        consequence = (
            _("Được ghi nhận “Không nộp” và tính 0 điểm theo bộ tiêu chí.")
            if not_submitted_zero(cycle)
            else _("Được ghi nhận “Không nộp”: không chấm, không xếp hạng.")
        )
    else:
        consequence = _("Không nhập được nữa, trừ đơn vị được gia hạn.")
    return CheckItem(
        "unsubmitted",
        _("Đơn vị chưa gửi kết quả tự đánh giá"),
        len(late),
        consequence,
        _("%(n)s đơn vị đã quá hạn") % {"n": len(overdue)} if overdue else "",
        _names(late),
    )


def _item_counts(cycle: Cycle, parts: list[Participation]) -> dict[str, dict[int, int]]:
    """Per submitted unit: items not appraised in round 1, explained items not appraised in
    round 2, cut items not explained (one query over the entries)."""
    tree = cycle.methodology.tree
    submitted = {p.pk: p for p in parts if p.status == Participation.Status.SUBMITTED}
    own = {
        p.pk: {
            n.code
            for n in tree.leaves
            if n.applies(p.unit.type) and n.method not in (SURVEY, EXTERNAL)
        }
        for p in submitted.values()
    }
    counts: dict[str, dict[int, int]] = {"r1": {}, "r2": {}, "unexplained": {}}
    seen: dict[int, set[str]] = {pk: set() for pk in submitted}
    rows = Entry.objects.filter(participation_id__in=list(submitted)).values_list(
        "participation_id", "code", "self_points", "r1_points", "r2_points", "explanation"
    )
    for pid, code, self_pts, r1, r2, expl in rows:
        if code not in own[pid]:
            continue
        seen[pid].add(code)
        if r1 is None:
            counts["r1"][pid] = counts["r1"].get(pid, 0) + 1
        disputed = r1 is not None and self_pts is not None and r1 < self_pts
        if disputed and expl.strip() and r2 is None:
            counts["r2"][pid] = counts["r2"].get(pid, 0) + 1
        if disputed and not expl.strip():
            counts["unexplained"][pid] = counts["unexplained"].get(pid, 0) + 1
    for pid, codes in own.items():
        missing = len(codes - seen[pid])
        if missing:
            counts["r1"][pid] = counts["r1"].get(pid, 0) + missing
    return counts


def _per_unit(
    check: str, label: str, consequence: str, by_unit: dict[int, int], parts: list[Participation]
) -> CheckItem:
    units = [p for p in parts if by_unit.get(p.pk)]
    note = _("ở %(n)s đơn vị") % {"n": len(units)} if units else ""
    return CheckItem(check, label, sum(by_unit.values()), consequence, note, _names(units))


def _surveys(cycle: Cycle, parts: list[Participation]) -> CheckItem:
    from parindex.surveys.selectors import fill_table

    rows = [r for r in fill_table(cycle).rows if r.target and r.filled < r.target]
    return CheckItem(
        "surveys",
        _("Đơn vị chưa đủ số phiếu điều tra theo kế hoạch mẫu"),
        len(rows),
        _("Chỉ số điều tra tính trên số phiếu đã có (đánh dấu “chưa đủ mẫu”)."),
        "",
        _names([r.participation for r in rows]),
    )


def transition_checklist(cycle: Cycle, to_state: str) -> list[CheckItem]:
    """The open points before moving `cycle` to `to_state`, one item per check the
    lifecycle names for this move (lifecycle.checks_of), with counts and consequences.
    Empty when the move checks nothing (going back, re-opening, publishing). A few queries
    for the whole cycle, none per unit."""
    checks = lifecycle.checks_of(cycle.state, to_state)
    if not checks:
        return []
    parts = sorted(cycle.participations.select_related("unit"), key=lambda p: vn_key(p.unit.name))
    items: list[CheckItem] = []
    counts: dict[str, dict[int, int]] | None = None
    if {"unappraised", "unexplained"} & set(checks):
        counts = _item_counts(cycle, parts)
    for check in checks:
        if check == "unsubmitted":
            items.append(_unsubmitted(cycle, to_state, parts))
        elif check == "unappraised" and counts is not None:
            rnd = lifecycle.of(cycle).appraisal_round or 1
            if rnd == 1:
                items.append(
                    _per_unit(
                        check,
                        _("Mục chưa thẩm định vòng 1"),
                        _("Giữ điểm tự đánh giá của đơn vị."),
                        counts["r1"],
                        parts,
                    )
                )
            else:
                items.append(
                    _per_unit(
                        check,
                        _("Mục đã giải trình chưa thẩm định vòng 2"),
                        _("Giữ điểm thẩm định vòng 1."),
                        counts["r2"],
                        parts,
                    )
                )
        elif check == "unexplained" and counts is not None:
            items.append(
                _per_unit(
                    check,
                    _("Mục bị trừ điểm chưa được giải trình"),
                    _("Giữ điểm thẩm định vòng 1 (không xem xét lại ở vòng 2)."),
                    counts["unexplained"],
                    parts,
                )
            )
        elif check == "surveys":
            items.append(_surveys(cycle, parts))
    return items


@dataclass(frozen=True)
class Move:
    """A move the cycle may make now: forward with the checklist of its open points, or one
    stage back (always with a reason)."""

    to_state: str
    back: bool
    items: tuple[CheckItem, ...] = ()
    decision_required: bool = False  # publishing: the approving decision's number and date

    @property
    def open(self) -> int:
        return sum(i.count for i in self.items)

    @property
    def reason_required(self) -> bool:
        return self.back or self.open > 0


def cycle_moves(cycle: Cycle) -> list[Move]:
    """Every move `cycle_transition` accepts from the cycle's state, forward ones first, each
    with what it requires (the command line and the API show these)."""
    facts = lifecycle.of(cycle)
    forward = [
        Move(
            s,
            back=False,
            items=tuple(transition_checklist(cycle, s)),
            decision_required=lifecycle.facts(s).published and not facts.published,
        )
        for s in facts.next_states
    ]
    return forward + [Move(s, back=True) for s in facts.prev_states]


def checklist_version(cycle: Cycle, to_state: str) -> str:
    """A token that changes whenever the counts of transition_checklist(cycle, to_state)
    may change, to cache them under: the cycle's state and results version (moved by every
    entry write and state change), the units and their statuses (a submission does not
    move the results version) and, when the move checks the surveys, the sample plan and
    the responses. A few small queries, none over the entries."""
    checks = lifecycle.checks_of(cycle.state, to_state)
    results = Cycle.objects.values_list("results_version", flat=True).get(pk=cycle.pk)
    parts: list[Any] = []
    if checks:
        parts.append(
            list(cycle.participations.order_by("pk").values_list("pk", "status", "unit__type"))
        )
    if "surveys" in checks:
        from parindex.surveys.models import Questionnaire, Response, SampleTarget

        parts.append(list(Questionnaire.objects.filter(cycle=cycle).values_list("pk")))
        plan = SampleTarget.objects.filter(cycle=cycle).order_by("pk")
        parts.append(list(plan.values_list("pk", "unit_id", "questionnaire_id", "target")))
        parts.append(Response.objects.filter(cycle=cycle).aggregate(n=Count("pk"), m=Max("pk")))
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()
    return f"{cycle.pk}:{cycle.state}:{to_state}:{results}:{digest}"


@transaction.atomic
def cycle_transition(
    *,
    cycle: Cycle,
    to_state: str,
    user: Any,
    reason: str = "",
    decision_number: str = "",
    decision_date: date | None = None,
) -> Cycle:
    """Move a cycle to a next state (lifecycle next_states) or back one stage (prev_states,
    never once published). Moving on with open points (transition_checklist) and going back
    need a `reason`; publishing needs the approving decision's number and date and records
    the publication time. Leaving the self-assessment records the units that never
    submitted "không nộp"; finalising fixes every entry's final points. Audited with the
    reason and the open points counted."""
    _require_manage(user, cycle)
    cycle = Cycle.objects.select_for_update().select_related("methodology").get(pk=cycle.pk)
    old = cycle.state
    reason = reason.strip()
    back = lifecycle.may_go_back(old, to_state)
    if not back and not lifecycle.may_move(old, to_state):
        raise ServiceError(
            _("Không thể chuyển kỳ đánh giá từ “%(a)s” sang “%(b)s”.")
            % {"a": cycle.get_state_display(), "b": State(to_state).label}
        )
    points = {} if back else open_points(transition_checklist(cycle, to_state))
    if back and not reason:
        raise ServiceError(_("Cần nêu lý do quay lại giai đoạn trước."))
    if points and not reason:
        raise ServiceError(
            _("Còn %(n)s việc chưa xong: cần nêu lý do để chuyển tiếp.")
            % {"n": sum(points.values())}
        )
    now = timezone.now()
    publishing = lifecycle.facts(to_state).published and not lifecycle.of(cycle).published
    if publishing:
        if not decision_number.strip() or decision_date is None:
            raise ServiceError(_("Cần nhập số và ngày của quyết định phê duyệt kết quả."))
        cycle.published_at = now
        cycle.decision_number = decision_number.strip()
        cycle.decision_date = decision_date
    if lifecycle.facts(to_state).finished and not lifecycle.of(cycle).finished:
        _finalise(cycle, user)
        cycle.finalised_at = now
    if back and not lifecycle.facts(to_state).finished:
        cycle.finalised_at = None
    marked = _record_not_submitted(cycle, old, to_state)
    cycle.state = to_state
    cycle.save()
    cycle.results_version = results_changed(cycle.pk)
    data: dict[str, Any] = {"old": old, "new": to_state}
    if reason:
        data["reason"] = reason
    if points:
        data["open_points"] = points
    if marked is not None:
        data["not_submitted"] = marked
    if publishing:
        data["decision_number"] = cycle.decision_number
        data["decision_date"] = cycle.decision_date
    log_action(
        "cycle.state_reverted" if back else "cycle.state_changed",
        actor=user,
        target=cycle,
        cycle=cycle,
        **data,
    )
    return cycle


def _record_not_submitted(cycle: Cycle, old: str, to_state: str) -> int | None:
    """Leaving the self-assessment for good: units that never submitted (draft, or handed
    over to their leader) become "không nộp". Going back to where they may enter again
    clears it. Returns how many are recorded, None when the move does neither."""
    parts = Participation.objects.filter(cycle=cycle)
    if lifecycle.records_not_submitted(old, to_state):
        parts.filter(status=Participation.Status.SUBMITTED).update(not_submitted=False)
        return parts.exclude(status=Participation.Status.SUBMITTED).update(not_submitted=True)
    if lifecycle.records_not_submitted(to_state, old):
        parts.filter(not_submitted=True).update(not_submitted=False)
        return 0
    return None


def _finalise(cycle: Cycle, user: Any) -> None:
    """Final points: the latest appraisal stage, else the self-assessed points (written
    through write_entries: one "entry.finalised" audit row per changed entry)."""
    parts = {p.pk: p for p in Participation.objects.filter(cycle=cycle)}
    changes = []
    for e in Entry.objects.select_for_update().filter(participation__cycle=cycle).order_by("pk"):
        final = e.appraised_points if e.appraised_points is not None else e.self_points
        if final != e.final_points:
            changes.append(
                EntryChange(
                    participation=parts[e.participation_id],
                    entry=e,
                    action="entry.finalised",
                    values={"final_points": final},
                    old={"points": e.final_points},
                    new={"points": final},
                )
            )
    write_entries(changes, user=user)
