"""Tables as grids of cells, whatever file they come from: every row has one cell per grid
column, and a cell covered by a merge says so (`merged_above`: the continuation of a vertical
merge; `merged_left`: the continuation of a horizontal span), so the reader never counts a
merged text twice and still knows which rows a merged cell covers (`origin`: the row and
column where its text is written)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parindex.core.errors import Issue, ValidationFailed


@dataclass(frozen=True)
class GridCell:
    text: str
    origin: tuple[int, int]  # (row, column) of the cell the text is written in, 0-based
    merged_above: bool = False
    merged_left: bool = False

    @property
    def own(self) -> str:
        """The text when this cell is where it is written, "" on a merge's continuation."""
        return "" if self.merged_above or self.merged_left else self.text


@dataclass(frozen=True)
class Grid:
    rows: tuple[tuple[GridCell, ...], ...]
    number: int  # 1-based: the table's place among the file's tables
    before: tuple[str, ...] = ()  # paragraphs of the document before the table

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\r", "\n").replace("\xa0", " ")
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def _docx_rows(tbl: Any) -> list[list[GridCell]]:
    """The grid of one w:tbl element: spans (gridSpan, gridBefore) and vertical merges."""
    from docx.text.paragraph import Paragraph

    rows: list[list[GridCell]] = []
    for r, tr in enumerate(tbl.tr_lst):
        row: list[GridCell] = [GridCell("", (r, c)) for c in range(tr.grid_before)]
        for tc in tr.tc_lst:
            paragraphs = [Paragraph(p, None).text for p in tc.p_lst]  # type: ignore[arg-type]
            text = _clean("\n".join(paragraphs))
            col = len(row)
            above = rows[r - 1][col] if r and col < len(rows[r - 1]) else None
            merged_above = tc.vMerge == "continue" and above is not None
            origin = above.origin if merged_above and above is not None else (r, col)
            if merged_above and above is not None:
                text = above.text
            for span in range(tc.grid_span):
                row.append(GridCell(text, origin, merged_above, span > 0))
        rows.append(row)
    width = max((len(r) for r in rows), default=0)
    for r, row in enumerate(rows):
        row.extend(GridCell("", (r, c)) for c in range(len(row), width))
    return rows


def docx_grids(path: Path) -> list[Grid]:
    """The top-level tables of a .docx file, in the order of the document, each with the
    paragraphs before it. Raises ValidationFailed when the file is not a Word document."""
    import docx
    from docx.oxml.ns import qn

    from parindex.common.office_zip import METHODOLOGY, OfficeFileRefused, check_office_zip

    try:
        check_office_zip(path, path.name, METHODOLOGY)
    except OfficeFileRefused as exc:
        raise ValidationFailed([Issue(str(exc), path.name)]) from None
    try:
        return _document_grids(docx.Document(str(path)), qn)
    except Exception as exc:  # noqa: BLE001 - a damaged file fails in python-docx, lxml or zlib
        raise ValidationFailed(
            [Issue(f"không đọc được tệp Word (.docx): {exc}", path.name)]
        ) from None


def _document_grids(document: Any, qn: Any) -> list[Grid]:
    """The top-level tables of an open Word document, each with the paragraphs before it."""
    grids: list[Grid] = []
    paragraphs: list[str] = []
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            text = _clean("".join(t.text or "" for t in child.iter(qn("w:t"))))
            if text:
                paragraphs.append(text)
        elif child.tag == qn("w:tbl"):
            rows = _docx_rows(child)
            grids.append(Grid(tuple(tuple(r) for r in rows), len(grids) + 1, tuple(paragraphs)))
    return grids


def xlsx_grids(path: Path) -> list[Grid]:
    """Each sheet of a workbook as one table (merged ranges as merges)."""
    from parindex.common.office_zip import METHODOLOGY, OfficeFileRefused, load_workbook_checked
    from parindex.files.methodology_xlsx.read import _text

    try:
        wb = load_workbook_checked(path, path.name, METHODOLOGY, read_only=False)
    except OfficeFileRefused as exc:
        raise ValidationFailed([Issue(str(exc), path.name)]) from None
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds of errors on broken files
        raise ValidationFailed([Issue(f"không đọc được tệp Excel: {exc}", path.name)]) from None
    grids: list[Grid] = []
    try:
        for ws in wb.worksheets:
            values = [list(r) for r in ws.iter_rows(values_only=True)]
            width = max((len(r) for r in values), default=0)
            origin: dict[tuple[int, int], tuple[int, int]] = {}
            for rng in ws.merged_cells.ranges:
                for r in range(rng.min_row - 1, rng.max_row):
                    for c in range(rng.min_col - 1, rng.max_col):
                        origin[(r, c)] = (rng.min_row - 1, rng.min_col - 1)
            rows = []
            for r, cells in enumerate(values):
                row = []
                for c in range(width):
                    o = origin.get((r, c), (r, c))
                    raw = values[o[0]][o[1]] if o[1] < len(values[o[0]]) else None
                    row.append(GridCell(_clean(_text(raw)), o, o[0] < r, o[1] < c and o[0] == r))
                rows.append(tuple(row))
            grids.append(Grid(tuple(rows), len(grids) + 1, (ws.title,)))
    finally:
        wb.close()
    return grids
