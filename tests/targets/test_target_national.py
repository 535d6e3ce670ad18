"""A province against the national results: the 63 -> 34 lineage with the pro forma rule
chosen (Lào Cai + Yên Bái), the current index from the national table while the province's
own cycle is open, and synthetic rows named through one helper."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from parindex.results.services import national_results_import_file
from parindex.targets import services as svc
from parindex.targets.reference import NATIONAL, is_synthetic

D = Decimal
ROWS = {  # year: province -> index (Lào Cai and Yên Bái merged into Lào Cai in 2025)
    2022: {"Lào Cai": 80, "Yên Bái": 84, "Hà Nội": 88, "Sơn La": 78, "Lai Châu": 76},
    2023: {"Lào Cai": 82, "Yên Bái": 85, "Hà Nội": 89, "Sơn La": 80, "Lai Châu": 79},
    2024: {"Lào Cai": 86, "Yên Bái": 87, "Hà Nội": 90, "Sơn La": 83, "Lai Châu": 81},
}


@pytest.fixture
def province_page(cast):
    csv = "year,province,total\n" + "".join(
        f"{y},{name},{value}\n" for y, rows in ROWS.items() for name, value in rows.items()
    )
    national_results_import_file(data=csv.encode(), user=None)
    cycle = cast.cycle(methodology="vn-province-876", units=("province",), year=2025)
    return cast.part(cycle, "province")


def test_a_province_is_compared_nationally_with_the_rule_chosen(cast, province_page):
    mean = svc.answer(cast.manager, province_page, svc.Settings(k=1, draws=1000))
    assert mean.reference.kind == NATIONAL and mean.reference.year == 2024
    assert sorted(c.name for c in mean.reference.competitors) == ["Hà Nội", "Lai Châu", "Sơn La"]
    assert mean.current_from_reference and mean.current == D("86.5000")  # (86 + 87) / 2
    assert mean.last_year.index == D("90.0000")
    kept = svc.answer(cast.manager, province_page, svc.Settings(k=1, rule="continuing", draws=1000))
    assert kept.current == D("86.0000")  # Lào Cai's own series
    assert not mean.reference.synthetic


def test_the_page_shows_the_national_comparison(cast, province_page):
    url = reverse("target_page", args=[province_page.pk])
    body = cast.client("manager").get(url, {"k": "2", "rule": "max"}).content.decode()
    assert "So sánh với 3 tỉnh, thành phố khác" in body
    assert 'id="tg-now"' in body and "87,00" in body  # the higher of Lào Cai and Yên Bái
    assert "data-synthetic" not in body


def test_synthetic_rows_are_read_through_one_helper():
    from parindex.results.models import NationalResult, Provenance

    assert is_synthetic(NationalResult(provenance=Provenance.SYNTHETIC))
    assert not is_synthetic(NationalResult(provenance=Provenance.PUBLISHED))
    assert not is_synthetic(NationalResult())  # the default: published
