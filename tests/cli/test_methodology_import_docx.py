"""`parindex methodology import FILE.docx`: the report on the console, the YAML written, the
errors with their row, and the mapping given on the command line."""

from __future__ import annotations

from decimal import Decimal

from docx_tables import PROVINCE, write_docx

from parindex.cli import main
from parindex.files.methodology import read_methodology


def test_import_prints_the_report_and_writes_the_yaml(tmp_path, capsys):
    path = write_docx(tmp_path / "phu-luc.docx", PROVINCE)
    out = tmp_path / "bo.yaml"
    code = main(
        ["methodology", "import", str(path), "--out", str(out), "--code", "tinh", "--version", "7"]
    )
    printed = capsys.readouterr().out
    assert code == 0
    assert "2 lĩnh vực, 3 tiêu chí, 6 mục chấm điểm, tổng 5,50 điểm" in printed
    assert "Cần rà soát quy tắc chấm (6 mục" in printed
    m = read_methodology(out)
    assert (m.code, m.version, m.max_points) == ("tinh", "7", Decimal("5.5"))
    assert [n.code for n in m.leaves] == ["1.1.1", "1.1.2", "1.2.1", "1.2.2", "2.1.1", "2.1.2"]


def test_import_without_out_writes_nothing_and_errors_exit_1(tmp_path, capsys):
    rows = [list(r) for r in PROVINCE]
    rows[4][2] = "3"  # criterion 1.1 says 3 against 1 + 1
    path = write_docx(tmp_path / "sai.docx", rows)
    assert main(["methodology", "import", str(path)]) == 1
    err = capsys.readouterr().err
    assert "sai.docx (bảng 1), dòng 5, cột Điểm tối đa, mã 1.1: điểm tối đa 3,00" in err
    good = write_docx(tmp_path / "dung.docx", PROVINCE)
    assert main(["methodology", "import", str(good), "--mapping", "max=3,evidence=-"]) == 0
    printed = capsys.readouterr().out
    assert "Chưa ghi tệp" in printed and "Tài liệu kiểm chứng" not in printed
    assert list(tmp_path.glob("*.yaml")) == []


def test_a_spreadsheet_of_the_appendix_with_a_mapping(tmp_path, capsys):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in PROVINCE:
        ws.append([text if text not in (None, "^") else None for text in row])
    ws.merge_cells("A3:D3")  # the sub-header row
    ws.merge_cells("D5:D8")  # the evidence of 1.1 over 1.1.1 and its levels
    path = tmp_path / "phu-luc.xlsx"
    wb.save(path)
    out = tmp_path / "bo.yaml"
    assert main(["methodology", "import", str(path), "--mapping", "table=1", "-o", str(out)]) == 0
    assert "dòng 3: A. ĐIỂM ĐÁNH GIÁ, THẨM ĐỊNH" in capsys.readouterr().out
    m = read_methodology(out)
    assert m.max_points == Decimal("5.5")
    assert m.nodes["1.1.1"].evidence == "Kế hoạch CCHC năm của tỉnh"
