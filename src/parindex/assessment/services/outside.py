"""The results of the outside body a cycle reports to, entered back (Cycle.reports_to: a
province's self-assessment for the Ministry's PAR INDEX, sent to the Bộ Nội vụ).

The province runs its own cycle (lead agencies enter, the Sở Nội vụ consolidates, its own
council pre-appraises in the cycle's rounds, the UBND leader approves: the cycle is
finalised, Entry.final_points). Then the Ministry appraises, the province explains and the
Ministry's final points come back. They are entered here, by item
(`entry_save_outside`, the form page) or from the Ministry's spreadsheet
(`outside_read_file` + `outside_import`, the page and `parindex cycle ministry-import`),
through the one write path (write_entries: versions, audit rows, results version).

Allowed once the cycle is finalised or published (lifecycle.outside_results_open), to the
organiser's managers (permissions.can_enter_outside_results). The Ministry's final points,
where given, are the item's final points for the results, rankings and targets: the one
place that decides is scoring.stage_inputs_of_rows.

The spreadsheet (.xlsx: the first sheet; .csv: UTF-8, comma or semicolon), a header row
then one row per item; the columns, by their header (case ignored; English or Vietnamese):

    code    mã, mã tiêu chí                      the item's code in the methodology (required)
    points  điểm thẩm định, điểm bộ thẩm định    the Ministry's appraisal points
    reason  lý do                                Entry.Reason code or its Vietnamese label
    comment nhận xét, ý kiến thẩm định           the Ministry's comment
    explanation  giải trình                      the province's explanation to the Ministry
    final   điểm cuối cùng, điểm chính thức      the Ministry's final points
    unit    mã đơn vị, đơn vị                    the unit's code (required when the cycle has
                                                 more than one unit)

Points are numbers (decimal point or comma) from 0 to the item's maximum. A column missing
from the file leaves that field as it is; a blank cell in a column that is present clears
it. All or nothing: every row is checked first; any error refuses the whole file, each error
naming the file, the row and the column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from parindex.assessment import lifecycle
from parindex.audit.services import log_action
from parindex.common.csvio import CsvUnreadable, read_table
from parindex.common.errors import ImportRefused, RowError, ServiceError, unreadable_message
from parindex.common.office_zip import OfficeFileRefused
from parindex.core import fmt_vn, q4
from parindex.core.model import Node
from parindex.core.numbers import to_decimal

from .. import permissions as perm
from ..models import Cycle, Entry, Participation
from .writes import EntryChange, _leaf, lock_entries, write_entries

# The columns of the Ministry's spreadsheet: canonical name -> the headers read as it.
OUTSIDE_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("code", "mã", "mã tiêu chí", "mã mục"),
    "points": (
        "points",
        "ministry appraisal points",
        "appraisal points",
        "điểm thẩm định",
        "điểm bộ thẩm định",
        "điểm thẩm định của bộ",
    ),
    "reason": ("reason", "lý do", "lý do điều chỉnh"),
    "comment": ("comment", "nhận xét", "ý kiến thẩm định", "ý kiến"),
    "explanation": ("explanation", "giải trình", "nội dung giải trình"),
    "final": ("final", "final points", "điểm cuối cùng", "điểm chính thức", "điểm sau giải trình"),
    "unit": ("unit", "mã đơn vị", "đơn vị"),
}
VALUE_COLUMNS = ("points", "reason", "comment", "explanation", "final")
# Model field of each value column.
FIELDS = {
    "points": "ministry_points",
    "reason": "ministry_reason",
    "comment": "ministry_comment",
    "explanation": "ministry_explanation",
    "final": "ministry_final_points",
}
MAX_BYTES = 5 * 1024 * 1024


def _canonical(header: str) -> str:
    h = " ".join(header.strip().lower().split())
    for name, aliases in OUTSIDE_COLUMNS.items():
        if h in aliases:
            return name
    return h


def _reason_code(text: str) -> str | None:
    """An Entry.Reason code from its code or its label (None: not a reason)."""
    t = text.strip()
    if not t:
        return ""
    for value, label in Entry.Reason.choices:
        if t.lower() in (str(value), str(label).lower()):
            return str(value)
    return None


def _require(user: Any, cycle: Cycle) -> None:
    if not perm.can_enter_outside_results(user, cycle):
        raise ServiceError(
            _("Chỉ lãnh đạo, cán bộ quản lý của cơ quan tổ chức được nhập kết quả của cấp trên.")
        )
    ok, why = lifecycle.outside_results_open(cycle)
    if not ok:
        raise ServiceError(why)


def _check_points(node: Node, value: Decimal | None, what: str) -> Decimal | None:
    """The points q4-rounded, refused outside [0; the item's maximum]."""
    if value is None:
        return None
    value = q4(value)
    if value < 0 or value > node.max_points:
        raise ServiceError(
            _("%(w)s %(p)s của mục %(c)s ngoài khoảng [0; %(m)s].")
            % {
                "w": what,
                "p": fmt_vn(value, 2),
                "c": node.code,
                "m": fmt_vn(node.max_points, 2),
            }
        )
    return value


def _outside_node(p: Participation, code: str) -> Node:
    """The item `code` of the methodology, applying to the unit. Raises ServiceError."""
    node = _leaf(p.cycle.methodology.tree, code)
    if not node.applies(p.unit.type):
        raise ServiceError(_("Mục %(c)s không áp dụng cho loại đơn vị này.") % {"c": code})
    return node


def _change(entry: Entry, p: Participation, values: dict[str, Any], version: int | None) -> Any:
    names = list(values)
    return EntryChange(
        participation=p,
        entry=entry,
        action="entry.outside_saved",
        values=values,
        old={n: getattr(entry, n) for n in names},
        new=dict(values),
        version=version,
    )


@transaction.atomic
def entry_save_outside(
    *,
    participation: Participation,
    code: str,
    points: Decimal | None,
    reason: str = "",
    comment: str = "",
    explanation: str = "",
    final_points: Decimal | None = None,
    version: int | None = None,
    user: Any,
) -> Entry:
    """Enter back one item's results from the outside body: its appraisal (points, reason,
    comment), the explanation sent to it and its final points (None: not given)."""
    p = Participation.objects.select_related("cycle__methodology", "cycle__organiser", "unit").get(
        pk=participation.pk
    )
    _require(user, p.cycle)
    node = _outside_node(p, code)
    if reason and reason not in Entry.Reason.values:
        raise ServiceError(_("Lý do điều chỉnh không hợp lệ."))
    values = {
        "ministry_points": _check_points(node, points, _("Điểm thẩm định")),
        "ministry_reason": reason,
        "ministry_comment": comment.strip(),
        "ministry_explanation": explanation.strip(),
        "ministry_final_points": _check_points(node, final_points, _("Điểm cuối cùng")),
    }
    entry = lock_entries([(p, code)])[(p.pk, code)]
    return write_entries([_change(entry, p, values, version)], user=user)[0]


# --- the Ministry's spreadsheet ----------------------------------------------------------------


def _xlsx_table(data: bytes, name: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    from parindex.common.office_zip import DEFAULT, capped, load_workbook_checked

    wb = load_workbook_checked(data, name, DEFAULT)  # a zip bomb refused before parsing
    try:
        ws = wb.worksheets[0]
        header: list[str] = []
        rows: list[tuple[int, dict[str, str]]] = []
        cells_of = capped(ws.iter_rows(values_only=True), name, ws.title, DEFAULT)
        for line, cells in enumerate(cells_of, start=1):
            text = ["" if c is None else _cell_text(c) for c in cells]
            if not header:
                if any(t.strip() for t in text):
                    header = [t.strip().lower() for t in text]
                continue
            if not any(t.strip() for t in text):
                continue
            rows.append(
                (line, {h: (text[i] if i < len(text) else "") for i, h in enumerate(header)})
            )
        return header, rows
    finally:
        wb.close()


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return repr(value)
    return str(value).strip()


@dataclass(frozen=True)
class OutsideTable:
    """The Ministry's spreadsheet as read: its file name, the canonical columns present and
    its rows ({canonical column: cell text}) with their row numbers."""

    name: str
    columns: frozenset[str]
    rows: list[tuple[int, dict[str, str]]]


def outside_read_file(name: str, data: bytes) -> OutsideTable:
    """Read the Ministry's spreadsheet (.xlsx or .csv). Raises ImportRefused (naming the
    file) when it cannot be read, is too large or lacks the code column or every points
    column."""
    file = PurePath(name).name
    suffix = PurePath(name).suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ImportRefused([RowError(1, "", _("cần tệp .xlsx hoặc .csv."), file)])
    if len(data) > MAX_BYTES:
        raise ImportRefused([RowError(1, "", _("tệp quá lớn (tối đa 5 MB)."), file)])
    try:
        if suffix == ".xlsx":
            header, raw = _xlsx_table(data, file)
        else:
            header, raw = read_table(data)
    except CsvUnreadable as exc:
        raise ImportRefused([RowError(exc.line, "", unreadable_message(exc), file)]) from None
    except OfficeFileRefused as exc:
        raise ImportRefused([RowError(1, "", str(exc), file)]) from None
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the user's file
        raise ImportRefused(
            [RowError(1, "", _("không đọc được tệp (%(e)s).") % {"e": str(exc)[:100]}, file)]
        ) from None
    canon = [_canonical(h) for h in header]
    errors = []
    if "code" not in canon:
        errors.append(RowError(1, "code", _("thiếu cột mã tiêu chí ở dòng tiêu đề."), file))
    if "points" not in canon and "final" not in canon:
        errors.append(
            RowError(
                1,
                "points",
                _("cần ít nhất một cột điểm: điểm thẩm định (points) hoặc điểm cuối cùng (final)."),
                file,
            )
        )
    if errors:
        raise ImportRefused(errors)
    rows = [
        (line, {c: row.get(h, "").strip() for h, c in zip(header, canon, strict=True)})
        for line, row in raw
    ]
    return OutsideTable(file, frozenset(c for c in canon if c in OUTSIDE_COLUMNS), rows)


def _row_values(
    table: OutsideTable, line: int, row: dict[str, str], node: Node
) -> tuple[dict[str, Any], list[RowError]]:
    """The model values of one row (only the columns present), and its errors."""
    values: dict[str, Any] = {}
    errors: list[RowError] = []

    def bad(column: str, message: str) -> None:
        errors.append(RowError(line, column, message, table.name))

    for column in VALUE_COLUMNS:
        if column not in table.columns:
            continue
        text = row.get(column, "")
        if column in ("points", "final"):
            try:
                number = to_decimal(text) if text else None
            except ValueError:
                bad(column, _("“%(v)s” không phải là số.") % {"v": text})
                continue
            try:
                what = _("Điểm thẩm định") if column == "points" else _("Điểm cuối cùng")
                values[FIELDS[column]] = _check_points(node, number, what)
            except ServiceError as exc:
                bad(column, str(exc))
        elif column == "reason":
            code = _reason_code(text)
            if code is None:
                bad(column, _("lý do “%(v)s” không có trong danh mục lý do.") % {"v": text})
            else:
                values[FIELDS[column]] = code
        else:
            values[FIELDS[column]] = text
    return values, errors


@transaction.atomic
def outside_import(*, cycle: Cycle, table: OutsideTable, user: Any) -> int:
    """Enter back the outside body's results of many items from its spreadsheet, all or
    nothing: every row checked first (the code against the methodology and the unit, the
    points against the item's maximum, the reason against the list, no item twice); one
    wrong row refuses the whole file. Returns how many rows were read."""
    _require(user, cycle)
    tree = cycle.methodology.tree
    parts = {
        p.unit.code: p
        for p in cycle.participations.select_related("unit", "cycle__methodology", "cycle")
    }
    only = next(iter(parts.values())) if len(parts) == 1 else None
    errors: list[RowError] = []
    if not table.rows:
        raise ImportRefused([RowError(2, "", _("tệp không có dòng số liệu nào."), table.name)])
    if only is None and "unit" not in table.columns:
        raise ImportRefused(
            [RowError(1, "unit", _("kỳ có nhiều đơn vị: cần cột mã đơn vị (unit)."), table.name)]
        )
    valid: list[tuple[Participation, str, dict[str, Any]]] = []
    seen: dict[tuple[int, str], int] = {}
    for line, row in table.rows:
        code = row.get("code", "")
        unit_code = row.get("unit", "")
        p = parts.get(unit_code) if unit_code else only
        if p is None:
            message = (
                _("thiếu mã đơn vị.")
                if not unit_code
                else _("đơn vị “%(u)s” không tham gia kỳ đánh giá này.") % {"u": unit_code}
            )
            errors.append(RowError(line, "unit", message, table.name))
        node = tree.nodes.get(code)
        if not code:
            errors.append(RowError(line, "code", _("thiếu mã tiêu chí."), table.name))
            continue
        if node is None or node.rule is None:
            errors.append(
                RowError(
                    line,
                    "code",
                    _("không có mục “%(c)s” trong bộ tiêu chí.") % {"c": code},
                    table.name,
                )
            )
            continue
        if p is None:
            continue
        if not node.applies(p.unit.type):
            errors.append(
                RowError(
                    line,
                    "code",
                    _("mục %(c)s không áp dụng cho %(u)s.") % {"c": code, "u": p.unit.name},
                    table.name,
                )
            )
            continue
        if (p.pk, code) in seen:
            errors.append(
                RowError(
                    line, "code", _("trùng với dòng %(l)s.") % {"l": seen[(p.pk, code)]}, table.name
                )
            )
            continue
        seen[(p.pk, code)] = line
        values, row_errors = _row_values(table, line, row, node)
        errors += row_errors
        if not row_errors:
            valid.append((p, code, values))
    if errors:
        raise ImportRefused(errors)
    locked = lock_entries((p, code) for p, code, _v in valid)
    write_entries(
        [_change(locked[(p.pk, code)], p, values, None) for p, code, values in valid], user=user
    )
    log_action(
        "cycle.outside_imported",
        actor=user,
        target=cycle,
        cycle=cycle,
        file=table.name,
        rows=len(valid),
        reports_to=cycle.reports_to,
    )
    return len(valid)


def outside_items(p: Participation) -> Sequence[Node]:
    """The items whose outside results are entered for a unit: every scored leaf of the
    methodology that applies to it, in order."""
    return [n for n in p.cycle.methodology.tree.leaves if n.applies(p.unit.type)]
