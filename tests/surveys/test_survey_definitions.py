"""Questionnaire files: YAML and XLSForm read, written and read back; problems located."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from parindex.surveys.definitions import (
    DefinitionError,
    form_from_xlsform,
    form_to_xlsform,
    forms_from_yaml,
    forms_to_yaml,
)
from parindex.surveys.sample_data import load_sample_forms

SAMPLES = Path(__file__).resolve().parents[2] / "src/parindex/surveys/samples"


def test_the_sample_questionnaires_load():
    forms = load_sample_forms()
    assert [f.group_code for f in forms] == ["nguoi_dan", "hdnd", "lanh_dao_so", "lanh_dao_xa"]
    sipas = forms[0]
    assert sipas.kind == "sipas"
    assert len(sipas.select_questions()) == 20
    assert {q.leaf for q in sipas.questions if q.leaf} == {
        "8.1.1",
        "8.1.2",
        "8.1.3",
        "8.1.4",
        "8.1.5",
    }
    assert [o.score for o in sipas.choices["abcd"]] if "abcd" in sipas.choices else True
    abcd = forms[1].choices["abcd"]
    assert [o.score for o in abcd] == [Decimal(100), Decimal(60), Decimal(20), Decimal(0), None]


def test_yaml_round_trip_keeps_every_field():
    forms = load_sample_forms()
    again = forms_from_yaml(forms_to_yaml(forms))
    assert again == forms


def test_xlsform_round_trip_keeps_every_field():
    for form in load_sample_forms():
        again = form_from_xlsform(form_to_xlsform(form, units=[("LC-STP", "Sở Tư pháp")]))
        assert again == form


def test_the_shipped_xlsforms_match_the_yaml():
    for form in load_sample_forms():
        data = (SAMPLES / "xlsform" / f"{form.form_id}.xlsx").read_bytes()
        assert form_from_xlsform(data) == form


def test_exported_xlsform_has_the_standard_sheets_and_parindex_columns():
    form = load_sample_forms()[1]
    wb = load_workbook(io.BytesIO(form_to_xlsform(form, units=[("LC-STP", "Sở Tư pháp")])))
    assert wb.sheetnames == ["survey", "choices", "settings"]
    survey = [list(r) for r in wb["survey"].iter_rows(values_only=True)]
    assert survey[0][:3] == ["type", "name", "label"]
    assert "parindex_leaf" in survey[0] and "parindex_weight" in survey[0]
    assert not [h for sheet in wb for h in next(sheet.iter_rows(values_only=True)) if "::" in h]
    types = [r[0] for r in survey[1:]]
    assert types[:4] == ["start", "end", "select_one parindex_units", "calculate"]
    choices = [list(r) for r in wb["choices"].iter_rows(values_only=True)]
    assert choices[0] == ["list_name", "name", "label", "parindex_score", "parindex_satisfied"]
    assert ["abcd", "A", "Rất tốt", 100, None] in choices
    settings = [list(r) for r in wb["settings"].iter_rows(values_only=True)]
    assert settings[1][:4] == [form.title, "ld_dai_bieu_hdnd", "2025.1", "hdnd"]


def _xlsform(survey: list[list], choices: list[list], settings: list[list] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "survey"
    for r in survey:
        ws.append(r)
    cs = wb.create_sheet("choices")
    for r in choices:
        cs.append(r)
    if settings is not None:
        ss = wb.create_sheet("settings")
        for r in settings:
            ss.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_a_kobo_style_xlsform_with_groups_and_meta_is_read():
    data = _xlsform(
        [
            ["type", "name", "label::Vietnamese (vi)", "required", "parindex::leaf"],
            ["start", "start", None, None, None],
            ["begin_group", "g1", "Phần 1", None, None],
            ["select_one yn", "q1", "Câu 1", "yes", "8.2.1"],
            ["text", "ghi_chu", "Ý kiến khác", None, None],
            ["end_group", None, None, None, None],
        ],
        [
            ["list_name", "name", "label::Vietnamese (vi)", "parindex::score"],
            ["yn", "co", "Có", 100],
            ["yn", "khong", "Không", 0],
        ],
        [["form_title", "form_id", "version"], ["Phiếu thử", "phieu_thu", "1"]],
    )
    form = form_from_xlsform(data)
    assert form.group_code == "phieu_thu"
    assert [(q.type, q.name, q.required, q.leaf) for q in form.questions] == [
        ("select_one", "q1", True, "8.2.1"),
        ("text", "ghi_chu", False, ""),
    ]
    assert form.questions[0].label == "Câu 1"


def test_xlsform_problems_name_sheet_row_and_column():
    data = _xlsform(
        [
            ["type", "name", "label", "parindex::weight"],
            ["select_one abcd", "q1", "Câu 1", "nặng"],
            ["select_one khong_co", "q2", "Câu 2", None],
            ["begin_repeat", "r", "Lặp", None],
        ],
        [["list_name", "name", "label", "parindex::score"], ["abcd", "A", "Tốt", "cao"]],
        [["form_title", "form_id"], ["Phiếu", "p1"]],
    )
    with pytest.raises(DefinitionError) as exc:
        form_from_xlsform(data, "phieu.xlsx")
    text = "\n".join(exc.value.problems)
    assert "choices, dòng 2, cột “parindex::score”: “cao” không phải số" in text
    assert "survey, dòng 2, cột “parindex::weight”: “nặng” không phải số" in text
    assert "câu hỏi “q2”: không có danh sách phương án “khong_co”" in text


def test_a_file_that_is_not_an_xlsform_is_refused_cleanly():
    with pytest.raises(DefinitionError):
        form_from_xlsform(b"PK\x03\x04 not really a zip", "x.xlsx")
    with pytest.raises(DefinitionError):
        form_from_xlsform(_xlsform([["type", "name"]], [["x"]])[:-30], "cut.xlsx")


def test_yaml_problems_are_collected():
    text = """
questionnaires:
  - form_id: "1 bad id"
    title: ""
    kind: other
    group: {code: "nhóm có dấu", name: X}
    questions:
      - {name: q1, type: select_one, choices: abcd, leaf: "8.2.1"}
      - {name: q1, type: hologram}
      - {name: q3, type: text, leaf: "8.2.2"}
    choices:
      abcd:
        - {name: A, score: 150}
        - {name: A, score: x}
"""
    with pytest.raises(DefinitionError) as exc:
        forms_from_yaml(text, "p.yaml")
    text = "\n".join(exc.value.problems)
    for expected in (
        "mã biểu mẫu (form_id) “1 bad id” không hợp lệ",
        "thiếu tên phiếu",
        "mã nhóm đối tượng “nhóm có dấu” không hợp lệ",
        "loại phiếu “other” không hợp lệ",
        "câu hỏi “q1” bị trùng tên",
        "loại “hologram” không được hỗ trợ",
        "câu hỏi “q3”: chỉ câu hỏi chọn một phương án",
        "điểm “x” không phải số",
    ):
        assert expected in text, expected


def test_unreadable_yaml_gives_its_line():
    with pytest.raises(DefinitionError) as exc:
        forms_from_yaml("questionnaires:\n  - form_id: [unclosed\n", "p.yaml")
    assert "p.yaml (dòng" in exc.value.problems[0]
