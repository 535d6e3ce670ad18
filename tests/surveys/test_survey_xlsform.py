"""XLSForm as ODK/Kobo write it: pyxform converts parindex's export; tolerant reading."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from pyxform.xls2xform import convert

from parindex.surveys.definitions import (
    DefinitionError,
    form_from_xlsform,
    form_report,
    form_to_xlsform,
)
from parindex.surveys.sample_data import load_sample_forms


def _book(sheets: dict[str, list[list]]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.parametrize("index", range(4))
def test_pyxform_converts_the_exported_form_and_it_imports_back_identically(index):
    form = load_sample_forms()[index]
    data = form_to_xlsform(form, units=[("LC-STP", "Sở Tư pháp"), ("LC-SYT", "Sở Y tế")])
    warnings: list[str] = []
    result = convert(xlsform=data, file_type=".xlsx", warnings=warnings, form_name="data")
    assert f'id="{form.form_id}"' in result.xform
    assert "<itext>" not in result.xform  # no fake languages from parindex's columns
    assert form_from_xlsform(data) == form


def test_the_shipped_sample_xlsforms_have_no_language_separator_in_parindex_columns():
    form = load_sample_forms()[0]
    wb = load_workbook(io.BytesIO(form_to_xlsform(form)))
    headers = [h for ws in wb for h in next(ws.iter_rows(values_only=True))]
    assert "parindex_score" in headers and "parindex_kind" in headers
    assert not [h for h in headers if h.startswith("parindex::")]


def test_old_parindex_double_colon_columns_still_import():
    data = _book(
        {
            "survey": [
                ["type", "name", "label", "parindex::leaf", "parindex::weight"],
                ["select_one yn", "q1", "Câu 1", "8.2.1", 2],
            ],
            "choices": [
                ["list_name", "name", "label", "parindex::score", "parindex::satisfied"],
                ["yn", "co", "Có", 100, "yes"],
                ["yn", "khong", "Không", 0, None],
            ],
            "settings": [
                ["form_title", "form_id", "parindex::group", "parindex::kind"],
                ["Phiếu", "p1", "nguoi_dan", "sipas"],
            ],
        }
    )
    form = form_from_xlsform(data)
    assert (form.group_code, form.kind) == ("nguoi_dan", "sipas")
    assert (form.questions[0].leaf, form.questions[0].weight) == ("8.2.1", Decimal(2))
    assert [(o.score, o.satisfied) for o in form.choices["yn"]] == [
        (Decimal(100), True),
        (Decimal(0), False),
    ]


def test_a_field_xlsform_with_aliases_languages_and_unscored_questions_is_read():
    data = _book(
        {
            "survey": [
                ["Type", "Name", "Label::English (en)", "label::Tiếng Việt (vi)", "parindex_leaf"],
                ["start", "start", None, None, None],
                ["deviceid", "deviceid", None, None, None],
                ["begin group", "g1", "Part 1", "Phần 1", None],
                ["select one yn or_other", "q1", "Q1", "Câu 1", "8.2.1"],
                ["select_multiple many", "q2", "Q2", "Câu 2", None],
                ["int", "tuoi", "Age", "Tuổi", None],
                ["string", "ghi_chu", "Note", "Ghi chú", None],
                ["geopoint", "vi_tri", "Where", "Vị trí", None],
                ["image", "anh", "Photo", "Ảnh", None],
                ["note", "n1", "Thanks", "Cảm ơn", None],
                ["calculate", "tong", None, None, None],
                ["acknowledge", "ok", "OK", "Đồng ý", None],
                ["end group", None, None, None, None],
                ["begin repeat", "r1", "Members", "Thành viên", None],
                ["text", "ten", "Name", "Tên", None],
                ["end repeat", None, None, None, None],
            ],
            "choices": [
                [
                    "List Name",
                    "name",
                    "label::English (en)",
                    "label::Tiếng Việt (vi)",
                    "parindex_score",
                ],
                ["yn", "co", "Yes", "Có", 100],
                ["yn", "khong", "No", "Không", 0],
                *[["many", f"o{i}", f"O{i}", f"PA {i}", None] for i in range(40)],
            ],
        }
    )
    form = form_from_xlsform(data, "Phiếu khảo sát 2025.xlsx")
    assert form.form_id == "Phieu_khao_sat_2025"  # XLSForm's default: the file name
    assert [(q.type, q.name) for q in form.questions] == [
        ("select_one", "q1"),
        ("select_multiple", "q2"),
        ("integer", "tuoi"),
        ("text", "ghi_chu"),
        ("geopoint", "vi_tri"),
        ("image", "anh"),
        ("note", "n1"),
        ("acknowledge", "ok"),
        ("text", "ten"),
    ]
    assert form.questions[0].label == "Câu 1" and form.questions[0].list_name == "yn"
    assert form.choices["yn"][0].label == "Có"
    scored, unscored = form_report(form)
    assert len(scored) == 1 and scored[0].startswith("q1")
    assert "q2 (select_multiple)" in unscored and "tong (calculate)" in unscored
    assert "start (start)" in unscored
    # What parindex writes back is a valid XLSForm too.
    convert(xlsform=form_to_xlsform(form), file_type=".xlsx", warnings=[], form_name="data")


def test_languages_prefer_vietnamese_then_the_default_label():
    data = _book(
        {
            "survey": [
                ["type", "name", "label:English", "label"],
                ["text", "a", "In English", "Mặc định"],
            ],
            "settings": [["form_title", "form_id"], ["T", "t1"]],
        }
    )
    assert form_from_xlsform(data).questions[0].label == "Mặc định"
    data = _book({"survey": [["type", "name", "label::vi"], ["text", "a", "Tiếng Việt"]]})
    assert form_from_xlsform(data).questions[0].label == "Tiếng Việt"


def test_no_choices_sheet_is_fine_without_select_questions_and_named_otherwise():
    ok = _book({"survey": [["type", "name", "label"], ["text", "a", "A"]]})
    assert form_from_xlsform(ok, "a.xlsx").form_id == "a"
    bad = _book({"survey": [["type", "name", "label"], ["select_one yn", "a", "A"]]})
    with pytest.raises(DefinitionError) as exc:
        form_from_xlsform(bad, "b.xlsx")
    assert exc.value.problems == ["b.xlsx: thiếu trang tính “choices”."]


def test_one_missing_header_gives_one_message():
    data = _book(
        {
            "survey": [["type", "label"], ["select_one yn", "Câu 1"], ["text", "Câu 2"]],
            "choices": [["list_name", "name"], ["yn", "co"]],
        }
    )
    with pytest.raises(DefinitionError) as exc:
        form_from_xlsform(data, "f.xlsx")
    assert exc.value.problems == ["f.xlsx: trang “survey” thiếu cột “name”."]


def test_cell_problems_name_sheet_row_and_column():
    data = _book(
        {
            "survey": [
                ["type", "name", "label", "parindex_weight"],
                ["selct_one yn", "q1", "Câu 1", None],
                ["select_one", "q2", "Câu 2", None],
                ["select_one yn", "q3", "Câu 3", "nặng"],
            ],
            "choices": [["list_name", "name", "label"], ["yn", "co", "Có"], ["yn", None, "?"]],
        }
    )
    with pytest.raises(DefinitionError) as exc:
        form_from_xlsform(data, "f.xlsx")
    assert exc.value.problems[:4] == [
        "f.xlsx, survey, dòng 2, cột “type”: loại câu hỏi “selct_one yn” không có trong XLSForm.",
        "f.xlsx, survey, dòng 3, cột “type”: “select_one” thiếu tên danh sách.",
        "f.xlsx, survey, dòng 4, cột “parindex_weight”: “nặng” không phải số.",
        "f.xlsx, choices, dòng 3, cột “name”: ô trống.",
    ]


def test_a_leaf_inside_a_repeat_is_refused_with_its_place():
    data = _book(
        {
            "survey": [
                ["type", "name", "label", "parindex_leaf"],
                ["begin_repeat", "r", "R", None],
                ["select_one yn", "q1", "Câu 1", "8.2.1"],
                ["end_repeat", None, None, None],
            ],
            "choices": [["list_name", "name", "label", "parindex_score"], ["yn", "co", "Có", 100]],
        }
    )
    with pytest.raises(DefinitionError) as exc:
        form_from_xlsform(data, "f.xlsx")
    assert exc.value.problems == [
        "f.xlsx, survey, dòng 3, cột “parindex_leaf”: câu hỏi trong nhóm lặp (repeat) không "
        "chấm điểm được."
    ]


def test_survey_check_prints_what_is_scored_and_exits_0(tmp_path, capsys):
    from parindex.cli import main

    path = tmp_path / "hdnd.xlsx"
    path.write_bytes(form_to_xlsform(load_sample_forms()[1]))
    assert main(["survey", "check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Hợp lệ." in out and "form_id ld_dai_bieu_hdnd" in out
    assert "Được chấm điểm (" in out and "→ tiêu chí" in out
    assert "start (start)" in out.split("Không chấm điểm")[1]


def test_survey_check_prints_the_problems_and_exits_1(tmp_path, capsys):
    from parindex.cli import main

    path = tmp_path / "bad.xlsx"
    path.write_bytes(_book({"survey": [["type", "label"], ["text", "A"]]}))
    assert main(["survey", "check", str(path)]) == 1
    err = capsys.readouterr().err
    assert "Lỗi (1):" in err and "bad.xlsx: trang “survey” thiếu cột “name”." in err
    yaml_path = tmp_path / "p.yaml"
    yaml_path.write_text("form_id: p1\ntitle: ''\n", encoding="utf-8")
    assert main(["survey", "check", str(yaml_path)]) == 1
    assert "thiếu tên phiếu" in capsys.readouterr().err
