"""Import: a workbook's rows into the plain dicts `methodology_from_dict` takes, every cell
syntax error collected with its sheet, row and column."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl.worksheet.worksheet import Worksheet

from parindex.common.office_zip import METHODOLOGY, OfficeFileRefused, load_workbook_checked
from parindex.core.errors import Issue, ValidationFailed
from parindex.core.loader import LINE, methodology_from_dict
from parindex.core.model import Methodology
from parindex.core.numbers import to_decimal
from parindex.core.values import parse_yes_no

from .layout import (
    ADJUSTMENT,
    ADJUSTMENT_WORDS,
    BAND_COLUMNS,
    BAND_SYNTAX,
    BANDS_KEY,
    BANDS_TITLE,
    BRACKET_KEY,
    BREAKPOINT_SYNTAX,
    INFO_KEYS,
    INFO_SHEET,
    NODE_COLUMNS,
    NODES_SHEET,
    OVER_ALIASES,
    REQUIRED_NODE_COLUMNS,
    RULE_PARAMS,
    TREE_WORDS,
)
from .structure_sheet import STRUCTURE_SHEET, read_structure  # noqa: E402


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _text(value: Any) -> str:
    """A cell as text: numbers without float noise, dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(_float_decimal(value), "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return _nfc(str(value))


def _float_decimal(value: float) -> Decimal:
    """An Excel float as the Decimal it shows: 0.1 -> Decimal("0.1") (15 significant digits,
    Excel's precision, so 0.1 + 0.2 computed by a formula gives 0.3)."""
    return Decimal(format(value, ".15g"))


def _numeric(value: Any) -> Any:
    """Numbers of a cell as Decimal; text is passed on for the loader to read (and report)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return _float_decimal(value)
    if isinstance(value, int):
        return Decimal(value)
    return _text(value).strip()


def _column_key(header: Any, labels: dict[str, str]) -> str | None:
    """The machine key of a header cell: the word in brackets, or a known label/key."""
    text = _text(header).strip()
    if not text:
        return None
    match = BRACKET_KEY.search(text)
    if match:
        return match.group(1).lower()
    return labels.get(text.lower())


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.info_source = _info_source(source)
        self.band_rows: set[int] = set()  # rows of the bands table in sheet "Thông tin"
        self.node_rows: dict[int, str] = {}  # rows of sheet "Tiêu chí" -> their code
        self.issues: list[Issue] = []

    def error(self, message: str, row: int | None = None, column: str = "", code: str = "") -> None:
        self.issues.append(Issue(message, self.source, row, column, code))

    def info_error(self, message: str, row: int, column: str) -> None:
        self.issues.append(Issue(message, self.info_source, row, column))

    # -- sheet "Thông tin" ---------------------------------------------------------------------

    def info(self, ws: Worksheet) -> dict[str, Any]:
        data: dict[str, Any] = {}
        labels = {label.lower(): key for key, label, _ in INFO_KEYS}
        labels.update({key: key for key, _, _ in INFO_KEYS})
        labels[BANDS_TITLE.lower()] = BANDS_KEY
        labels["xếp loại"] = BANDS_KEY
        band_labels = {label.lower(): key for key, label in BAND_COLUMNS}
        known = {key for key, _, _ in INFO_KEYS}
        bands: list[dict[str, Any]] | None = None
        band_cols: dict[str, int] = {"code": 0, "label": 1, "min": 2}
        for r, cells in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = tuple(cells) + (None,) * 3
            if all(_text(c).strip() == "" for c in cells[:3]):
                continue
            if bands is not None:
                keys = [_column_key(c, band_labels) for c in cells]
                if "code" in keys and "min" in keys:  # the header of the bands table
                    band_cols = {k: i for i, k in enumerate(keys) if k}
                    continue
                band: dict[str, Any] = {LINE: r}
                self.band_rows.add(r)
                for band_key, i in band_cols.items():
                    value = cells[i] if i < len(cells) else None
                    if band_key == "min":
                        if _text(value).strip():
                            band["min"] = _numeric(value)
                    elif band_key in ("code", "label"):
                        band[band_key] = _text(value).strip()
                bands.append(band)
                continue
            key = _column_key(cells[0], labels)
            if key == "key":  # header row "Khóa (key) | Giá trị (value)"
                continue
            if key == BANDS_KEY:
                bands = []
                continue
            column = "Khóa (key)"
            if key not in known:
                self.info_error(
                    f"khóa '{_text(cells[0]).strip()}' không hợp lệ (các khóa: "
                    f"{', '.join(sorted(known))}, và bảng '{BANDS_TITLE}')",
                    r,
                    column,
                )
                continue
            if key in data:
                self.info_error(f"khóa '{key}' lặp lại", r, column)
                continue
            value = cells[1]
            if key in ("bonus_cap", "deduction_floor"):
                if _text(value).strip():
                    data[key] = _numeric(value)
            elif key == "unit_types":
                items = [t.strip() for t in re.split(r"[,;\n]", _text(value))]
                data[key] = [t for t in items if t]
            elif key in ("description", "name_en"):
                if _text(value):
                    data[key] = _text(value)
            else:
                text = _text(value).strip()
                if text:
                    data[key] = text
        if bands:
            data["bands"] = bands
        return data

    # -- sheet "Tiêu chí" ----------------------------------------------------------------------

    def nodes(self, ws: Worksheet) -> tuple[list[dict[str, Any]], list[dict[str, Any]]] | None:
        labels = {c.label.lower(): c.key for c in NODE_COLUMNS}
        labels.update({c.key: c.key for c in NODE_COLUMNS})
        rows = ws.iter_rows(values_only=True)
        header_row = 0
        columns: dict[str, int] = {}
        headers: dict[str, str] = {}
        for r, cells in enumerate(rows, start=1):
            keys = [_column_key(c, labels) for c in cells]
            if "code" in keys:
                header_row = r
                for i, k in enumerate(keys):
                    if k is not None and k in labels.values() and k not in columns:
                        columns[k] = i
                        headers[k] = _text(cells[i]).strip()
                break
            if r >= 20:
                break
        if not header_row:
            self.error(
                f"sheet '{ws.title}' không có dòng tiêu đề với cột 'Mã (code)' (trong 20 dòng đầu)",
            )
            return None
        missing = [k for k in REQUIRED_NODE_COLUMNS if k not in columns]
        for k in missing:
            label = next(c.header for c in NODE_COLUMNS if c.key == k)
            self.error(f"sheet '{ws.title}' thiếu cột '{label}'", header_row)
        if missing:
            return None
        for c in NODE_COLUMNS:
            headers.setdefault(c.key, c.header)

        tree: list[dict[str, Any]] = []
        adjustments: list[dict[str, Any]] = []
        by_code: dict[str, dict[str, Any]] = {}
        pending: list[tuple[dict[str, Any], str]] = []  # (spec, parent code)
        for r, cells in enumerate(ws.iter_rows(min_row=header_row + 1, values_only=True)):
            excel_row = header_row + 1 + r
            values = {k: cells[i] if i < len(cells) else None for k, i in columns.items()}
            if all(_text(v).strip() == "" for v in values.values()):
                continue
            spec, adjustment = self.node_row(values, excel_row, headers)
            code = spec.get("code", "")
            self.node_rows[excel_row] = code
            if adjustment:
                adjustments.append(spec)
                continue
            if code and code not in by_code:
                by_code[code] = spec
            parent = code.rsplit(".", 1)[0] if "." in code else ""
            if parent:
                pending.append((spec, parent))
            else:
                tree.append(spec)
        for spec, parent in pending:
            if parent in by_code and by_code[parent] is not spec:
                by_code[parent].setdefault("children", []).append(spec)
            else:
                self.error(
                    f"không có mục cha '{parent}' trong bảng (mục cha của '{spec['code']}')",
                    spec[LINE],
                    headers["code"],
                    spec["code"],
                )
        return tree, adjustments

    def node_row(
        self, values: dict[str, Any], row: int, headers: dict[str, str]
    ) -> tuple[dict[str, Any], bool]:
        code = _text(values.get("code")).strip()
        spec: dict[str, Any] = {LINE: row, "code": code}
        name = _text(values.get("name")).strip()
        if name:
            spec["name"] = name
        for key in ("name_en", "guidance", "evidence"):
            text = _text(values.get(key))
            if text.strip():
                spec[key] = text
        if _text(values.get("max")).strip():
            spec["max"] = _numeric(values["max"])
        for key in ("method", "not_arising"):
            text = _text(values.get(key)).strip().lower()
            if text:
                spec[key] = text
        for key in ("valid_from", "valid_to"):
            text = _text(values.get(key)).strip()
            if text:
                spec[key] = text
        applies = _text(values.get("applies_to")).strip()
        if applies:
            spec["applies_to"] = [a.strip() for a in re.split(r"[,;\n]", applies) if a.strip()]
        for key in ("unknown", "gate", "block"):
            said = _text(values.get(key)).strip()
            flag = parse_yes_no(said) if said else False
            if flag:
                spec[key] = True
            elif flag is None:
                self.error(
                    f"'{said}' không hợp lệ: ghi 'có' hoặc để trống", row, headers[key], code
                )
        section = _text(values.get("section")).strip().lower()
        adjustment = section in ADJUSTMENT_WORDS
        if not adjustment and section not in TREE_WORDS:
            self.error(
                f"loại mục '{section}' không hợp lệ: để trống, hoặc ghi '{ADJUSTMENT}' cho mục "
                "điểm thưởng/điểm trừ",
                row,
                headers["section"],
                code,
            )
        kind = _text(values.get("rule")).strip().lower()
        params_text = _text(values.get("params")).strip()
        bands_text = _text(values.get("bands")).strip()
        if kind in RULE_PARAMS:
            rule: dict[str, Any] = {"kind": kind}
            rule.update(self.params(params_text, kind, row, headers["params"], code))
            if kind == "thresholds" or (kind == "ratio" and bands_text):
                rule["bands"] = self.bands(bands_text, row, headers["bands"], code)
            elif kind == "piecewise":
                rule["breakpoints"] = self.breakpoints(bands_text, row, headers["bands"], code)
            elif bands_text:
                self.error(
                    "chỉ quy tắc thresholds, ratio, piecewise mới có các mức (bands)",
                    row,
                    headers["bands"],
                    code,
                )
            spec["rule"] = rule
        elif kind:
            spec["rule"] = {"kind": kind}  # the loader names the valid kinds
        elif params_text or bands_text:
            self.error("có tham số/các mức nhưng chưa ghi quy tắc chấm", row, headers["rule"], code)
        return spec, adjustment

    def params(self, text: str, kind: str, row: int, column: str, code: str) -> dict[str, Any]:
        result: dict[str, Any] = {}
        allowed = RULE_PARAMS[kind]
        for part in re.split(r"[;\n]", text):
            part = part.strip()
            if not part:
                continue
            match = re.fullmatch(r"([A-Za-z_]+)\s*(?:=|:|→)\s*(.+)", part)
            if not match:
                self.error(
                    f"tham số '{part}' sai cú pháp: cần dạng khóa=giá trị, ví dụ step=0,25",
                    row,
                    column,
                    code,
                )
                continue
            key, raw = match.group(1).lower(), match.group(2).strip()
            if key not in allowed:
                accepted = ", ".join(allowed) if allowed else "không có tham số"
                self.error(
                    f"quy tắc {kind} không có tham số '{key}' (tham số: {accepted})",
                    row,
                    column,
                    code,
                )
                continue
            if key in result:
                self.error(f"tham số '{key}' lặp lại", row, column, code)
                continue
            if key == "over":
                result[key] = OVER_ALIASES.get(raw.lower(), raw)
                continue
            try:
                result[key] = to_decimal(raw)
            except ValueError:
                self.error(f"tham số '{key}' = '{raw}' không phải là số", row, column, code)
        return result

    def breakpoints(self, text: str, row: int, column: str, code: str) -> list[dict[str, Any]]:
        """`50=0,5; 100=1` -> the breakpoints of a piecewise rule."""
        out = []
        for part in re.split(r"[;\n]", text):
            part = part.strip()
            if not part:
                continue
            match = re.fullmatch(r"(.+?)\s*(?:=>|->|→|=|:)\s*(.+)", part)
            try:
                if not match:
                    raise ValueError
                out.append({"at": to_decimal(match.group(1)), "points": to_decimal(match.group(2))})
            except ValueError:
                self.error(
                    f"điểm gãy '{part}' sai cú pháp: cần dạng {BREAKPOINT_SYNTAX}",
                    row,
                    column,
                    code,
                )
        return out

    def bands(self, text: str, row: int, column: str, code: str) -> list[dict[str, Any]]:
        bands = []
        for part in re.split(r"[;\n]", text):
            part = part.strip()
            if not part:
                continue
            band = parse_band(part)
            if isinstance(band, str):
                self.error(f"mức '{part}' sai cú pháp: {band}", row, column, code)
            else:
                bands.append(band)
        return bands


_BAND = re.compile(
    r"""^([\[(])\s*(?P<lo>.*?)\s*(?:\.{2,}|…)\s*(?P<hi>.*?)\s*([\])])
        \s*(?:=>|->|→|=|:)\s*(?P<points>.+)$""",
    re.VERBOSE,
)


def parse_band(text: str) -> dict[str, Any] | str:
    """`[80..100)=0,5` -> the band's plain data; a string says what is wrong."""
    match = _BAND.match(text.strip())
    if not match:
        return f"cần dạng {BAND_SYNTAX}"
    band: dict[str, Any] = {}
    for key, raw in (("from", match.group("lo")), ("to", match.group("hi"))):
        if raw:
            try:
                band[key] = to_decimal(raw)
            except ValueError:
                return f"cận '{raw}' không phải là số"
    try:
        band["points"] = to_decimal(match.group("points"))
    except ValueError:
        return f"điểm '{match.group('points').strip()}' không phải là số"
    if "from" not in band and "to" not in band:
        return "cần ít nhất một cận (từ hoặc đến)"
    if "from" in band and match.group(1) == "(":
        band["from_inclusive"] = False
    if "to" in band and match.group(4) == "]":
        band["to_inclusive"] = True
    return band


def _sheet(wb: Any, name: str) -> Worksheet | None:
    wanted = _nfc(name).casefold()
    for ws in wb.worksheets:
        if _nfc(ws.title).strip().casefold() == wanted:
            return ws
    return None


def _info_source(source: str) -> str:
    return f"{source} (sheet {INFO_SHEET})"


def _read(path: Path) -> tuple[dict[str, Any], _Reader]:
    """The plain data of a workbook and its reader, which holds the syntax issues of the
    cells. Raises ValidationFailed when the workbook cannot be read at all (not an .xlsx
    file, missing sheet or header)."""
    source = path.name
    try:
        wb = load_workbook_checked(path, source, METHODOLOGY, read_only=False)
    except OfficeFileRefused as exc:
        raise ValidationFailed([Issue(str(exc), source)]) from None
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds of errors on broken files
        raise ValidationFailed([Issue(f"không đọc được tệp Excel: {exc}", source)]) from None
    try:
        reader = _Reader(source)
        info = _sheet(wb, INFO_SHEET)
        nodes = _sheet(wb, NODES_SHEET)
        for name, ws in ((INFO_SHEET, info), (NODES_SHEET, nodes)):
            if ws is None:
                reader.error(
                    f"thiếu sheet '{name}' (các sheet có trong tệp: {', '.join(wb.sheetnames)})"
                )
        if info is None or nodes is None:
            raise ValidationFailed(reader.issues)
        data = reader.info(info)
        table = reader.nodes(nodes)
        if table is None:
            raise ValidationFailed(reader.issues)
        data["fields"], adjustments = table
        if adjustments:
            data["adjustments"] = adjustments
        structure = _sheet(wb, STRUCTURE_SHEET)
        if structure is not None:
            data["structure"] = read_structure(structure, _text, _numeric)
        return data, reader
    finally:
        wb.close()


def methodology_dict_from_xlsx(path: str | Path) -> dict[str, Any]:
    """The plain data (as `methodology_from_dict` takes it) of a methodology workbook.
    Raises ValidationFailed on errors of the workbook's layout and cell syntax."""
    data, reader = _read(Path(path))
    if reader.issues:
        raise ValidationFailed(reader.issues)
    return data


def read_methodology_xlsx(path: str | Path) -> Methodology:
    """Read and validate a methodology workbook. Raises ValidationFailed with every issue:
    the syntax errors of the cells and the methodology's own errors (sums, codes, rules), the
    latter left out for rows that already have a syntax error (they would only echo it)."""
    p = Path(path)
    data, reader = _read(p)
    issues = list(reader.issues)
    try:
        m = methodology_from_dict(data, p.name)
    except ValidationFailed as exc:
        bad_rows = {(i.source, i.row) for i in issues if i.row is not None}
        for issue in exc.issues:
            if _on_info_sheet(issue, reader):
                issue = replace(issue, source=reader.info_source)
            if issue.row is None or (issue.source, issue.row) not in bad_rows:
                issues.append(issue)
        raise ValidationFailed(sorted(issues, key=_issue_order)) from None
    if issues:
        raise ValidationFailed(issues)
    return m


def _on_info_sheet(issue: Issue, reader: _Reader) -> bool:
    """Whether a row number the loader reports is a row of the bands table (sheet "Thông
    tin") rather than of sheet "Tiêu chí": the node on that row would carry its own code."""
    if issue.row not in reader.band_rows:
        return False
    return issue.row not in reader.node_rows or issue.code != reader.node_rows[issue.row]


def _issue_order(issue: Issue) -> tuple[int, str, int]:
    return (0 if issue.row is None else 1, issue.source, issue.row or 0)
