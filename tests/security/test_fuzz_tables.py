"""Hostile data files (issue 12), read without a database: score files (CSV, XLSX), the
national results CSV, the external values CSV, the Ministry's spreadsheet, the set-up
workbook and questionnaires (YAML, XLSForm) either read or are refused with the project's
own error naming the file, never with another exception. (Survey responses: see
tests/surveys/test_survey_fuzz.py.)"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import yaml
from fuzz_helpers import (
    FUZZ,
    flip_bytes,
    hostile_text,
    hostile_yaml_value,
    message_of,
    mutate,
    paths,
    refused_cleanly,
    rows_shuffled,
    truncated,
    xlsx_cell,
    zip_mutated,
)
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import IllegalCharacterError

from parindex.common.errors import ImportRefused
from parindex.core.errors import ValidationFailed
from parindex.files.methodology import read_methodology
from parindex.files.scores import read_scores

DATA = Path(__file__).resolve().parent.parent / "data"
SMALL = read_methodology(DATA / "small.yaml")
SCORES_TEXT = (DATA / "small-scores.csv").read_text(encoding="utf-8")
SCORES = list(csv.reader(io.StringIO(SCORES_TEXT)))


def csv_bytes(rows: list[list[str]], delimiter: str = ",") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter).writerows(rows)
    return buf.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[list]) -> bytes | None:
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    out = io.BytesIO()
    try:
        wb.save(out)
    except (ValueError, IllegalCharacterError):  # openpyxl cannot write such a cell
        return None
    return out.getvalue()


def with_cell(rows: list[list], r: int, c: int, value) -> list[list]:
    rows = [list(row) for row in rows]
    r %= len(rows)
    row = rows[r]
    row += [""] * (c + 1 - len(row))
    row[c] = value
    return rows


cell_place = st.tuples(
    st.integers(min_value=0, max_value=40), st.integers(min_value=0, max_value=6)
)
damage = st.tuples(
    st.sampled_from(["flip", "truncate", "member"]),
    st.integers(min_value=0, max_value=2**32 - 1),
    st.floats(min_value=0.0, max_value=0.99),
)


def damaged(data: bytes, how: tuple[str, int, float]) -> bytes:
    kind, seed, fraction = how
    if kind == "flip":
        return flip_bytes(data, seed, 1 + seed % 30)
    if kind == "truncate":
        return truncated(data, fraction)
    return zip_mutated(data, seed)


# --- score files (parindex compute) -----------------------------------------------------------


def _scores(tmp_path_factory, data: bytes, name: str):
    path = tmp_path_factory.mktemp("s") / name
    path.write_bytes(data)
    return refused_cleanly(lambda: read_scores(path, SMALL), (ValidationFailed,), name)


@FUZZ
@given(st.binary(max_size=800), st.sampled_from(["diem.csv", "diem.xlsx"]))
def test_scores_random_bytes(tmp_path_factory, data, name):
    _scores(tmp_path_factory, data, name)


@FUZZ
@given(cell_place, hostile_text, st.sampled_from([",", ";", "\t"]), st.integers(0, 2**32 - 1))
def test_scores_csv_hostile_cell_rows_dropped_or_duplicated(
    tmp_path_factory, place, text, delimiter, seed
):
    rows = rows_shuffled(with_cell(SCORES, *place, text), seed)
    _scores(tmp_path_factory, csv_bytes(rows, delimiter), "diem.csv")


@FUZZ
@given(cell_place, xlsx_cell, st.integers(0, 2**32 - 1))
def test_scores_xlsx_hostile_cell(tmp_path_factory, place, value, seed):
    data = xlsx_bytes(rows_shuffled(with_cell(SCORES, *place, value), seed))
    if data is not None:
        _scores(tmp_path_factory, data, "diem.xlsx")


@FUZZ
@given(damage)
def test_scores_xlsx_damaged(tmp_path_factory, how):
    _scores(tmp_path_factory, damaged(xlsx_bytes(SCORES), how), "diem.xlsx")


# --- the national results CSV, the external values CSV -----------------------------------------

NATIONAL = [
    ["year", "province", "rank", "total", "appraisal", "sipas", "source"],
    ["2024", "Lào Cai", "5", "85,5", "50", "30", "Bộ Nội vụ"],
    ["2024", "Hà Nội", "1", "90", "55", "31", ""],
]
EXTERNAL = [["unit", "code", "value"], ["SO-A", "1.1.2", "85,5"], ["SO-B", "2.1.1", "90"]]


def _national(data: bytes):
    from parindex.results.services import national_results_read_csv

    run = lambda: national_results_read_csv(data, filename="kq.csv")  # noqa: E731
    return refused_cleanly(run, (ImportRefused,), "kq.csv")


def _external(data: bytes):
    from parindex.assessment.services import external_values_read_csv

    try:
        return external_values_read_csv(data)
    except ImportRefused as exc:  # the upload form names the file; the errors their rows
        assert exc.errors and all(e.message for e in exc.errors)
        return None


@FUZZ
@given(st.binary(max_size=800))
def test_national_and_external_random_bytes(data):
    _national(data)
    _external(data)


@FUZZ
@given(cell_place, hostile_text, st.integers(0, 2**32 - 1), st.booleans())
def test_national_and_external_hostile_cells(place, text, seed, utf16):
    for rows, read in ((NATIONAL, _national), (EXTERNAL, _external)):
        data = csv_bytes(rows_shuffled(with_cell(rows, *place, text), seed))
        read(data.decode().encode("utf-16") if utf16 else data)


# --- the Ministry's spreadsheet (read; entered back in test_fuzz_imports_db) ---------------------

OUTSIDE = [
    ["Mã tiêu chí", "Điểm thẩm định", "Lý do", "Nhận xét", "Điểm cuối cùng", "Mã đơn vị"],
    ["1.1.2", "0,5", "Không đạt", "Chưa hoàn thành", "0,5", "STP"],
    ["2.1.1", "1", "", "", "1", "STP"],
]


def _outside(data: bytes, name: str):
    from parindex.assessment.services.outside import outside_read_file

    return refused_cleanly(lambda: outside_read_file(name, data), (ImportRefused,), name)


@FUZZ
@given(st.binary(max_size=800), st.sampled_from(["bo.csv", "bo.xlsx", "bo.xls"]))
def test_outside_random_bytes(data, name):
    _outside(data, name)


@FUZZ
@given(cell_place, xlsx_cell, st.integers(0, 2**32 - 1))
def test_outside_hostile_cell(place, value, seed):
    rows = rows_shuffled(with_cell(OUTSIDE, *place, value), seed)
    data = xlsx_bytes(rows)
    if data is not None:
        _outside(data, "bo.xlsx")
    _outside(csv_bytes([["" if v is None else str(v) for v in r] for r in rows]), "bo.csv")


@FUZZ
@given(damage)
def test_outside_damaged(how):
    _outside(damaged(xlsx_bytes(OUTSIDE), how), "bo.xlsx")


# --- the set-up workbook (read; imported in test_fuzz_imports_db) --------------------------------


@pytest.fixture(scope="module")
def setup_template() -> bytes:
    from parindex.setup.workbook import COLUMNS, UNITS, workbook_bytes

    rows = {sheet: [cols] for sheet, cols in COLUMNS.items()}
    rows[UNITS].append(("SO-X", "Sở X", "department", "", ""))
    return workbook_bytes(rows)


def _setup_read(data: bytes, name: str = "thiet-lap.xlsx"):
    from parindex.setup.workbook import read_sheets

    sheets, problems = read_sheets(data, name)
    assert sheets or problems
    if not sheets:
        assert name in " ".join(problems), problems
    return sheets, problems


@FUZZ
@given(st.binary(max_size=800))
def test_setup_random_bytes(data):
    _setup_read(data)


@FUZZ
@given(damage)
def test_setup_damaged(setup_template, how):
    _setup_read(damaged(setup_template, how))


# --- questionnaires (YAML, XLSForm) --------------------------------------------------------------

QUESTIONNAIRES = (
    Path(__file__).resolve().parents[2] / "src/parindex/surveys/samples/questionnaires.yaml"
).read_text(encoding="utf-8")
QDOC = yaml.safe_load(QUESTIONNAIRES)
QPATHS = paths(QDOC)


def _forms(data: bytes, name: str):
    from parindex.surveys.services.common import SurveyFileRefused
    from parindex.surveys.services.questionnaires import forms_read

    return refused_cleanly(lambda: forms_read(data, name), (SurveyFileRefused,), name)


@FUZZ
@given(st.binary(max_size=800), st.sampled_from(["phieu.yaml", "phieu.xlsx"]))
def test_questionnaire_random_bytes(data, name):
    _forms(data, name)


@FUZZ
@given(
    st.sampled_from(QPATHS), st.sampled_from(["replace", "delete", "duplicate"]), hostile_yaml_value
)
def test_questionnaire_yaml_one_value_made_hostile(path, action, value):
    doc = mutate(QDOC, path, action, value)
    _forms(yaml.safe_dump(doc, allow_unicode=True).encode(), "phieu.yaml")


@pytest.fixture(scope="module")
def xlsform() -> bytes:
    from parindex.surveys.definitions import form_to_xlsform
    from parindex.surveys.sample_data import load_sample_forms

    return form_to_xlsform(load_sample_forms()[0])


@FUZZ
@given(st.data(), xlsx_cell)
def test_questionnaire_xlsform_one_cell_made_hostile(xlsform, data, value):
    wb = load_workbook(io.BytesIO(xlsform))
    ws = data.draw(st.sampled_from(wb.worksheets))
    r = data.draw(st.integers(min_value=1, max_value=min(ws.max_row, 60) + 1))
    c = data.draw(st.integers(min_value=1, max_value=ws.max_column + 1))
    ws.cell(r, c).value = value
    out = io.BytesIO()
    try:
        wb.save(out)
    except (ValueError, IllegalCharacterError):
        return
    _forms(out.getvalue(), "phieu.xlsx")


@FUZZ
@given(damage)
def test_questionnaire_xlsform_damaged(xlsform, how):
    _forms(damaged(xlsform, how), "phieu.xlsx")


# --- what the fuzzing found (each failed before its fix) ----------------------------------------


def test_a_score_file_named_xlsx_that_is_not_a_workbook_is_refused_by_name(tmp_path):
    path = tmp_path / "diem.xlsx"
    path.write_bytes(b"unit,code,value\n")
    with pytest.raises(ValidationFailed, match="diem.xlsx.*không đọc được tệp Excel"):
        read_scores(path, SMALL)


def test_a_score_workbook_longer_than_its_dimension_says_is_refused_as_validation(
    tmp_path, monkeypatch
):
    from test_zip_bombs import rows_sheet, xlsx_parts, zip_bytes

    from parindex.common import office_zip

    monkeypatch.setattr(office_zip, "DEFAULT", office_zip.ZipLimits(max_rows=50))
    path = tmp_path / "diem.xlsx"
    path.write_bytes(zip_bytes(xlsx_parts(rows_sheet(51, False, header=["unit", "code", "value"]))))
    with pytest.raises(ValidationFailed, match="diem.xlsx.*quá 50 dòng"):
        read_scores(path, SMALL)


def test_an_unreadable_setup_workbook_is_refused_by_its_name():
    from parindex.setup.workbook import read_sheets

    assert read_sheets(b"PK\x03\x04 not really", "thiet-lap-2025.xlsx") == (
        {},
        ["Không đọc được tệp “thiet-lap-2025.xlsx”: cần tệp Excel .xlsx theo mẫu."],
    )


def test_the_ministrys_spreadsheet_is_checked_for_a_zip_bomb_before_parsing():
    from test_zip_bombs import padded_sheet, xlsx_parts, zip_bytes

    from parindex.assessment.services.outside import outside_read_file

    with pytest.raises(ImportRefused) as exc:
        outside_read_file("bo.xlsx", zip_bytes(xlsx_parts(padded_sheet(101))))
    assert "bo.xlsx" in message_of(exc.value)
    assert "bị từ chối" in message_of(exc.value)
