"""The streaming XLSX writer, read back with openpyxl."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

from openpyxl import load_workbook

from parindex.results import xlsx as X


def test_cells_styles_and_sheet_features(tmp_path):
    path = tmp_path / "t.xlsx"
    book = X.XlsxBook(path, title="Thử")
    with book.sheet("Xếp hạng", widths=[7, 30, 10, 10], freeze="C3") as ws:
        ws.merged("TIÊU ĐỀ", X.TITLE, height=24)
        ws.header(["Hạng", "Đơn vị", "Điểm", "Thay đổi"])
        ws.row(
            [1, "A & <B> \x07", Decimal("61.4203"), Decimal("-1.5")],
            [X.INT, X.TEXT, X.NUM2, X.SIGNED2],
        )
        ws.row([2, "  cách  ", Decimal("0E-4"), None], [X.INT, X.TEXT, X.NUM2, X.SIGNED2])
        ws.row([3, True, 2.5, ""], X.TEXT)
    with book.sheet("Chỉ cột", widths=[10], freeze="B1") as ws:
        ws.row(["x"])
    assert book.close() is None
    wb = load_workbook(path)
    assert wb.sheetnames == ["Xếp hạng", "Chỉ cột"]
    ws = wb["Xếp hạng"]
    assert ws["A1"].value == "TIÊU ĐỀ" and ws["A1"].font.b and ws["A1"].font.sz == 14
    assert "A1:D1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["B3"].value == "A & <B> "  # XML-illegal control characters dropped
    assert ws["C3"].value == 61.4203 and ws["C3"].number_format == "0.00"
    assert ws["D3"].value == -1.5 and ws["D3"].number_format == "+0.00;\\-0.00;0.00"
    assert ws["B4"].value == "  cách  " and ws["C4"].value == 0
    assert ws["B5"].value is True and ws["C5"].value == 2.5
    assert ws["A2"].font.b and ws["A2"].fill.fgColor.rgb == "FFDDEBF7"
    assert ws.freeze_panes == "C3" and ws.auto_filter.ref == "A2:D5"
    assert ws.column_dimensions["B"].width == 30
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert wb["Chỉ cột"].freeze_panes == "B1"


def test_long_wrapped_text_gets_a_taller_row():
    book = X.XlsxBook()
    with book.sheet("S", widths=[10, 20]) as ws:
        ws.row(
            ["a", "một đoạn văn bản dài cần xuống dòng trong ô này để kiểm tra"], [X.TEXT, X.WRAP]
        )
        ws.row(["b", "ngắn"], [X.TEXT, X.WRAP])
    data = book.close()
    wb = load_workbook(io.BytesIO(data))
    ws = wb["S"]
    assert ws.row_dimensions[1].height > 15
    assert ws.row_dimensions[2].height is None


def test_many_rows_stream_and_share_strings():
    book = X.XlsxBook()
    with book.sheet("S", widths=[10, 10]) as ws:
        for i in range(5000):
            ws.row([f"U{i % 7}", Decimal(i)], [X.TEXT, X.NUM2])
    data = book.close()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sst = z.read("xl/sharedStrings.xml").decode()
    assert sst.count("<si>") == 7
    ws = load_workbook(io.BytesIO(data), read_only=True)["S"]
    assert list(ws.iter_rows(min_row=5000, values_only=True)) == [("U1", 4999)]


def test_column_letters():
    assert [X.col_letter(n) for n in (1, 26, 27, 52, 703)] == ["A", "Z", "AA", "AZ", "AAA"]
