"""Hostile methodology files (issue 12): the YAML file, the Excel template and the appendix
table of a decision (.docx or .xlsx) either read or are refused with ValidationFailed naming
the file, never with another exception. Hypothesis makes the files: random bytes, the test
methodology with one value replaced by a hostile one (wrong type, NUL, huge or negative
numbers, "1e999", formulas, long texts), rows dropped or duplicated, damaged archives."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml
from docx_tables import PROVINCE, write_docx
from fuzz_helpers import (
    FUZZ,
    flip_bytes,
    hostile_text,
    hostile_yaml_value,
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
from openpyxl import load_workbook
from openpyxl.utils.exceptions import IllegalCharacterError

from parindex.core.errors import ValidationFailed
from parindex.files.methodology import load_yaml_text, read_methodology, write_methodology
from parindex.files.methodology_table import import_table

DATA = Path(__file__).resolve().parent.parent / "data"
SMALL_TEXT = (DATA / "small.yaml").read_text(encoding="utf-8")
SMALL = yaml.safe_load(SMALL_TEXT)
SMALL_PATHS = paths(SMALL)
REFUSED = (ValidationFailed,)


def _yaml(text: str, name: str = "bo.yaml"):
    return refused_cleanly(lambda: load_yaml_text(text, name), REFUSED, name)


# --- YAML -------------------------------------------------------------------------------------


@FUZZ
@given(st.binary(max_size=600))
def test_yaml_random_bytes_through_the_file_reader(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("y") / "rac.yaml"
    path.write_bytes(data)
    refused_cleanly(lambda: read_methodology(path), REFUSED, "rac.yaml")


@FUZZ
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_yaml_random_text(text):
    _yaml(text)


@FUZZ
@given(
    st.sampled_from(SMALL_PATHS),
    st.sampled_from(["replace", "delete", "duplicate"]),
    hostile_yaml_value,
)
def test_yaml_the_test_methodology_with_one_value_made_hostile(path, action, value):
    doc = mutate(SMALL, path, action, value)
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    _yaml(text)


@FUZZ
@given(st.sampled_from(SMALL_PATHS), st.sampled_from(SMALL_PATHS), hostile_yaml_value)
def test_yaml_two_values_made_hostile(first, second, value):
    doc = mutate(SMALL, first, "replace", value)
    try:
        doc = mutate(doc, second, "replace", value)
    except (KeyError, IndexError, TypeError):  # the first change removed the second's path
        pass
    _yaml(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))


@FUZZ
@given(st.integers(min_value=0, max_value=len(SMALL_TEXT) - 1), hostile_text)
def test_yaml_text_spliced(at, insert):
    _yaml(SMALL_TEXT[:at] + insert + SMALL_TEXT[at:])


# --- the Excel template -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("tpl") / "small.xlsx"
    write_methodology(read_methodology(DATA / "small.yaml"), path)
    return path.read_bytes()


def _xlsx(tmp_path_factory, data: bytes, name: str = "bo.xlsx"):
    path = tmp_path_factory.mktemp("x") / name
    path.write_bytes(data)
    return refused_cleanly(lambda: read_methodology(path), REFUSED, name)


def _edit_workbook(data: bytes, edit) -> bytes | None:
    wb = load_workbook(io.BytesIO(data))
    try:
        edit(wb)
        out = io.BytesIO()
        wb.save(out)
    except (ValueError, IllegalCharacterError, AttributeError):  # cannot write (or merged)
        return None
    return out.getvalue()


@FUZZ
@given(st.data(), xlsx_cell)
def test_template_one_cell_made_hostile(tmp_path_factory, template, data, value):
    def edit(wb):
        ws = data.draw(st.sampled_from(wb.worksheets))
        row = data.draw(st.integers(min_value=1, max_value=max(ws.max_row, 1) + 1))
        col = data.draw(st.integers(min_value=1, max_value=max(ws.max_column, 1) + 1))
        ws.cell(row, col).value = value

    changed = _edit_workbook(template, edit)
    if changed is not None:
        _xlsx(tmp_path_factory, changed)


@FUZZ
@given(st.data())
def test_template_rows_dropped_or_duplicated(tmp_path_factory, template, data):
    seed = data.draw(st.integers(min_value=0, max_value=2**32 - 1))

    def edit(wb):
        ws = data.draw(st.sampled_from(wb.worksheets))
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        ws.delete_rows(1, ws.max_row)
        for r in rows_shuffled(rows, seed):
            ws.append(r)

    changed = _edit_workbook(template, edit)
    if changed is not None:
        _xlsx(tmp_path_factory, changed)


@FUZZ
@given(st.data())
def test_template_sheet_removed_or_renamed(tmp_path_factory, template, data):
    def edit(wb):
        ws = data.draw(st.sampled_from(wb.worksheets))
        if data.draw(st.booleans()):
            wb.remove(ws)
        else:
            ws.title = data.draw(st.sampled_from(["Sheet", "x", "Tiêu chí ", "THÔNG TIN"]))

    changed = _edit_workbook(template, edit)
    if changed is not None:
        _xlsx(tmp_path_factory, changed)


@FUZZ
@given(st.integers(min_value=0, max_value=2**32 - 1), st.integers(min_value=1, max_value=30))
def test_template_bytes_flipped(tmp_path_factory, template, seed, flips):
    _xlsx(tmp_path_factory, flip_bytes(template, seed, flips))


@FUZZ
@given(st.floats(min_value=0.0, max_value=0.99), st.integers(min_value=0, max_value=2**32 - 1))
def test_template_truncated_or_a_member_damaged(tmp_path_factory, template, fraction, seed):
    _xlsx(tmp_path_factory, truncated(template, fraction))
    _xlsx(tmp_path_factory, zip_mutated(template, seed))


@FUZZ
@given(st.binary(max_size=600))
def test_template_random_bytes(tmp_path_factory, data):
    _xlsx(tmp_path_factory, data)


# --- the appendix table (.docx, .xlsx) ----------------------------------------------------------


def _table(tmp_path_factory, data: bytes, name: str):
    path = tmp_path_factory.mktemp("t") / name
    path.write_bytes(data)
    return refused_cleanly(lambda: import_table(path), REFUSED, name)


def _docx(tmp_path_factory, rows) -> bytes:
    path = tmp_path_factory.mktemp("d") / "pl.docx"
    write_docx(path, rows, before=["QUYẾT ĐỊNH 876/QĐ-BNV năm 2025"])
    return path.read_bytes()


@pytest.fixture(scope="module")
def appendix(tmp_path_factory) -> bytes:
    return _docx(tmp_path_factory, PROVINCE)


@FUZZ
@given(st.data(), hostile_text)
def test_appendix_one_cell_made_hostile(tmp_path_factory, data, text):
    text = "".join(c for c in text if c >= " " or c in "\t\n")  # what Word can hold
    r = data.draw(st.integers(min_value=0, max_value=len(PROVINCE) - 1))
    c = data.draw(st.integers(min_value=0, max_value=len(PROVINCE[0]) - 1))
    rows = [list(row) for row in PROVINCE]
    if rows[r][c] is None or rows[r][c] == "^":  # a merge: keep the grid's shape
        return
    rows[r][c] = text
    _table(tmp_path_factory, _docx(tmp_path_factory, rows), "pl.docx")


@FUZZ
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_appendix_rows_dropped_or_duplicated(tmp_path_factory, seed):
    rows = rows_shuffled(list(PROVINCE), seed)
    # a dropped row can leave a merge with no origin: start such a column afresh
    fixed = [list(rows[0])]
    for row in rows[1:]:
        fixed.append(["" if (v == "^" and fixed[-1][c] is None) else v for c, v in enumerate(row)])
    _table(tmp_path_factory, _docx(tmp_path_factory, fixed), "pl.docx")


@FUZZ
@given(st.integers(min_value=0, max_value=2**32 - 1), st.integers(min_value=1, max_value=30))
def test_appendix_bytes_flipped(tmp_path_factory, appendix, seed, flips):
    _table(tmp_path_factory, flip_bytes(appendix, seed, flips), "pl.docx")


@FUZZ
@given(st.floats(min_value=0.0, max_value=0.99), st.integers(min_value=0, max_value=2**32 - 1))
def test_appendix_truncated_or_a_member_damaged(tmp_path_factory, appendix, fraction, seed):
    _table(tmp_path_factory, truncated(appendix, fraction), "pl.docx")
    _table(tmp_path_factory, zip_mutated(appendix, seed), "pl.docx")


@FUZZ
@given(st.binary(max_size=600), st.sampled_from(["pl.docx", "pl.xlsx"]))
def test_appendix_random_bytes(tmp_path_factory, data, name):
    _table(tmp_path_factory, data, name)


@FUZZ
@given(st.lists(st.lists(xlsx_cell, min_size=4, max_size=4), max_size=12))
def test_appendix_as_a_workbook_with_random_rows(tmp_path_factory, rows):
    from openpyxl import Workbook

    wb = Workbook()
    for row in [list(PROVINCE[0]), *rows]:
        wb.active.append(row)
    out = io.BytesIO()
    try:
        wb.save(out)
    except (ValueError, IllegalCharacterError):
        return
    _table(tmp_path_factory, out.getvalue(), "pl.xlsx")


# --- what the fuzzing found (each failed before its fix) ----------------------------------------


def _broken_member(data: bytes, member: str) -> bytes:
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for n in src.namelist():
            z.writestr(n, b"<?xml version='1.0'?><a><b></a>" if n == member else src.read(n))
    return out.getvalue()


def test_a_yaml_file_that_is_not_utf8_is_refused_by_name(tmp_path):
    path = tmp_path / "rac.yaml"
    path.write_bytes(b"code: \x80\xff\n")
    with pytest.raises(ValidationFailed, match="rac.yaml.*UTF-8"):
        read_methodology(path)


def test_a_rule_kind_that_is_a_list_is_refused_not_a_type_error():
    text = SMALL_TEXT.replace("rule: {kind: timeliness}", "rule: {kind: [timeliness]}")
    with pytest.raises(ValidationFailed, match="bo.yaml.*loại quy tắc không hợp lệ"):
        load_yaml_text(text, "bo.yaml")


def test_an_appendix_maximum_too_large_for_decimals_is_no_invalid_operation(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(list(PROVINCE[0]))
    wb.active.append(["1", "Lĩnh vực", "2500000000000000000000000000", ""])
    wb.save(tmp_path / "pl.xlsx")
    try:
        import_table(tmp_path / "pl.xlsx")
    except ValidationFailed as exc:
        assert "pl.xlsx" in str(exc)


def test_a_template_with_broken_xml_is_refused_by_name(tmp_path, template):
    path = tmp_path / "bo.xlsx"
    path.write_bytes(_broken_member(template, "xl/worksheets/sheet1.xml"))
    with pytest.raises(ValidationFailed, match="bo.xlsx.*không đọc được tệp Excel"):
        read_methodology(path)


def test_an_appendix_with_broken_xml_is_refused_by_name(tmp_path, appendix):
    path = tmp_path / "pl.docx"
    path.write_bytes(_broken_member(appendix, "word/document.xml"))
    with pytest.raises(ValidationFailed, match="pl.docx.*không đọc được tệp Word"):
        import_table(path)
    path.write_bytes(flip_bytes(appendix, 3, 25))
    refused_cleanly(lambda: import_table(path), REFUSED, "pl.docx")
