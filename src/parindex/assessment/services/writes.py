"""The one write path of entries (write_entries: version check, save, results version,
audit) and the self-assessment and organiser's data written through it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parindex.accounts.models import OrgUnit
from parindex.assessment import lifecycle
from parindex.audit.services import audit_record, log_actions
from parindex.common.errors import ServiceError
from parindex.core import (
    InvalidValue,
    Methodology,
    check_entry,
    is_not_arising,
    parse_value,
    score_leaf,
)
from parindex.core.model import EXTERNAL, SURVEY, Node

from .. import permissions as perm
from ..models import Cycle, Entry, Participation
from .base import _require_manage, _require_plain_text, unit_of

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


# --- self-assessment -------------------------------------------------------------------------


def _leaf(tree: Methodology, code: str) -> Node:
    node = tree.nodes.get(code)
    if node is None or node.rule is None:
        raise ServiceError(_("Mã tiêu chí “%(c)s” không có trong bộ tiêu chí.") % {"c": code})
    return node


def _unit_item(participation: Participation, code: str) -> Node:
    """The leaf `code` if it is one of the unit's own items: it applies to the unit's type
    and the unit assesses it itself (survey and external data are the organiser's)."""
    node = _leaf(participation.cycle.methodology.tree, code)
    if not node.applies(participation.unit.type):
        raise ServiceError(_("Mục %(c)s không áp dụng cho loại đơn vị này.") % {"c": code})
    if node.method in (SURVEY, EXTERNAL):
        raise ServiceError(
            _("Mục %(c)s do cơ quan tổ chức nhập (điều tra, số liệu ngoài).") % {"c": code}
        )
    return node


def _self_points(tree: Methodology, unit: OrgUnit, node: Node, raw: str) -> Decimal | None:
    """Points the rule gives the raw input (None: no input). Raises ServiceError."""
    if raw.strip() == "":
        return None
    try:
        value = parse_value(raw, node.rule.expects if node.rule else "number")
        points = score_leaf(tree, node, unit_of(unit), value).points
        check_entry(node.rule, value)  # after the rule's own refusals, which say more
        return points
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
    for change in changes:  # the last guard: no NUL reaches the database
        _require_plain_text(*(v for v in change.values.values() if isinstance(v, str)))
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


def _require_not_arising_justified(entry: Entry, value: str, note: str) -> None:
    """An item marked "không phát sinh" says why: a note, or a document linked to it (the
    self-assessment report lists it with this justification)."""
    if not is_not_arising(value) or note.strip():
        return
    if entry.pk is not None and entry.links.exists():
        return
    raise ServiceError(
        _(
            "Mục %(c)s: khi đánh dấu “không phát sinh”, cần ghi thuyết minh lý do hoặc gắn "
            "tài liệu kiểm chứng."
        )
        % {"c": entry.code}
    )


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
    ok, why = lifecycle.self_entry_open(participation, approver=perm.may_approve(acc))
    if not ok:
        raise ServiceError(why)
    tree = participation.cycle.methodology.tree
    node = _leaf(tree, code)
    if node.method in (SURVEY, EXTERNAL) or code in {a.code for a in tree.adjustments}:
        raise ServiceError(
            _("Mục %(c)s do cơ quan tổ chức nhập (điều tra, số liệu ngoài).") % {"c": code}
        )
    if not node.applies(participation.unit.type):
        raise ServiceError(_("Mục %(c)s không áp dụng cho loại đơn vị này.") % {"c": code})
    _require_plain_text(value, note)
    value = value.strip()
    points = _self_points(tree, participation.unit, node, value)
    if entry is None:
        entry = _locked_entry(participation, code)
    values: dict[str, Any] = {"value": value, "self_points": points}
    if note is not None:
        values["note"] = note.strip()
    _require_not_arising_justified(entry, value, values.get("note", entry.note))
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
