"""A small streaming XLSX writer for the big result workbooks.

Why not openpyxl: its write-only mode needs about 22 s for the 4,000 units x 90
sub-criteria detail sheet alone on the reference machine (bench/bench_exports.py measures
it), far from the 10 s budget of the national workbook. This writer streams each sheet's
XML straight into the zip (shared strings, a fixed set of styles) and is 5-8 times faster.
It writes what the result workbooks use and nothing else: typed cells (text, numbers,
booleans), a fixed style table, column widths, merged title rows, frozen panes, an
autofilter, print titles and A4 landscape page setup. The files are read back with openpyxl
in the tests and rendered by LibreOffice.

    book = XlsxBook()
    with book.sheet("Xếp hạng", widths=[7, 30], freeze="C5") as ws:
        ws.merged("KẾT QUẢ ...", TITLE, span=2)
        ws.header(["Hạng", "Đơn vị"])
        ws.row([1, "Sở Tư pháp"], [INT, TEXT])
    data = book.close()  # bytes (or book = XlsxBook(path) to write a file)
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape

# Styles (indices into cellXfs below).
DEFAULT, TEXT, WRAP, NUM2, INT, HEADER, TITLE, SUBTITLE, BOLD, BOLD_NUM2, CENTER = range(11)
SIGNED2, SIGNED_INT, NOTE, BOLD_WRAP, NUM4 = range(11, 16)

# (number format, font, fill, border, alignment) per style, in the order of the constants.
_TOP = {"vertical": "top"}
_CELL_XFS: tuple[tuple[int, int, int, int, dict[str, str]], ...] = (
    (0, 0, 0, 0, {}),  # DEFAULT
    (0, 0, 0, 1, _TOP),  # TEXT
    (0, 0, 0, 1, {"vertical": "top", "wrapText": "1"}),  # WRAP
    (2, 0, 0, 1, _TOP),  # NUM2
    (1, 0, 0, 1, {"horizontal": "center", "vertical": "top"}),  # INT
    (0, 1, 2, 1, {"horizontal": "center", "vertical": "center", "wrapText": "1"}),  # HEADER
    (0, 2, 0, 0, {"horizontal": "center", "vertical": "center", "wrapText": "1"}),  # TITLE
    (0, 3, 0, 0, {"horizontal": "center", "vertical": "center", "wrapText": "1"}),  # SUBTITLE
    (0, 1, 3, 1, _TOP),  # BOLD
    (2, 1, 3, 1, _TOP),  # BOLD_NUM2
    (0, 0, 0, 1, {"horizontal": "center", "vertical": "top"}),  # CENTER
    (164, 0, 0, 1, _TOP),  # SIGNED2
    (165, 0, 0, 1, {"horizontal": "center", "vertical": "top"}),  # SIGNED_INT
    (0, 3, 0, 0, {"vertical": "top", "wrapText": "1"}),  # NOTE
    (0, 1, 3, 1, {"vertical": "top", "wrapText": "1"}),  # BOLD_WRAP
    (166, 0, 0, 1, _TOP),  # NUM4
)
_NUM_FMTS = {164: "+0.00;\\-0.00;0.00", 165: "+0;\\-0;0", 166: "0.0000"}
_FONT = '<font>{}<sz val="{}"/><name val="Times New Roman"/><family val="1"/></font>'
_FONTS = (
    _FONT.format("", 11),
    _FONT.format("<b/>", 11),
    _FONT.format("<b/>", 14),
    _FONT.format("<i/>", 11),
)
_SOLID = '<fill><patternFill patternType="solid"><fgColor rgb="{}"/><bgColor indexed="64"/>'
_FILLS = (
    '<fill><patternFill patternType="none"/></fill>',
    '<fill><patternFill patternType="gray125"/></fill>',
    _SOLID.format("FFDDEBF7") + "</patternFill></fill>",  # header: light blue
    _SOLID.format("FFF2F2F2") + "</patternFill></fill>",  # field/criterion rows: light grey
)
_THIN = '<{0} style="thin"><color rgb="FF808080"/></{0}>'
_BORDERS = (
    "<border><left/><right/><top/><bottom/><diagonal/></border>",
    "<border>"
    + "".join(_THIN.format(e) for e in ("left", "right", "top", "bottom"))
    + "<diagonal/></border>",
)


def _styles_xml() -> str:
    xfs = []
    for num, font, fill, border, align in _CELL_XFS:
        applies = "".join(
            f' {name}="1"'
            for name, on in (
                ("applyNumberFormat", num),
                ("applyFont", font),
                ("applyFill", fill),
                ("applyBorder", border),
                ("applyAlignment", align),
            )
            if on
        )
        alignment = (
            "<alignment " + " ".join(f'{k}="{v}"' for k, v in align.items()) + "/>" if align else ""
        )
        xfs.append(
            f'<xf numFmtId="{num}" fontId="{font}" fillId="{fill}" borderId="{border}" '
            f'xfId="0"{applies}>{alignment}</xf>'
        )
    fmts = "".join(
        f'<numFmt numFmtId="{k}" formatCode="{escape(v)}"/>' for k, v in _NUM_FMTS.items()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f"<styleSheet {_NS}>"
        f'<numFmts count="{len(_NUM_FMTS)}">{fmts}</numFmts>'
        f'<fonts count="{len(_FONTS)}">{"".join(_FONTS)}</fonts>'
        f'<fills count="{len(_FILLS)}">{"".join(_FILLS)}</fills>'
        f'<borders count="{len(_BORDERS)}">{"".join(_BORDERS)}</borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        f'</cellStyleXfs><cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        '<dxfs count="0"/><tableStyles count="0" defaultTableStyle="TableStyleMedium9" '
        'defaultPivotStyle="PivotStyleLight16"/></styleSheet>'
    )


_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_NS_R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_CHUNK = 2000  # rows per write


def col_letter(n: int) -> str:
    """1 -> A, 27 -> AA."""
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def _cell_ref(ref: str) -> tuple[int, int]:
    m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    if not m:
        raise ValueError(ref)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


WRAPPING = frozenset({WRAP, BOLD_WRAP, HEADER, NOTE, SUBTITLE})
LINE_HEIGHT = 14.5  # points per line of 11 pt Times New Roman
CHARS_PER_WIDTH = 1.15  # characters per unit of column width (the width of a digit)


class Sheet:
    """One worksheet being written; rows go out in order (see XlsxBook.sheet).

    Spreadsheet programs do not reliably grow a row for wrapped text when opening a file
    (LibreOffice does not), so a row whose wrapped cells need several lines gets a height
    estimated from the text length and the column width."""

    def __init__(
        self,
        book: XlsxBook,
        stream: IO[bytes],
        ncols: int,
        title: str,
        index: int,
        widths: Sequence[float] = (),
    ) -> None:
        self._widths = list(widths)
        self._plans: dict[Any, tuple[Any, Any, list[tuple[int, int]]]] = {}
        self._lines: dict[tuple[str, int], int] = {}  # wrapped text -> lines, per width
        self._book = book
        self._stream = stream
        self._letters = [col_letter(i) for i in range(1, max(ncols, 1) + 1)]
        self._buf: list[str] = []
        self._merges: list[str] = []
        self.title = title
        self.index = index
        self.row_count = 0
        self.header_rows: tuple[int, int] | None = None
        self.filter_cols: tuple[int, int] | None = None
        self._ncols = ncols

    def _letter(self, i: int) -> str:
        while i >= len(self._letters):
            self._letters.append(col_letter(len(self._letters) + 1))
        return self._letters[i]

    def row(
        self,
        values: Sequence[Any],
        styles: Sequence[int] | int = TEXT,
        height: float | None = None,
    ) -> int:
        """Append a row; `styles` per column or one style for all. Returns the row number.

        Every cell is written in order (empty ones as <c/>), so cells need no reference."""
        self.row_count += 1
        r = self.row_count
        sst = self._book._sst
        (text_open, num_open, empty_cell), wrap = self._plan(styles, len(values))
        parts: list[str] = []
        add = parts.append
        for v, s_open, n_open, empty in zip(values, text_open, num_open, empty_cell):
            t = type(v)
            if t is str:
                if v:
                    k = sst.get(v)
                    if k is None:
                        k = sst[v] = len(sst)
                    add(f"{s_open}{k}</v></c>")
                else:
                    add(empty)
            elif v is None:
                add(empty)
            elif t is Decimal or t is int or t is float:
                add(f"{n_open}{v}</v></c>")  # str(Decimal) has no exponent at 4 decimals
            elif t is bool:
                add(f'{n_open[:-4]} t="b"><v>{int(v)}</v></c>')
            elif isinstance(v, Decimal | int | float):
                add(f"{n_open}{v}</v></c>")
            else:  # lazy translations and other objects: their text
                text = str(v)
                k = sst.get(text)
                if k is None:
                    k = sst[text] = len(sst)
                add(f"{s_open}{k}</v></c>")
        if height is None and wrap:
            height = self._height(values, wrap, self._lines)
        ht = f' ht="{height}" customHeight="1"' if height else ""  # 0: the default height
        self._buf.append(f'<row r="{r}"{ht}>{"".join(parts)}</row>')
        if len(self._buf) >= _CHUNK:
            self._flush()
        return r

    def _plan(
        self, styles: Sequence[int] | int, n: int
    ) -> tuple[tuple[list[str], list[str], list[str]], list[tuple[int, int]]]:
        """Per column the opening tags of text and number cells and the empty cell in its
        style, and the wrapping columns with their characters per line; cached by the style
        list's identity (exports reuse one list per kind of row)."""
        key: Any = ("one", styles, n) if isinstance(styles, int) else id(styles)
        hit = self._plans.get(key)
        if hit is not None and (isinstance(styles, int) or hit[0] is styles):
            return hit[1], hit[2]
        text_open, num_open, empty = [], [], []
        wrap = []
        for i in range(n):
            st = styles if isinstance(styles, int) else styles[i]
            text_open.append(f'<c s="{st}" t="s"><v>')
            num_open.append(f'<c s="{st}"><v>')
            empty.append(f'<c s="{st}"/>' if st else "<c/>")
            if st in WRAPPING and i < len(self._widths):
                wrap.append((i, max(int(self._widths[i] * CHARS_PER_WIDTH), 1)))
        if len(self._plans) > 64:
            self._plans.clear()
        plan = (text_open, num_open, empty)
        self._plans[key] = (styles, plan, wrap)  # holds the list: its id stays unique
        return plan, wrap

    @staticmethod
    def _height(
        values: Sequence[Any], wrap: list[tuple[int, int]], cache: dict[tuple[str, int], int]
    ) -> float | None:
        lines = 1
        for i, per_line in wrap:
            v = values[i] if i < len(values) else None
            if type(v) is str and (len(v) > per_line or "\n" in v):
                n = cache.get((v, per_line))
                if n is None:
                    n = sum(-(-max(len(part), 1) // per_line) for part in v.split("\n"))
                    if len(cache) < 100_000:
                        cache[(v, per_line)] = n
                lines = max(lines, n)
        return round(lines * LINE_HEIGHT + 1, 1) if lines > 1 else None

    def merged(
        self, text: str, style: int = TITLE, span: int | None = None, height: float | None = None
    ) -> int:
        """A row with one text merged over `span` columns (default: the sheet's width)."""
        span = span or self._ncols
        if height is None:
            per_line = max(sum(self._widths[:span]) * CHARS_PER_WIDTH, 1.0)
            lines = -(-len(text) // int(per_line))
            height = round(lines * LINE_HEIGHT + 1, 1) if lines > 1 else None
        r = self.row([text] + [None] * (span - 1), style, height or 0)
        if span > 1:
            self._merges.append(f"A{r}:{self._letter(span - 1)}{r}")
        return r

    def merge(self, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
        """Merge a block (1-based, inclusive) of rows already written or about to be."""
        self._merges.append(
            f"{self._letter(first_col - 1)}{first_row}:{self._letter(last_col - 1)}{last_row}"
        )

    def header(self, values: Sequence[Any], height: float | None = None) -> int:
        """A header row: styled, repeated on each printed page, the autofilter's top."""
        r = self.row(values, HEADER, height)
        first = self.header_rows[0] if self.header_rows else r
        self.header_rows = (first, r)
        self.filter_cols = (1, len(values))
        return r

    def _flush(self) -> None:
        if self._buf:
            self._stream.write("".join(self._buf).encode("utf-8"))
            self._buf = []

    def _tail(self) -> str:
        out = ["</sheetData>"]
        if self.header_rows and self.filter_cols and self.row_count > self.header_rows[1]:
            out.append(f'<autoFilter ref="{self.filter_ref}"/>')
        if self._merges:
            out.append(f'<mergeCells count="{len(self._merges)}">')
            out += [f'<mergeCell ref="{m}"/>' for m in self._merges]
            out.append("</mergeCells>")
        out.append(
            '<pageMargins left="0.5" right="0.4" top="0.6" bottom="0.6" header="0.3" '
            'footer="0.3"/><pageSetup paperSize="9" orientation="landscape" '
            'fitToWidth="1" fitToHeight="0"/>'
            "<headerFooter><oddFooter>&amp;CTrang &amp;P/&amp;N</oddFooter></headerFooter>"
            "</worksheet>"
        )
        return "".join(out)

    @property
    def filter_ref(self) -> str:
        assert self.header_rows and self.filter_cols
        return (
            f"{self._letter(self.filter_cols[0] - 1)}{self.header_rows[1]}:"
            f"{self._letter(self.filter_cols[1] - 1)}{self.row_count}"
        )


class XlsxBook:
    """A workbook written sheet by sheet into a zip (a path, a binary stream or memory)."""

    def __init__(self, target: str | Path | IO[bytes] | None = None, *, title: str = "") -> None:
        self._memory = io.BytesIO() if target is None else None
        dest: Any = self._memory if target is None else target
        self._zip = zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self._sst: dict[str, int] = {}
        self._sheets: list[tuple[str, Sheet]] = []
        self._title = title
        self._open = False

    @contextmanager
    def sheet(
        self,
        title: str,
        *,
        widths: Sequence[float] = (),
        freeze: str | None = None,
        selected: bool | None = None,
    ) -> Iterator[Sheet]:
        """Write one sheet. `freeze`: the top-left cell of the scrolling area ("D6")."""
        if self._open:
            raise RuntimeError("one sheet at a time")
        self._open = True
        index = len(self._sheets)
        name = f"xl/worksheets/sheet{index + 1}.xml"
        selected = index == 0 if selected is None else selected
        with self._zip.open(name, "w", force_zip64=True) as stream:
            ws = Sheet(self, stream, len(widths), title, index, widths)
            stream.write(self._sheet_head(widths, freeze, selected).encode("utf-8"))
            yield ws
            ws._flush()
            stream.write(ws._tail().encode("utf-8"))
        self._sheets.append((title, ws))
        self._open = False

    @staticmethod
    def _sheet_head(widths: Sequence[float], freeze: str | None, selected: bool) -> str:
        tab = ' tabSelected="1"' if selected else ""
        view = f'<sheetView workbookViewId="0"{tab}>'
        if freeze:
            row, col = _cell_ref(freeze)
            xs, ys = col - 1, row - 1
            pane = "bottomRight" if xs and ys else ("topRight" if xs else "bottomLeft")
            split = (f' xSplit="{xs}"' if xs else "") + (f' ySplit="{ys}"' if ys else "")
            view += (
                f'<pane{split} topLeftCell="{freeze}" activePane="{pane}" state="frozen"/>'
                f'<selection pane="{pane}" activeCell="{freeze}" sqref="{freeze}"/>'
            )
        view += "</sheetView>"
        cols = "".join(
            f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
            for i, w in enumerate(widths, 1)
        )
        return (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {_NS} {_NS_R}>'
            '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
            f"<sheetViews>{view}</sheetViews>"
            '<sheetFormatPr defaultRowHeight="15"/>'
            + (f"<cols>{cols}</cols>" if cols else "")
            + "<sheetData>"
        )

    def close(self) -> bytes | None:
        """Finish the file; returns its bytes when written to memory."""
        z = self._zip
        n = len(self._sheets)
        z.writestr("[Content_Types].xml", self._content_types(n))
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="xl/workbook.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
            'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
            "</Relationships>",
        )
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        z.writestr(
            "docProps/core.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
            'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:title>{escape(self._title)}</dc:title><dc:creator>parindex</dc:creator>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
            "</cp:coreProperties>",
        )
        z.writestr("xl/workbook.xml", self._workbook_xml())
        rels = "".join(
            f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/'
            f'2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, n + 1)
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f"{rels}"
            f'<Relationship Id="rId{n + 1}" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId{n + 2}" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>",
        )
        z.writestr("xl/styles.xml", _styles_xml())
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as f:
            f.write(
                (
                    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst {_NS} '
                    f'count="{len(self._sst)}" uniqueCount="{len(self._sst)}">'
                ).encode()
            )
            chunk = []
            for text in self._sst:
                clean = escape(_ILLEGAL.sub("", text))
                space = ' xml:space="preserve"' if clean != clean.strip() else ""
                chunk.append(f"<si><t{space}>{clean}</t></si>")
                if len(chunk) >= 5000:
                    f.write("".join(chunk).encode("utf-8"))
                    chunk = []
            f.write(("".join(chunk) + "</sst>").encode("utf-8"))
        z.close()
        return self._memory.getvalue() if self._memory is not None else None

    @staticmethod
    def _content_types(n: int) -> str:
        sheets = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, n + 1)
        )
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{sheets}"
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
            'package.core-properties+xml"/>'
            "</Types>"
        )

    def _workbook_xml(self) -> str:
        sheets = []
        names = []
        for i, (title, ws) in enumerate(self._sheets):
            quoted = "'" + title.replace("'", "''") + "'"
            sheets.append(f'<sheet name="{escape(title)}" sheetId="{i + 1}" r:id="rId{i + 1}"/>')
            if ws.header_rows and ws.filter_cols and ws.row_count > ws.header_rows[1]:
                ref = ws.filter_ref.split(":")
                absolute = "!".join(
                    [quoted, ":".join("$" + re.sub(r"(\d+)", r"$\1", p) for p in ref)]
                )
                names.append(
                    f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" '
                    f'hidden="1">{escape(absolute)}</definedName>'
                )
            if ws.header_rows:
                a, b = ws.header_rows
                names.append(
                    f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">'
                    f"{escape(quoted)}!${a}:${b}</definedName>"
                )
        defined = f"<definedNames>{''.join(names)}</definedNames>" if names else ""
        return (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook {_NS} {_NS_R}>'
            '<bookViews><workbookView activeTab="0"/></bookViews>'
            f"<sheets>{''.join(sheets)}</sheets>{defined}</workbook>"
        )
