"""parindex.common: one CSV reader (encoding, delimiter) for every import, formula-safe cells
for every export, uploaded files' real type."""

from __future__ import annotations

import codecs
import io
import subprocess
import sys

import pytest
from openpyxl import Workbook, load_workbook

from parindex.common.cells import SafeCsvWriter, append_text_safe, safe_cell, safe_row
from parindex.common.csvio import (
    NOT_UTF8,
    CsvUnreadable,
    open_csv,
    read_table,
    sniff_delimiter,
)
from parindex.common.errors import ImportRefused, RowError
from parindex.common.uploads import clean_filename, detect_type


@pytest.mark.parametrize(
    ("line", "delimiter"),
    [
        ("unit,code,value\n", ","),
        ("unit;code;value\n", ";"),
        ("unit\tcode\tvalue\n", "\t"),
        ("unit;code,value\n", ","),  # a tie: comma
        ("unit\n", ","),  # one column: comma
        ("", ","),
    ],
)
def test_one_delimiter_guess(line, delimiter):
    assert sniff_delimiter(line) == delimiter


@pytest.mark.parametrize(
    "data",
    [
        b"Unit;Code;Value\r\nA;1.1;95,5\r\n",
        codecs.BOM_UTF8 + b'unit,code,value\nA,1.1,"95,5"\n',
        "unit\tcode\tvalue\nA\t1.1\t95,5\n".encode("utf-16"),
    ],
)
def test_read_table_any_delimiter_and_encoding(data):
    header, rows = read_table(data)
    assert header == ["unit", "code", "value"]
    assert rows == [(2, {"unit": "A", "code": "1.1", "value": "95,5"})]


def test_read_table_skips_blank_rows_and_keeps_line_numbers():
    header, rows = read_table(b'unit,code\n\n ,\nA,"x\ny"\nB,2\n')
    assert [line for line, _row in rows] == [5, 6]
    assert rows[0][1]["code"] == "x\ny"


@pytest.mark.parametrize(
    ("data", "line"), [(b"unit,code\n\xff\xfe\x9f,1\n", 2), (b"\x9f\x9f\n", 1)]
)
def test_non_utf8_is_refused_with_one_message(data, line):
    with pytest.raises(CsvUnreadable) as caught:
        read_table(data)
    assert caught.value.msgid == NOT_UTF8 and caught.value.line == line
    refused = ImportRefused.unreadable(caught.value)
    assert refused.errors == [RowError(line, "", NOT_UTF8)]  # the catalog has no "vi"


def test_an_empty_file_has_no_first_line():
    stream = open_csv(io.BytesIO(b""))
    assert stream.first_line == "" and stream.header == [] and list(stream.rows()) == []


def test_every_reader_uses_the_shared_sniffer():
    """No module guesses the delimiter its own way (grep for the old idioms)."""
    from pathlib import Path

    import parindex

    src = Path(parindex.__file__).parent
    offending = [
        str(p.relative_to(src))
        for p in src.rglob("*.py")
        if p.name != "csvio.py" and "delimiter" in p.read_text(encoding="utf-8")
    ]
    assert offending == []


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+84 912", "'+84 912"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Sở Nội vụ", "Sở Nội vụ"),
        ("", ""),
        (-2, -2),
    ],
)
def test_safe_cell(value, safe):
    assert safe_cell(value) == safe


def test_safe_writer_neutralises_every_row():
    buf = io.StringIO()
    w = SafeCsvWriter(buf, lineterminator="\n")
    w.writerow(["=cmd", None, 3])
    w.writerows([["-1", "ok"]])
    assert buf.getvalue() == "'=cmd,,3\n'-1,ok\n"
    assert safe_row(["@x", None]) == ["'@x", ""]


def test_xlsx_text_stays_text(tmp_path):
    wb = Workbook()
    ws = wb.active
    append_text_safe(ws, ['=HYPERLINK("http://x")', 2.5, None])
    append_text_safe(ws, [])
    path = tmp_path / "x.xlsx"
    wb.save(path)
    cell = load_workbook(path).active["A1"]
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x")'


def test_detect_type_and_clean_filename():
    assert detect_type(b"%PDF-1.7", io.BytesIO()) == "pdf"
    assert detect_type(b"\x89PNG\r\n\x1a\n", io.BytesIO()) == "png"
    assert detect_type(b"PK\x03\x04", io.BytesIO(b"PK\x03\x04broken")) is None
    buf = io.BytesIO()
    Workbook().save(buf)
    assert detect_type(buf.getvalue()[:16], buf) == "xlsx"
    assert clean_filename("..\\a/b/..bao-cao\x00.pdf") == "bao-cao.pdf"
    assert clean_filename("/") == "tai-lieu"


def test_csv_and_cells_do_not_load_django():
    code = (
        "import parindex.common.csvio, parindex.common.cells, sys; "
        "bad = sorted(m for m in sys.modules if m.startswith('django')); assert not bad, bad"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr


def test_the_xlsform_export_keeps_formula_like_labels_as_text():
    from dataclasses import replace

    from parindex.surveys.definitions import form_to_xlsform
    from parindex.surveys.sample_data import load_sample_forms

    form = load_sample_forms()[0]
    q = replace(form.questions[0], label='=HYPERLINK("http://x","bấm")')
    data = form_to_xlsform(replace(form, questions=[q, *form.questions[1:]]), [("=A1", "@x")])
    wb = load_workbook(io.BytesIO(data))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert any(c.value == q.label for c in cells)
