"""The organiser's external and survey data imported from a file."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from parindex.audit.services import log_action
from parindex.common.csvio import CsvUnreadable, read_table
from parindex.common.errors import ImportRefused, RowError, ServiceError
from parindex.core import (
    Methodology,
)
from parindex.core.model import EXTERNAL, SURVEY, Node

from ..models import Cycle, Participation
from .base import _require_manage
from .writes import _require_organiser_edit, _self_points, external_changes, write_entries

State = Cycle.State


def external_codes(tree: Methodology) -> list[Node]:
    """The items the organiser enters: survey and external-data leaves, then the bonus and
    deduction items."""
    return [n for n in tree.leaves if n.method in (SURVEY, EXTERNAL)] + list(tree.adjustments)


EXTERNAL_CSV_COLUMNS = ("unit", "code", "value")


def external_values_read_csv(data: bytes, filename: str = "") -> list[tuple[int, dict[str, str]]]:
    """Rows of a "unit,code,value" CSV (read as parindex.common.csvio reads every import)
    with their line numbers. Raises ImportRefused when the file cannot be read or lacks a
    column; `filename` names the file in the messages."""
    try:
        header, rows = read_table(data)
    except CsvUnreadable as exc:
        raise ImportRefused.unreadable(exc, filename) from None
    missing = [c for c in EXTERNAL_CSV_COLUMNS if c not in header]
    if missing:
        raise ImportRefused(
            [
                RowError(1, c, _("thiếu cột này ở dòng tiêu đề (cần: unit,code,value)."), filename)
                for c in missing
            ]
        )
    return rows


@transaction.atomic
def external_values_import(
    *, cycle: Cycle, rows: list[tuple[int, dict[str, str]]], user: Any, filename: str = ""
) -> int:
    """Enter survey/external data and bonus/deduction values for many units at once, all
    or nothing: every row is checked first; one wrong row refuses the whole file (every
    error naming `filename`)."""
    try:
        return _external_values_import(cycle=cycle, rows=rows, user=user)
    except ImportRefused as exc:
        raise exc.in_file(filename) if filename else exc from None


def _external_values_import(
    *, cycle: Cycle, rows: list[tuple[int, dict[str, str]]], user: Any
) -> int:
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
