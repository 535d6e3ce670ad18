"""Word files shaped like the appendices of the official decisions, built with python-docx:
rows of texts, where a cell `None` is merged with the cell on its left and `"^"` with the
cell above (vertical merge)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import docx

HEADER = ("STT", "Lĩnh vực/Tiêu chí/Tiêu chí thành phần", "Điểm tối đa", "Tài liệu kiểm chứng")
Row = Sequence[str | None]


def write_docx(path: Path, rows: Sequence[Row], *, before: Sequence[str] = ()) -> Path:
    """A .docx with the paragraphs `before`, then one table of `rows`."""
    document = docx.Document()
    for text in before:
        document.add_paragraph(text)
    if rows:
        width = len(rows[0])
        table = document.add_table(rows=len(rows), cols=width)
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                if text is not None and text != "^":
                    table.cell(r, c).text = text
        for r, row in enumerate(rows):  # merges after the texts, each from its origin
            for c, text in enumerate(row):
                if text is None:
                    start = c
                    while rows[r][start] is None:
                        start -= 1
                    table.cell(r, start).merge(table.cell(r, c))
                elif text == "^":
                    top = r
                    while rows[top][c] == "^":
                        top -= 1
                    table.cell(top, c).merge(table.cell(r, c))
    document.save(str(path))
    return path


# The national provincial index's appendix in small: arabic and dotted numbers, a sub-header
# row across the table, a field row whose evidence cell is merged down over its criteria,
# scoring levels as rows without numbers, a notes row at the end and the total.
PROVINCE = (
    HEADER,
    ("(1)", "(2)", "(3)", "(4)"),
    ("A. ĐIỂM ĐÁNH GIÁ, THẨM ĐỊNH", None, None, None),
    ("1", "CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH CCHC", "3,5", ""),
    ("1.1", "Kế hoạch CCHC năm", "2", "Kế hoạch CCHC năm của tỉnh"),
    ("1.1.1", "Ban hành kế hoạch đúng hạn", "1", "^"),
    ("", "- Ban hành đúng hạn", "1", "^"),
    ("", "- Ban hành chậm", "0", "^"),
    ("1.1.2", "Mức độ hoàn thành kế hoạch\nTỷ lệ nhiệm vụ hoàn thành (%)", "1", ""),
    ("1.2", "Báo cáo CCHC", "1,5", ""),
    ("1.2.1", "Báo cáo đầy đủ, đúng hạn", "0,75", "Báo cáo quý, năm"),
    ("1.2.2", "Kiểm tra CCHC", "0,75", ""),
    ("2", "CẢI CÁCH THỂ CHẾ", "2", ""),
    ("2.1", "Xây dựng văn bản QPPL", "2", ""),
    ("2.1.1", "Tỷ lệ văn bản ban hành đúng hạn", "1", ""),
    ("2.1.2", "Điều tra mức độ hài lòng", "1", ""),
    ("Tổng cộng", None, "5,5", ""),
    ("Ghi chú: điểm làm tròn đến 2 chữ số thập phân.", None, None, None),
)
