"""Whatever the file holds, checking it ends in a clean report (FileRefused or an Outcome whose
problems name their line), never in a traceback. Hypothesis makes the files."""

from __future__ import annotations

import csv
import io
import random
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.utils.exceptions import IllegalCharacterError
from survey_helpers import LEADER_QUESTIONS, SIPAS_ANSWERS

from parindex.surveys import services as svc
from parindex.surveys.responses_io import FileRefused, Outcome

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
COLUMNS = ["respondent", "unit", "group", *SIPAS_ANSWERS, *LEADER_QUESTIONS, "_uuid", "start"]
GOOD_VALUES = ["", "1", "2", "3", "4", "5", "9", "A", "B", "C", "D", "E", "ca_nhan", "nu"]
UNITS = ["LC-STP", "LC-SYT", "LC-X-YTY", "LC-X-BATXAT", "", "??"]
GROUPS = ["nguoi_dan", "lanh_dao_so", "hdnd", "lanh_dao_xa", "", "x"]

text_cell = st.one_of(
    st.sampled_from(GOOD_VALUES + UNITS + GROUPS),
    st.text(max_size=12),
    st.text(alphabet="\"',;\n\r\t=+-@\x00 ", max_size=6),
    st.text(min_size=60, max_size=90),
)


def clean_report(run) -> Outcome | None:
    try:
        outcome, _plan = run()
    except FileRefused as exc:
        assert exc.problems and all(p.message for p in exc.problems)
        return None
    assert outcome.rows_total == len(outcome.valid) + outcome.rejected
    for p in outcome.problems:
        assert p.line >= 2 and p.message
    return outcome


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes(world, data):
    clean_report(lambda: svc.check_bytes(world.cycle, data, "x.csv"))


@FUZZ
@given(
    st.lists(st.sampled_from(COLUMNS + ["x", "", "respondent"]), min_size=0, max_size=12),
    st.lists(st.lists(text_cell, max_size=14), max_size=15),
    st.sampled_from([",", ";", "\t"]),
    st.booleans(),
)
def test_random_rows_under_a_plausible_header(world, header, rows, delimiter, bom):
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter)
    w.writerow(header)
    w.writerows(rows)
    data = (("\ufeff" if bom else "") + buf.getvalue()).encode("utf-8")
    clean_report(lambda: svc.check_bytes(world.cycle, data, "x.csv"))


@FUZZ
@given(st.lists(st.fixed_dictionaries(dict.fromkeys(COLUMNS[:8], text_cell)), max_size=20))
def test_random_values_under_the_real_header(world, rows):
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS[:8] + ["tt1"])
    w.writeheader()
    w.writerows(rows)
    outcome = clean_report(lambda: svc.check_bytes(world.cycle, buf.getvalue().encode(), "x.csv"))
    assert outcome is not None  # the header is valid, so the rows are reported one by one


xlsx_cell = st.one_of(
    st.none(),
    text_cell.map(lambda s: s.replace("\x00", "")),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.just(datetime(2025, 10, 1, 8, 30)),
)


def _xlsx(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@FUZZ
@given(st.lists(st.lists(xlsx_cell, max_size=10), max_size=12), st.booleans())
def test_random_xlsx(world, rows, real_header):
    if real_header:
        rows = [COLUMNS[:10], *rows]
    try:
        data = _xlsx(rows)
    except (ValueError, IllegalCharacterError):  # openpyxl cannot write such a file
        return
    clean_report(lambda: svc.check_bytes(world.cycle, data, "x.xlsx"))


@FUZZ
@given(st.integers(min_value=0, max_value=2**32 - 1), st.integers(min_value=1, max_value=40))
def test_damaged_xlsx(world, seed, flips):
    data = bytearray(_xlsx([COLUMNS[:6], ["R1", "LC-STP", "nguoi_dan", "ca_nhan", "nu", "4"]]))
    rng = random.Random(seed)
    for _ in range(flips):
        data[rng.randrange(len(data))] = rng.randrange(256)
    clean_report(lambda: svc.check_bytes(world.cycle, bytes(data), "x.xlsx"))


@pytest.mark.django_db
def test_a_job_on_a_random_file_ends_validated_not_failed(
    world, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from parindex.surveys.models import ImportJob

    rng = random.Random(7)
    for i in range(5):
        data = bytes(rng.randrange(256) for _ in range(500))
        with django_capture_on_commit_callbacks(execute=True):
            job = svc.import_job_create(
                cycle=world.cycle, file=SimpleUploadedFile(f"f{i}.csv", data), user=world.manager
            )
        job.refresh_from_db()
        assert job.status == ImportJob.Status.VALIDATED
        assert job.header_errors or job.rows_total >= 0
