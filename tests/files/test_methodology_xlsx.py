"""The methodology workbook: YAML -> Excel -> YAML round trips, the layout officials see, and
the errors an edited workbook gives (row, column and code named)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from parindex.cli import main
from parindex.core import methodology_from_dict, methodology_to_dict
from parindex.core.errors import ValidationFailed
from parindex.core.rules import Band, Thresholds
from parindex.files.methodology import (
    dump_yaml,
    read_methodology,
    shipped_methodology,
    shipped_methodology_names,
)
from parindex.files.methodology_xlsx import (
    INFO_SHEET,
    NODES_SHEET,
    band_text,
    methodology_dict_from_xlsx,
    parse_band,
    read_methodology_xlsx,
    write_methodology_xlsx,
)

D = Decimal
DATA = Path(__file__).parent.parent / "data"
SMALL = DATA / "small.yaml"

BANDS = "Các mức (bands)"
PARAMS = "Tham số (params)"


def small():
    return read_methodology(SMALL)


def export(m, tmp_path, name="m.xlsx") -> Path:
    path = tmp_path / name
    write_methodology_xlsx(m, path)
    return path


def row_of(ws, code: str) -> int:
    for row in range(2, ws.max_row + 1):
        if ws.cell(row=row, column=1).value == code:
            return row
    raise AssertionError(f"no row with code {code}")


def col_of(ws, key: str) -> int:
    for col in range(1, ws.max_column + 1):
        if str(ws.cell(row=1, column=col).value).endswith(f"({key})"):
            return col
    raise AssertionError(f"no column {key}")


def edit(path: Path, changes: dict[tuple[str, str], object]) -> None:
    """Set cells of sheet "Tiêu chí" by (code, column key), as an official would."""
    wb = load_workbook(path)
    ws = wb[NODES_SHEET]
    rows = {code: row_of(ws, code) for code, _ in changes}
    for (code, key), value in changes.items():
        ws.cell(row=rows[code], column=col_of(ws, key)).value = value
    wb.save(path)


def issues_of(path: Path):
    with pytest.raises(ValidationFailed) as caught:
        read_methodology_xlsx(path)
    return caught.value.issues


# --- round trips ----------------------------------------------------------------------------


def test_round_trip_small(tmp_path):
    m = small()
    back = read_methodology_xlsx(export(m, tmp_path))
    assert back == m
    assert methodology_to_dict(back) == methodology_to_dict(m)
    assert dump_yaml(back) == dump_yaml(m)
    # spot checks that equality is not vacuous
    assert back.nodes["2.1.2"].applies_to == frozenset({"commune"})
    assert back.nodes["1.2.1"].not_arising == "full_points"
    assert back.nodes["D1"].rule.per_unit == D("0.25")
    assert [a.code for a in back.adjustments] == ["T1", "D1"]


@pytest.mark.parametrize("name", shipped_methodology_names())
def test_round_trip_shipped(name, tmp_path):
    m = shipped_methodology(name)
    back = read_methodology_xlsx(export(m, tmp_path, f"{name}.xlsx"))
    assert back == m
    assert dump_yaml(back) == dump_yaml(m)
    assert back.description == m.description


RICH = {
    "format": "parindex-methodology/1",
    "code": "rich",
    "name": "Bộ tiêu chí đầy đủ",
    "name_en": "Everything",
    "version": "2025",
    "level": "department_commune",
    "decision": "QĐ 1/QĐ-UBND",
    "status": "example",
    "description": "Dòng một.\nDòng hai; có dấu = và [ngoặc].\n",
    "unit_types": ["department", "commune", "ward"],
    "not_arising_default": "full_points",
    "bands": [
        {"code": "XS", "label": "Xuất sắc", "min": 92.5},
        {"code": "T", "label": "Tốt", "min": 75},
        {"code": "K", "label": "Khác", "min": 0},
    ],
    "bonus_cap": "2.5",
    "deduction_floor": "-3.75",
    "fields": [
        {
            "code": "1",
            "name": "Lĩnh vực",
            "name_en": "Field",
            "max": "3.35",
            "guidance": "=không phải công thức",
            "unknown": True,
            "children": [
                {
                    "code": "1.1",
                    "name": "Số lượng",
                    "max": "1.1",
                    "evidence": "Báo cáo\nDanh sách",
                    "rule": {
                        "kind": "thresholds",
                        "over": "count",
                        "bands": [
                            {"from": 0, "to": 2, "to_inclusive": True, "points": 0},
                            {"from": 2, "from_inclusive": False, "to": 5, "points": "0.55"},
                            {"from": 5, "points": "1.1"},
                        ],
                    },
                    "applies_to": ["commune", "ward"],
                    "not_arising": "not_allowed",
                },
                {
                    "code": "1.2",
                    "name": "Tỷ lệ",
                    "max": "0.1",
                    "rule": {
                        "kind": "thresholds",
                        "bands": [
                            {"to": 50, "points": 0},
                            {"from": 50, "points": "0.1"},
                        ],
                    },
                },
                {"code": "1.3", "name": "Có/không", "max": 1, "rule": {"kind": "yes_no"}},
                {
                    "code": "1.4",
                    "name": "Có/không tùy chỉnh",
                    "max": "0.15",
                    "method": "external",
                    "rule": {"kind": "yes_no", "yes": "0.15", "no": "0.05"},
                },
                {
                    "code": "1.5",
                    "name": "Đúng hạn",
                    "max": 1,
                    "rule": {"kind": "timeliness", "on_time": 1, "late": "0.25", "not_done": 0},
                },
            ],
        },
        {
            "code": "2",
            "name": "Lĩnh vực 2",
            "max": "1.65",
            "children": [
                {
                    "code": "2.1",
                    "name": "Chấm tay",
                    "max": "1.5",
                    "rule": {"kind": "manual", "step": "0.5"},
                },
                {
                    "code": "2.2",
                    "name": "Tỷ lệ thuận",
                    "max": "0.15",
                    "rule": {"kind": "proportional", "full_at": 80},
                },
            ],
        },
    ],
    "adjustments": [
        {"code": "T.1", "name": "Thưởng", "max": "0.5", "rule": {"kind": "bonus"}},
        {
            "code": "T.2",
            "name": "Trừ",
            "max": 2,
            "rule": {"kind": "deduction", "per_unit": "0.125"},
        },
    ],
}


def test_round_trip_every_feature(tmp_path):
    m = methodology_from_dict(RICH, "rich.yaml")
    back = read_methodology_xlsx(export(m, tmp_path))
    assert back == m
    assert dump_yaml(back) == dump_yaml(m)
    assert back.nodes["1"].guidance == "=không phải công thức"
    assert back.nodes["1"].unknown is True
    assert back.nodes["1.1"].evidence == "Báo cáo\nDanh sách"
    assert back.nodes["1.1"].rule.bands[-1] == Band(points=D("1.1"), lo=D(5))
    assert back.nodes["1.2"].max_points == D("0.1")
    assert back.nodes["1.2"].rule.bands[0] == Band(points=D(0), hi=D(50))
    assert back.bonus_cap == D("2.5")
    assert back.deduction_floor == D("-3.75")
    assert [(g.code, g.label, g.min_index) for g in back.grades] == [
        ("XS", "Xuất sắc", D("92.5")),
        ("T", "Tốt", D(75)),
        ("K", "Khác", D(0)),
    ]


# --- what the official sees -----------------------------------------------------------------


def test_workbook_layout(tmp_path):
    path = export(methodology_from_dict(RICH, "rich.yaml"), tmp_path)
    wb = load_workbook(path)
    assert wb.sheetnames == ["Thông tin", "Tiêu chí", "Hướng dẫn"]
    ws = wb[NODES_SHEET]
    headers = [c.value for c in ws[1]]
    assert headers == [
        "Mã (code)",
        "Tên (name)",
        "Tên tiếng Anh (name_en)",
        "Điểm tối đa (max)",
        "Phương thức (method)",
        "Quy tắc (rule)",
        "Tham số (params)",
        "Các mức (bands)",
        "Không phát sinh (not_arising)",
        "Áp dụng cho (applies_to)",
        "Hướng dẫn chấm (guidance)",
        "Tài liệu kiểm chứng (evidence)",
        "Chưa công bố (unknown)",
        "Loại mục (section)",
        "Điều kiện bắt buộc (gate)",
        "Hiệu lực từ (valid_from)",
        "Hiệu lực đến (valid_to)",
        "Khối (block)",
    ]
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "C2"
    r11, r1 = row_of(ws, "1.1"), row_of(ws, "1")
    assert ws.cell(r1, 2).alignment.indent == 0
    assert ws.cell(r11, 2).alignment.indent == 1
    assert [ws.cell(r11, c).value for c in range(4, 9)] == [
        1.1,
        "self",
        "thresholds",
        "over=count",
        "[0..2]=0; (2..5)=0,55; [5..)=1,1",
    ]
    assert ws.cell(r11, 4).number_format == "0.00##"
    assert ws.cell(r11, col_of(ws, "evidence")).alignment.wrap_text
    assert ws.cell(r11, col_of(ws, "applies_to")).value == "commune, ward"
    assert ws.cell(r1, col_of(ws, "guidance")).data_type == "s"  # "=..." is text
    assert ws.cell(r1, col_of(ws, "unknown")).value == "có"
    assert ws.cell(row_of(ws, "T.2"), col_of(ws, "section")).value == "điều chỉnh"
    assert ws.cell(row_of(ws, "T.2"), col_of(ws, "params")).value == "per_unit=0,125"
    dropdowns = {
        str(dv.sqref).split(":")[0][0]: dv.formula1 for dv in ws.data_validations.dataValidation
    }
    assert dropdowns["E"] == '"self,survey,external"'
    assert "thresholds" in dropdowns["F"] and "deduction" in dropdowns["F"]
    assert sorted(dropdowns["I"].strip('"').split(",")) == ["exclude", "full_points", "not_allowed"]

    info = wb[INFO_SHEET]
    pairs = {info.cell(r, 1).value: info.cell(r, 2).value for r in range(2, 15)}
    assert pairs["Mã bộ tiêu chí (code)"] == "rich"
    assert pairs["Loại đơn vị (unit_types)"] == "department, commune, ward"
    assert pairs["Trần điểm thưởng (bonus_cap)"] == 2.5
    assert pairs["Phiên bản (version)"] == "2025"
    values = [c.value for row in info.iter_rows() for c in row]
    assert "Xếp loại (bands)" in values and "Xuất sắc" in values

    guide = wb["Hướng dẫn"]
    text = " ".join(str(c.value) for row in guide.iter_rows() for c in row if c.value)
    assert "[80..100)=0,5" in text and "Tham số (params)" in text


# --- an edited workbook: errors name the row, the column and the code ------------------------


def test_errors_of_an_edited_workbook_name_row_and_code(tmp_path):
    path = export(small(), tmp_path, "sua.xlsx")
    wb = load_workbook(path)
    ws = wb[NODES_SHEET]
    rows = {code: row_of(ws, code) for code in ("1.1.2", "1.2.2", "2.1.1", "2.2.1")}
    ws.cell(rows["1.1.2"], col_of(ws, "bands")).value = "[100..100]=1; [80-100)=0,5; [0..80)=0"
    ws.cell(rows["1.2.2"], col_of(ws, "rule")).value = "thang_diem"
    ws.cell(rows["2.1.1"], col_of(ws, "max")).value = 3  # 2.1 stays 4: 3 + 2 != 4
    ws.cell(rows["2.2.1"], 1).value = "2.1.2"  # duplicate; its parent becomes 2.1 too
    wb.save(path)

    issues = issues_of(path)
    assert all(i.source == "sua.xlsx" for i in issues)
    by_code = {}
    for i in issues:
        by_code.setdefault(i.code, []).append(i)

    (band,) = by_code["1.1.2"]
    assert band.row == rows["1.1.2"]
    assert band.column == BANDS
    assert "[80-100)=0,5" in band.message and "sai cú pháp" in band.message

    (kind,) = by_code["1.2.2"]
    assert kind.row == rows["1.2.2"]
    assert "thang_diem" in kind.message

    assert any(i.row == rows["2.2.1"] and "trùng" in i.message for i in by_code["2.1.2"])
    assert any("đã có ở dòng" in i.message for i in by_code["2.1.2"])
    assert any("tổng điểm tối đa" in i.message for i in by_code["2.1"])
    assert "2" not in by_code  # 2.1 still declares 4, so field 2 adds up
    # the message carries the location as officials read it
    assert str(band).startswith(f"sua.xlsx, dòng {rows['1.1.2']}, cột {BANDS}, mã 1.1.2: ")


def test_child_max_not_summing_names_parent_row(tmp_path):
    path = export(small(), tmp_path)
    edit(path, {("1.2.1", "max"): 1.5})
    issues = issues_of(path)
    ws = load_workbook(path)[NODES_SHEET]
    # only 1.2 is wrong: field 1 sums the declared maxima of 1.1 and 1.2
    assert [(i.code, i.row) for i in issues] == [("1.2", row_of(ws, "1.2"))]
    assert "2,5" in next(i.message for i in issues if i.code == "1.2")


def test_syntax_errors_are_collected_for_all_rows(tmp_path):
    path = export(small(), tmp_path)
    edit(
        path,
        {
            ("1.1.2", "bands"): "[100..100]=1; [80..100)=nửa; [0..80)=0",
            ("1.2.2", "params"): "buoc=0,5",
            ("2.1.1", "params"): "full_at=abc",
            ("T1", "params"): "per_unit 0,5",
            ("1.2.1", "unknown"): "chắc vậy",
            ("D1", "section"): "phụ lục",
            ("2.2.1", "bands"): "[0..100]=2",
        },
    )
    issues = issues_of(path)
    got = {(i.code, i.column) for i in issues}
    assert got == {
        ("1.1.2", BANDS),
        ("1.2.2", PARAMS),
        ("2.1.1", PARAMS),
        ("T1", PARAMS),
        ("1.2.1", "Chưa công bố (unknown)"),
        ("D1", "Loại mục (section)"),
        ("2.2.1", BANDS),
    }
    messages = {i.code: i.message for i in issues}
    assert "nửa" in messages["1.1.2"]
    assert "buoc" in messages["1.2.2"] and "step" in messages["1.2.2"]
    assert "abc" in messages["2.1.1"]
    assert "khóa=giá trị" in messages["T1"]
    assert "thresholds" in messages["2.2.1"]


def test_bands_not_covering_the_domain_reported_by_the_validator(tmp_path):
    path = export(small(), tmp_path)
    edit(path, {("1.1.2", "bands"): "[100..100]=1; [80..100)=0,5; [0..70)=0"})
    (issue,) = issues_of(path)
    assert issue.code == "1.1.2"
    assert "khoảng trống" in issue.message


def test_missing_parent_is_reported(tmp_path):
    path = export(small(), tmp_path)
    edit(path, {("2.2.1", "code"): "2.3.1"})
    issues = issues_of(path)
    orphan = next(i for i in issues if i.code == "2.3.1")
    assert "'2.3'" in orphan.message
    assert orphan.row == row_of(load_workbook(path)[NODES_SHEET], "2.3.1")


def test_missing_sheet_and_missing_column(tmp_path):
    path = export(small(), tmp_path)
    wb = load_workbook(path)
    del wb[INFO_SHEET]
    wb.save(path)
    (issue,) = issues_of(path)
    assert "Thông tin" in issue.message and "thiếu sheet" in issue.message

    path = export(small(), tmp_path, "b.xlsx")
    wb = load_workbook(path)
    wb[NODES_SHEET]["D1"] = "Điểm"
    wb.save(path)
    (issue,) = issues_of(path)
    assert "Điểm tối đa (max)" in issue.message and issue.row == 1

    path = tmp_path / "c.xlsx"
    path.write_text("không phải Excel")
    (issue,) = issues_of(path)
    assert "không đọc được" in issue.message


def _long_methodology():
    """25 leaves, so rows of sheet "Tiêu chí" share numbers with the bands table rows."""
    leaves = [
        {"code": f"1.{i}", "name": f"Mục {i}", "max": 1, "rule": {"kind": "yes_no"}}
        for i in range(1, 26)
    ]
    return methodology_from_dict(
        {
            "format": "parindex-methodology/1",
            "code": "dai",
            "name": "Dài",
            "version": "1",
            "fields": [{"code": "1", "name": "Một", "max": 25, "children": leaves}],
        }
    )


@pytest.mark.parametrize("make", [small, _long_methodology], ids=["small", "long"])
def test_unknown_info_key_and_bad_grade(make, tmp_path):
    path = export(make(), tmp_path, "tt.xlsx")
    wb = load_workbook(path)
    ws = wb[INFO_SHEET]
    ws["A3"] = "Mã số (ma_so)"
    band_row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "B")
    ws.cell(band_row, 3).value = "tám mươi"
    wb.save(path)
    issues = issues_of(path)
    key = next(i for i in issues if "ma_so" in i.message)
    assert key.row == 3 and key.source == "tt.xlsx (sheet Thông tin)"
    grade = [i for i in issues if i.row == band_row]
    assert any("tám mươi" in i.message for i in grade)
    assert all(i.source == "tt.xlsx (sheet Thông tin)" for i in grade)
    assert any(i.message == "thiếu 'code'" for i in issues)


# --- numbers as officials type them ---------------------------------------------------------


def test_decimal_comma_text_and_excel_floats(tmp_path):
    path = export(small(), tmp_path)
    edit(
        path,
        {
            ("1.2.1", "max"): "0,75",  # text with a decimal comma
            ("1.2.2", "max"): "1,25",
            ("1.2.2", "params"): "step = 0,25",
            ("2.1.1", "max"): 0.1,  # Excel floats
            ("2.1.2", "max"): 3.9,
            ("1.1.2", "bands"): "[100..100] → 1\n[80,5..100) : 0,5\n[0..80,5)=0",
            ("T1", "params"): "per_unit=0.5",
        },
    )
    wb = load_workbook(path)
    info = wb[INFO_SHEET]
    cap_row = next(r for r in range(1, 20) if info.cell(r, 1).value.endswith("(bonus_cap)"))
    info.cell(cap_row, 2).value = "0,5"  # bonus_cap as text
    wb.save(path)
    m = read_methodology_xlsx(path)
    assert m.nodes["1.2.1"].max_points == D("0.75")
    assert m.nodes["1.2.2"].max_points == D("1.25")
    assert str(m.nodes["2.1.1"].max_points) == "0.1"
    assert str(m.nodes["2.1.2"].max_points) == "3.9"
    assert m.nodes["1.2.2"].rule.step == D("0.25")
    assert m.nodes["1.1.2"].rule == Thresholds(
        bands=(
            Band(points=D(1), lo=D(100), hi=D(100), hi_inclusive=True),
            Band(points=D("0.5"), lo=D("80.5"), hi=D(100)),
            Band(points=D(0), lo=D(0), hi=D("80.5")),
        )
    )
    assert m.nodes["T1"].rule.per_unit == D("0.5")
    assert m.bonus_cap == D("0.5")


def test_float_noise_from_formulas_is_dropped():
    from parindex.files.methodology_xlsx.read import _float_decimal

    assert _float_decimal(0.1) == D("0.1")
    assert str(_float_decimal(0.1 + 0.2)) == "0.3"
    assert _float_decimal(11.25) == D("11.25")
    assert _float_decimal(100.0) == D(100)


# --- a workbook typed from scratch ----------------------------------------------------------


def test_workbook_typed_from_scratch(tmp_path):
    """Plain keys, a title above the header, an extra column, children before parents."""
    wb = Workbook()
    info = wb.active
    info.title = "thông tin"
    for row in (
        ("format", "parindex-methodology/1"),
        ("code", "xa-2025"),
        ("Tên bộ tiêu chí", "Bộ tiêu chí cấp xã"),
        ("version", 2025),
        ("unit_types", "commune; ward"),
    ):
        info.append(row)
    nodes = wb.create_sheet("Tiêu chí")
    nodes.append(["BẢNG TIÊU CHÍ (dán từ văn bản)"])
    nodes.append([])
    nodes.append(["Ghi chú", "Mã", "Tên", "Điểm tối đa", "Quy tắc", "Tham số", "Các mức"])
    nodes.append(["", "1.1", "Ban hành kế hoạch", 1, "yes_no", None, None])
    nodes.append(["x", "1", "Chỉ đạo", 3, None, None, None])
    nodes.append([None, "1.2", "Tỷ lệ", 2, "thresholds", "over=%", "[90..100]=2; [0..90)=1"])
    nodes.append([None, "1.10", "Mục thứ mười", 0, "manual", "step=0", None])
    path = tmp_path / "xa.xlsx"
    wb.save(path)

    data = methodology_dict_from_xlsx(path)
    assert data["version"] == "2025"
    assert data["unit_types"] == ["commune", "ward"]
    assert [c["code"] for c in data["fields"][0]["children"]] == ["1.1", "1.2", "1.10"]
    assert data["fields"][0]["__line__"] == 5

    m = read_methodology_xlsx(path)
    assert m.code == "xa-2025" and m.version == "2025"
    assert [f.code for f in m.fields] == ["1"]
    assert m.nodes["1.2"].rule.over == "percent"
    assert m.nodes["1.2"].rule.bands[0] == Band(points=D(2), lo=D(90), hi=D(100), hi_inclusive=True)
    assert m.max_points == D(3)


# --- band syntax ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "band"),
    [
        ("[100..100]=1", {"from": D(100), "to": D(100), "to_inclusive": True, "points": D(1)}),
        ("[80..100)=0,5", {"from": D(80), "to": D(100), "points": D("0.5")}),
        (
            "(50..80)=0.25",
            {"from": D(50), "from_inclusive": False, "to": D(80), "points": D("0.25")},
        ),
        ("[5..)=1", {"from": D(5), "points": D(1)}),
        ("[..50)=0", {"to": D(50), "points": D(0)}),
        ("[ 0,5 .. 1 ) → 0", {"from": D("0.5"), "to": D(1), "points": D(0)}),
        ("[80...100):0,5", {"from": D(80), "to": D(100), "points": D("0.5")}),
        ("[80…100)=0,5", {"from": D(80), "to": D(100), "points": D("0.5")}),
    ],
)
def test_parse_band(text, band):
    assert parse_band(text) == band


@pytest.mark.parametrize(
    "text",
    ["80..100=1", "[80-100)=1", "[80..100)", "[80..100)=", "[a..100)=1", "[..)=1", "[80..100)=x"],
)
def test_parse_band_rejects(text):
    assert isinstance(parse_band(text), str)


@pytest.mark.parametrize(
    "band",
    [
        Band(points=D(1), lo=D(100), hi=D(100), hi_inclusive=True),
        Band(points=D("0.5"), lo=D(80), hi=D(100)),
        Band(points=D("0.25"), lo=D("2.5"), hi=D(5), lo_inclusive=False),
        Band(points=D(1), lo=D(5)),
        Band(points=D(0), hi=D(50)),
    ],
)
def test_band_text_reads_back(band):
    spec = parse_band(band_text(band))
    assert Thresholds(bands=(band,)).to_dict()["bands"] == [spec]


# --- command line ---------------------------------------------------------------------------


def test_cli_export_import_validate(tmp_path, capsys):
    xlsx, yaml_out = tmp_path / "x.xlsx", tmp_path / "x.yaml"
    assert main(["methodology", "export", str(SMALL), "--out", str(xlsx)]) == 0
    assert main(["methodology", "import", str(xlsx), "--out", str(yaml_out)]) == 0
    assert main(["methodology", "validate", str(xlsx)]) == 0
    assert read_methodology(yaml_out) == small()
    assert "Hợp lệ" in capsys.readouterr().out

    edit(xlsx, {("1.2.2", "rule"): "sai"})
    assert main(["methodology", "validate", str(xlsx)]) == 1
    assert "mã 1.2.2" in capsys.readouterr().err
