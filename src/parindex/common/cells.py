"""Cells that spreadsheet programs never run as formulas, for every CSV and XLSX export
that writes text someone typed (unit names, notes, reasons, respondents' answers).

CSV: text starting with = + - @, a tab or a line break gets a leading apostrophe (OWASP's
advice on CSV injection); numbers are written as they are. XLSX written with openpyxl
(append_text_safe for rows, put_text_safe for one cell; every openpyxl writer of the
project uses them): text cells are typed as text, so "=..." stays text (no apostrophe
shows). No Django here.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO, Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet will not run as a formula (non-text values unchanged)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """safe_cell of every value; None becomes an empty cell."""
    return ["" if v is None else safe_cell(v) for v in values]


class SafeCsvWriter:
    """csv.writer whose every row goes through safe_row."""

    def __init__(self, stream: IO[str], **fmt: Any) -> None:
        self._writer = csv.writer(stream, **fmt)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def as_text(cells: Iterable[Any]) -> None:
    """Type openpyxl cells holding text as text (openpyxl reads "=..." as a formula)."""
    for cell in cells:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def append_text_safe(ws: Any, values: Iterable[Any]) -> None:
    """openpyxl's ws.append, with the row's text typed as text (numbers stay numbers). Works
    on ordinary and write-only worksheets (Workbook(write_only=True))."""
    row = list(values)
    if _write_only(ws):
        from openpyxl.cell import WriteOnlyCell

        out: list[Any] = []
        for value in row:
            if isinstance(value, str):
                cell = WriteOnlyCell(ws, value=value)
                cell.data_type = "s"
                out.append(cell)
            else:
                out.append(value)
        ws.append(out)
        return
    ws.append(row)
    if row:
        as_text(ws[ws.max_row])


def put_text_safe(ws: Any, row: int, column: int, value: Any) -> Any:
    """ws.cell(row, column, value) with text typed as text; returns the cell."""
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def _write_only(ws: Any) -> bool:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    return isinstance(ws, WriteOnlyWorksheet)
