"""Formula injection (issue 12, the security pass): every XLSX writer that carries text
someone typed (unit codes and names, titles, labels, people's names) writes it through the
one helper of parindex.common.cells, so "=..." comes back as text, never as a formula; real
numbers stay numbers."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl import load_workbook

from parindex.cli import main

DATA = Path(__file__).resolve().parents[1] / "data"
CODE = "=cmd|' /C calc'!A0"
LABEL = '=HYPERLINK("http://x","y")'


def write_csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)


def cells(wb):
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]


def assert_text(wb, *values):
    everything = cells(wb)
    assert not [c.coordinate for c in everything if c.data_type == "f"]
    for value in values:
        found = [c for c in everything if c.value == value]
        assert found, value
        assert all(c.data_type == "s" for c in found)


def test_compute_out_xlsx_writes_codes_and_names_as_text(tmp_path, capsys):
    with (DATA / "small-scores.csv").open(encoding="utf-8", newline="") as f:
        rows = [[CODE if c == "SO-A" else c for c in row] for row in csv.reader(f)]
    write_csv(tmp_path / "scores.csv", rows)
    units = [["code", "name", "type"], [CODE, LABEL, "department"], ["XA-B", "Xã B", "commune"]]
    write_csv(tmp_path / "units.csv", units)
    out = tmp_path / "results.xlsx"
    args = ["compute", "-m", str(DATA / "small.yaml"), "-s", str(tmp_path / "scores.csv")]
    assert main([*args, "--units", str(tmp_path / "units.csv"), "-o", str(out)]) == 0, (
        capsys.readouterr().err
    )
    wb = load_workbook(out)
    assert_text(wb, CODE, LABEL)
    numbers = [c for c in cells(wb) if c.data_type == "n" and c.value is not None]
    assert numbers and any(c.value == pytest.approx(7.15) for c in numbers)


def test_the_questionnaire_excel_export_writes_titles_and_labels_as_text():
    from parindex.surveys.definitions import form_to_xlsform
    from parindex.surveys.sample_data import load_sample_forms

    form = load_sample_forms()[0]
    q = replace(form.questions[0], label=LABEL, hint="+1 gọi lại")
    form = replace(form, title=LABEL, description="@SUM(A1)", questions=[q, *form.questions[1:]])
    wb = load_workbook(io.BytesIO(form_to_xlsform(form, [(CODE, LABEL)])))
    assert_text(wb, LABEL, CODE, "+1 gọi lại", "@SUM(A1)")


@pytest.mark.django_db
def test_the_setup_workbook_writes_names_and_codes_as_text(cast):
    from parindex.setup.workbook import workbook_export

    cast.a.name = LABEL
    cast.a.save(update_fields=["name"])
    officer = cast.users["officer"]
    officer.first_name, officer.last_name, officer.email = CODE, "", "-x@example.com"
    officer.save()
    wb = load_workbook(io.BytesIO(workbook_export()))
    assert_text(wb, LABEL)
    assert any(isinstance(c.value, str) and CODE in c.value for c in cells(wb))


def test_the_methodology_workbook_writes_names_as_text(tmp_path):
    from parindex.files.methodology import resolve_methodology
    from parindex.files.methodology_xlsx.write import write_methodology_xlsx

    text = (DATA / "small.yaml").read_text(encoding="utf-8")
    text = text.replace("name: Chỉ đạo, điều hành", 'name: \'=HYPERLINK("http://x","y")\'')
    (tmp_path / "m.yaml").write_text(text, encoding="utf-8")
    m = resolve_methodology(str(tmp_path / "m.yaml"))
    assert m.fields[0].name == LABEL
    out = tmp_path / "m.xlsx"
    write_methodology_xlsx(m, out)
    assert_text(load_workbook(out), LABEL)
