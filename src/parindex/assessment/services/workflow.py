"""A unit's self-assessment hand-over and submission, late entry, appraisal rounds and
explanations."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parindex.assessment import lifecycle
from parindex.audit.services import log_action
from parindex.common.errors import ServiceError
from parindex.core import (
    fmt_vn,
    q4,
)
from parindex.core.model import EXTERNAL, SURVEY
from parindex.core.values import RATIO

from .. import notify
from .. import permissions as perm
from ..models import Cycle, Entry, Participation
from .base import _require_manage, _require_plain_text
from .cycles import self_assessment_open
from .writes import EntryChange, _leaf, _self_points, _unit_item, _write_entry, write_entries

State = Cycle.State
Status = Participation.Status


def _open_or_why(found: tuple[bool, str]) -> str | None:
    """A lifecycle answer (allowed, why not) as a refusal: None when allowed."""
    ok, why = found
    return None if ok else why


def _move(
    participation: Participation,
    *,
    user: Any,
    to: str,
    refusal: Callable[[Participation], str | None],
    action: str,
    fields: dict[str, Any] | None = None,
    audit: dict[str, Any] | None = None,
    mail: str | None = None,
) -> Participation:
    """A unit's form moves to status `to`: lock the participation, refuse the move when
    `refusal` (asked of the locked row) says why, set the status and `fields`, save, write
    the audit row `action` (with `audit`), and once the transaction is committed enqueue
    the e-mails of the event `mail` (notify.FORM_EVENTS) as the task
    parindex.assessment.tasks.notify_form: the request does not wait for the mail server
    (with a worker), and a change rolled back sends nothing. The caller checked the user's
    rights and runs in a transaction."""
    p = (
        Participation.objects.select_for_update()
        .select_related("cycle", "unit")
        .get(pk=participation.pk)
    )
    why = refusal(p)
    if why is not None:
        raise ServiceError(why)
    p.status = to
    for name, value in (fields or {}).items():
        setattr(p, name, value)
    p.save()
    log_action(action, actor=user, target=p, cycle=p.cycle, unit=p.unit, **(audit or {}))
    if mail is not None:
        from .. import tasks

        transaction.on_commit(partial(tasks.notify_form.enqueue, mail, p.pk))
    return p


@transaction.atomic
def participation_hand_over(*, participation: Participation, user: Any) -> Participation:
    """The officer hands the unit's form over to its leader, who approves (submits) or
    returns it; until then the form is read-only for the officers."""
    if not perm.may_hand_over(perm.access(user, participation)):
        raise ServiceError(_("Bạn không có quyền chuyển biểu tự đánh giá của đơn vị này."))

    def refusal(p: Participation) -> str | None:
        if p.status == Status.HANDED_OVER:
            return _("Biểu đã được chuyển lãnh đạo phê duyệt.")
        return _open_or_why(self_assessment_open(p))

    return _move(
        participation,
        user=user,
        to=Status.HANDED_OVER,
        refusal=refusal,
        action="participation.handed_over",
        fields={"handed_over_at": timezone.now(), "handed_over_by": user, "returned_comment": ""},
        mail=notify.HANDED_OVER,
    )


@transaction.atomic
def participation_return(*, participation: Participation, comment: str, user: Any) -> Participation:
    """The leader returns a form handed over to the officers, with a comment (required)."""
    if not perm.may_approve(perm.access(user, participation)):
        raise ServiceError(_("Chỉ lãnh đạo đơn vị được trả lại biểu tự đánh giá."))
    comment = comment.strip()
    if not comment:
        raise ServiceError(_("Cần ghi ý kiến khi trả lại biểu."))

    def refusal(p: Participation) -> str | None:
        if p.status != Status.HANDED_OVER:
            return _("Biểu chưa được chuyển lãnh đạo phê duyệt.")
        return None

    return _move(
        participation,
        user=user,
        to=Status.DRAFT,
        refusal=refusal,
        action="participation.returned",
        fields={"returned_comment": comment},
        audit={"comment": comment},
        mail=notify.RETURNED,
    )


@transaction.atomic
def participation_submit(*, participation: Participation, user: Any) -> Participation:
    """The unit leader approves and submits the self-assessment (handed over or directly);
    it becomes read-only."""
    if not perm.may_approve(perm.access(user, participation)):
        raise ServiceError(_("Chỉ lãnh đạo đơn vị được phê duyệt và gửi kết quả tự đánh giá."))
    return _move(
        participation,
        user=user,
        to=Status.SUBMITTED,
        refusal=lambda p: _open_or_why(self_assessment_open(p, approver=True)),
        action="participation.submitted",
        fields={"submitted_at": timezone.now(), "submitted_by": user, "returned_comment": ""},
        mail=notify.SUBMITTED,
    )


@transaction.atomic
def participation_withdraw(*, participation: Participation, user: Any) -> Participation:
    """Withdraw a submission to edit it again: allowed until appraisal starts."""
    if not perm.access(user, participation).can(perm.SUBMIT):
        raise ServiceError(_("Chỉ lãnh đạo đơn vị được rút kết quả đã gửi."))

    def refusal(p: Participation) -> str | None:
        if p.status != Status.SUBMITTED:
            return _("Kết quả tự đánh giá chưa được gửi.")
        if not lifecycle.of(p.cycle).withdraw:
            return _("Không thể rút lại: việc thẩm định đã bắt đầu.")
        return None

    return _move(
        participation,
        user=user,
        to=Status.DRAFT,
        refusal=refusal,
        action="participation.withdrawn",
    )


@transaction.atomic
def late_entry_grant(
    *, participation: Participation, until: datetime, reason: str, user: Any
) -> Participation:
    """The cycle manager lets one unit enter after the deadline (logged)."""
    _require_manage(user, participation.cycle)
    if not lifecycle.of(participation.cycle).late_grant:
        raise ServiceError(_("Chỉ gia hạn được trong giai đoạn tự đánh giá."))
    if until <= timezone.now():
        raise ServiceError(_("Thời hạn gia hạn phải ở tương lai."))
    if not reason.strip():
        raise ServiceError(_("Cần nêu lý do gia hạn."))
    old = participation.late_until
    participation.late_until = until
    participation.save(update_fields=["late_until"])
    log_action(
        "participation.late_entry_granted",
        actor=user,
        target=participation,
        cycle=participation.cycle,
        unit=participation.unit,
        old=old,
        new=until,
        reason=reason.strip(),
    )
    return participation


# --- appraisal and explanation -------------------------------------------------------------


@transaction.atomic
def entry_appraise(
    *,
    entry: Entry,
    points: Decimal | None,
    reason: str = "",
    comment: str = "",
    version: int | None = None,
    user: Any,
    counts: str | None = None,
) -> Entry:
    """An appraiser accepts (points None: the self-assessed points) or adjusts one item in
    the current round (round 1 in 'appraisal', round 2 in 'appraisal_2'). A `ratio` item
    may be adjusted by the two counts the council verified (`counts`, "45/50"): its points
    are the rule's, computed as for the self-assessment (_self_points; 0/0: the leaf's
    not-arising policy), and the counts are kept as the round's input."""
    # Read the cycle's state from the database, not from objects the caller may hold.
    p = Participation.objects.select_related("cycle__methodology", "cycle__organiser", "unit").get(
        pk=entry.participation_id
    )
    cycle = p.cycle
    acc = perm.access(user, p)
    if not acc.can(perm.APPRAISE) or not acc.covers(entry.code):
        raise ServiceError(_("Bạn không được giao thẩm định mục này."))
    rnd, why = lifecycle.appraisal_open(cycle)
    if rnd is None:
        raise ServiceError(why)
    if p.status != Participation.Status.SUBMITTED:
        raise ServiceError(_("Đơn vị chưa gửi kết quả tự đánh giá."))
    tree = cycle.methodology.tree
    node = _leaf(tree, entry.code)
    locked = Entry.objects.select_for_update().get(pk=entry.pk)
    base = (
        locked.self_points
        if rnd == 1
        else (locked.r1_points if locked.r1_points is not None else locked.self_points)
    )
    counted = ""
    if counts is not None:
        if node.rule is None or node.rule.expects != RATIO:
            raise ServiceError(
                _("Mục %(c)s không chấm theo hai số liệu (số đã thực hiện / tổng số).")
                % {"c": entry.code}
            )
        counted = counts.strip()
        if not counted:
            raise ServiceError(_("Hãy nhập số đã thực hiện và tổng số."))
        points = _self_points(tree, p.unit, node, counted) or Decimal(0)
    elif points is None and rnd == 2 and locked.r1_points is not None:
        counted = locked.r1_value  # keeping round 1 keeps the counts it verified
    new = (base if base is not None else Decimal(0)) if points is None else q4(points)
    if new < 0 or new > node.max_points:
        raise ServiceError(
            _("Điểm thẩm định %(p)s ngoài khoảng [0; %(m)s].")
            % {"p": fmt_vn(new, 2), "m": fmt_vn(node.max_points, 2)}
        )
    claimed = locked.self_points if locked.self_points is not None else Decimal(0)
    cut = new < claimed
    if reason and reason not in Entry.Reason.values:
        raise ServiceError(_("Lý do điều chỉnh không hợp lệ."))
    if points is not None and new != base and cut and not reason:
        # A cut below what the unit claimed needs a reason; giving points back after an
        # accepted explanation (round 2) does not.
        raise ServiceError(_("Khi điều chỉnh giảm điểm cần chọn lý do."))
    if points is None or new == base:
        reason = "" if not cut else (reason or (locked.r1_reason if rnd == 2 else ""))
    prefix = f"r{rnd}_"
    old = {k: getattr(locked, prefix + k) for k in ("points", "reason", "comment")}
    after = {"points": new, "reason": reason, "comment": comment.strip()}
    if counted or getattr(locked, prefix + "value"):  # the counts, when some are involved
        old["value"], after["value"] = getattr(locked, prefix + "value"), counted
    change = EntryChange(
        participation=p,
        entry=locked,
        action=f"entry.appraised_r{rnd}",
        values={
            prefix + "points": new,
            prefix + "reason": reason,
            prefix + "comment": comment.strip(),
            prefix + "value": counted,
            prefix + "by": user,
        },
        old=old,
        new=after,
        version=version,
    )
    return _write_entry(change, user=user)


@transaction.atomic
def entry_explain(*, entry: Entry, text: str, version: int | None = None, user: Any) -> Entry:
    """The unit replies (giải trình) to an item cut in round 1."""
    # Read the cycle's state from the database, not from objects the caller may hold.
    p = Participation.objects.select_related("cycle__methodology", "cycle__organiser", "unit").get(
        pk=entry.participation_id
    )
    acc = perm.access(user, p)
    if not acc.can(perm.EXPLAIN) or not acc.covers(entry.code):
        raise ServiceError(_("Bạn không có quyền giải trình mục này."))
    _require_plain_text(text)
    ok, why = lifecycle.explanation_open(p.cycle)
    if not ok:
        raise ServiceError(why)
    locked = Entry.objects.select_for_update().get(pk=entry.pk)
    if not locked.disputed:
        raise ServiceError(_("Mục này không bị điều chỉnh giảm điểm nên không cần giải trình."))
    change = EntryChange(
        participation=p,
        entry=locked,
        action="entry.explained",
        values={"explanation": text.strip()},
        old=locked.explanation,
        new=text.strip(),
        version=version,
    )
    return _write_entry(change, user=user)


@transaction.atomic
def entry_appraise_code(
    *,
    participation: Participation,
    code: str,
    points: Decimal | None,
    reason: str = "",
    comment: str = "",
    version: int | None = None,
    user: Any,
    counts: str | None = None,
) -> Entry:
    """entry_appraise for an item named by its code; an item the unit left empty gets its
    entry here (version 0), so the council can score it too. Only the unit's own items
    that apply to it are appraised (not survey/external data)."""
    _unit_item(participation, code)
    entry, _created = Entry.objects.get_or_create(participation=participation, code=code)
    entry.participation = participation
    return entry_appraise(
        entry=entry,
        points=points,
        reason=reason,
        comment=comment,
        version=version,
        user=user,
        counts=counts,
    )


def bulk_appraisal_codes(
    p: Participation, acc: perm.Access, entries: dict[str, Entry]
) -> list[str]:
    """The items one bulk action of the open round would settle for this appraiser (only
    the items they cover): round 1, every item not appraised yet (the self-assessment is
    accepted); round 2, every item cut in round 1, not explained and not appraised again
    (round 1 is kept). Explained items always need a look of their own."""
    rnd = lifecycle.of(p.cycle).appraisal_round
    if rnd is None or p.status != Participation.Status.SUBMITTED:
        return []
    codes = []
    for node in p.cycle.methodology.tree.leaves:
        if not node.applies(p.unit.type) or node.method in (SURVEY, EXTERNAL):
            continue
        if not acc.covers(node.code):
            continue
        e = entries.get(node.code)
        if rnd == 1 and (e is None or e.r1_points is None):
            codes.append(node.code)
        elif (
            rnd == 2
            and e is not None
            and e.disputed
            and not e.explanation.strip()
            and e.r2_points is None
        ):
            codes.append(node.code)
    return codes


@transaction.atomic
def appraise_remaining(*, participation: Participation, user: Any) -> int:
    """ONE action of an appraiser over a unit: round 1, accept the self-assessment of every
    remaining item they cover; round 2, keep round 1 for every cut item not explained. One
    summary audit row ("appraisal.bulk_r1"/"appraisal.bulk_r2") besides the per-entry rows
    write_entries writes. Returns how many items were settled."""
    p = Participation.objects.select_related("cycle__methodology", "cycle__organiser", "unit").get(
        pk=participation.pk
    )
    acc = perm.access(user, p)
    if not acc.can(perm.APPRAISE):
        raise ServiceError(_("Bạn không được giao thẩm định đơn vị này."))
    rnd, why = lifecycle.appraisal_open(p.cycle)
    if rnd is None:
        raise ServiceError(why)
    if p.status != Participation.Status.SUBMITTED:
        raise ServiceError(_("Đơn vị chưa gửi kết quả tự đánh giá."))
    entries = {e.code: e for e in Entry.objects.select_for_update().filter(participation=p)}
    codes = bulk_appraisal_codes(p, acc, entries)
    prefix = f"r{rnd}_"
    changes = []
    for code in codes:
        e = entries.get(code) or Entry(participation=p, code=code)
        new: Decimal | None
        if rnd == 1:
            new, reason = (e.self_points if e.self_points is not None else Decimal(0)), ""
            counted = ""
        else:
            new, reason, counted = e.r1_points, e.r1_reason, e.r1_value
        changes.append(
            EntryChange(
                participation=p,
                entry=e,
                action=f"entry.appraised_r{rnd}",
                values={
                    prefix + "points": new,
                    prefix + "reason": reason,
                    prefix + "value": counted,
                    prefix + "by": user,
                },
                old={k: getattr(e, prefix + k) for k in ("points", "reason", "comment")},
                new={"points": new, "reason": reason, "comment": getattr(e, prefix + "comment")},
            )
        )
    write_entries(changes, user=user)
    if codes:
        log_action(
            f"appraisal.bulk_r{rnd}",
            actor=user,
            target=p,
            cycle=p.cycle,
            unit=p.unit,
            items=len(codes),
            codes=codes,
        )
    return len(codes)
