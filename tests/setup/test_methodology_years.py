"""A methodology's years of validity (valid_from_year / valid_to_year): read, checked and
written back; a cycle (new or copied) of a year outside them is a warning the organiser
confirms on the set-up page; the cycle checklist and a national import read with the file
warn too. Messages name the file and the years."""

from __future__ import annotations

from importlib import resources

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from factories import SMALL_YAML, make_unit, make_user

from parindex.accounts.models import OrgUnit, Role
from parindex.assessment.models import Cycle
from parindex.assessment.services import methodology_install
from parindex.cli import main
from parindex.core import ValidationFailed
from parindex.core.loader import methodology_from_dict, methodology_to_dict
from parindex.files.methodology import (
    SHIPPED_PACKAGE,
    load_yaml_text,
    read_methodology,
    shipped_methodology,
    write_methodology,
)
from parindex.results.models import NationalResult
from parindex.results.services import national_results_import_file
from parindex.setup import services as svc

YEARS = "valid_from_year: 2022\nvalid_to_year: 2025\n"


def small_text(years: str = YEARS) -> str:
    return SMALL_YAML.read_text(encoding="utf-8").replace(
        'version: "2025"\n', 'version: "2025"\n' + years
    )


def test_the_years_are_read_checked_and_written_back(tmp_path):
    m = load_yaml_text(small_text(), "small.yaml")
    assert (m.valid_from_year, m.valid_to_year, m.validity) == (2022, 2025, "2022–2025")
    assert [y for y in range(2020, 2028) if m.valid_for_year(y)] == [2022, 2023, 2024, 2025]
    assert methodology_from_dict(methodology_to_dict(m)) == m
    out = tmp_path / "small.xlsx"
    write_methodology(m, out)
    back = read_methodology(out)
    assert (back.valid_from_year, back.valid_to_year) == (2022, 2025)
    open_ended = load_yaml_text(small_text("valid_from_year: 2025\n"), "small.yaml")
    assert open_ended.valid_for_year(2040) and not open_ended.valid_for_year(2024)
    assert open_ended.validity == "từ 2025"
    none = load_yaml_text(small_text(""), "small.yaml")
    assert none.valid_for_year(1999) and none.validity == ""


@pytest.mark.parametrize(
    ("years", "message"),
    [
        (
            "valid_from_year: 2025\nvalid_to_year: 2022\n",
            "valid_from_year 2025 sau valid_to_year 2022",
        ),
        ("valid_from_year: hai nghìn\n", "'valid_from_year' = 'hai nghìn' không phải là năm"),
        ("valid_to_year: 1990\n", "'valid_to_year' = '1990' không phải là năm"),
    ],
)
def test_wrong_years_are_refused(years, message):
    with pytest.raises(ValidationFailed) as exc:
        load_yaml_text(small_text(years), "small.yaml")
    assert message in str(exc.value)


def test_the_national_file_is_valid_for_2022_to_2025():
    m = shipped_methodology("vn-province-876")
    assert (m.valid_from_year, m.valid_to_year) == (2022, 2025)
    assert not m.valid_for_year(2020) and m.valid_for_year(2024)


@pytest.fixture
def org(db):
    province = make_unit("P", "Tỉnh Thử", OrgUnit.Type.PROVINCE)
    snv = make_unit("P-SNV", "Sở Nội vụ", parent=province)
    dept = make_unit("P-STP", "Sở Tư pháp", parent=province)
    manager = make_user(Role.MANAGER, snv)
    mv = svc.methodology_upload(
        user=manager, filename="small.yaml", data=small_text().encode("utf-8")
    )
    return {"snv": snv, "dept": dept, "manager": manager, "mv": mv}


def _create(org, year: int, **kw):
    return svc.setup_cycle_create(
        user=org["manager"],
        name=f"Chỉ số CCHC năm {year}",
        year=year,
        methodology=org["mv"],
        organiser=org["snv"],
        units=[org["dept"]],
        **kw,
    )


def test_a_cycle_outside_the_years_waits_for_the_organisers_confirmation(org):
    with pytest.raises(svc.SetupRefused) as exc:
        _create(org, 2020)
    assert exc.value.field == "confirm_years"
    assert "Năm 2020 nằm ngoài thời gian áp dụng của bộ tiêu chí “small”" in str(exc.value)
    assert "2022–2025" in str(exc.value)
    assert Cycle.objects.count() == 0
    assert _create(org, 2020, confirm_years=True).year == 2020
    assert _create(org, 2024).year == 2024  # within: no confirmation asked


def test_copying_into_a_year_outside_warns_and_waits_too(org):
    cycle = _create(org, 2025)
    plan = svc.copy_plan(cycle)
    assert plan.year_warning and "Năm 2026" in plan.year_warning
    with pytest.raises(svc.SetupRefused) as exc:
        svc.cycle_copy(user=org["manager"], cycle=cycle)
    assert exc.value.field == "confirm_years"
    new = svc.cycle_copy(user=org["manager"], cycle=cycle, confirm_years=True)
    assert new.year == 2026
    assert svc.copy_plan(_create(org, 2023)).year_warning is None


def _client(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_set_up_page_shows_the_warning_and_creates_once_confirmed(org, settings):
    settings.AXES_ENABLED = False
    c = _client(org["manager"])
    data = {
        "name": "Chỉ số CCHC năm 2020",
        "year": "2020",
        "methodology": org["mv"].pk,
        "organiser": org["snv"].pk,
        "units": [org["dept"].pk],
    }
    page = c.post(reverse("setup_cycle_new"), data)
    assert page.status_code == 200
    assert "nằm ngoài thời gian áp dụng" in page.content.decode()
    assert Cycle.objects.count() == 0
    done = c.post(reverse("setup_cycle_new"), {**data, "confirm_years": "on"})
    assert done.status_code == 302 and Cycle.objects.get().year == 2020
    copy = c.get(reverse("setup_cycle_copy", args=[Cycle.objects.get().pk]))
    assert "Năm 2021 nằm ngoài thời gian áp dụng" in copy.content.decode()


def test_the_cycle_checklist_warns(org, capsys):
    cycle = _create(org, 2030, confirm_years=True)
    assert main(["cycle", "checklist", str(cycle.pk)]) == 0
    out = capsys.readouterr().out
    assert "Cảnh báo: Năm 2030 nằm ngoài thời gian áp dụng" in out and "2022–2025" in out
    ok = _create(org, 2023)
    assert main(["cycle", "checklist", str(ok.pk)]) == 0
    assert "Cảnh báo" not in capsys.readouterr().out


def test_a_national_import_outside_the_years_warns(db):
    data = "year,province,total\n2020,Quảng Ninh,86.55\n2023,Quảng Ninh,92.18\n".encode()
    summary = national_results_import_file(
        data=data,
        user=None,
        filename="ket-qua-2020.csv",
        methodology=shipped_methodology("vn-province-876"),
        methodology_file="vn-province-876.yaml",
    )
    assert summary.warnings == (
        "ket-qua-2020.csv: Năm 2020 nằm ngoài thời gian áp dụng của bộ tiêu chí "
        "“vn-province-876.yaml” (áp dụng cho các năm 2022–2025).",
    )
    assert NationalResult.objects.count() == 2  # a warning, not a refusal
    plain = national_results_import_file(data=data, user=None, filename="x.csv")
    assert plain.warnings == ()


def test_the_import_command_takes_the_methodology(db, tmp_path, capsys):
    path = tmp_path / "ket-qua.csv"
    path.write_text("year,province,total\n2020,Quảng Ninh,86.55\n", encoding="utf-8")
    call_command("import_national_results", str(path), "--methodology", "vn-province-876")
    out = capsys.readouterr().out
    assert "ket-qua.csv: Năm 2020 nằm ngoài" in out and "“vn-province-876.yaml”" in out


def test_the_import_page_reads_with_a_chosen_methodology(db, settings):
    settings.AXES_ENABLED = False
    text = (resources.files(SHIPPED_PACKAGE) / "vn-province-876.yaml").read_text("utf-8")
    mv = methodology_install(source=text)
    admin = User.objects.create_superuser("rs_years", password="x" * 12)
    upload = SimpleUploadedFile("bang-2020.csv", b"year,province,total\n2020,Ha Noi,80\n")
    page = _client(admin).post(
        reverse("results_national_import"),
        {"file": upload, "methodology": mv.pk},
        follow=True,
    )
    body = page.content.decode()
    assert "bang-2020.csv: Năm 2020 nằm ngoài thời gian áp dụng" in body
    assert "vn-province-876" in body and "2022–2025" in body
    assert NationalResult.objects.count() == 1
