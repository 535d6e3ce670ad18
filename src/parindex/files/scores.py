"""Read tidy score files: CSV or XLSX with columns unit, code, value.

Optional columns: unit_name, unit_type (used for applicability), done and total (the two
counts of a `ratio` item, when its value cell is empty: a spreadsheet turns "1/2" typed in a
cell into a date). Values: numbers with a decimal point or comma, yes/no or có/không,
on-time/late/not-done, a ratio as its two counts "45/50", NA or "không phát sinh" (also on the
code of a block, `block: true`, to declare it absent for the unit).
Every problem names the file, the row and the column; nothing is returned unless the whole
file is valid.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from parindex.common.csvio import CsvUnreadable, open_csv
from parindex.core import (
    InvalidValue,
    Methodology,
    NotArising,
    Unit,
    Value,
    is_not_arising,
    parse_value,
)
from parindex.core.errors import Issue, ValidationFailed
from parindex.core.model import NOT_ALLOWED
from parindex.core.values import RATIO, Ratio

REQUIRED = ("unit", "code", "value")
ALIASES = {
    "đơn vị": "unit",
    "don vi": "unit",
    "mã đơn vị": "unit",
    "mã": "code",
    "mã tiêu chí": "code",
    "giá trị": "value",
    "tên đơn vị": "unit_name",
    "loại đơn vị": "unit_type",
    "đã thực hiện": "done",
    "số đã thực hiện": "done",
    "tổng số": "total",
}
MAX_ISSUES = 200


@dataclass
class ScoreSet:
    units: list[Unit]
    inputs: dict[str, dict[str, Value]] = field(default_factory=dict)


def _rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    if path.suffix.lower() == ".xlsx":
        from parindex.common.office_zip import DEFAULT, OfficeFileRefused, capped
        from parindex.common.office_zip import load_workbook_checked as load

        try:
            wb = load(path, path.name, DEFAULT)
        except OfficeFileRefused as exc:
            raise ValidationFailed([Issue(str(exc), path.name)]) from None
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds of errors
            raise ValidationFailed([Issue(f"không đọc được tệp Excel: {exc}", path.name)]) from None
        try:
            ws = wb.worksheets[0]
            rows = capped(ws.iter_rows(values_only=True), path.name, ws.title, DEFAULT)
            for i, row in enumerate(rows, start=1):
                yield i, ["" if c is None else str(c) for c in row]
        except OfficeFileRefused as exc:
            raise ValidationFailed([Issue(str(exc), path.name)]) from None
        except Exception as exc:  # noqa: BLE001 - a damaged sheet fails while it streams
            raise ValidationFailed([Issue(f"không đọc được tệp Excel: {exc}", path.name)]) from None
        finally:
            wb.close()
        return
    with path.open("rb") as raw:
        try:
            stream = open_csv(raw)
            if not stream.first_line:
                return
            yield 1, stream.header
            yield from stream.rows()
        except CsvUnreadable as exc:
            raise ValidationFailed([Issue(str(exc), path.name, exc.line)]) from None


def read_scores(
    path: str | Path, methodology: Methodology, known_units: Iterable[Unit] | None = None
) -> ScoreSet:
    """Read and validate a score file against a methodology. Raises ValidationFailed."""
    p = Path(path)
    src = p.name
    if not p.exists():
        raise ValidationFailed([Issue("không tìm thấy tệp", src)])
    if p.suffix.lower() not in (".csv", ".xlsx"):
        raise ValidationFailed([Issue("định dạng không hỗ trợ (cần .csv hoặc .xlsx)", src)])
    known = {u.code: u for u in known_units} if known_units is not None else None
    nodes = methodology.nodes
    issues: list[Issue] = []
    units: dict[str, Unit] = dict(known) if known is not None else {}
    inputs: dict[str, dict[str, Value]] = {}
    seen_rows: dict[tuple[str, str], int] = {}
    # One value per leaf and typed text: parsed and checked once, and the engine scores a
    # value shared by many units once (aggregate._score_nodes).
    parsed: dict[tuple[str, str], Value] = {}
    rows = _rows(p)
    try:
        header_row, header = next(rows)
    except StopIteration:
        raise ValidationFailed([Issue("tệp rỗng", src)]) from None
    except (OSError, ValueError, KeyError) as exc:
        raise ValidationFailed([Issue(f"không đọc được tệp: {exc}", src)]) from None
    columns = [ALIASES.get(h.strip().lower(), h.strip().lower()) for h in header]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise ValidationFailed(
            [Issue(f"thiếu cột: {', '.join(missing)} (cần các cột unit, code, value)", src, 1)]
        )
    iu, ic, iv = (columns.index(c) for c in REQUIRED)
    iname = columns.index("unit_name") if "unit_name" in columns else None
    itype = columns.index("unit_type") if "unit_type" in columns else None
    idone = columns.index("done") if "done" in columns else None
    itotal = columns.index("total") if "total" in columns else None
    width = max(iu, ic, iv)

    def bad(message: str, row: int, column: str, unit: str = "", code: str = "") -> None:
        issues.append(Issue(message, src, row, column, code, unit))

    for row_no, row in rows:
        if not "".join(row).strip():
            continue
        if len(issues) >= MAX_ISSUES:
            break
        if len(row) <= width:
            row = row + [""] * (width + 1 - len(row))
        unit_code, code, raw = row[iu].strip(), row[ic].strip(), row[iv].strip()
        if not unit_code:
            bad("thiếu mã đơn vị", row_no, "unit")
            continue
        if known is not None and unit_code not in known:
            bad(f"đơn vị '{unit_code}' không có trong danh sách đơn vị", row_no, "unit", unit_code)
            continue
        if unit_code not in units:
            name = row[iname].strip() if iname is not None and iname < len(row) else ""
            utype = row[itype].strip() if itype is not None and itype < len(row) else ""
            units[unit_code] = Unit(unit_code, name, utype)
        node = nodes.get(code)
        if node is None:
            bad(f"mã tiêu chí '{code}' không có trong bộ tiêu chí", row_no, "code", unit_code)
            continue
        if node.block and node.rule is None:  # a block declared absent for the unit
            if not is_not_arising(raw):
                bad(
                    f"mã '{code}' là một khối: chỉ ghi 'không phát sinh' (NA) khi khối này "
                    "vắng mặt (không tổ chức) ở đơn vị",
                    row_no,
                    "value",
                    unit_code,
                    code,
                )
                continue
            inputs.setdefault(unit_code, {})[code] = parse_value(raw, "flag")
            continue
        if node.rule is None:
            bad(
                "chỉ nhập giá trị cho tiêu chí thành phần (mục cuối), không cho mục tổng",
                row_no,
                "code",
                unit_code,
                code,
            )
            continue
        key = (unit_code, code)
        if key in seen_rows:
            bad(f"trùng với dòng {seen_rows[key]}", row_no, "code", unit_code, code)
            continue
        seen_rows[key] = row_no
        if raw == "" and node.rule.expects == RATIO and idone is not None and itotal is not None:
            done = row[idone].strip() if idone < len(row) else ""
            total = row[itotal].strip() if itotal < len(row) else ""
            raw = f"{done}/{total}" if done or total else ""
        if raw == "":
            bad("thiếu giá trị", row_no, "value", unit_code, code)
            continue
        value = parsed.get((code, raw))
        if value is None:
            try:
                value = parse_value(raw, node.rule.expects)
                arising = value.__class__ is not NotArising and not (
                    value.__class__ is Ratio and value.total == 0  # 0/0: không phát sinh
                )
                if arising:
                    node.rule.points(value, node.max_points)  # range and kind checks
                elif methodology.policy(node) == NOT_ALLOWED:
                    raise InvalidValue("mục này không được khai báo 'không phát sinh'")
            except InvalidValue as exc:
                bad(str(exc), row_no, "value", unit_code, code)
                continue
            parsed[(code, raw)] = value
        inputs.setdefault(unit_code, {})[code] = value
    if issues:
        raise ValidationFailed(issues)
    return ScoreSet(list(units.values()), inputs)


def read_units(path: str | Path) -> list[Unit]:
    """A unit list: CSV/XLSX with columns code (or unit), name, type."""
    p = Path(path)
    issues: list[Issue] = []
    units: list[Unit] = []
    rows = _rows(p)
    try:
        _, header = next(rows)
    except StopIteration:
        raise ValidationFailed([Issue("tệp rỗng", p.name)]) from None
    cols = [h.strip().lower() for h in header]
    if "code" not in cols and "unit" not in cols:
        raise ValidationFailed([Issue("thiếu cột code", p.name, 1)])
    ic = cols.index("code") if "code" in cols else cols.index("unit")
    iname = cols.index("name") if "name" in cols else None
    itype = cols.index("type") if "type" in cols else None
    seen: set[str] = set()
    for row_no, row in rows:
        code = row[ic].strip() if ic < len(row) else ""
        if not code:
            continue
        if code in seen:
            issues.append(Issue("mã đơn vị trùng lặp", p.name, row_no, "code", unit=code))
        seen.add(code)
        name = row[iname].strip() if iname is not None and iname < len(row) else ""
        utype = row[itype].strip() if itype is not None and itype < len(row) else ""
        units.append(Unit(code, name, utype))
    if issues:
        raise ValidationFailed(issues)
    return units
