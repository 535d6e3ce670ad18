"""The lifecycle of a cycle in one table: per state, every fact the rest of the code asks.

May units enter their self-assessment, may evidence change, which appraisal round is open,
which round is shown, may the organiser edit, which stages the units and the organiser's
side see, what the next states are. Services enforce these facts; views, templates, exports
and the API only ask (through here or through parindex.assessment.permissions, which adds
who is asking). tests/assessment/test_lifecycle.py pins the table, state by state.

Time windows (the schedule's dates, a unit's late-entry grant, the explanation deadline)
are combined with the state by the few functions at the end of the module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Cycle

if TYPE_CHECKING:
    from .models import Participation

State = Cycle.State

# Stages of the results, in order: the self-assessment, appraisal round 1, round 2 (after
# the explanations) and the final points fixed when the cycle is finalised.
STAGES: tuple[str, ...] = ("self", "r1", "r2", "final")
ORDER: tuple[str, ...] = tuple(State.values)


@dataclass(frozen=True)
class StateFacts:
    """What a cycle in one state allows and shows."""

    self_entry: bool  # units enter their self-assessment (within the dates)
    self_entry_late: bool  # ... only a unit granted late entry may still enter
    withdraw: bool  # a submitted self-assessment may be withdrawn to edit it again
    late_grant: bool  # the organiser may grant a unit late entry
    evidence_change: bool  # evidence may change besides the self-assessment (explanations)
    explanation: bool  # units reply to the cuts of round 1 (until the deadline)
    appraisal_round: int | None  # the appraisal round open now
    shown_round: int | None  # the round the appraisal pages show (current, else last held)
    shown_stage: str | None  # the appraisal stage shown beside the self-assessed points
    organiser_edit: bool  # the organiser enters external/survey data, schedule, surveys
    absent_blocks: bool  # the organiser declares blocks absent for units (a survey not run)
    finished: bool  # final points are fixed: everything is read-only
    published: bool  # results are public
    unit_stages: tuple[str, ...]  # stages whose points units and viewers read
    staff_stages: tuple[str, ...]  # stages whose points the organiser's side reads
    next_states: tuple[str, ...]  # allowed transitions
    prev_states: tuple[str, ...]  # going back one stage (with a reason), before publication
    checks: tuple[str, ...]  # open points checked when moving on from this state (CHECKS)
    # the outside body's appraisal, explanation round and final points are entered back
    # (a cycle with Cycle.reports_to: once its own result is fixed and sent)
    outside_results: bool


def _facts(
    *,
    self_entry: bool = False,
    self_entry_late: bool = False,
    withdraw: bool = False,
    late_grant: bool = False,
    evidence_change: bool = False,
    explanation: bool = False,
    appraisal_round: int | None = None,
    shown_round: int | None = None,
    shown_stage: str | None = None,
    organiser_edit: bool = True,
    absent_blocks: bool = True,
    finished: bool = False,
    published: bool = False,
    unit_stages: tuple[str, ...] = ("self",),
    staff_stages: tuple[str, ...] = ("self",),
    next_states: tuple[str, ...] = (),
    prev_states: tuple[str, ...] = (),
    checks: tuple[str, ...] = (),
    outside_results: bool = False,
) -> StateFacts:
    return StateFacts(
        self_entry=self_entry,
        self_entry_late=self_entry_late,
        withdraw=withdraw,
        late_grant=late_grant,
        evidence_change=evidence_change,
        explanation=explanation,
        appraisal_round=appraisal_round,
        shown_round=shown_round,
        shown_stage=shown_stage,
        organiser_edit=organiser_edit,
        absent_blocks=absent_blocks,
        finished=finished,
        published=published,
        unit_stages=unit_stages,
        staff_stages=staff_stages,
        next_states=next_states,
        prev_states=prev_states,
        checks=checks,
        outside_results=outside_results,
    )


# The open points a manager is shown before moving a cycle on (computed by
# parindex.assessment.services.stages.transition_checklist):
#   unsubmitted  - units that have not submitted their self-assessment; leaving the
#                  self-assessment for a state without self entry records them "không nộp"
#   unappraised  - items not yet appraised in the open round (round 2: explained items)
#   unexplained  - items cut in round 1 that the unit has not explained
#   surveys      - units whose survey responses are below their sample plan
CHECKS: tuple[str, ...] = ("unsubmitted", "unappraised", "unexplained", "surveys")


FACTS: dict[str, StateFacts] = {
    State.DRAFT: _facts(next_states=(State.OPEN,)),
    State.OPEN: _facts(
        self_entry=True,
        withdraw=True,
        late_grant=True,
        next_states=(State.SELF_CLOSED,),
        checks=("unsubmitted",),
    ),
    State.SELF_CLOSED: _facts(
        self_entry_late=True,
        withdraw=True,
        late_grant=True,
        next_states=(State.OPEN, State.APPRAISAL),
        checks=("unsubmitted",),
    ),
    State.APPRAISAL: _facts(
        appraisal_round=1,
        shown_round=1,
        shown_stage="r1",
        staff_stages=("self", "r1"),
        next_states=(State.EXPLANATION,),
        prev_states=(State.SELF_CLOSED,),
        checks=("unappraised",),
    ),
    State.EXPLANATION: _facts(
        evidence_change=True,
        explanation=True,
        shown_round=1,
        shown_stage="r1",
        unit_stages=("self", "r1"),
        staff_stages=("self", "r1"),
        next_states=(State.APPRAISAL_2,),
        prev_states=(State.APPRAISAL,),
        checks=("unexplained",),
    ),
    State.APPRAISAL_2: _facts(
        appraisal_round=2,
        shown_round=2,
        shown_stage="r2",
        unit_stages=("self", "r1"),
        staff_stages=("self", "r1", "r2"),
        next_states=(State.FINAL,),
        prev_states=(State.EXPLANATION,),
        checks=("unappraised", "surveys"),
    ),
    State.FINAL: _facts(
        shown_round=2,
        shown_stage="final",
        organiser_edit=False,
        absent_blocks=False,
        finished=True,
        outside_results=True,
        unit_stages=STAGES,
        staff_stages=STAGES,
        next_states=(State.PUBLISHED,),
        prev_states=(State.APPRAISAL_2,),
    ),
    State.PUBLISHED: _facts(
        shown_round=2,
        shown_stage="final",
        organiser_edit=False,
        absent_blocks=False,
        finished=True,
        published=True,
        outside_results=True,
        unit_stages=STAGES,
        staff_stages=STAGES,
    ),
}

FINISHED_STATES: tuple[str, ...] = tuple(s for s, f in FACTS.items() if f.finished)
APPRAISAL_STATES: tuple[str, ...] = tuple(s for s, f in FACTS.items() if f.shown_round)
PUBLISHED_STATES: tuple[str, ...] = tuple(s for s, f in FACTS.items() if f.published)


def facts(state: str) -> StateFacts:
    """The facts of a state (a Cycle, or its state's value)."""
    return FACTS[state]


def of(cycle: Cycle) -> StateFacts:
    return FACTS[cycle.state]


def stages_shown(state: str, *, staff: bool) -> tuple[str, ...]:
    """The stages whose points may be read in `state`: by the organiser's side (`staff`:
    while they run) or by the units and viewers (once the cycle has passed them)."""
    f = FACTS[state]
    return f.staff_stages if staff else f.unit_stages


def stage_shown(state: str, stage: str, *, staff: bool) -> bool:
    return stage in stages_shown(state, staff=staff)


def stages_existing(state: str) -> tuple[str, ...]:
    """The stages whose points exist in `state` (whoever may read them)."""
    return FACTS[state].staff_stages


def may_move(state: str, to_state: str) -> bool:
    return to_state in FACTS[state].next_states


def may_go_back(state: str, to_state: str) -> bool:
    """Whether a cycle in `state` may go back to `to_state` (one stage, never once public)."""
    return to_state in FACTS[state].prev_states


def moves_forward(state: str, to_state: str) -> bool:
    """Whether `to_state` comes after `state` (re-opening the self-assessment does not)."""
    return ORDER.index(to_state) > ORDER.index(state)


def checks_of(state: str, to_state: str) -> tuple[str, ...]:
    """The open points to check before moving from `state` to `to_state`: those of the
    state left, when moving forward; none when going back or re-opening."""
    return FACTS[state].checks if moves_forward(state, to_state) else ()


def records_not_submitted(state: str, to_state: str) -> bool:
    """Whether moving from `state` to `to_state` closes the self-assessment for good:
    units that never submitted are then recorded "không nộp" (Participation.not_submitted)."""
    f, t = FACTS[state], FACTS[to_state]
    return (
        "unsubmitted" in checks_of(state, to_state)
        and not (t.self_entry or t.self_entry_late)
        and (f.self_entry or f.self_entry_late)
    )


def reached(state: str, other: str) -> bool:
    """Whether a cycle in `state` has reached (or passed) `other`."""
    return ORDER.index(state) >= ORDER.index(other)


# --- state and time windows together ---------------------------------------------------------


def _date(value: datetime, fmt: str = "%d/%m/%Y") -> str:
    return timezone.localtime(value).strftime(fmt)


def self_entry_open(
    p: Participation, now: datetime | None = None, *, approver: bool = False
) -> tuple[bool, str]:
    """Whether the unit may enter its self-assessment now, and why not.

    A form handed over to the leader (status handed_over) is read-only for the officers
    until the leader returns it; the leader (`approver`: permissions.may_approve) may still
    enter and submit it."""
    from .models import Participation

    now = now or timezone.now()
    cycle = p.cycle
    f = FACTS[cycle.state]
    if p.status == Participation.Status.SUBMITTED:
        if f.withdraw:
            return False, _("Đơn vị đã gửi kết quả tự đánh giá; rút lại để sửa.")
        return False, _("Đơn vị đã gửi kết quả tự đánh giá.")
    if p.status == Participation.Status.HANDED_OVER and not approver:
        return False, _(
            "Biểu đã chuyển lãnh đạo đơn vị phê duyệt; chờ lãnh đạo phê duyệt hoặc trả lại."
        )
    late = p.late_until is not None and now <= p.late_until
    if f.self_entry:
        if cycle.self_start and now < cycle.self_start and not late:
            return False, _("Chưa đến thời gian tự đánh giá (bắt đầu %(d)s).") % {
                "d": _date(cycle.self_start)
            }
        if cycle.self_end and now > cycle.self_end and not late:
            return False, _("Đã hết hạn tự đánh giá (%(d)s).") % {
                "d": _date(cycle.self_end, "%d/%m/%Y %H:%M")
            }
        return True, ""
    if f.self_entry_late and late:
        return True, ""
    return False, _("Kỳ đánh giá không ở giai đoạn tự đánh giá (%(s)s).") % {
        "s": cycle.get_state_display()
    }


def explanation_open(cycle: Cycle, now: datetime | None = None) -> tuple[bool, str]:
    """Whether units may explain (giải trình) now, and why not."""
    if not FACTS[cycle.state].explanation:
        return False, _("Kỳ đánh giá không ở giai đoạn giải trình (hiện: %(s)s).") % {
            "s": cycle.get_state_display()
        }
    now = now or timezone.now()
    if cycle.explanation_end and now > cycle.explanation_end:
        return False, _("Đã hết hạn giải trình.")
    return True, ""


def evidence_open(
    p: Participation, now: datetime | None = None, *, approver: bool = False
) -> tuple[bool, str]:
    """Evidence changes while the unit may enter its self-assessment, and in the
    explanation round (until its deadline)."""
    ok, why = self_entry_open(p, now, approver=approver)
    if ok:
        return True, ""
    if FACTS[p.cycle.state].evidence_change:
        return explanation_open(p.cycle, now)
    return False, why


def appraisal_open(cycle: Cycle) -> tuple[int | None, str]:
    """The appraisal round open now, or None and why not."""
    rnd = FACTS[cycle.state].appraisal_round
    if rnd is None:
        return None, _("Kỳ đánh giá không ở giai đoạn thẩm định.")
    return rnd, ""


def organiser_edit_open(cycle: Cycle) -> tuple[bool, str]:
    """Whether the organiser may still change the cycle's data (external and survey data,
    schedule, surveys)."""
    if FACTS[cycle.state].organiser_edit:
        return True, ""
    return False, _("Kỳ đánh giá đã chốt kết quả: dữ liệu chỉ còn để xem.")


def outside_results_open(cycle: Cycle) -> tuple[bool, str]:
    """Whether the outside body's results (its appraisal, the explanation round, its final
    points) may be entered back now, and why not: only for a cycle that reports to an
    outside body (Cycle.reports_to), once its own result is fixed (finalised or published)."""
    if not cycle.reports_to.strip():
        return False, _("Kỳ đánh giá này không gửi kết quả đến cơ quan cấp trên.")
    if not FACTS[cycle.state].outside_results:
        return False, _(
            "Chỉ nhập kết quả thẩm định của %(b)s sau khi kỳ đánh giá đã chốt kết quả "
            "(hiện: %(s)s)."
        ) % {"b": cycle.reports_to, "s": cycle.get_state_display()}
    return True, ""


def absent_blocks_open(cycle: Cycle) -> tuple[bool, str]:
    """Whether the organiser may declare a block absent for a unit (or withdraw it) now:
    until the final points are fixed."""
    if FACTS[cycle.state].absent_blocks:
        return True, ""
    return False, _(
        "Kỳ đánh giá đã chốt kết quả: không thể khai báo hoặc bỏ khai báo khối không thực hiện."
    )
