"""Official province codes and seats in the lineage table, and the national import by code
(a code alone, or beside the name: then they must agree)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from parindex.results.lineage import lineage, parse_lineage
from parindex.results.models import NationalResult
from parindex.results.services import (
    ImportRefused,
    national_results_import,
    national_results_read_csv,
)

D = Decimal


def test_every_province_has_one_code_before_and_one_after():
    lin = lineage()
    after = [p.code for p in lin.provinces]
    before = [c for p in lin.provinces for c in p.predecessor_codes]
    assert len(after) == 34 == len(set(after)) and all(len(c) == 2 for c in after)
    assert len(before) == 63 == len(set(before)) and all(len(c) == 2 for c in before)
    assert all(len(p.predecessor_codes) == len(p.predecessors) for p in lin.provinces)


def test_a_merged_province_keeps_the_code_of_its_seat():
    lin = lineage()
    for prov in lin.provinces:
        assert prov.seat in prov.predecessors, prov.name
        assert prov.code == prov.code_before(prov.seat), prov.name
    lao_cai = lin.province("Lào Cai")
    assert (lao_cai.code, lao_cai.seat, lao_cai.code_before("Lào Cai")) == ("15", "Yên Bái", "10")


@pytest.mark.parametrize(
    ("province", "seat", "code"),
    [
        ("Gia Lai", "Bình Định", "52"),
        ("Tây Ninh", "Long An", "80"),
        ("Đồng Tháp", "Tiền Giang", "82"),
        ("An Giang", "Kiên Giang", "91"),
    ],
)
def test_the_four_provinces_whose_seat_moved(province, seat, code):
    prov = lineage().province(province)
    assert (prov.capital_from, prov.seat, prov.code) == (seat, seat, code)
    assert prov.continuing() == province  # its results still continue the same-named one


def test_a_code_is_read_with_its_year():
    lin = lineage()
    assert lin.by_code("15", 2024)[0] == "Yên Bái"
    assert lin.by_code("15", 2024)[1].name == "Lào Cai"
    assert lin.by_code("15", 2025)[0] == "Lào Cai"
    assert lin.by_code("10", 2024)[0] == "Lào Cai"
    assert lin.by_code("10", 2025) is None  # the former Lào Cai's code is not a 2025 code
    assert lin.by_code("1", 2020)[0] == "Hà Nội"  # "1" is "01"
    assert lin.by_code("46", 2020)[0] == "Thừa Thiên Huế"
    assert lin.by_code("46", 2025)[0] == "Huế"
    assert lin.by_code("99", 2024) is None


def test_a_table_without_codes_knows_none():
    lin = parse_lineage("province_2025,capital_seat_from,predecessors_before_2025_07_01\nA,,A;B\n")
    assert lin.provinces[0].code == "" and lin.by_code("", 2025) is None
    assert lin.provinces[0].seat == "A"  # the same-named predecessor


@pytest.fixture
def rs_admin(db):
    return User.objects.create_superuser("rs_codes", password="x" * 12)


def rows(text: str):
    return national_results_read_csv(text.encode("utf-8"))


def test_import_by_code_alone_or_beside_the_name(rs_admin):
    summary = national_results_import(
        rows=rows(
            "year,code,province,total\n"
            "2024,15,,84.1\n"  # Yên Bái in 2024
            "2024,10,Lào Cai,85\n"
            "2025,15,,88.5\n"  # the merged Lào Cai from 2025
            "2025,46,Thừa Thiên Huế,90\n"
        ),
        user=rs_admin,
    )
    assert summary.created == 4
    yb = NationalResult.objects.get(year=2024, province_canonical="Yên Bái")
    assert (yb.province, yb.province_2025, yb.total) == ("Yên Bái", "Lào Cai", D("84.1"))
    assert NationalResult.objects.get(year=2025, province_canonical="Lào Cai").total == D("88.5")
    assert NationalResult.objects.get(year=2025, province_canonical="Huế").total == D(90)


def test_a_file_may_give_codes_without_a_province_column(rs_admin):
    national_results_import(rows=rows("year,code,total\n2023,22,92.18\n"), user=rs_admin)
    assert NationalResult.objects.get().province_canonical == "Quảng Ninh"


def test_a_code_that_names_another_province_refuses_the_row(rs_admin):
    text = (
        "year,code,province,total\n"
        "2024,10,Yên Bái,84\n"  # line 2: 10 is the former Lào Cai
        "2025,10,,80\n"  # line 3: 10 is not a 2025 code
        "2024,99,Sơn La,80\n"  # line 4: no province has 99
        "2024,14,Sơn La,80\n"  # line 5: right
    )
    with pytest.raises(ImportRefused) as exc:
        national_results_import(rows=rows(text), user=rs_admin)
    assert [(e.line, e.column) for e in exc.value.errors] == [(2, "code"), (3, "code"), (4, "code")]
    messages = [str(e) for e in exc.value.errors]
    assert "mã 10 là của Lào Cai, không phải của “Yên Bái” (năm 2024)" in messages[0]
    assert "34 tỉnh" in messages[1] and "Mã 10 là của Lào Cai trước 01/07/2025" in messages[1]
    assert "63 tỉnh" in messages[2]
    assert NationalResult.objects.count() == 0


def test_a_header_needs_the_province_or_its_code():
    with pytest.raises(ImportRefused) as exc:
        rows("year,total\n2024,80\n")
    assert [(e.line, e.column) for e in exc.value.errors] == [(1, "province")]
