"""Hostile files through the importers that write (issue 12): each either imports or is
refused with the project's own error, and a refusal saves nothing (all or nothing: the row
counts are those before it). Few examples: each one is a database transaction."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import yaml
from fuzz_helpers import FEW, hostile_text, hostile_yaml_value, mutate, paths, refused_cleanly
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError

from parindex.common.errors import ImportRefused, ServiceError
from parindex.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent.parent / "data"
SMALL_TEXT = (DATA / "small.yaml").read_text(encoding="utf-8")
SMALL = yaml.safe_load(SMALL_TEXT)


@pytest.fixture
def admin(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("fuzz_admin", password="x" * 12)


def counts(*models) -> list[int]:
    return [m.objects.count() for m in models]


def unchanged_after_refusal(run, errors, name: str, *models) -> None:
    before = counts(*models)
    if refused_cleanly(run, errors, name) is None:
        assert counts(*models) == before, "a refused import saved something"


@FEW
@given(st.sampled_from(paths(SMALL)), st.sampled_from(["replace", "delete"]), hostile_yaml_value)
def test_methodology_upload_all_or_nothing(admin, path, action, value):
    from parindex.assessment.models import MethodologyVersion
    from parindex.audit.models import LogEntry
    from parindex.setup import services as svc

    text = yaml.safe_dump(mutate(SMALL, path, action, value), allow_unicode=True, sort_keys=False)
    unchanged_after_refusal(
        lambda: svc.methodology_upload(user=admin, filename="bo.yaml", data=text.encode()),
        (ValidationFailed,),
        "bo.yaml",
        MethodologyVersion,
        LogEntry,
    )


@FEW
@given(st.lists(st.lists(hostile_text, min_size=3, max_size=7), min_size=1, max_size=6))
def test_national_results_import_all_or_nothing(admin, rows):
    from parindex.results.models import NationalResult
    from parindex.results.services import national_results_import_file

    header = ["year", "province", "total", "rank", "sipas", "source", "notes"]
    good = [["2024", "Lào Cai", "85,5", "5", "30", "Bộ Nội vụ", ""]]
    buf = io.StringIO()
    csv.writer(buf).writerows([header, *good, *rows])
    unchanged_after_refusal(
        lambda: national_results_import_file(
            data=buf.getvalue().encode(), user=admin, filename="kq.csv"
        ),
        (ImportRefused, ServiceError),
        "kq.csv",
        NationalResult,
    )


@FEW
@given(
    st.sampled_from(["Đơn vị", "Tài khoản", "Phân công thẩm định", "Cơ quan chủ trì"]),
    st.lists(st.lists(hostile_text, min_size=1, max_size=7), min_size=1, max_size=4),
)
def test_setup_workbook_all_or_nothing(admin, sheet, rows):
    from django.contrib.auth import get_user_model

    from parindex.accounts.models import OrgUnit
    from parindex.setup.workbook import COLUMNS, UNITS, WorkbookRefused, workbook_bytes
    from parindex.setup.workbook import workbook_import as run

    clean = [[c.replace("\x00", "") for c in r] for r in rows]  # openpyxl cannot write NUL
    sheets = {s: [cols] for s, cols in COLUMNS.items()}
    sheets[UNITS].append(("SO-FUZZ", "Sở Fuzz", "department", "", ""))
    sheets[sheet] += [tuple(r) for r in clean]
    try:
        data = workbook_bytes(sheets)
    except (ValueError, IllegalCharacterError):  # openpyxl refuses control characters
        return
    User = get_user_model()  # noqa: N806
    before = counts(OrgUnit, User)
    try:
        run(user=admin, data=data, send_links=False, name="thiet-lap.xlsx")
    except (WorkbookRefused, ServiceError) as exc:
        assert exc.errors if isinstance(exc, WorkbookRefused) else str(exc)
        assert counts(OrgUnit, User) == before
