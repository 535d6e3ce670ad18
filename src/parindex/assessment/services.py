"""Use cases of the assessment cycle. Each is one function called by the UI, the CLI, tasks
and tests alike; each checks the caller's rights, writes in one transaction and audits."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
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
from parindex.assessment import lifecycle
from parindex.audit.services import audit_record, log_action, log_actions
from parindex.common.csvio import CsvUnreadable, read_table
from parindex.common.errors import ImportRefused, RowError, ServiceError
from parindex.common.uploads import ALLOWED, clean_filename, detect_type
from parindex.core import (
    InvalidValue,
    Methodology,
    Override,
    Unit,
    UnitResult,
    ValidationFailed,
    compute_unit,
    fmt_vn,
    is_not_arising,
    parse_value,
    q4,
    score_leaf,
)
from parindex.core.model import EXTERNAL, SURVEY, Node

from . import permissions as perm
from .models import Cycle, Entry, Evidence, EvidenceLink, MethodologyVersion, Participation

State = Cycle.State


class Conflict(ServiceError):
    """Someone else changed the item first; `entry` holds the current state. Raised by
    write_entries for the first stale change of a batch: `conflicts` lists every stale
    change of the batch as (its index among the changes, its Conflict)."""

    def __init__(self, message: str, entry: Entry) -> None:
        super().__init__(message)
        self.entry = entry
        self.conflicts: list[tuple[int, Conflict]] = [(0, self)]


class EntriesRefused(ServiceError):
    """A batch of entry inputs refused as a whole (nothing saved); `errors` lists each
    refused input as (its index among the inputs, the refusal), in order."""

    def __init__(self, errors: list[tuple[int, ServiceError]]) -> None:
        super().__init__(_("Không lưu mục nào: %(n)s mục bị từ chối.") % {"n": len(errors)})
        self.errors = errors


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
    if not perm.can_manage(user, cycle):
        raise ServiceError(_("Bạn không có quyền quản lý kỳ đánh giá này."))


def can_manage(user: Any, cycle: Cycle) -> bool:
    return perm.can_manage(user, cycle)


@transaction.atomic
def cycle_transition(*, cycle: Cycle, to_state: str, user: Any) -> Cycle:
    """Move a cycle to its next state. Finalising fixes every entry's final points."""
    _require_manage(user, cycle)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if not lifecycle.may_move(cycle.state, to_state):
        raise ServiceError(
            _("Không thể chuyển kỳ đánh giá từ “%(a)s” sang “%(b)s”.")
            % {"a": cycle.get_state_display(), "b": State(to_state).label}
        )
    old = cycle.state
    now = timezone.now()
    if lifecycle.facts(to_state).finished and not lifecycle.of(cycle).finished:
        _finalise(cycle, user)
        cycle.finalised_at = now
    cycle.state = to_state
    cycle.save()
    cycle.results_version = results_changed(cycle.pk)
    log_action("cycle.state_changed", actor=user, target=cycle, cycle=cycle, old=old, new=to_state)
    return cycle


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


# --- windows (the lifecycle decides; kept under its former name) -----------------------------


def self_assessment_open(p: Participation, now: datetime | None = None) -> tuple[bool, str]:
    """Whether the unit may edit its self-assessment now, and why not (lifecycle)."""
    return lifecycle.self_entry_open(p, now)


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


@dataclass
class EntryChange:
    """One change of one entry as its writer prepared it: the fields to set, the audit
    action with the old and new values it records, and the version the writer read."""

    participation: Participation
    entry: Entry  # as stored, locked for update (pk None: not stored yet)
    action: str  # registered in parindex.audit.registry
    values: dict[str, Any]  # model field -> new value
    old: Any  # what the audit row records
    new: Any
    version: int | None = None  # the version the writer read (None: not checked)

    @property
    def changed(self) -> bool:
        return bool(self.old != self.new)


def lock_entries(keys: Iterable[tuple[Participation, str]]) -> dict[tuple[int, str], Entry]:
    """The entries of (participation, code) pairs, locked for update, by (participation id,
    code); the missing ones are created empty (version 0) first."""
    wanted = {(p.pk, code) for p, code in keys}

    def fetch(pairs: set[tuple[int, str]]) -> dict[tuple[int, str], Entry]:
        if not pairs:
            return {}
        rows = Entry.objects.select_for_update().filter(
            participation_id__in={pid for pid, _c in pairs}, code__in={c for _p, c in pairs}
        )
        return {
            (e.participation_id, e.code): e
            for e in rows.order_by("pk")
            if (e.participation_id, e.code) in pairs
        }

    found = fetch(wanted)
    missing = wanted - found.keys()
    if missing:
        Entry.objects.bulk_create(
            [Entry(participation_id=pid, code=code) for pid, code in sorted(missing)],
            ignore_conflicts=True,
            batch_size=1000,
        )
        found.update(fetch(missing))
    return found


@transaction.atomic
def write_entries(changes: Sequence[EntryChange], *, user: Any) -> list[Entry]:
    """THE way an entry changes (self-assessment, the organiser's data, survey points,
    appraisal, explanation, finalisation), one change or many: in one transaction, check
    every version (a stale one raises Conflict and nothing is saved), skip the changes that
    change nothing, set the fields, bump each entry's version, save, write the audit rows
    (old -> new) and bump the results version of the changed units. Returns the entries, in
    the order of `changes`."""
    stale: list[tuple[int, Conflict]] = []
    for i, change in enumerate(changes):
        try:
            _check_version(change.entry, change.version)
        except Conflict as exc:
            stale.append((i, exc))
    if stale:
        first = stale[0][1]
        first.conflicts = stale
        raise first
    todo = [c for c in changes if c.changed]
    if todo:
        now = timezone.now()
        fields = {"version", "updated_at", "updated_by"}
        for c in todo:
            for name, value in c.values.items():
                setattr(c.entry, name, value)
            fields.update(c.values)
            c.entry.version += 1
            c.entry.updated_at = now
            c.entry.updated_by = user
        new = [c.entry for c in todo if c.entry.pk is None]
        created = {id(e) for e in new}
        Entry.objects.bulk_create(new, batch_size=1000)
        Entry.objects.bulk_update(
            [c.entry for c in todo if id(c.entry) not in created], sorted(fields), batch_size=1000
        )
        log_actions(
            audit_record(
                c.action,
                actor=user,
                target=c.entry,
                cycle=c.participation.cycle_id,
                unit=c.participation.unit_id,
                code=c.entry.code,
                old=c.old,
                new=c.new,
            )
            for c in todo
        )
        by_cycle: dict[int, set[int]] = {}
        for c in todo:
            by_cycle.setdefault(c.participation.cycle_id, set()).add(c.participation.pk)
        for cycle_id, participation_ids in by_cycle.items():
            results_changed(cycle_id, participation_ids)
    return [c.entry for c in changes]


def _write_entry(change: EntryChange, *, user: Any) -> Entry:
    """write_entries for one change."""
    return write_entries([change], user=user)[0]


@dataclass(frozen=True)
class EntryInput:
    """One item of a batch of entry inputs (API, imports): the code, the raw value, the
    explanation text (self-assessment; None: unchanged) and the version the caller read."""

    code: str
    value: str
    note: str | None = None
    version: int | None = None


def _write_batch(
    participation: Participation,
    items: Sequence[EntryInput],
    prepare: Callable[[EntryInput, Entry | None], EntryChange],
    user: Any,
) -> list[Entry]:
    """Prepare every item, then write them all through write_entries, all or nothing:
    raises EntriesRefused listing every refused item (conflicts included)."""
    errors: list[tuple[int, ServiceError]] = []
    with transaction.atomic():
        nodes = participation.cycle.methodology.tree.nodes
        locked = lock_entries((participation, i.code) for i in items if i.code in nodes)
        changes: list[EntryChange] = []
        where: list[int] = []
        for index, item in enumerate(items):
            try:
                changes.append(prepare(item, locked.get((participation.pk, item.code))))
                where.append(index)
            except ServiceError as exc:
                errors.append((index, exc))
        try:
            entries = write_entries(changes, user=user)
        except Conflict as exc:
            errors += [(where[i], conflict) for i, conflict in exc.conflicts]
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise EntriesRefused(sorted(errors, key=lambda e: e[0]))
    return entries


def _self_change(
    participation: Participation,
    code: str,
    value: str,
    *,
    note: str | None,
    version: int | None,
    user: Any,
    entry: Entry | None = None,
) -> EntryChange:
    """The checks and points of a self-assessment input (entry: the locked entry, if the
    caller has it)."""
    acc = perm.access(user, participation)
    if not acc.can(perm.EDIT_SELF) or not acc.covers(code):
        raise ServiceError(_("Bạn không có quyền nhập mục này."))
    ok, why = lifecycle.self_entry_open(participation)
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
    if entry is None:
        entry = _locked_entry(participation, code)
    values: dict[str, Any] = {"value": value, "self_points": points}
    if note is not None:
        values["note"] = note.strip()
    return EntryChange(
        participation=participation,
        entry=entry,
        action="entry.self_saved",
        values=values,
        old={"value": entry.value, "points": entry.self_points, "note": entry.note},
        new={"value": value, "points": points, "note": values.get("note", entry.note)},
        version=version,
    )


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
    change = _self_change(participation, code, value, note=note, version=version, user=user)
    return _write_entry(change, user=user)


def entries_save_self(
    *, participation: Participation, items: Sequence[EntryInput], user: Any
) -> list[Entry]:
    """entry_save_self for many items of one unit, all or nothing (one transaction, one
    write_entries); raises EntriesRefused listing every refused item."""

    def prepare(item: EntryInput, entry: Entry | None) -> EntryChange:
        return _self_change(
            participation,
            item.code,
            item.value,
            note=item.note,
            version=item.version,
            user=user,
            entry=entry,
        )

    return _write_batch(participation, items, prepare, user)


def _require_organiser_edit(cycle: Cycle) -> None:
    """The organiser's data (external, survey, bonus/deduction values) may change now."""
    ok, why = lifecycle.organiser_edit_open(cycle)
    if not ok:
        raise ServiceError(why)


def _external_change(
    participation: Participation,
    code: str,
    value: str,
    *,
    version: int | None = None,
    entry: Entry | None = None,
) -> EntryChange:
    """The checks and points of one organiser's value (survey/external data, bonus or
    deduction); the caller checked the rights and the cycle's state."""
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
    if entry is None:
        entry = _locked_entry(participation, code)
    value = value.strip()
    return EntryChange(
        participation=participation,
        entry=entry,
        action="entry.external_set",
        values={"value": value, "self_points": points},
        old={"value": entry.value, "points": entry.self_points},
        new={"value": value, "points": points},
        version=version,
    )


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
    _require_organiser_edit(participation.cycle)
    change = _external_change(participation, code, value, version=version)
    return _write_entry(change, user=user)


def entries_set_external(
    *, participation: Participation, items: Sequence[EntryInput], user: Any
) -> list[Entry]:
    """entry_set_external for many items of one unit, all or nothing (one transaction, one
    write_entries); raises EntriesRefused listing every refused item."""

    def prepare(item: EntryInput, entry: Entry | None) -> EntryChange:
        _require_manage(user, participation.cycle)
        _require_organiser_edit(participation.cycle)
        return _external_change(
            participation, item.code, item.value, version=item.version, entry=entry
        )

    return _write_batch(participation, items, prepare, user)


def external_changes(
    cycle: Cycle, values: Iterable[tuple[Participation, str, str]]
) -> list[EntryChange]:
    """The changes setting many organiser's values (participation, code, value) of one
    cycle, their entries locked in bulk; for write_entries (CSV import, survey points).
    The caller checked the rights and the cycle's state."""
    rows = list(values)
    locked = lock_entries((p, code) for p, code, _v in rows)
    return [_external_change(p, code, value, entry=locked[(p.pk, code)]) for p, code, value in rows]


@transaction.atomic
def participation_submit(*, participation: Participation, user: Any) -> Participation:
    """The unit leader approves and submits the self-assessment; it becomes read-only."""
    if not perm.access(user, participation).can(perm.SUBMIT):
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
    if not perm.access(user, participation).can(perm.SUBMIT):
        raise ServiceError(_("Chỉ lãnh đạo đơn vị được rút kết quả đã gửi."))
    p = Participation.objects.select_for_update().select_related("cycle").get(pk=participation.pk)
    if p.status != Participation.Status.SUBMITTED:
        raise ServiceError(_("Kết quả tự đánh giá chưa được gửi."))
    if not lifecycle.of(p.cycle).withdraw:
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
) -> Entry:
    """An appraiser accepts (points None: the self-assessed points) or adjusts one item in
    the current round (round 1 in 'appraisal', round 2 in 'appraisal_2')."""
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
    node = _leaf(cycle.methodology.tree, entry.code)
    locked = Entry.objects.select_for_update().get(pk=entry.pk)
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
    change = EntryChange(
        participation=p,
        entry=locked,
        action=f"entry.appraised_r{rnd}",
        values={
            prefix + "points": new,
            prefix + "reason": reason,
            prefix + "comment": comment.strip(),
            prefix + "by": user,
        },
        old={k: getattr(locked, prefix + k) for k in ("points", "reason", "comment")},
        new={"points": new, "reason": reason, "comment": comment.strip()},
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
    for (
        code,
        value,
        self_points,
        r1_points,
        r2_points,
        final_points,
        r1_reason,
        r2_reason,
        _p,
    ) in rows:
        leaf = parsed.get(code)
        if leaf is None:
            node = nodes.get(code)
            leaf = parsed[code] = (
                _SKIP if node is None or node.rule is None else (node.rule.expects, {})
            )
        if leaf is _SKIP:
            continue
        if value != "":
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
        if stage == "self":
            continue
        if stage == "r1":
            pts = r1_points
        elif stage == "r2" or final_points is None:
            pts = r2_points if r2_points is not None else r1_points
        else:
            pts = final_points
        if pts is not None and pts != self_points:
            # Only a changed item overrides the rule, so accepted "not arising" items keep
            # their policy (e.g. excluded from the maximum).
            reason = r2_reason if stage != "r1" and r2_reason else r1_reason
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
        if not by_code[n.code].links.all() and not is_not_arising(by_code[n.code].value)
    ]
    if result is None:
        result = unit_result(participation, "self", entries)
    return Progress(len(own), len(scored), len(lacking), result.points, result.max_points)


# --- evidence -------------------------------------------------------------------------------


def _require_evidence_rights(user: Any, p: Participation, code: str | None, refused: str) -> None:
    """Whoever may enter or explain the unit's items (for `code`, when given) handles evidence."""
    if not perm.access(user, p).handles_evidence(code):
        raise ServiceError(refused)


def _require_evidence_window(p: Participation) -> None:
    """Evidence changes while the self-assessment is open, and in the explanation round
    (lifecycle.evidence_open)."""
    ok, why = lifecycle.evidence_open(p)
    if not ok:
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
    if not perm.access(user, p).can(perm.VIEW):
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
    if lifecycle.of(cycle).finished and any(
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


EXTERNAL_CSV_COLUMNS = ("unit", "code", "value")


def external_values_read_csv(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """Rows of a "unit,code,value" CSV (read as parindex.common.csvio reads every import)
    with their line numbers. Raises ImportRefused when the file cannot be read or lacks a
    column."""
    try:
        header, rows = read_table(data)
    except CsvUnreadable as exc:
        raise ImportRefused.unreadable(exc) from None
    missing = [c for c in EXTERNAL_CSV_COLUMNS if c not in header]
    if missing:
        raise ImportRefused(
            [
                RowError(1, c, _("thiếu cột này ở dòng tiêu đề (cần: unit,code,value)."))
                for c in missing
            ]
        )
    return rows


@transaction.atomic
def external_values_import(
    *, cycle: Cycle, rows: list[tuple[int, dict[str, str]]], user: Any
) -> int:
    """Enter survey/external data and bonus/deduction values for many units at once, all
    or nothing: every row is checked first; one wrong row refuses the whole file."""
    _require_manage(user, cycle)
    _require_organiser_edit(cycle)
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
    write_entries(external_changes(cycle, valid), user=user)
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
