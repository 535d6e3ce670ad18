"""Reading and checking response files (CSV or XLSX from paper data entry, KoboToolbox or ODK).

Columns: the respondent id, the unit code, the respondent group, then one column per question
name holding the option's name (or its exact label). Kobo/ODK metadata is ignored: columns
starting with "_" and the standard meta names (start, end, today, deviceid, ...). Kobo group
paths ("nhom1/q1") are read by their last part. Without a respondent column, Kobo's `_uuid`
(or ODK's instanceID) is the respondent id; without a group column, the one questionnaire
whose questions the header carries is used.

The check runs in one pass with precomputed dicts (the common, valid row costs a few dict
lookups and one string join) and never raises on bad content: every problem is reported with
its line, column and respondent, and a file that cannot be read at all gives FileRefused.
"""

from __future__ import annotations

import csv
import operator
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from django.utils.translation import gettext as _

from parindex.common.cells import SafeCsvWriter
from parindex.common.csvio import BAD_LINE, NOT_UTF8, CsvUnreadable, open_csv
from parindex.common.errors import row_message, unreadable_message
from parindex.common.office_zip import OfficeFileRefused
from parindex.common.uploads import is_zip

from .codes import NO_ANSWER, code_of

RESPONDENT_COLUMNS = ("respondent", "respondent_id", "ma_phieu", "ma_nguoi_tra_loi")
RESPONDENT_FALLBACK = ("_uuid", "instanceID", "meta/instanceID", "_id")
UNIT_COLUMNS = ("unit", "unit_code", "ma_don_vi")
GROUP_COLUMNS = ("group", "nhom", "nhom_doi_tuong")
CLUSTER_COLUMNS = ("cluster", "cluster_id", "cum", "ma_cum")
META_NAMES = {
    "start",
    "end",
    "today",
    "deviceid",
    "subscriberid",
    "simserial",
    "phonenumber",
    "username",
    "email",
    "audit",
    "instanceid",
    "instancename",
    "uuid",
    "formhub/uuid",
    "meta/instanceid",
    "meta/instancename",
    "meta/deprecatedid",
    "deprecatedid",
    "__version__",
}
MAX_RESPONDENT = 64
# The online form's respondent ids (RespondentToken.respondent: "web-<token id>") are kept
# apart from imported ones: an imported "web-34" would take online link 34's place.
ONLINE_PREFIX = "web-"
ONLINE_ID = re.compile(r"web-[0-9]+")
MAX_PROBLEMS = 1000
csv.field_size_limit(1 << 20)


@dataclass(frozen=True)
class Problem:
    line: int
    column: str
    respondent: str
    message: str

    def __str__(self) -> str:
        return row_message(self.line, self.column, self.message)

    def as_list(self) -> list[Any]:
        return [self.line, self.column, self.respondent, self.message]


def unreadable(exc: CsvUnreadable) -> Problem:
    """The problem of a file that cannot be read as CSV from `exc.line` on."""
    return Problem(exc.line, "", "", unreadable_message(exc))


class FileRefused(Exception):
    """The file cannot be read (encoding, format, header): nothing of it is usable."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems[:3]))
        self.problems = problems


# --- reading --------------------------------------------------------------------------------


class _XlsxReader:
    """Rows of the first worksheet as lists of text, with the csv reader's `line_num`."""

    def __init__(self, rows: Iterator[tuple[Any, ...]]) -> None:
        self._rows = rows
        self.line_num = 0

    def __iter__(self) -> _XlsxReader:
        return self

    def __next__(self) -> list[str]:
        try:
            row = next(self._rows)
        except StopIteration:
            raise
        except OfficeFileRefused as exc:
            raise FileRefused([Problem(self.line_num + 2, "", "", str(exc))]) from None
        except Exception:  # noqa: BLE001 - openpyxl parses lazily; broken XML fails here
            raise FileRefused(
                [Problem(self.line_num + 2, "", "", _("không đọc được dòng này của tệp Excel."))]
            ) from None
        self.line_num += 1
        return [cell_text(v) for v in row]


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


@dataclass
class Table:
    header: list[str]
    reader: Any  # iterator of list[str] with a `line_num` attribute
    position: Callable[[], float]  # fraction of the file read so far
    close: Callable[[], None]
    line_offset: int = 0  # add to reader.line_num to get the file's line number


def open_table(raw: IO[bytes], name: str, size: int) -> Table:
    """Open a CSV (UTF-8 or UTF-16; comma, semicolon or tab) or XLSX file for reading."""
    head = raw.read(8)
    raw.seek(0)
    if is_zip(head):
        return _open_xlsx(raw, name)
    if name.lower().endswith((".xlsx", ".xlsm")):
        raise FileRefused([Problem(1, "", "", _("tệp không phải Excel (.xlsx) hợp lệ."))])
    try:
        stream = open_csv(raw)
    except CsvUnreadable as exc:
        raise FileRefused([unreadable(exc)]) from None
    if "\x00" in stream.first_line:
        raise FileRefused([Problem(1, "", "", _("tệp không phải CSV hay XLSX."))])

    def position() -> float:
        try:
            return min(1.0, raw.tell() / size) if size else 0.0
        except (OSError, ValueError):
            return 0.0

    # The header line was read apart: the reader's line numbers are one short.
    return Table(stream.header, stream.reader, position, stream.close, stream.line_offset)


def _open_xlsx(raw: IO[bytes], name: str) -> Table:
    from parindex.common.office_zip import SURVEY_RESPONSES as LIMITS
    from parindex.common.office_zip import capped, load_workbook_checked

    try:
        wb = load_workbook_checked(raw, name, LIMITS)
        ws = wb.worksheets[0]
        rows = capped(ws.iter_rows(values_only=True), name, ws.title, LIMITS)
        first = next(rows, None)
        total = ws.max_row or 0
    except OfficeFileRefused as exc:
        raise FileRefused([Problem(1, "", "", str(exc))]) from None
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds of errors on broken files
        raise FileRefused(
            [Problem(1, "", "", _("không đọc được tệp Excel (.xlsx) “%(n)s”.") % {"n": name})]
        ) from None
    reader = _XlsxReader(rows)

    def position() -> float:
        return min(1.0, (reader.line_num + 1) / total) if total else 0.0

    header = [cell_text(h).strip() for h in (first or ())]
    return Table(header, reader, position, wb.close, 1)


# --- the plan: what the header means ---------------------------------------------------------


@dataclass(frozen=True)
class SlotSpec:
    name: str
    required: bool
    options: tuple[tuple[str, str], ...]  # (name, label) in position order


@dataclass(frozen=True)
class FormSpec:
    qid: int
    group_code: str
    slots: tuple[SlotSpec, ...]
    other_names: frozenset[str] = frozenset()


@dataclass
class FormPlan:
    qid: int
    group_code: str
    names: list[str]
    cols: list[int]
    maps: list[dict[str, str]]
    getter: Callable[[list[str]], Any]
    spec: FormSpec


@dataclass
class Plan:
    width: int
    respondent_col: int
    unit_col: int
    group_col: int
    header: list[str]
    forms: dict[str, FormPlan]
    units: dict[str, int]
    stored: set[str] | frozenset[str]
    notes: list[str] = field(default_factory=list)
    cluster_col: int = -1  # the sampling cluster's column, -1 without one


def _norm(h: str) -> str:
    return h.strip()


def _leaf_name(h: str) -> str:
    return h.rsplit("/", 1)[-1] if "/" in h else h


def _is_meta(h: str) -> bool:
    return h.startswith("_") or h.lower() in META_NAMES


def _find(header: list[str], names: tuple[str, ...]) -> int:
    lowered = [h.lower() for h in header]
    for n in names:
        if n.lower() in lowered:
            return lowered.index(n.lower())
    return -1


def _option_map(slot: SlotSpec) -> dict[str, str]:
    m: dict[str, str] = {}
    for pos, (_name, label) in enumerate(slot.options):
        if label and label not in m:
            m[label] = code_of(pos)
    for pos, (name, _label) in enumerate(slot.options):
        m[name] = code_of(pos)  # names win over labels
    if not slot.required:
        m[""] = NO_ANSWER
    return m


def _getter(cols: list[int]) -> Callable[[list[str]], Any]:
    if len(cols) == 1:
        only = cols[0]
        return lambda cells: (cells[only],)
    if not cols:
        return lambda cells: ()
    return operator.itemgetter(*cols)


def build_plan(
    header: list[str],
    specs: list[FormSpec],
    units: dict[str, int],
    stored: set[str] | frozenset[str],
) -> Plan:
    """What each column means. Raises FileRefused when the header is unusable."""
    header = [_norm(h) for h in header]
    problems: list[Problem] = []
    width = len(header)
    if not any(header):
        raise FileRefused([Problem(1, "", "", _("tệp trống hoặc thiếu dòng tiêu đề."))])
    seen: dict[str, int] = {}
    for i, h in enumerate(header):
        if h and h in seen:
            problems.append(
                Problem(
                    1,
                    h,
                    "",
                    _("tên cột bị trùng (cột %(a)s và %(b)s).") % {"a": seen[h] + 1, "b": i + 1},
                )
            )
        seen.setdefault(h, i)
    rcol = _find(header, RESPONDENT_COLUMNS)
    if rcol < 0:
        rcol = _find(header, RESPONDENT_FALLBACK)
    ucol = _find(header, UNIT_COLUMNS)
    gcol = _find(header, GROUP_COLUMNS)
    if rcol < 0:
        problems.append(
            Problem(1, "respondent", "", _("thiếu cột mã phiếu (respondent) ở dòng tiêu đề."))
        )
    if ucol < 0:
        problems.append(Problem(1, "unit", "", _("thiếu cột mã đơn vị (unit) ở dòng tiêu đề.")))
    question_names: set[str] = set()
    for s in specs:
        question_names |= {slot.name for slot in s.slots} | set(s.other_names)
    # Column of each question name (Kobo group paths are read by their last part).
    by_name: dict[str, int] = {}
    ccol = _find(header, CLUSTER_COLUMNS)
    structural = {rcol, ucol, gcol, ccol}
    for i, h in enumerate(header):
        if i in structural or not h:
            continue
        name = _leaf_name(h)
        if h in question_names:
            name = h
        if name in question_names:
            if name in by_name:
                problems.append(Problem(1, h, "", _("câu hỏi “%(n)s” có hai cột.") % {"n": name}))
            by_name[name] = i
        elif (
            h.startswith("_")
            or name.startswith("_")
            or h.lower() in META_NAMES
            or name.lower() in META_NAMES
        ):
            continue
        else:
            problems.append(
                Problem(
                    1,
                    h,
                    "",
                    _("cột không phải câu hỏi của phiếu nào (kiểm tra tên câu hỏi)."),
                )
            )
    forms: dict[str, FormPlan] = {}
    for s in specs:
        cols = [by_name.get(slot.name, width) for slot in s.slots]
        forms[s.group_code] = FormPlan(
            qid=s.qid,
            group_code=s.group_code,
            names=[slot.name for slot in s.slots],
            cols=cols,
            maps=[_option_map(slot) for slot in s.slots],
            getter=_getter(cols),
            spec=s,
        )
    notes: list[str] = []
    if gcol < 0:
        # No group column: the one form all of whose questions are in the header.
        matching = [f for f in forms.values() if f.names and all(c < width for c in f.cols)]
        if len(matching) == 1:
            forms[""] = matching[0]
            notes.append(
                _("Tệp không có cột nhóm (group): mọi dòng được hiểu là phiếu “%(g)s”.")
                % {"g": matching[0].group_code}
            )
        else:
            problems.append(
                Problem(1, "group", "", _("thiếu cột nhóm đối tượng (group) ở dòng tiêu đề."))
            )
    if problems:
        raise FileRefused(problems)
    return Plan(
        width=width,
        respondent_col=rcol,
        unit_col=ucol,
        group_col=gcol if gcol >= 0 else width,
        header=header,
        forms=forms,
        units=units,
        stored=stored,
        notes=notes,
        cluster_col=ccol,
    )


# --- checking ---------------------------------------------------------------------------------

ValidRow = tuple[str, int, int, str, int]  # respondent, unit id, questionnaire id, answers, line


@dataclass
class Outcome:
    rows_total: int = 0
    valid: list[ValidRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    rejected: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    per_group: Counter[int] = field(default_factory=Counter)  # questionnaire id -> rows
    clusters: dict[str, str] = field(default_factory=dict)  # respondent -> sampling cluster


def _slow_row(
    cells: list[str], line: int, plan: Plan, seen: dict[str, int]
) -> tuple[ValidRow | None, list[tuple[str, str, str]]]:
    """The full check of one row: (the valid row or None, [(kind, column, message)])."""
    h = plan.header
    out: list[tuple[str, str, str]] = []
    width = plan.width
    respondent = cells[plan.respondent_col].strip()
    unit_code = cells[plan.unit_col].strip()
    group = cells[plan.group_col].strip() if plan.group_col < width else ""
    rname = h[plan.respondent_col]
    if not respondent:
        out.append(("respondent_missing", rname, _("thiếu mã phiếu.")))
    elif len(respondent) > MAX_RESPONDENT:
        out.append(
            ("respondent_long", rname, _("mã phiếu dài quá %(n)s ký tự.") % {"n": MAX_RESPONDENT})
        )
    elif ONLINE_ID.fullmatch(respondent):
        out.append(
            (
                "respondent_reserved",
                rname,
                _(
                    "mã phiếu “%(r)s” có dạng web-<số>, dành cho phiếu trả lời trực tuyến; "
                    "hãy đặt mã khác."
                )
                % {"r": respondent},
            )
        )
    elif respondent in seen:
        out.append(
            (
                "duplicate_file",
                rname,
                _("mã phiếu “%(r)s” trùng với dòng %(l)s của tệp.")
                % {"r": respondent, "l": seen[respondent]},
            )
        )
    elif respondent in plan.stored:
        out.append(
            (
                "duplicate_stored",
                rname,
                _("mã phiếu “%(r)s” đã có trong dữ liệu điều tra của kỳ này.") % {"r": respondent},
            )
        )
    if 0 <= plan.cluster_col < len(cells) and len(cells[plan.cluster_col].strip()) > MAX_RESPONDENT:
        out.append(
            (
                "cluster_long",
                h[plan.cluster_col],
                _("mã cụm dài quá %(n)s ký tự.") % {"n": MAX_RESPONDENT},
            )
        )
    unit_id = plan.units.get(unit_code)
    uname = h[plan.unit_col]
    if not unit_code:
        out.append(("unit_missing", uname, _("thiếu mã đơn vị.")))
    elif unit_id is None:
        out.append(
            (
                "unit_unknown",
                uname,
                _("đơn vị “%(u)s” không tham gia kỳ đánh giá này.") % {"u": unit_code},
            )
        )
    form = plan.forms.get(group)
    gname = h[plan.group_col] if plan.group_col < width else "group"
    if form is None:
        if group:
            known = ", ".join(sorted(k for k in plan.forms if k))
            out.append(
                (
                    "group_unknown",
                    gname,
                    _("nhóm “%(g)s” không có phiếu (các nhóm: %(k)s).") % {"g": group, "k": known},
                )
            )
        else:
            out.append(("group_missing", gname, _("thiếu nhóm đối tượng.")))
        return None, out
    codes = []
    for slot, col, mapping in zip(form.spec.slots, form.cols, form.maps, strict=True):
        raw = cells[col].strip() if col < width else ""
        code = mapping.get(raw)
        column = h[col] if col < width else slot.name
        if code is not None:
            codes.append(code)
        elif raw == "":
            out.append(("required_missing", column, _("câu hỏi bắt buộc chưa được trả lời.")))
        else:
            allowed = ", ".join(n for n, _label in slot.options)
            out.append(
                (
                    "option_invalid",
                    column,
                    _("“%(v)s” không phải phương án của câu hỏi (chọn một trong: %(a)s).")
                    % {"v": raw[:60], "a": allowed},
                )
            )
    if out or unit_id is None:
        return None, out
    return (respondent, unit_id, form.qid, "".join(codes), line), out


def check_rows(
    table: Table,
    plan: Plan,
    *,
    on_reject: Callable[[int, list[str], list[Problem]], None] | None = None,
    on_progress: Callable[[int, float], None] | None = None,
    every: int = 65536,
) -> Outcome:
    """Check every row; valid rows are packed, the others reported (never raises on bad
    content; FileRefused when the file turns out unreadable half-way)."""
    out = Outcome()
    width = plan.width
    ri, ui, gi = plan.respondent_col, plan.unit_col, plan.group_col
    ci, clusters = plan.cluster_col, out.clusters
    forms_get = plan.forms.get
    units_get = plan.units.get
    stored = plan.stored
    seen: dict[str, int] = {}
    valid = out.valid
    append = valid.append
    join = "".join
    getitem = operator.getitem
    reader = table.reader
    off = table.line_offset
    mask = every - 1
    n = blank = 0
    try:
        for n, cells in enumerate(reader, 1):  # noqa: B007 - n counts the rows read
            if len(cells) != width:
                if not any(c.strip() for c in cells):
                    blank += 1
                    continue
                if len(cells) < width:
                    cells.extend([""] * (width - len(cells)))
                else:
                    extra = [c for c in cells[width:] if c.strip()]
                    del cells[width:]
                    if extra:
                        _reject(
                            out,
                            reader.line_num + off,
                            cells,
                            "",
                            [("too_many_cells", "", _("dòng có nhiều ô hơn dòng tiêu đề."))],
                            on_reject,
                        )
                        continue
            cells.append("")
            f = forms_get(cells[gi])
            u = units_get(cells[ui])
            r = cells[ri]
            if (
                f is not None
                and u is not None
                and r
                and r not in seen
                and r not in stored
                and not r.startswith(ONLINE_PREFIX)
                and len(r) <= MAX_RESPONDENT
                and r.strip() is r
                and (ci < 0 or len(cells[ci]) <= MAX_RESPONDENT)
            ):
                try:
                    ans = join(map(getitem, f.maps, f.getter(cells)))
                except KeyError:
                    pass
                else:
                    line = reader.line_num + off
                    seen[r] = line
                    append((r, u, f.qid, ans, line))
                    if ci >= 0:
                        clusters[r] = cells[ci].strip()
                    if not n & mask and on_progress is not None:
                        on_progress(n, table.position())
                    continue
            line = reader.line_num + off
            if not any(c.strip() for c in cells):
                blank += 1
                continue
            row, problems = _slow_row(cells, line, plan, seen)
            if row is not None:
                seen[row[0]] = line
                append(row)
                if ci >= 0:
                    clusters[row[0]] = cells[ci].strip() if ci < len(cells) else ""
            else:
                respondent = cells[ri].strip()
                if respondent and respondent not in seen and respondent not in stored:
                    # Later rows with the same id are duplicates of this one, even if it is
                    # rejected for another reason.
                    seen[respondent] = line
                _reject(out, line, cells, respondent, problems, on_reject)
            if not n & mask and on_progress is not None:
                on_progress(n, table.position())
    except UnicodeDecodeError:
        line = getattr(reader, "line_num", 0) + off + 1
        raise FileRefused([unreadable(CsvUnreadable(NOT_UTF8, line))]) from None
    except csv.Error as exc:
        line = getattr(reader, "line_num", 0) + off + 1
        raise FileRefused([unreadable(CsvUnreadable(BAD_LINE, line, e=str(exc)[:100]))]) from None
    out.rows_total = n - blank
    for row in valid:
        out.per_group[row[2]] += 1
    return out


def _reject(
    out: Outcome,
    line: int,
    cells: list[str],
    respondent: str,
    problems: list[tuple[str, str, str]],
    on_reject: Callable[[int, list[str], list[Problem]], None] | None,
) -> None:
    found = [Problem(line, col, respondent, msg) for _kind, col, msg in problems]
    out.rejected += 1
    out.problem_count += len(found)
    for kind, _col, _msg in problems:
        out.kinds[kind] += 1
    room = MAX_PROBLEMS - len(out.problems)
    if room > 0:
        out.problems.extend(found[:room])
    if on_reject is not None:
        on_reject(line, cells, found)


# --- rejected rows ----------------------------------------------------------------------------


class RejectedWriter:
    """Writes the rejected rows as CSV: line, reasons, then the row's own cells."""

    def __init__(self, stream: IO[str], header: list[str]) -> None:
        self.width = len(header)
        self.writer = SafeCsvWriter(stream)
        self.writer.writerow(["dong", "ly_do", *header])

    def __call__(self, line: int, cells: list[str], problems: list[Problem]) -> None:
        reasons = "; ".join(
            (f"{p.column}: {p.message}" if p.column else p.message) for p in problems
        )
        self.writer.writerow([line, reasons, *cells[: self.width]])
