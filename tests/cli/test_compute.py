"""`parindex compute` and `parindex methodology validate` from the command line (no database)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from parindex.cli import main

DATA = Path(__file__).resolve().parents[1] / "data"
SMALL = DATA / "small.yaml"
SCORES = DATA / "small-scores.csv"
HEADER = "unit,code,value,unit_type\n"


def compute(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["compute", "--methodology", str(SMALL), *args])
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, text: str, name: str = "scores.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def scores_with(tmp_path: Path, *extra_rows: str, drop: str = "") -> Path:
    """small-scores.csv, without the lines containing `drop`, plus extra rows."""
    lines = SCORES.read_text(encoding="utf-8").splitlines(keepends=True)
    lines = [ln for ln in lines if not (drop and drop in ln)]
    return write(tmp_path, "".join(lines) + "".join(r + "\n" for r in extra_rows))


# --- the golden example through the command line ---------------------------------------------


def test_compute_prints_the_ranked_table(capsys):
    code, out, err = compute(capsys, "--scores", str(SCORES))
    assert code == 0, err
    assert "Bộ tiêu chí nhỏ để kiểm thử — phiên bản 2025: 2 đơn vị" in out
    lines = out.splitlines()
    so_a = next(ln for ln in lines if "SO-A" in ln).split()
    xa_b = next(ln for ln in lines if "XA-B" in ln).split()
    assert so_a == ["1", "SO-A", "7,15", "89,38", "B", "81,25", "85,00"]
    assert xa_b == ["2", "XA-B", "8,80", "88,00", "B", "87,50", "96,67"]
    assert err == ""


def test_compute_json(capsys, tmp_path):
    out_file = tmp_path / "kq.json"
    code, out, err = compute(capsys, "--scores", str(SCORES), "--out", str(out_file))
    assert code == 0, err
    assert f"Đã ghi: {out_file}" in out
    payload = json.loads(out_file.read_text(encoding="utf-8"))
    assert payload["methodology"] == {
        "code": "small",
        "name": "Bộ tiêu chí nhỏ để kiểm thử",
        "version": "2025",
    }
    first, second = payload["results"]
    assert first["unit"] == "SO-A"
    assert first["unit_type"] == "department"
    assert first["rank"] == 1
    assert first["points"] == "7.1500"
    assert first["max_points"] == "8.0000"
    assert first["index"] == "89.3750"
    assert first["band"] == "B"
    assert first["bonus"] == "0.5000"
    assert first["deduction"] == "0.0000"
    assert first["missing"] == []
    assert first["fields"] == {
        "1": {
            "name": "Chỉ đạo, điều hành",
            "points": "3.2500",
            "max": "4.0000",
            "index": "81.2500",
        },
        "2": {
            "name": "Thủ tục hành chính",
            "points": "3.4000",
            "max": "4.0000",
            "index": "85.0000",
        },
    }
    assert (second["unit"], second["rank"], second["points"], second["index"]) == (
        "XA-B",
        2,
        "8.8000",
        "88.0000",
    )
    assert second["max_points"] == "10.0000"
    assert second["deduction"] == "-0.5000"
    assert second["fields"]["2"]["index"] == "96.6667"
    # every number is a string, so no float rounding sneaks in
    for result in payload["results"]:
        for f in result["fields"].values():
            assert all(isinstance(f[k], str) for k in ("points", "max", "index"))


def test_compute_csv(capsys, tmp_path):
    out_file = tmp_path / "kq.csv"
    code, _, err = compute(capsys, "--scores", str(SCORES), "--out", str(out_file))
    assert code == 0, err
    raw = out_file.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM, so Excel reads the Vietnamese right
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0] == [
        "Hạng",
        "Đơn vị",
        "Tên đơn vị",
        "Điểm",
        "Tối đa",
        "Chỉ số (%)",
        "Xếp loại",
        "LV 1 (%)",
        "LV 2 (%)",
    ]
    assert rows[1] == ["1", "SO-A", "", "7.1500", "8.0000", "89.3750", "B", "81.2500", "85.0000"]
    assert rows[2] == ["2", "XA-B", "", "8.8000", "10.0000", "88.0000", "B", "87.5000", "96.6667"]


def test_compute_xlsx(capsys, tmp_path):
    out_file = tmp_path / "kq.xlsx"
    code, _, err = compute(capsys, "--scores", str(SCORES), "--out", str(out_file))
    assert code == 0, err
    wb = load_workbook(out_file)
    ws = wb["Xếp hạng"]
    assert "Bộ tiêu chí nhỏ để kiểm thử" in ws["A1"].value
    assert [c.value for c in ws[4]][:7] == [
        "Hạng",
        "Đơn vị",
        "Tên đơn vị",
        "Điểm",
        "Tối đa",
        "Chỉ số (%)",
        "Xếp loại",
    ]
    row5 = [c.value for c in ws[5]]
    row6 = [c.value for c in ws[6]]
    assert row5[:2] == [1, "SO-A"]
    assert row5[3:7] == [pytest.approx(7.15), 8, pytest.approx(89.375), "B"]
    assert row5[7:9] == [pytest.approx(81.25), 85]
    assert row6[:2] == [2, "XA-B"]
    assert row6[5:7] == [88, "B"]
    assert row6[8] == pytest.approx(96.6667)
    assert ws.cell(5, 6).number_format == "0.00"
    detail = wb["Chi tiết"]
    rows = list(detail.iter_rows(min_row=2, values_only=True))
    by_key = {(r[0], r[1]): r for r in rows}
    so_a_112 = by_key[("SO-A", "1.1.2")]
    assert so_a_112[3:6] == (1, 0.5, "scored")
    assert "85,50%" in so_a_112[6] and "0,50 điểm" in so_a_112[6]
    assert by_key[("SO-A", "2.1.2")][5] == "not_applicable"
    assert by_key[("XA-B", "1.2.1")][5] == "not_arising_full"
    wb.close()


def test_compute_with_a_units_file(capsys, tmp_path):
    units = write(
        tmp_path,
        "code,name,type\nSO-A,Sở Nội vụ,department\nXA-B,Xã B,commune\nXA-C,Xã C,commune\n",
        "units.csv",
    )
    out_file = tmp_path / "kq.json"
    code, _, err = compute(
        capsys, "--scores", str(SCORES), "--units", str(units), "--out", str(out_file)
    )
    assert code == 0, err
    results = json.loads(out_file.read_text(encoding="utf-8"))["results"]
    assert [(r["unit"], r["unit_name"], r["rank"]) for r in results] == [
        ("SO-A", "Sở Nội vụ", 1),
        ("XA-B", "Xã B", 2),
        ("XA-C", "Xã C", 3),
    ]
    # XA-C has no row at all: every leaf missing, warned on stderr
    assert results[2]["index"] == "0.0000"
    assert len(results[2]["missing"]) == 7
    assert "Cảnh báo: 7 tiêu chí thành phần thiếu số liệu" in err
    assert "XA-C: 1.1.1, 1.1.2" in err


def test_compute_semicolon_csv_with_decimal_commas(capsys, tmp_path):
    text = SCORES.read_text(encoding="utf-8").replace('"85,5"', "85,5").replace(",", ";")
    text = text.replace("85;5", "85,5")
    path = write(tmp_path, text)
    code, out, err = compute(capsys, "--scores", str(path))
    assert code == 0, err
    assert "89,38" in out


def test_compute_xlsx_scores(capsys, tmp_path):
    wb = Workbook()
    ws = wb.active
    with SCORES.open(encoding="utf-8", newline="") as fh:
        for row in csv.reader(fh):
            ws.append(row)
    path = tmp_path / "scores.xlsx"
    wb.save(path)
    code, out, err = compute(capsys, "--scores", str(path))
    assert code == 0, err
    assert "89,38" in out and "88,00" in out


def test_compute_missing_inputs_warns(capsys, tmp_path):
    path = scores_with(tmp_path, drop="SO-A,2.2.1")
    code, out, err = compute(capsys, "--scores", str(path))
    assert code == 0
    assert "Cảnh báo: 1 tiêu chí thành phần thiếu số liệu, tính 0 điểm" in err
    assert "SO-A: 2.2.1" in err


def test_compute_unsupported_output_extension(capsys, tmp_path):
    code, _, err = compute(capsys, "--scores", str(SCORES), "--out", str(tmp_path / "kq.pdf"))
    assert code == 2
    assert "định dạng không hỗ trợ: .pdf" in err


# --- bad files: exit code 1, a message naming the row and the column ------------------------


def assert_fails(capsys, *args: str) -> str:
    code, out, err = compute(capsys, *args)
    assert code == 1, (out, err)
    assert err.startswith("Lỗi (")
    return err


def test_unknown_code(capsys, tmp_path):
    path = scores_with(tmp_path, "SO-A,9.9,1,department")
    err = assert_fails(capsys, "--scores", str(path))
    assert "scores.csv, dòng 17, cột code, đơn vị SO-A: mã tiêu chí '9.9' không có" in err


def test_value_for_a_parent_code(capsys, tmp_path):
    path = scores_with(tmp_path, "SO-A,1.1,1,department")
    err = assert_fails(capsys, "--scores", str(path))
    assert "dòng 17, cột code, đơn vị SO-A, mã 1.1: chỉ nhập giá trị cho tiêu chí thành phần" in err


def test_unknown_unit_with_a_units_file(capsys, tmp_path):
    units = write(tmp_path, "code,name,type\nSO-A,Sở A,department\n", "units.csv")
    err = assert_fails(capsys, "--scores", str(SCORES), "--units", str(units))
    assert "Lỗi (8):" in err  # the 8 rows of XA-B
    assert (
        "small-scores.csv, dòng 9, cột unit, đơn vị XA-B: đơn vị 'XA-B' không có trong danh sách"
        in err
    )


def test_non_number_value(capsys, tmp_path):
    path = scores_with(tmp_path, "XA-C,2.1.1,chín mươi,commune")
    err = assert_fails(capsys, "--scores", str(path))
    assert "dòng 17, cột value, đơn vị XA-C, mã 2.1.1: giá trị 'chín mươi' không hợp lệ" in err
    assert "cần một số" in err


def test_percent_above_100(capsys, tmp_path):
    path = scores_with(tmp_path, "XA-C,1.1.2,100.5,commune")
    err = assert_fails(capsys, "--scores", str(path))
    assert "dòng 17, cột value, đơn vị XA-C, mã 1.1.2: tỷ lệ 100,50% vượt quá 100%" in err


def test_huge_number_is_an_error_not_a_crash(capsys, tmp_path):
    path = scores_with(tmp_path, "XA-C,1.1.2,1" + "0" * 30 + ",commune")
    err = assert_fails(capsys, "--scores", str(path))
    assert "dòng 17, cột value" in err and "vượt quá 100%" in err
    # written as a power of ten, it is not a number a person types
    path = scores_with(tmp_path, "XA-C,1.1.2,1e30,commune")
    err = assert_fails(capsys, "--scores", str(path))
    assert "dòng 17, cột value" in err and "viết bằng chữ số 0–9" in err


def test_wrong_kind_of_value(capsys, tmp_path):
    path = scores_with(tmp_path, "XA-C,1.1.1,có,commune", "XA-C,1.2.1,late,commune")
    err = assert_fails(capsys, "--scores", str(path))
    assert "Lỗi (2):" in err
    assert "dòng 17, cột value, đơn vị XA-C, mã 1.1.1" in err
    assert "dòng 18, cột value, đơn vị XA-C, mã 1.2.1" in err


def test_manual_off_step(capsys, tmp_path):
    path = scores_with(tmp_path, "XA-C,1.2.2,0.3,commune")
    err = assert_fails(capsys, "--scores", str(path))
    assert "dòng 17, cột value, đơn vị XA-C, mã 1.2.2: điểm 0.3 không theo bước 0.25" in err


def test_duplicate_row(capsys, tmp_path):
    path = scores_with(tmp_path, "SO-A,1.1.2,90,department")
    err = assert_fails(capsys, "--scores", str(path))
    assert "dòng 17, cột code, đơn vị SO-A, mã 1.1.2: trùng với dòng 3" in err


def test_empty_value_and_missing_unit(capsys, tmp_path):
    path = scores_with(tmp_path, "XA-C,1.1.2,,commune", ",1.1.2,50,commune")
    err = assert_fails(capsys, "--scores", str(path))
    assert "dòng 17, cột value, đơn vị XA-C, mã 1.1.2: thiếu giá trị" in err
    assert "dòng 18, cột unit: thiếu mã đơn vị" in err


def test_not_arising_where_not_allowed_names_the_row(tmp_path, capsys):
    yaml_text = SMALL.read_text(encoding="utf-8").replace(
        "not_arising_default: exclude", "not_arising_default: not_allowed"
    )
    methodology = write(tmp_path, yaml_text, "strict.yaml")
    path = scores_with(tmp_path, "XA-C,1.1.2,NA,commune")
    code = main(["compute", "-m", str(methodology), "-s", str(path)])
    err = capsys.readouterr().err
    assert code == 1
    assert "dòng 17, cột value, đơn vị XA-C, mã 1.1.2" in err
    assert "không phát sinh" in err


def test_several_errors_in_one_pass(capsys, tmp_path):
    path = scores_with(
        tmp_path,
        "SO-A,9.9,1,department",
        "XA-C,2.2.1,101,commune",
        "XA-C,1.1.1,sớm,commune",
    )
    err = assert_fails(capsys, "--scores", str(path))
    assert "Lỗi (3):" in err
    for row in (17, 18, 19):
        assert f"dòng {row}, cột" in err


def test_missing_column(capsys, tmp_path):
    path = write(tmp_path, "unit,code,unit_type\nSO-A,1.1.1,department\n")
    err = assert_fails(capsys, "--scores", str(path))
    assert "scores.csv, dòng 1: thiếu cột: value (cần các cột unit, code, value)" in err


def test_vietnamese_column_names(capsys, tmp_path):
    text = SCORES.read_text(encoding="utf-8").replace(HEADER, "Đơn vị,Mã,Giá trị,Loại đơn vị\n")
    path = write(tmp_path, text)
    code, out, err = compute(capsys, "--scores", str(path))
    assert code == 0, err
    assert "89,38" in out


@pytest.mark.parametrize("content", ["", "\ufeff"])
def test_empty_file(capsys, tmp_path, content):
    path = write(tmp_path, content)
    err = assert_fails(capsys, "--scores", str(path))
    assert "scores.csv: tệp rỗng" in err


def test_header_only_gives_no_units(capsys, tmp_path):
    path = write(tmp_path, HEADER)
    code, out, _ = compute(capsys, "--scores", str(path))
    assert code == 0
    assert "0 đơn vị" in out


def test_wrong_extension(capsys, tmp_path):
    path = tmp_path / "scores.txt"
    shutil.copy(SCORES, path)
    err = assert_fails(capsys, "--scores", str(path))
    assert "scores.txt: định dạng không hỗ trợ (cần .csv hoặc .xlsx)" in err


def test_missing_scores_file(capsys, tmp_path):
    err = assert_fails(capsys, "--scores", str(tmp_path / "khong-co.csv"))
    assert "khong-co.csv: không tìm thấy tệp" in err


def test_missing_methodology_file(capsys, tmp_path):
    code = main(["compute", "-m", str(tmp_path / "khong-co.yaml"), "-s", str(SCORES)])
    err = capsys.readouterr().err
    assert code == 1
    assert "không tìm thấy tệp" in err


def test_scores_against_an_invalid_methodology(capsys, tmp_path):
    methodology = write(
        tmp_path, SMALL.read_text(encoding="utf-8").replace("max: 6", "max: 7"), "m.yaml"
    )
    code = main(["compute", "-m", str(methodology), "-s", str(SCORES)])
    err = capsys.readouterr().err
    assert code == 1
    assert "m.yaml, dòng 35, mã 2: tổng điểm tối đa của các mục con" in err


# --- methodology validate ---------------------------------------------------------------------


def test_validate_small(capsys):
    code = main(["methodology", "validate", str(SMALL)])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("Hợp lệ. Bộ tiêu chí nhỏ để kiểm thử (mã small, phiên bản 2025)")
    assert "2 lĩnh vực, 4 tiêu chí, 7 tiêu chí thành phần, tổng 10,00 điểm" in out
    assert "Điểm tối đa cho loại đơn vị 'department': 8,00" in out
    assert "Điểm tối đa cho loại đơn vị 'commune': 10,00" in out


def test_validate_yaml_syntax_error_names_the_line(capsys, tmp_path):
    text = SMALL.read_text(encoding="utf-8").replace(
        "    name: Thủ tục hành chính\n", "    name: Thủ tục hành chính\n   max: [6\n", 1
    )
    path = write(tmp_path, text, "broken.yaml")
    code = main(["methodology", "validate", str(path)])
    err = capsys.readouterr().err
    assert code == 1
    line = text.splitlines().index("   max: [6") + 1
    assert f"broken.yaml, dòng {line}: lỗi cú pháp YAML" in err


def test_validate_reports_every_problem_with_its_line(capsys, tmp_path):
    text = (
        SMALL.read_text(encoding="utf-8")
        .replace("max: 6", "max: 7")
        .replace("{kind: survey}", "{kind: sondage}")
    )
    path = write(tmp_path, text, "bad.yaml")
    code = main(["methodology", "validate", str(path)])
    err = capsys.readouterr().err
    assert code == 1
    assert "Lỗi (2):" in err
    assert "bad.yaml, dòng 35, mã 2: tổng điểm tối đa" in err
    assert "bad.yaml, dòng 50, mã 2.2.1: loại quy tắc không hợp lệ 'sondage'" in err


def test_validate_shipped_methodologies(capsys):
    assert main(["methodology", "list"]) == 0
    names = [ln.split()[0] for ln in capsys.readouterr().out.splitlines() if ln.strip()]
    assert "example-province-internal" in names
    for name in names:
        assert main(["methodology", "validate", name]) == 0, capsys.readouterr().err
    capsys.readouterr()


def test_validate_without_a_file(capsys):
    assert main(["methodology", "validate"]) == 2
    assert "Thiếu tên tệp bộ tiêu chí" in capsys.readouterr().err
