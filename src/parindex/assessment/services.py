"""Use cases of the assessment cycle. Each is one function called by the UI, the CLI, tasks
and tests alike; each checks the caller's rights, writes in one transaction and audits."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parindex.accounts.models import OrgUnit
from parindex.audit.services import log_action
from parindex.core import (
    InvalidValue,
    Methodology,
    Override,
    Unit,
    UnitResult,
    ValidationFailed,
    compute_unit,
    fmt_vn,
    parse_value,
    q4,
    score_leaf,
)
from parindex.core.model import EXTERNAL, SURVEY, Node

from . import selectors as sel
from .models import Cycle, Entry, Evidence, EvidenceLink, MethodologyVersion, Participation

State = Cycle.State


class ServiceError(Exception):
    """A refused action, with a message for the user."""


class Conflict(ServiceError):
    """Someone else changed the item first; `entry` holds the current state."""

    def __init__(self, message: str, entry: Entry) -> None:
        super().__init__(message)
        self.entry = entry


# --- methodologies and cycles ------------------------------------------------------------


def methodology_install(*, source: str, user: Any = None, name: str = "") -> MethodologyVersion:
    """Validate a YAML methodology and store it (idempotent on code + version)."""
    from parindex.files.methodology import load_yaml_text

    tree = load_yaml_text(source, name or "methodology.yaml")
    obj, created = MethodologyVersion.objects.get_or_create(
        code=tree.code,
        version=tree.version,
        defaults={"name": tree.name, "source": source, "status": tree.status},
    )
    if created:
        log_action("methodology.installed", actor=user, target=obj, code=tree.code)
    return obj


def unit_of(org: OrgUnit) -> Unit:
    return Unit(org.code, org.name, org.type)


TRANSITIONS: dict[str, tuple[str, ...]] = {
    State.DRAFT: (State.OPEN,),
    State.OPEN: (State.SELF_CLOSED,),
    State.SELF_CLOSED: (State.OPEN, State.APPRAISAL),
    State.APPRAISAL: (State.EXPLANATION,),
    State.EXPLANATION: (State.APPRAISAL_2,),
    State.APPRAISAL_2: (State.FINAL,),
    State.FINAL: (State.PUBLISHED,),
    State.PUBLISHED: (),
}


@transaction.atomic
def cycle_create(
    *,
    name: str,
    year: int,
    methodology: MethodologyVersion,
    organiser: OrgUnit,
    units: list[OrgUnit],
    user: Any = None,
    **schedule: datetime | None,
) -> Cycle:
    cycle = Cycle.objects.create(
        name=name, year=year, methodology=methodology, organiser=organiser, **schedule
    )
    Participation.objects.bulk_create(Participation(cycle=cycle, unit=u) for u in units)
    log_action("cycle.created", actor=user, target=cycle, cycle=cycle, units=len(units))
    return cycle


def _require_manage(user: Any, cycle: Cycle) -> None:
    if sel.is_admin(user):
        return
    for m in sel.memberships(user):
        if (
            m.role == "manager"
            and m.unit_id == cycle.organiser_id
            and m.cycle_id
            in (
                None,
                cycle.pk,
            )
        ):
            return
    raise ServiceError(_("Bạn không có quyền quản lý kỳ đánh giá này."))


def can_manage(user: Any, cycle: Cycle) -> bool:
    try:
        _require_manage(user, cycle)
    except ServiceError:
        return False
    return True


@transaction.atomic
def cycle_transition(*, cycle: Cycle, to_state: str, user: Any) -> Cycle:
    """Move a cycle to its next state. Finalising fixes every entry's final points."""
    _require_manage(user, cycle)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if to_state not in TRANSITIONS.get(cycle.state, ()):
        raise ServiceError(
            _("Không thể chuyển kỳ đánh giá từ “%(a)s” sang “%(b)s”.")
            % {"a": cycle.get_state_display(), "b": State(to_state).label}
        )
    old = cycle.state
    now = timezone.now()
    if to_state == State.FINAL:
        _finalise(cycle)
        cycle.finalised_at = now
    cycle.state = to_state
    cycle.save()
    cycle.results_version = results_changed(cycle.pk)
    log_action("cycle.state_changed", actor=user, target=cycle, cycle=cycle, old=old, new=to_state)
    return cycle


def _finalise(cycle: Cycle) -> None:
    """Final points: the latest appraisal stage, else the self-assessed points."""
    entries = Entry.objects.filter(participation__cycle=cycle)
    for e in entries:
        final = e.appraised_points if e.appraised_points is not None else e.self_points
        if final != e.final_points:
            e.final_points = final
            e.version += 1
            e.save(update_fields=["final_points", "version"])


# --- windows -------------------------------------------------------------------------------


def self_assessment_open(p: Participation, now: datetime | None = None) -> tuple[bool, str]:
    """Whether the unit may edit its self-assessment now, and why not."""
    now = now or timezone.now()
    cycle = p.cycle
    if p.status == Participation.Status.SUBMITTED:
        return False, _("Đơn vị đã gửi kết quả tự đánh giá; rút lại để sửa.")
    late = p.late_until is not None and now <= p.late_until
    if cycle.state == State.OPEN:
        if cycle.self_start and now < cycle.self_start and not late:
            return False, _("Chưa đến thời gian tự đánh giá (bắt đầu %(d)s).") % {
                "d": timezone.localtime(cycle.self_start).strftime("%d/%m/%Y")
            }
        if cycle.self_end and now > cycle.self_end and not late:
            return False, _("Đã hết hạn tự đánh giá (%(d)s).") % {
                "d": timezone.localtime(cycle.self_end).strftime("%d/%m/%Y %H:%M")
            }
        return True, ""
    if cycle.state == State.SELF_CLOSED and late:
        return True, ""
    return False, _("Kỳ đánh giá không ở giai đoạn tự đánh giá (%(s)s).") % {
        "s": cycle.get_state_display()
    }


# --- self-assessment -------------------------------------------------------------------------


def _leaf(tree: Methodology, code: str) -> Node:
    node = tree.nodes.get(code)
    if node is None or node.rule is None:
        raise ServiceError(_("Mã tiêu chí “%(c)s” không có trong bộ tiêu chí.") % {"c": code})
    return node


def _self_points(tree: Methodology, unit: OrgUnit, node: Node, raw: str) -> Decimal | None:
    """Points the rule gives the raw input (None: no input). Raises ServiceError."""
    if raw.strip() == "":
        return None
    try:
        value = parse_value(raw, node.rule.expects if node.rule else "number")
        return score_leaf(tree, node, unit_of(unit), value).points
    except InvalidValue as exc:
        raise ServiceError(f"{node.code}: {exc}") from None


def _locked_entry(p: Participation, code: str) -> Entry:
    entry, _created = Entry.objects.get_or_create(participation=p, code=code)
    return Entry.objects.select_for_update().get(pk=entry.pk)


def _check_version(entry: Entry, version: int | None) -> None:
    if version is not None and entry.version != version:
        who = entry.updated_by.get_username() if entry.updated_by else _("người khác")
        raise Conflict(
            _(
                "Mục %(c)s vừa được %(u)s cập nhật lúc %(t)s. Giá trị hiện tại đã được hiển thị; "
                "vui lòng kiểm tra rồi nhập lại."
            )
            % {
                "c": entry.code,
                "u": who,
                "t": timezone.localtime(entry.updated_at).strftime("%H:%M:%S %d/%m/%Y"),
            },
            entry,
        )


def results_changed(cycle_id: int, participation_ids: Any = None) -> int:
    """Bump the cycle's results version (and stamp the changed units with it): the token
    under which computed results are cached. `participation_ids` None: every unit."""
    from django.db.models import F

    Cycle.objects.filter(pk=cycle_id).update(results_version=F("results_version") + 1)
    version = Cycle.objects.values_list("results_version", flat=True).get(pk=cycle_id)
    parts = Participation.objects.filter(cycle_id=cycle_id)
    if participation_ids is not None:
        parts = parts.filter(pk__in=list(participation_ids))
    parts.update(results_version=version)
    return version


def _save_entry(
    entry: Entry, p: Participation, *, user: Any, action: str, old: Any, new: Any
) -> Entry:
    """Bump the entry's version (optimistic concurrency), save it and audit old -> new."""
    entry.version += 1
    entry.updated_at = timezone.now()
    entry.updated_by = user
    entry.save()
    results_changed(p.cycle_id, [p.pk])
    log_action(
        action,
        actor=user,
        target=entry,
        cycle=p.cycle,
        unit=p.unit,
        code=entry.code,
        old=old,
        new=new,
    )
    return entry


@transaction.atomic
def entry_save_self(
    *,
    participation: Participation,
    code: str,
    value: str,
    note: str | None = None,
    version: int | None = None,
    user: Any,
) -> Entry:
    """Save the self-assessed input (and explanation text) of one leaf."""
    acc = sel.access(user, participation)
    if not acc.can(sel.EDIT_SELF) or not acc.covers(code):
        raise ServiceError(_("Bạn không có quyền nhập mục này."))
    ok, why = self_assessment_open(participation)
    if not ok:
        raise ServiceError(why)
    tree = participation.cycle.methodology.tree
    node = _leaf(tree, code)
    if node.method in (SURVEY, EXTERNAL) or code in {a.code for a in tree.adjustments}:
        raise ServiceError(
            _("Mục %(c)s do cơ quan tổ chức nhập (điều tra, số liệu ngoài).") % {"c": code}
        )
    value = value.strip()
    points = _self_points(tree, participation.unit, node, value)
    entry = _locked_entry(participation, code)
    _check_version(entry, version)
    old = {"value": entry.value, "points": entry.self_points, "note": entry.note}
    entry.value = value
    entry.self_points = points
    if note is not None:
        entry.note = note.strip()
    new = {"value": entry.value, "points": entry.self_points, "note": entry.note}
    if old == new:
        return entry
    return _save_entry(entry, participation, user=user, action="entry.self_saved", old=old, new=new)


@transaction.atomic
def entry_set_external(
    *,
    participation: Participation,
    code: str,
    value: str,
    user: Any,
    version: int | None = None,
) -> Entry:
    """The organiser enters survey/external data or a bonus/deduction for one unit."""
    _require_manage(user, participation.cycle)
    if participation.cycle.state in (State.FINAL, State.PUBLISHED):
        raise ServiceError(_("Kỳ đánh giá đã chốt kết quả."))
    tree = participation.cycle.methodology.tree
    node = _leaf(tree, code)
    if node.method not in (SURVEY, EXTERNAL) and code not in {a.code for a in tree.adjustments}:
        raise ServiceError(
            _(
                "Mục %(c)s do đơn vị tự đánh giá; cơ quan tổ chức chỉ nhập số liệu điều tra, "
                "số liệu ngoài và điểm thưởng/trừ."
            )
            % {"c": code}
        )
    if not node.applies(participation.unit.type):
        raise ServiceError(_("Mục %(c)s không áp dụng cho loại đơn vị này.") % {"c": code})
    points = _self_points(tree, participation.unit, node, value)
    entry = _locked_entry(participation, code)
    _check_version(entry, version)
    old = {"value": entry.value, "points": entry.self_points}
    entry.value = value.strip()
    entry.self_points = points
    new = {"value": entry.value, "points": points}
    return _save_entry(
        entry, participation, user=user, action="entry.external_set", old=old, new=new
    )


@transaction.atomic
def participation_submit(*, participation: Participation, user: Any) -> Participation:
    """The unit leader approves and submits the self-assessment; it becomes read-only."""
    if not sel.access(user, participation).can(sel.SUBMIT):
        raise ServiceError(_("Chỉ lãnh đạo đơn vị được phê duyệt và gửi kết quả tự đánh giá."))
    p = Participation.objects.select_for_update().select_related("cycle").get(pk=participation.pk)
    ok, why = self_assessment_open(p)
    if not ok:
        raise ServiceError(why)
    p.status = Participation.Status.SUBMITTED
    p.submitted_at = timezone.now()
    p.submitted_by = user
    p.save()
    log_action("participation.submitted", actor=user, target=p, cycle=p.cycle, unit=p.unit)
    return p


@transaction.atomic
def participation_withdraw(*, participation: Participation, user: Any) -> Participation:
    """Withdraw a submission to edit it again: allowed until appraisal starts."""
    if not sel.access(user, participation).can(sel.SUBMIT):
        raise ServiceError(_("Chỉ lãnh đạo đơn vị được rút kết quả đã gửi."))
    p = Participation.objects.select_for_update().select_related("cycle").get(pk=participation.pk)
    if p.status != Participation.Status.SUBMITTED:
        raise ServiceError(_("Kết quả tự đánh giá chưa được gửi."))
    if p.cycle.state not in (State.OPEN, State.SELF_CLOSED):
        raise ServiceError(_("Không thể rút lại: việc thẩm định đã bắt đầu."))
    p.status = Participation.Status.DRAFT
    p.save()
    log_action("participation.withdrawn", actor=user, target=p, cycle=p.cycle, unit=p.unit)
    return p


@transaction.atomic
def late_entry_grant(
    *, participation: Participation, until: datetime, reason: str, user: Any
) -> Participation:
    """The cycle manager lets one unit enter after the deadline (logged)."""
    _require_manage(user, participation.cycle)
    if participation.cycle.state not in (State.OPEN, State.SELF_CLOSED):
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
) -> Entry:
    """An appraiser accepts (points None: the self-assessed points) or adjusts one item in
    the current round (round 1 in 'appraisal', round 2 in 'appraisal_2')."""
    # Read the cycle's state from the database, not from objects the caller may hold.
    p = Participation.objects.select_related("cycle__methodology", "cycle__organiser", "unit").get(
        pk=entry.participation_id
    )
    cycle = p.cycle
    acc = sel.access(user, p)
    if not acc.can(sel.APPRAISE) or not acc.covers(entry.code):
        raise ServiceError(_("Bạn không được giao thẩm định mục này."))
    if cycle.state == State.APPRAISAL:
        rnd = 1
    elif cycle.state == State.APPRAISAL_2:
        rnd = 2
    else:
        raise ServiceError(_("Kỳ đánh giá không ở giai đoạn thẩm định."))
    if p.status != Participation.Status.SUBMITTED:
        raise ServiceError(_("Đơn vị chưa gửi kết quả tự đánh giá."))
    node = _leaf(cycle.methodology.tree, entry.code)
    locked = Entry.objects.select_for_update().get(pk=entry.pk)
    _check_version(locked, version)
    base = (
        locked.self_points
        if rnd == 1
        else (locked.r1_points if locked.r1_points is not None else locked.self_points)
    )
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
    setattr(locked, prefix + "points", new)
    setattr(locked, prefix + "reason", reason)
    setattr(locked, prefix + "comment", comment.strip())
    setattr(locked, prefix + "by", user)
    locked.version += 1
    locked.updated_at = timezone.now()
    locked.updated_by = user
    locked.save()
    results_changed(cycle.pk, [p.pk])
    log_action(
        f"entry.appraised_r{rnd}",
        actor=user,
        target=locked,
        cycle=cycle,
        unit=p.unit,
        code=locked.code,
        old=old,
        new={"points": new, "reason": reason, "comment": comment.strip()},
    )
    return locked


@transaction.atomic
def entry_explain(*, entry: Entry, text: str, version: int | None = None, user: Any) -> Entry:
    """The unit replies (giải trình) to an item cut in round 1."""
    # Read the cycle's state from the database, not from objects the caller may hold.
    p = Participation.objects.select_related("cycle__methodology", "cycle__organiser", "unit").get(
        pk=entry.participation_id
    )
    acc = sel.access(user, p)
    if not acc.can(sel.EXPLAIN) or not acc.covers(entry.code):
        raise ServiceError(_("Bạn không có quyền giải trình mục này."))
    if p.cycle.state != State.EXPLANATION:
        raise ServiceError(_("Kỳ đánh giá không ở giai đoạn giải trình."))
    now = timezone.now()
    if p.cycle.explanation_end and now > p.cycle.explanation_end:
        raise ServiceError(_("Đã hết hạn giải trình."))
    locked = Entry.objects.select_for_update().get(pk=entry.pk)
    if not locked.disputed:
        raise ServiceError(_("Mục này không bị điều chỉnh giảm điểm nên không cần giải trình."))
    _check_version(locked, version)
    old = locked.explanation
    locked.explanation = text.strip()
    locked.version += 1
    locked.updated_at = now
    locked.updated_by = user
    locked.save()
    results_changed(p.cycle_id, [p.pk])
    log_action(
        "entry.explained",
        actor=user,
        target=locked,
        cycle=p.cycle,
        unit=p.unit,
        code=locked.code,
        old=old,
        new=locked.explanation,
    )
    return locked


# --- results -------------------------------------------------------------------------------

STAGES = ("self", "r1", "r2", "final")
STAGE_LABELS = {
    "self": gettext_lazy("Tự đánh giá"),
    "r1": gettext_lazy("Thẩm định vòng 1"),
    "r2": gettext_lazy("Thẩm định vòng 2 (sau giải trình)"),
    "final": gettext_lazy("Kết quả cuối cùng"),
}


# What the engine reads of an entry, as a plain row (results/computation.py reads these with
# values_list): code, value as typed, self, round 1, round 2 and final points, round 1 and
# round 2 reason codes, and the participation.
EntryRow = tuple[
    str, str, Decimal | None, Decimal | None, Decimal | None, Decimal | None, str, str, int
]
_INVALID = object()
_SKIP: Any = object()


def entry_row(e: Entry) -> EntryRow:
    return (
        e.code,
        e.value,
        e.self_points,
        e.r1_points,
        e.r2_points,
        e.final_points,
        e.r1_reason,
        e.r2_reason,
        e.participation_id,
    )


def stage_inputs(
    participation: Participation, stage: str, entries: list[Entry] | None = None
) -> tuple[dict[str, Any], dict[str, Override]]:
    """The engine's inputs for one stage: typed values, plus the appraisal's points."""
    tree = participation.cycle.methodology.tree
    entries = list(participation.entries.all()) if entries is None else entries
    return stage_inputs_of_rows(tree, stage, [entry_row(e) for e in entries])


def stage_inputs_of_rows(
    tree: Any,
    stage: str,
    rows: Any,
    parsed: dict[str, Any] | None = None,
    reasons: dict[str, str] | None = None,
    decimal: Any = None,
) -> tuple[dict[str, Any], dict[str, Override]]:
    """stage_inputs over EntryRow tuples (no database access). `parsed`: a dict kept between
    calls (of one methodology), code -> {text: typed value}, so that each distinct text is
    parsed once and the units that typed it share one value object (what lets
    compute_unit's memo share their leaf results); `reasons`: reason code -> label
    (Entry.Reason's, in the active language, by default); `decimal`: converts the points as
    the rows hold them (raw database values: compared as they are, distinct 4-decimal values
    stay distinct) to Decimal, when they are not."""
    nodes = tree.nodes
    if parsed is None:
        parsed = {}
    if reasons is None and stage != "self":
        reasons = {str(k): str(v) for k, v in Entry.Reason.choices}
    inputs: dict[str, Any] = {}
    overrides: dict[str, Override] = {}
    leaf_of = parsed.get
    only_self, r1_only, r2_at_most = stage == "self", stage == "r1", stage == "r2"
    for row in rows:
        code, value, self_points, r1_points, r2_points, final_points, r1_reason, r2_reason, _p = row
        leaf = leaf_of(code)
        if leaf is None:
            node = nodes.get(code)
            leaf = parsed[code] = (
                _SKIP if node is None or node.rule is None else (node.rule.expects, {})
            )
        if leaf is _SKIP:
            continue
        if value:  # != ""
            typed = leaf[1].get(value)
            if typed is None:
                try:
                    typed = parse_value(value, leaf[0])
                except InvalidValue:
                    typed = _INVALID  # stored values were valid when saved; a changed rule
                    # scores them 0
                leaf[1][value] = typed
            if typed is not _INVALID:
                inputs[code] = typed
        if only_self:
            continue
        if r1_only:
            pts = r1_points
        elif r2_at_most or final_points is None:
            pts = r2_points if r2_points is not None else r1_points
        else:
            pts = final_points
        if pts is not None and pts != self_points:
            # Only a changed item overrides the rule, so accepted "not arising" items keep
            # their policy (e.g. excluded from the maximum).
            reason = r2_reason if not r1_only and r2_reason else r1_reason
            label = (reasons or {}).get(reason, reason) if reason else ""
            overrides[code] = Override(pts if decimal is None else decimal(pts), label)
    return inputs, overrides


def unit_result(
    participation: Participation, stage: str = "self", entries: list[Entry] | None = None
) -> UnitResult:
    tree = participation.cycle.methodology.tree
    entries = list(participation.entries.all()) if entries is None else entries
    rows = [entry_row(e) for e in entries]
    return unit_result_of_rows(tree, unit_of(participation.unit), stage, rows)


def unit_result_of_rows(
    tree: Any,
    unit: Unit,
    stage: str,
    rows: Any,
    *,
    parsed: dict[str, Any] | None = None,
    memo: Any = None,
    reasons: dict[str, str] | None = None,
    decimal: Any = None,
) -> UnitResult:
    """unit_result over EntryRow tuples (no database access). `parsed`, `reasons`,
    `decimal`: see stage_inputs_of_rows; `memo`: compute_unit's, shared between the units
    of a computation."""
    inputs, overrides = stage_inputs_of_rows(tree, stage, rows, parsed, reasons, decimal)
    try:
        return compute_unit(tree, unit, inputs, overrides, memo=memo)
    except ValidationFailed:
        # Stored values were valid when saved; a methodology change could invalidate them.
        clean = {}
        for code, v in inputs.items():
            try:
                score_leaf(tree, tree.nodes[code], unit, v)
                clean[code] = v
            except InvalidValue:
                continue
        return compute_unit(tree, unit, clean, overrides, memo=memo)


@dataclass
class Progress:
    total: int
    scored: int
    lacking_evidence: int
    points: Decimal
    max_points: Decimal


def participation_progress(
    participation: Participation,
    entries: list[Entry] | None = None,
    *,
    result: UnitResult | None = None,
) -> Progress:
    """Items scored, items lacking evidence, points so far (self-assessment). `entries`:
    the participation's entries with their links already fetched (saves two queries);
    `result`: unit_result(participation, "self", entries) when the caller has it already."""
    tree = participation.cycle.methodology.tree
    unit = unit_of(participation.unit)
    if entries is None:
        entries = list(participation.entries.prefetch_related("links"))
    by_code = {e.code: e for e in entries}
    own = [n for n in tree.leaves if n.applies(unit.type) and n.method not in (SURVEY, EXTERNAL)]
    scored = [n for n in own if n.code in by_code and by_code[n.code].value != ""]
    lacking = [
        n
        for n in scored
        if not by_code[n.code].links.all()
        and by_code[n.code].value.lower() not in ("na", "không phát sinh")
    ]
    if result is None:
        result = unit_result(participation, "self", entries)
    return Progress(len(own), len(scored), len(lacking), result.points, result.max_points)


# --- evidence -------------------------------------------------------------------------------

ALLOWED = {
    "pdf": ("application/pdf", (".pdf",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)),
    "png": ("image/png", (".png",)),
    "jpeg": ("image/jpeg", (".jpg", ".jpeg")),
}


def detect_type(head: bytes, file: Any) -> str | None:
    """The file's real type from its content (magic bytes; OOXML by its parts)."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"PK\x03\x04"):
        import zipfile

        try:
            file.seek(0)
            with zipfile.ZipFile(file) as z:
                names = set(z.namelist())
        except (zipfile.BadZipFile, OSError):
            return None
        finally:
            file.seek(0)
        if "[Content_Types].xml" in names:
            if any(n.startswith("word/") for n in names):
                return "docx"
            if any(n.startswith("xl/") for n in names):
                return "xlsx"
    return None


def clean_filename(name: str) -> str:
    """The last path component, without control characters, at most 200 characters."""
    base = name.replace("\\", "/").split("/")[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip().lstrip(".")
    return base[:200] or "tai-lieu"


def _require_evidence_rights(user: Any, p: Participation, code: str | None, refused: str) -> None:
    """Whoever may enter or explain the unit's items (for `code`, when given) handles evidence."""
    acc = sel.access(user, p)
    if not (acc.can(sel.EDIT_SELF) or acc.can(sel.EXPLAIN)) or (
        code is not None and not acc.covers(code)
    ):
        raise ServiceError(refused)


def _require_evidence_window(p: Participation) -> None:
    """Evidence changes while the self-assessment is open, and in the explanation round."""
    editing, why = self_assessment_open(p)
    if not editing and p.cycle.state != State.EXPLANATION:
        raise ServiceError(why)


@transaction.atomic
def evidence_upload(
    *,
    participation: Participation,
    file: UploadedFile[Any],
    user: Any,
    title: str = "",
    doc_number: str = "",
    doc_date: Any = None,
    issuer: str = "",
    link_code: str = "",
    page_ref: str = "",
) -> Evidence:
    """Check size and type by content, hash, store, and optionally link to one item."""
    from django.conf import settings

    _require_evidence_rights(
        user, participation, None, _("Bạn không có quyền tải tài liệu cho đơn vị này.")
    )
    _require_evidence_window(participation)
    name = clean_filename(file.name or "")
    if file.size is None or file.size == 0:
        raise ServiceError(_("Tệp “%(n)s” rỗng.") % {"n": name})
    if file.size > settings.EVIDENCE_MAX_BYTES:
        raise ServiceError(
            _("Tệp “%(n)s” quá lớn (%(s)s MB); tối đa %(m)s MB.")
            % {
                "n": name,
                "s": fmt_vn(Decimal(file.size) / 1048576, 1),
                "m": settings.EVIDENCE_MAX_BYTES // 1048576,
            }
        )
    file.seek(0)
    head = file.read(16)
    kind = detect_type(head, file)
    ext = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if kind is None:
        raise ServiceError(
            _("Tệp “%(n)s” không phải PDF, DOCX, XLSX, PNG hay JPEG (kiểm tra theo nội dung).")
            % {"n": name}
        )
    mime, exts = ALLOWED[kind]
    if ext not in exts:
        raise ServiceError(
            _("Tên tệp “%(n)s” không khớp với nội dung (nội dung là %(k)s).")
            % {"n": name, "k": kind.upper()}
        )
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    file.name = name
    ev = Evidence(
        cycle=participation.cycle,
        unit=participation.unit,
        original_name=name,
        size=file.size,
        sha256=digest.hexdigest(),
        content_type=mime,
        title=title.strip(),
        doc_number=doc_number.strip(),
        doc_date=doc_date,
        issuer=issuer.strip(),
        uploaded_by=user,
    )
    ev.file.save(name, file, save=False)
    ev.save()
    log_action(
        "evidence.uploaded",
        actor=user,
        target=ev,
        cycle=participation.cycle,
        unit=participation.unit,
        name=name,
        sha256=ev.sha256,
        size=ev.size,
    )
    if link_code:
        evidence_link(
            participation=participation, evidence=ev, code=link_code, page_ref=page_ref, user=user
        )
    return ev


@transaction.atomic
def evidence_link(
    *,
    participation: Participation,
    evidence: Evidence,
    code: str,
    page_ref: str = "",
    user: Any,
) -> EvidenceLink:
    _require_evidence_rights(
        user, participation, code, _("Bạn không có quyền gắn tài liệu cho mục này.")
    )
    if evidence.unit_id != participation.unit_id or evidence.cycle_id != participation.cycle_id:
        raise ServiceError(_("Tài liệu không thuộc đơn vị này."))
    _require_evidence_window(participation)
    node = _leaf(participation.cycle.methodology.tree, code)
    if not node.applies(participation.unit.type):
        raise ServiceError(_("Mục %(c)s không áp dụng cho loại đơn vị này.") % {"c": code})
    if node.method in (SURVEY, EXTERNAL):
        raise ServiceError(
            _("Mục %(c)s do cơ quan tổ chức nhập (điều tra, số liệu ngoài).") % {"c": code}
        )
    entry, _created = Entry.objects.get_or_create(participation=participation, code=code)
    link, created = EvidenceLink.objects.get_or_create(
        evidence=evidence, entry=entry, defaults={"page_ref": page_ref.strip()}
    )
    if created:
        log_action(
            "evidence.linked",
            actor=user,
            target=link,
            cycle=participation.cycle,
            unit=participation.unit,
            code=code,
            evidence=evidence.pk,
            page_ref=page_ref.strip(),
        )
    return link


@transaction.atomic
def evidence_unlink(*, link: EvidenceLink, user: Any) -> None:
    p = link.entry.participation
    _require_evidence_rights(
        user, p, link.entry.code, _("Bạn không có quyền gỡ tài liệu của mục này.")
    )
    _require_evidence_window(p)
    log_action(
        "evidence.unlinked",
        actor=user,
        target=link,
        cycle=p.cycle,
        unit=p.unit,
        code=link.entry.code,
        evidence=link.evidence_id,
    )
    link.delete()


def evidence_for_user(user: Any, pk: int) -> Evidence:
    """An evidence file the user may download (anyone who may view its unit's cycle)."""
    ev = Evidence.objects.select_related("cycle").get(pk=pk)
    p = Participation.objects.select_related("cycle", "unit").get(cycle=ev.cycle, unit=ev.unit)
    if not sel.access(user, p).can(sel.VIEW):
        raise Evidence.DoesNotExist
    return ev


# --- organiser: schedule, survey/external data; appraisal by code ---------------------------

SCHEDULE_FIELDS = (
    "self_start",
    "self_end",
    "appraisal_start",
    "appraisal_end",
    "explanation_start",
    "explanation_end",
    "publication_date",
)
_SCHEDULE_PAIRS = (
    ("self_start", "self_end"),
    ("appraisal_start", "appraisal_end"),
    ("explanation_start", "explanation_end"),
)


def schedule_label(name: str) -> str:
    """The label of one schedule date, e.g. "hạn tự đánh giá"."""
    return str(getattr(Cycle._meta.get_field(name), "verbose_name", name))


@transaction.atomic
def cycle_update_schedule(*, cycle: Cycle, user: Any, **dates: Any) -> Cycle:
    """Change the cycle's schedule (only the dates given; None clears one). Each end must
    not precede its start; once final, only the publication date may change."""
    _require_manage(user, cycle)
    unknown = set(dates) - set(SCHEDULE_FIELDS)
    if unknown:
        raise ServiceError(_("Không có mốc thời gian “%(f)s”.") % {"f": ", ".join(sorted(unknown))})
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    old = {f: getattr(cycle, f) for f in SCHEDULE_FIELDS}
    new = {**old, **dates}
    if cycle.state in (State.FINAL, State.PUBLISHED) and any(
        new[f] != old[f] for f in SCHEDULE_FIELDS if f != "publication_date"
    ):
        raise ServiceError(_("Kỳ đánh giá đã chốt kết quả: chỉ được sửa ngày công bố."))
    for start, end in _SCHEDULE_PAIRS:
        if new[start] and new[end] and new[end] < new[start]:
            raise ServiceError(
                _("“%(e)s” không được trước “%(s)s”.")
                % {"e": schedule_label(end), "s": schedule_label(start)}
            )
    changed = {f: new[f] for f in SCHEDULE_FIELDS if new[f] != old[f]}
    if not changed:
        return cycle
    for f, v in changed.items():
        setattr(cycle, f, v)
    cycle.save(update_fields=list(changed))
    log_action(
        "cycle.schedule_updated",
        actor=user,
        target=cycle,
        cycle=cycle,
        old={f: old[f] for f in changed},
        new=changed,
    )
    return cycle


def external_codes(tree: Methodology) -> list[Node]:
    """The items the organiser enters: survey and external-data leaves, then the bonus and
    deduction items."""
    return [n for n in tree.leaves if n.method in (SURVEY, EXTERNAL)] + list(tree.adjustments)


def row_message(line: int, column: str, message: str) -> str:
    """ "Dòng 5, cột “value”: …": how every import names a problem's place."""
    if column:
        return _("Dòng %(l)s, cột “%(c)s”: %(m)s") % {"l": line, "c": column, "m": message}
    return _("Dòng %(l)s: %(m)s") % {"l": line, "m": message}


@dataclass(frozen=True)
class RowError:
    """One problem of an imported file, by row and column (shared by every import)."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return row_message(self.line, self.column, self.message)


class ImportRefused(ServiceError):
    """An import refused as a whole; `errors` says which rows and columns are wrong."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(
            _("Không nhập dòng nào: tệp có %(n)s lỗi, hãy sửa rồi tải lên lại.")
            % {"n": len(errors)}
        )
        self.errors = errors


EXTERNAL_CSV_COLUMNS = ("unit", "code", "value")


def external_values_read_csv(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """Rows of a "unit,code,value" CSV (UTF-8, comma or semicolon) with their line numbers.
    Raises ImportRefused when the file cannot be read or lacks a column."""
    import csv
    import io

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused([RowError(1, "", _("tệp không phải văn bản UTF-8 (CSV)."))]) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in EXTERNAL_CSV_COLUMNS if c not in header]
    if missing:
        raise ImportRefused(
            [
                RowError(1, c, _("thiếu cột này ở dòng tiêu đề (cần: unit,code,value)."))
                for c in missing
            ]
        )
    rows = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        row = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)}
        rows.append((reader.line_num, row))
    return rows


@transaction.atomic
def external_values_import(
    *, cycle: Cycle, rows: list[tuple[int, dict[str, str]]], user: Any
) -> int:
    """Enter survey/external data and bonus/deduction values for many units at once, all
    or nothing: every row is checked first; one wrong row refuses the whole file."""
    _require_manage(user, cycle)
    if cycle.state in (State.FINAL, State.PUBLISHED):
        raise ServiceError(_("Kỳ đánh giá đã chốt kết quả."))
    tree = cycle.methodology.tree
    allowed = {n.code: n for n in external_codes(tree)}
    parts = {p.unit.code: p for p in cycle.participations.select_related("unit", "cycle")}
    errors: list[RowError] = []
    valid: list[tuple[Participation, str, str]] = []
    seen: dict[tuple[str, str], int] = {}
    if not rows:
        raise ImportRefused([RowError(2, "", _("tệp không có dòng số liệu nào."))])
    for line, row in rows:
        unit_code, code, value = (row.get(c, "").strip() for c in EXTERNAL_CSV_COLUMNS)
        p = parts.get(unit_code)
        node = allowed.get(code)
        if not unit_code:
            errors.append(RowError(line, "unit", _("thiếu mã đơn vị.")))
        elif p is None:
            errors.append(
                RowError(
                    line,
                    "unit",
                    _("đơn vị “%(u)s” không tham gia kỳ đánh giá này.") % {"u": unit_code},
                )
            )
        if not code:
            errors.append(RowError(line, "code", _("thiếu mã tiêu chí.")))
        elif node is None:
            msg = (
                _("mục “%(c)s” do đơn vị tự đánh giá, không nhập qua tệp này.")
                if code in tree.nodes
                else _("không có mục “%(c)s” trong bộ tiêu chí.")
            )
            errors.append(RowError(line, "code", msg % {"c": code}))
        if p is None or node is None:
            continue
        if (unit_code, code) in seen:
            errors.append(
                RowError(line, "code", _("trùng với dòng %(l)s.") % {"l": seen[(unit_code, code)]})
            )
            continue
        seen[(unit_code, code)] = line
        if not node.applies(p.unit.type):
            errors.append(
                RowError(
                    line,
                    "code",
                    _("mục %(c)s không áp dụng cho %(u)s.") % {"c": code, "u": p.unit.name},
                )
            )
            continue
        if not value:
            errors.append(RowError(line, "value", _("thiếu giá trị.")))
            continue
        try:
            _self_points(tree, p.unit, node, value)
        except ServiceError as exc:
            errors.append(RowError(line, "value", str(exc)))
            continue
        valid.append((p, code, value))
    if errors:
        raise ImportRefused(errors)
    for p, code, value in valid:
        entry_set_external(participation=p, code=code, value=value, user=user)
    log_action("cycle.external_imported", actor=user, target=cycle, cycle=cycle, rows=len(valid))
    return len(valid)


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
) -> Entry:
    """entry_appraise for an item named by its code; an item the unit left empty gets its
    entry here (version 0), so the council can score it too. Only the unit's own items
    that apply to it are appraised (not survey/external data)."""
    node = _leaf(participation.cycle.methodology.tree, code)
    if not node.applies(participation.unit.type):
        raise ServiceError(_("Mục %(c)s không áp dụng cho loại đơn vị này.") % {"c": code})
    if node.method in (SURVEY, EXTERNAL):
        raise ServiceError(
            _("Mục %(c)s do cơ quan tổ chức nhập (điều tra, số liệu ngoài).") % {"c": code}
        )
    entry, _created = Entry.objects.get_or_create(participation=participation, code=code)
    entry.participation = participation
    return entry_appraise(
        entry=entry, points=points, reason=reason, comment=comment, version=version, user=user
    )
