"""The official appendix table (.docx) read into a methodology: tables built with
python-docx in the shapes the decisions use, the resulting tree and the messages."""

from __future__ import annotations

from decimal import Decimal

import docx
import pytest
from docx_tables import HEADER, PROVINCE, write_docx

from parindex.core import ValidationFailed
from parindex.files.methodology import dump_yaml, load_yaml_text, read_methodology
from parindex.files.methodology_table import import_table, table_report_lines
from parindex.files.methodology_xlsx import write_methodology_xlsx

D = Decimal
BEFORE = (
    "PHỤ LỤC",
    "Bộ Chỉ số cải cách hành chính của tỉnh năm 2025",
    "(Kèm theo Quyết định số 876/QĐ-BNV ngày 10/11/2022 của Bộ Nội vụ)",
)


def _tree(node) -> tuple:
    return (node.code, node.name, node.max_points, tuple(_tree(c) for c in node.children))


def _issues(exc: pytest.ExceptionInfo[ValidationFailed]) -> list[str]:
    return [str(i) for i in exc.value.issues]


def test_the_province_table_gives_fields_criteria_and_sub_criteria(tmp_path):
    m, report = import_table(write_docx(tmp_path / "phu-luc.docx", PROVINCE, before=BEFORE))
    assert [_tree(f) for f in m.fields] == [
        (
            "1",
            "CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH CCHC",
            D("3.5"),
            (
                (
                    "1.1",
                    "Kế hoạch CCHC năm",
                    D(2),
                    (
                        ("1.1.1", "Ban hành kế hoạch đúng hạn", D(1), ()),
                        ("1.1.2", "Mức độ hoàn thành kế hoạch", D(1), ()),
                    ),
                ),
                (
                    "1.2",
                    "Báo cáo CCHC",
                    D("1.5"),
                    (
                        ("1.2.1", "Báo cáo đầy đủ, đúng hạn", D("0.75"), ()),
                        ("1.2.2", "Kiểm tra CCHC", D("0.75"), ()),
                    ),
                ),
            ),
        ),
        (
            "2",
            "CẢI CÁCH THỂ CHẾ",
            D(2),
            (
                (
                    "2.1",
                    "Xây dựng văn bản QPPL",
                    D(2),
                    (
                        ("2.1.1", "Tỷ lệ văn bản ban hành đúng hạn", D(1), ()),
                        ("2.1.2", "Điều tra mức độ hài lòng", D(1), ()),
                    ),
                ),
            ),
        ),
    ]
    assert m.max_points == D("5.5")
    # the document's title, decision and year; a draft until its rules are written
    assert m.name == "Bộ Chỉ số cải cách hành chính của tỉnh năm 2025"
    assert (m.code, m.version, m.decision, m.status) == ("phu-luc", "2025", "876/QĐ-BNV", "draft")
    leaf = m.nodes["1.1.1"]
    # rows without a number are the scoring levels of the item above; the evidence cell
    # merged down over 1.1 and 1.1.1 belongs to both; a second line of a name is guidance
    assert leaf.guidance == "- Ban hành đúng hạn: 1,00 điểm\n- Ban hành chậm: 0,00 điểm"
    assert m.nodes["1.1"].evidence == leaf.evidence == "Kế hoạch CCHC năm của tỉnh"
    assert m.nodes["1.1.2"].guidance == "Tỷ lệ nhiệm vụ hoàn thành (%)"
    assert {n.rule.to_dict()["kind"] for n in m.leaves} == {"manual"}
    assert m.nodes["1.2.1"].rule.to_dict() == {"kind": "manual", "step": D("0.25")}
    # the sub-header and the notes row are reported, the notes kept in the description
    assert [(h.row, h.text) for h in report.headings] == [(3, "A. ĐIỂM ĐÁNH GIÁ, THẨM ĐỊNH")]
    assert [n.row for n in report.notes] == [18]
    assert "điểm làm tròn đến 2 chữ số thập phân" in m.description
    assert (report.fields, report.criteria, report.leaves, report.total) == (2, 3, 6, D("5.5"))
    hints = {r.code: r.hint for r in report.refine}
    assert [r.code for r in report.refine] == [n.code for n in m.leaves]
    assert "yes_no" in hints["1.1.1"] and "thresholds" in hints["1.1.2"]
    assert "survey" in hints["2.1.2"]
    assert [what for what, _ in report.mapping] == [
        "STT",
        "Lĩnh vực/tiêu chí",
        "Điểm tối đa",
        "Tài liệu kiểm chứng",
    ]
    text = "\n".join(table_report_lines(report))
    assert "6 mục chấm điểm" in text and "1.1.1 (dòng 6, 1,00 điểm)" in text


def test_roman_numerals_and_letters_with_numbers_in_the_names(tmp_path):
    rows = (
        ("TT", "Nội dung", "Điểm chuẩn", "Hướng dẫn chấm"),
        ("I", "CÔNG TÁC CHỈ ĐẠO", "", ""),
        ("1", "Kế hoạch", "1,5", ""),
        ("a", "Ban hành kế hoạch", "1", "Đúng hạn: 1"),
        ("b", "Triển khai", "0,5", ""),
        ("2", "Tuyên truyền", "2", ""),
        ("II", "THỂ CHẾ", "3", ""),
        ("", "1. Rà soát văn bản", "3", ""),
        ("", "a) Rà soát định kỳ", "2", ""),
        ("", "b) Xử lý sau rà soát", "1", ""),
    )
    m, report = import_table(write_docx(tmp_path / "noi-bo.docx", rows), version="2026")
    assert [_tree(f) for f in m.fields] == [
        (
            "1",
            "CÔNG TÁC CHỈ ĐẠO",
            D("3.5"),
            (
                (
                    "1.1",
                    "Kế hoạch",
                    D("1.5"),
                    (
                        ("1.1.1", "Ban hành kế hoạch", D(1), ()),
                        ("1.1.2", "Triển khai", D("0.5"), ()),
                    ),
                ),
                ("1.2", "Tuyên truyền", D(2), ()),
            ),
        ),
        (
            "2",
            "THỂ CHẾ",
            D(3),
            (
                (
                    "2.1",
                    "Rà soát văn bản",
                    D(3),
                    (
                        ("2.1.1", "Rà soát định kỳ", D(2), ()),
                        ("2.1.2", "Xử lý sau rà soát", D(1), ()),
                    ),
                ),
            ),
        ),
    ]
    assert m.nodes["1.1.1"].guidance == "Đúng hạn: 1"
    assert m.version == "2026"
    # field I had no maximum: its children's sum, with a warning naming the row
    (warning,) = report.warnings
    assert "dòng 2" in str(warning) and "lấy tổng của các mục con (3,50)" in str(warning)
    assert ("I/1/a", "1.1.1", 4) in report.renamed


def test_a_parent_whose_maximum_disagrees_with_its_children_is_reported_with_its_row(tmp_path):
    rows = [list(r) for r in PROVINCE]
    rows[9][2] = "2"  # criterion 1.2 says 2, its sub-criteria add up to 1,5
    with pytest.raises(ValidationFailed) as exc:
        import_table(write_docx(tmp_path / "sai.docx", rows))
    messages = _issues(exc)
    assert messages[0] == (
        "sai.docx (bảng 1), dòng 10, cột Điểm tối đa, mã 1.2: điểm tối đa 2,00 khác tổng điểm "
        "tối đa của các mục con 1,50 (1.2.1: 0,75; 1.2.2: 0,75), chênh 0,50"
    )
    # field 1 then adds 2 + 2 = 4 against its 3,5, and the total row 5,5 stays right
    assert any("dòng 4" in t and "mã 1:" in t for t in messages)
    assert len(messages) == 2


def test_a_total_row_that_disagrees_and_a_leaf_without_maximum(tmp_path):
    rows = [list(r) for r in PROVINCE]
    rows[16][2] = "6"
    rows[11][2] = ""  # 1.2.2 has no maximum
    with pytest.raises(ValidationFailed) as exc:
        import_table(write_docx(tmp_path / "sai.docx", rows))
    messages = _issues(exc)
    assert "sai.docx (bảng 1), dòng 12, cột Điểm tối đa, mã 1.2.2: thiếu điểm tối đa" in messages
    assert any(
        t.startswith("sai.docx (bảng 1), dòng 17") and "dòng tổng ghi 6,00" in t for t in messages
    )


def test_a_two_row_header_with_a_points_column_entered_by_units(tmp_path):
    rows = (
        ("STT", "Tiêu chí", "Điểm", None, "Ghi chú"),
        ("^", "^", "Tự đánh giá", "Tối đa", "^"),
        ("1", "Lĩnh vực một", "", "1", ""),
        ("1.1", "Tiêu chí một", "0,5", "1", "chỉ áp dụng cấp xã"),
    )
    m, report = import_table(write_docx(tmp_path / "hai-dong.docx", rows))
    assert report.header_rows == 2
    assert m.nodes["1.1"].max_points == D(1)  # the "Tối đa" column, not "Tự đánh giá"
    assert m.nodes["1.1"].guidance == "Ghi chú: chỉ áp dụng cấp xã"


def test_the_mapping_can_be_given(tmp_path):
    rows = (
        ("Số", "Mục", "Điểm", "Điểm tự chấm"),
        ("1", "Lĩnh vực", "2", "1"),
        ("1.1", "Tiêu chí", "2", "1"),
    )
    path = write_docx(tmp_path / "khac.docx", rows)
    m, report = import_table(path, mapping="number=1, name=Mục, max=3")
    assert m.nodes["1.1"].max_points == D(2)
    with pytest.raises(ValidationFailed) as exc:
        import_table(path, mapping="max=9")
    assert _issues(exc) == ["khac.docx: cách đọc cột: max=9: bảng chỉ có 4 cột"]
    with pytest.raises(ValidationFailed) as exc:
        import_table(path, mapping="points=3")
    assert "'points' không phải là cột đã biết" in _issues(exc)[0]


def test_an_empty_table_and_a_file_without_table(tmp_path):
    with pytest.raises(ValidationFailed) as exc:
        import_table(write_docx(tmp_path / "rong.docx", (HEADER,)))
    assert _issues(exc) == ["rong.docx (bảng 1): bảng không có mục nào được đánh số"]
    with pytest.raises(ValidationFailed) as exc:
        import_table(write_docx(tmp_path / "van-ban.docx", (), before=BEFORE))
    assert "tệp không có bảng nào" in _issues(exc)[0]
    bad = tmp_path / "hong.docx"
    bad.write_bytes(b"not a word file")
    with pytest.raises(ValidationFailed) as exc:
        import_table(bad)
    assert _issues(exc)[0].startswith("hong.docx: không đọc được tệp Word (.docx)")


def test_a_table_without_the_columns_names_them(tmp_path):
    rows = (("Họ tên", "Chức vụ"), ("Nguyễn Văn A", "Giám đốc"))
    with pytest.raises(ValidationFailed) as exc:
        import_table(write_docx(tmp_path / "khac.docx", rows))
    assert "không có bảng nào có cột tên (lĩnh vực/tiêu chí) và cột điểm tối đa" in _issues(exc)[0]


def test_round_trip_to_yaml_and_excel(tmp_path):
    m, _ = import_table(write_docx(tmp_path / "phu-luc.docx", PROVINCE, before=BEFORE))
    text = dump_yaml(m)
    assert "&id" not in text  # no YAML aliases for values shared by two items
    assert load_yaml_text(text, "x.yaml") == m
    xlsx = tmp_path / "phu-luc.xlsx"
    write_methodology_xlsx(m, xlsx)
    assert read_methodology(xlsx) == m


def test_a_table_split_by_word_across_two_tables(tmp_path):
    path = write_docx(tmp_path / "hai-bang.docx", PROVINCE[:12])
    document = docx.Document(str(path))
    rest = document.add_table(rows=0, cols=4)
    for row in (HEADER, *PROVINCE[12:16]):
        cells = rest.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text or ""
    document.save(str(path))
    m, report = import_table(path)
    assert [f.code for f in m.fields] == ["1", "2"] and m.max_points == D("5.5")
    assert m.nodes["2.1.2"].name == "Điều tra mức độ hài lòng"
    assert report.refine[-1].source == "hai-bang.docx (bảng 2)"


# A method column: the criterion's "Điều tra xã hội học" merged down over its sub-criteria,
# a sub-criterion given by another agency's data, the rest appraised.
METHODS = (
    (*HEADER, "Phương thức đánh giá"),
    ("1", "CHỈ ĐẠO, ĐIỀU HÀNH", "4", "", "Thẩm định"),
    ("1.1", "Kế hoạch CCHC năm", "2", "Kế hoạch", "Thẩm định"),
    ("1.1.1", "Ban hành kế hoạch đúng hạn", "1", "", "^"),
    ("1.1.2", "Tỷ lệ nhiệm vụ hoàn thành (%)", "1", "", "Số liệu do Văn phòng UBND tỉnh cung cấp"),
    ("1.2", "Đánh giá của lãnh đạo, quản lý", "2", "", "Điều tra xã hội học"),
    ("1.2.1", "Tính năng động của lãnh đạo", "1", "", "^"),
    ("1.2.2", "Hiệu quả chỉ đạo, điều hành", "1", "", "^"),
)


def test_a_method_column_gives_survey_and_external_items_on_a_fine_step(tmp_path):
    m, report = import_table(write_docx(tmp_path / "phuong-thuc.docx", METHODS))
    leaves = {n.code: n for n in m.leaves}
    assert {c: n.method for c, n in leaves.items()} == {
        "1.1.1": "self",
        "1.1.2": "external",
        "1.2.1": "survey",
        "1.2.2": "survey",
    }
    # Points converted from a percentage are on 0,01; an appraised yes/no item on 0,25.
    assert leaves["1.1.1"].rule.step == D("0.25")
    assert leaves["1.1.2"].rule.step == D("0.01")
    assert leaves["1.2.1"].rule.step == D("0.01")
    assert ("Phương thức đánh giá", "cột 5 (Phương thức đánh giá)") in report.mapping
    again = load_yaml_text(dump_yaml(m), "x.yaml")
    assert {n.code: n.method for n in again.leaves} == {c: n.method for c, n in leaves.items()}


def test_a_method_the_reader_cannot_tell_is_refused_with_its_row(tmp_path):
    rows = [
        METHODS[0],
        ("1", "CHỈ ĐẠO, ĐIỀU HÀNH", "1", "", ""),
        ("1.1", "Kế hoạch CCHC năm", "1", "", ""),
        ("1.1.1", "Ban hành kế hoạch", "1", "", "Theo ý kiến chuyên gia"),
    ]
    with pytest.raises(ValidationFailed) as exc:
        import_table(write_docx(tmp_path / "sai.docx", rows))
    (issue,) = _issues(exc)
    assert "sai.docx (bảng 1)" in issue and "dòng 4" in issue
    assert "Theo ý kiến chuyên gia" in issue
