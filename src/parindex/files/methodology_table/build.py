"""An appendix table's rows into a methodology's tree, with the report of what was read.

Rows are classified one by one (see docs/methodology-format.md, "Importing the official
table"): the header (and repeated headers, and the row of column numbers "(1) (2) (3)") is
skipped; a row merged across the whole table is a heading, or a note when it starts with "Ghi
chú", "Lưu ý" or "*"; a row whose name starts with "Tổng" (or reads "Cộng") gives the total; a
numbered row is an item; a row without a number belongs to the item above it (a scoring level
when it has points, a line of guidance otherwise).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from parindex.core.errors import Issue
from parindex.core.model import EXTERNAL, SELF, SURVEY
from parindex.core.numbers import ZERO, fmt_vn, to_decimal

from .grid import Grid, GridCell
from .mapping import LABELS, Mapping, fold
from .numbering import Label, parse_label, split_leading

_NOTE = re.compile(r"^(?:ghi chu|luu y|chu thich|chu y)\b")
_COLUMN_NUMBER = re.compile(r"^\(?(\d+)\)?$")
_POINTS = re.compile(r"^\(?\s*(-?\d+(?:[.,]\d+)?)\s*(?:điểm|diem|đ|d)?\s*\)?\.?$", re.IGNORECASE)
_STEPS = (Decimal("0.25"), Decimal("0.1"), Decimal("0.05"), Decimal("0.01"))


@dataclass
class Item:
    label: Label
    name: str
    row: int
    source: str
    max: Decimal | None = None
    code: str = ""
    guidance: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    levels: list[tuple[str, Decimal]] = field(default_factory=list)
    children: list[Item] = field(default_factory=list)
    method: str = ""  # self | survey | external, from the method column ("": its parent's)


@dataclass(frozen=True)
class Line:
    """A row of the table as the reader saw it (for the report)."""

    source: str
    row: int
    text: str


@dataclass
class Rows:
    """What the rows of a table hold once classified."""

    items: list[Item] = field(default_factory=list)  # the top-level items
    headings: list[Line] = field(default_factory=list)
    notes: list[Line] = field(default_factory=list)
    totals: list[tuple[Line, Decimal]] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)


def parse_points(text: str) -> Decimal | None:
    """'10,5', '2 điểm', '(1,5)' -> Decimal; '' and '-' -> None. Raises ValueError."""
    text = text.strip()
    if text in ("", "-", "–", "—"):
        return None
    m = _POINTS.match(text)
    if not m:
        raise ValueError(text)
    return to_decimal(m.group(1))


class RowReader:
    def __init__(self, mapping: Mapping, file: str) -> None:
        self.mapping = mapping
        self.file = file
        self.out = Rows()
        self.stack: list[Item] = []
        self.last_style: str | None = None

    def source(self, grid: Grid) -> str:
        return f"{self.file} (bảng {grid.number})"

    def cell(self, row: tuple[GridCell, ...], key: str) -> GridCell | None:
        col = self.mapping.columns.get(key)
        return row[col] if col is not None and col < len(row) else None

    def own(self, row: tuple[GridCell, ...], key: str) -> str:
        cell = self.cell(row, key)
        return cell.own if cell is not None else ""

    def error(self, grid: Grid, r: int, message: str, key: str = "", code: str = "") -> None:
        column = self.mapping.headers.get(key) or LABELS.get(key, "")
        self.out.issues.append(Issue(message, self.source(grid), r + 1, column, code))

    def warn(self, grid: Grid, r: int, message: str, code: str = "") -> None:
        self.out.warnings.append(
            Issue(message, self.source(grid), r + 1, code=code, severity="warning")
        )

    def read(self, grid: Grid, first: int, header: tuple[str, ...]) -> None:
        for r in range(first, len(grid.rows)):
            self.row(grid, r, header)

    def row(self, grid: Grid, r: int, header: tuple[str, ...]) -> None:
        row = grid.rows[r]
        texts = [c.own for c in row]
        filled = [c for c in row if c.own]
        if not filled:
            return
        if header and tuple(c.text for c in row) == header:
            return  # the header repeated on each page
        numbers = [_COLUMN_NUMBER.match(t) for t in texts if t]
        if len(numbers) >= 3 and all(numbers):
            values = [int(m.group(1)) for m in numbers if m]
            if values == list(range(values[0], values[0] + len(values))):
                return  # "(1) (2) (3) ...": the columns' numbers
        line = Line(self.source(grid), r + 1, filled[0].text)
        origins = {c.origin for c in row if c.text}
        spans = sum(1 for c in row if c.origin == filled[0].origin)
        if len(origins) == 1 and spans >= 2 and len(row) > 2:
            if _NOTE.match(fold(line.text)) or line.text.startswith("*"):
                self.out.notes.append(line)
            else:
                self.out.headings.append(line)
            return
        number, name = self.own(row, "number"), self.own(row, "name")
        name_cell = self.cell(row, "name")
        number_cell = self.cell(row, "number")
        if name_cell is not None and number_cell is not None and name_cell.merged_left:
            if name_cell.origin == number_cell.origin:  # STT and name in one merged cell
                number, name = "", number
        label = parse_label(number, self.last_style) if number else None
        if label is None and name:
            leading = split_leading(name, self.last_style)
            if leading is not None:
                label, name = leading
        if label is None and number and not name:
            name = number
        elif label is None and number:
            name = f"{number} {name}"
        max_text = self.own(row, "max")
        try:
            points = parse_points(max_text)
        except ValueError:
            self.error(grid, r, f"điểm tối đa '{max_text}' không phải là số", "max")
            points = None
        folded = fold(name)
        if label is None and (folded.startswith("tong") or folded in ("cong", "tong cong")):
            if points is not None:
                self.out.totals.append((Line(line.source, line.row, name), points))
            return
        if label is None:
            self.loose(grid, r, row, name, points, line)
            return
        self.item(grid, r, row, label, name, points)

    def shared(self, row: tuple[GridCell, ...], key: str) -> str:
        """A numbered row's guidance or evidence: its own cell, or the text of a cell merged
        down over several items (every item it covers gets it)."""
        cell = self.cell(row, key)
        if cell is None or cell.merged_left:
            return ""
        return cell.text

    def item(
        self,
        grid: Grid,
        r: int,
        row: tuple[GridCell, ...],
        label: Label,
        name: str,
        points: Decimal | None,
    ) -> None:
        lines = name.split("\n")
        item = Item(label, lines[0].strip(), r + 1, self.source(grid), points)
        item.guidance.extend(s for s in lines[1:] if s.strip())
        if not item.name:
            self.error(grid, r, f"mục '{label.text}' thiếu tên", "name")
        said = self.shared(row, "method")
        if said:
            item.method = method_of(said)
            if not item.method:
                self.error(
                    grid,
                    r,
                    f"phương thức đánh giá '{said}' không rõ: ghi Tự đánh giá (thẩm định), "
                    "Điều tra xã hội học hoặc Số liệu (cơ quan khác cung cấp)",
                    "method",
                    label.text,
                )
        for key, target in (
            ("guidance", item.guidance),
            ("evidence", item.evidence),
            ("note", item.guidance),
        ):
            text = self.shared(row, key)
            if text:
                target.append(f"Ghi chú: {text}" if key == "note" else text)
        self.place(item)
        self.last_style = label.style

    def place(self, item: Item) -> None:
        """Under the item its label continues (dotted prefix), else by the order of styles."""
        prefix = item.label.parent_prefix
        depth = None
        if prefix is not None:
            for i, it in enumerate(self.stack):
                if it.label.text == prefix:
                    depth = i + 1
        if depth is None:
            styles = [it.label.style for it in self.stack]
            depth = styles.index(item.label.style) if item.label.style in styles else len(styles)
        del self.stack[depth:]
        siblings = self.stack[-1].children if self.stack else self.out.items
        siblings.append(item)
        self.stack.append(item)

    def loose(
        self,
        grid: Grid,
        r: int,
        row: tuple[GridCell, ...],
        name: str,
        points: Decimal | None,
        line: Line,
    ) -> None:
        """A row without a number: part of the item above it."""
        if not self.stack:
            if points is not None:
                self.warn(grid, r, f"dòng không đánh số, có điểm {fmt_vn(points)}: bỏ qua")
            self.out.notes.append(line)
            return
        item = self.stack[-1]
        if name and points is not None:
            item.levels.append((name, points))
        elif name:
            item.guidance.append(name)
        elif points is not None:
            self.warn(grid, r, f"điểm {fmt_vn(points)} không có nội dung: bỏ qua", item.code)
        for key, target in (
            ("guidance", item.guidance),
            ("evidence", item.evidence),
            ("note", item.guidance),
        ):
            text = self.own(row, key)
            if text:
                target.append(f"Ghi chú: {text}" if key == "note" else text)


# --- codes, maxima, rules ----------------------------------------------------------------------


def assign_codes(items: list[Item], parent: str, out: Rows) -> None:
    """Codes 1, 1.2, 1.2.3 by position; a dotted or arabic label that already continues its
    parent's code is kept (so '1.10' stays 1.10)."""
    used: set[str] = set()
    for position, item in enumerate(items, start=1):
        label = item.label.text
        fits = (not parent and item.label.style == "arabic") or (
            parent and item.label.parent_prefix == parent
        )
        code = label if fits else (f"{parent}.{position}" if parent else str(position))
        if code in used:
            code = f"{parent}.{position}" if parent else str(position)
            out.warnings.append(
                Issue(
                    f"số thứ tự '{label}' lặp lại: mục được đặt mã {code}",
                    item.source,
                    item.row,
                    code=code,
                    severity="warning",
                )
            )
        used.add(code)
        item.code = code
        for child in item.children:
            child.method = child.method or item.method
        assign_codes(item.children, code, out)


def check_maxima(items: list[Item], out: Rows, column: str) -> Decimal:
    """Fill a parent's missing maximum with its children's sum; report a parent whose
    maximum differs from that sum, and a leaf without one. The sum of `items`."""
    total = ZERO
    for item in items:
        if item.children:
            children = check_maxima(item.children, out, column)
            if item.max is None:
                item.max = children
                out.warnings.append(
                    Issue(
                        f"mục không ghi điểm tối đa: lấy tổng của các mục con ({fmt_vn(children)})",
                        item.source,
                        item.row,
                        column,
                        item.code,
                        severity="warning",
                    )
                )
            elif item.max != children:
                parts = "; ".join(f"{c.code}: {fmt_vn(c.max or ZERO)}" for c in item.children)
                out.issues.append(
                    Issue(
                        f"điểm tối đa {fmt_vn(item.max)} khác tổng điểm tối đa của các mục con "
                        f"{fmt_vn(children)} ({parts}), chênh {fmt_vn(item.max - children)}",
                        item.source,
                        item.row,
                        column,
                        item.code,
                    )
                )
        elif item.max is None:
            out.issues.append(Issue("thiếu điểm tối đa", item.source, item.row, column, item.code))
        total += item.max or ZERO
    return total


def method_of(text: str) -> str:
    """The method a table's cell names: "Điều tra XHH" -> survey, "Số liệu do Bộ … cung
    cấp" -> external, "Tự đánh giá" / "Thẩm định" -> self; "" when it names none."""
    folded = fold(text)
    if re.search(r"dieu tra|khao sat|xa hoi hoc|sipas", folded):
        return SURVEY
    if re.search(r"so lieu|cung cap|he thong|thong ke|ben ngoai", folded):
        return EXTERNAL
    if re.search(r"tu danh gia|tu cham|tham dinh|danh gia", folded):
        return SELF
    return ""


def _ratio(item: Item) -> bool:
    text = fold(" ".join([item.name, *item.guidance]))
    return "%" in text or "ty le" in text or "ti le" in text


def manual_step(item: Item) -> Decimal:
    """The largest usual step (0,25; 0,1; 0,05; 0,01) on which the maximum and every level
    of the table fall, so the full and the listed points can be given; 0 (any) otherwise.
    Points converted from a percentage (a survey or external item, or a ratio without
    levels) are on 0,01."""
    if not item.levels and (item.method in (SURVEY, EXTERNAL) or _ratio(item)):
        return _STEPS[-1]
    values = [item.max or ZERO, *(p for _, p in item.levels)]
    for step in _STEPS:
        try:
            if all(v % step == 0 for v in values):
                return step
        except InvalidOperation:  # a number too large for the step to be told (1e27)
            return ZERO
    return ZERO


def hint(item: Item) -> str:
    """What the table says about the rule to write instead of `manual` (a hint only)."""
    text = fold(" ".join([item.name, *item.guidance, *(t for t, _ in item.levels)]))
    points = {p for _, p in item.levels}
    if item.levels and points <= {ZERO, item.max} and len(item.levels) == 2:
        return "bảng có 2 mức (đạt / không đạt): có thể dùng yes_no"
    if re.search(r"dung han|kip thoi|cham|qua han", text) and item.levels:
        return "bảng chấm theo thời hạn: có thể dùng timeliness"
    if "%" in text or "ty le" in text or "ti le" in text:
        return "bảng chấm theo tỷ lệ: có thể dùng thresholds (over=percent) hoặc proportional"
    if re.search(r"dieu tra|khao sat|hai long|sipas|xa hoi hoc", text):
        return "nội dung điều tra xã hội học: có thể dùng survey (method: survey)"
    if item.levels:
        return f"bảng có {len(item.levels)} mức điểm: có thể dùng thresholds"
    return "bảng không ghi cách chấm: giữ manual hoặc chọn quy tắc"


def item_dict(item: Item) -> dict[str, Any]:
    from parindex.core.loader import LINE

    d: dict[str, Any] = {LINE: item.row, "code": item.code, "name": item.name}
    d["max"] = item.max if item.max is not None else ZERO
    guidance = list(item.guidance)
    guidance += [f"{text}: {fmt_vn(points)} điểm" for text, points in item.levels]
    if guidance:
        d["guidance"] = "\n".join(guidance)
    if item.evidence:
        d["evidence"] = "\n".join(dict.fromkeys(item.evidence))
    if item.children:
        d["children"] = [item_dict(c) for c in item.children]
    else:
        d["rule"] = {"kind": "manual", "step": manual_step(item)}
        if item.method and item.method != SELF:
            d["method"] = item.method
    return d


def leaves(items: list[Item]) -> list[Item]:
    out: list[Item] = []
    for item in items:
        out.extend(leaves(item.children) if item.children else [item])
    return out
