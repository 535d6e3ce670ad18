"""National results as they are published (partial, in many spellings, with sources) and the
demo's synthetic table around them: imported all or nothing, published rows never replaced
by synthetic ones, synthetic figures never shown unlabelled (pages, exports)."""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from parindex.accounts.models import OrgUnit, Role
from parindex.common.errors import ServiceError
from parindex.results.exports import render_export
from parindex.results.models import NationalResult, Provenance
from parindex.results.selectors import cycle_results
from parindex.results.services import (
    PUBLISHED_FILE,
    ImportRefused,
    national_demo_load,
    national_results_import_file,
    national_synthetic_load,
    shipped_file,
)

D = Decimal
LABEL = "Số liệu minh họa, không phải số liệu chính thức"
REFERENCE_HEADER = "year,province,index_pct,rank,sipas_pct,sipas_rank,notes,source_url\n"


def imp(text: str, user=None, name: str = "ket-qua.csv"):
    return national_results_import_file(data=text.encode("utf-8"), user=user, filename=name)


def nr(year: int, province: str) -> NationalResult:
    return NationalResult.objects.get(year=year, province_canonical=province)


def figures(qs) -> list[tuple]:
    return list(
        qs.order_by("year", "province_canonical").values_list(
            "year", "province_canonical", "total", "rank", "sipas_pct", "sipas_rank", "provenance"
        )
    )


# --- the reference list and partial rows ----------------------------------------------------------


def test_the_shipped_reference_list_imports_keeping_partial_rows_as_published(db):
    summary = national_results_import_file(
        data=shipped_file(PUBLISHED_FILE), user=None, filename="published-results.csv"
    )
    assert (summary.created, summary.updated) == (99, 0)  # 101 rows, 2 pairs merged
    assert summary.years == tuple(range(2017, 2025))
    assert all(
        r.provenance == Provenance.PUBLISHED and r.source for r in NationalResult.objects.all()
    )
    # A top-10 list: a rank without an index stays without one.
    lao_cai_2023 = nr(2023, "Lào Cai")
    assert (lao_cai_2023.rank, lao_cai_2023.total, lao_cai_2023.sipas_pct) == (7, None, None)
    assert "viet-jo.com" in lao_cai_2023.source
    # An index without a rank, a SIPAS index alone, a note alone.
    assert (nr(2023, "Sóc Trăng").total, nr(2023, "Sóc Trăng").rank) == (D("81.70"), None)
    tay_ninh = nr(2018, "Tây Ninh")
    assert (tay_ninh.total, tay_ninh.rank, tay_ninh.sipas_pct) == (None, None, D("81.24"))
    long_an = nr(2018, "Long An")
    assert long_an.total is None and long_an.rank is None and "top 10" in long_an.notes
    # The figures the issue quotes.
    lao_cai = nr(2024, "Lào Cai")
    assert (lao_cai.total, lao_cai.rank, lao_cai.sipas_pct, lao_cai.sipas_rank) == (
        D("89.03"),
        26,
        D("84.92"),
        19,
    )
    assert (nr(2024, "Hải Phòng").total, nr(2024, "Hải Phòng").rank) == (D("96.17"), 1)
    # Two rows of one province and year: merged, sources kept; a different value is kept in
    # the notes and reported, the first row's value wins.
    brvt = nr(2024, "Bà Rịa - Vũng Tàu")
    assert (brvt.total, brvt.rank) == (D("93.35"), 2)
    assert "doanhnghieptiepthi.vn" in brvt.source and "vhttdl.sonla.gov.vn" in brvt.source
    hoa_binh = nr(2023, "Hòa Bình")
    assert (hoa_binh.total, hoa_binh.rank) == (D("86.89"), 35)
    assert "86.76" in hoa_binh.notes
    assert len(summary.warnings) == 1 and "Hòa Bình 2023" in summary.warnings[0]


def test_the_sample_format_and_the_reference_format_both_import(db):
    imp(
        "year,province,rank,total,appraisal,sipas,leader_survey,socio_economic,source\n"
        "2020,Quảng Ninh,1,91.04,57.66,9.56,18.83,5.00,Báo Đầu tư\n"
    )
    imp(REFERENCE_HEADER + '2021,Hưng Yên,88.34,12,92.07,3,"+10 ranks",https://a.example\n')
    qn, hy = nr(2020, "Quảng Ninh"), nr(2021, "Hưng Yên")
    assert (qn.total, qn.appraisal, qn.source) == (D("91.04"), D("57.66"), "Báo Đầu tư")
    assert (hy.total, hy.rank, hy.sipas_pct, hy.sipas_rank) == (D("88.34"), 12, D("92.07"), 3)
    assert (hy.notes, hy.source) == ("+10 ranks", "https://a.example")


def test_province_names_are_matched_in_their_usual_spellings(db):
    summary = imp(
        REFERENCE_HEADER
        + "2024,Huế,,4,,,,s\n"  # Thừa Thiên Huế was renamed Huế on 01/01/2025
        + "2025,Thừa Thiên Huế,,2,,,,s\n"  # ... and a 2025 row under its former name
        + "2024,Kontum,,40,,,,s\n"
        + "2024,Đăk Nông,,41,,,,s\n"
        + "2024,BR-VT,,2,,,,s\n"
        + "2024,TP.HCM,,10,,,,s\n"
        + "2025,Lao Cai Province,,5,,,,s\n"  # English, without diacritics
        + "2024,Thua Thien Hue,,,80.5,,,s\n"  # merged with the first row
        + "2024,Khánh Hoà,,48,,,,s\n"
    )
    assert summary.created == 8
    assert nr(2024, "Thừa Thiên Huế").province_2025 == "Huế"
    assert nr(2024, "Thừa Thiên Huế").sipas_pct == D("80.5")
    assert nr(2025, "Huế").rank == 2
    assert nr(2024, "Kon Tum").province_2025 == "Quảng Ngãi"
    assert nr(2024, "Đắk Nông").province_2025 == "Lâm Đồng"
    assert nr(2024, "Bà Rịa - Vũng Tàu").province_2025 == "Hồ Chí Minh"
    assert nr(2024, "Hồ Chí Minh").province == "TP.HCM"  # the name as published is kept
    assert nr(2025, "Lào Cai").rank == 5
    assert nr(2024, "Khánh Hòa").rank == 48


def test_an_unknown_name_is_refused_naming_the_file_the_row_and_the_field(db):
    with pytest.raises(ImportRefused) as exc:
        imp(
            REFERENCE_HEADER + "2024,Lào Cai,89.03,26,,,,s\n2024,Atlantis,80,3,,,,s\n"
            "2025,Yên Bái,,3,,,,s\n",
            name="bnv-2024.csv",
        )
    assert [str(e) for e in exc.value.errors] == [
        "Tệp “bnv-2024.csv”, dòng 3, cột “province”: “Atlantis” không phải là một trong 63 tỉnh,"
        " thành phố trước 01/07/2025.",
        "Tệp “bnv-2024.csv”, dòng 4, cột “province”: “Yên Bái” không phải là một trong 34 tỉnh,"
        " thành phố từ 01/07/2025.",
    ]
    assert not NationalResult.objects.exists()  # all or nothing


def test_ranks_beyond_the_provinces_of_the_year_and_blocks_that_do_not_add_up_are_refused(db):
    with pytest.raises(ImportRefused) as exc:
        imp(
            "year,province,rank,total,appraisal,sipas,leader_survey,socio_economic,sipas_rank\n"
            "2025,Lào Cai,35,,,,,,\n"  # 34 provinces from 2025
            "2024,Lào Cai,,90.00,60,10,15,5.02,64\n"  # blocks 90,02: within 0,01? no
            "2024,Sơn La,,90.00,60,10,15,5.01,\n"  # 90,01: within 0,01, kept
        )
    assert [(e.line, e.column) for e in exc.value.errors] == [
        (2, "rank"),
        (3, "sipas_rank"),
        (3, "total"),
    ]
    assert "chênh 0,02" in exc.value.errors[2].message


# --- provenance -----------------------------------------------------------------------------------


def test_a_synthetic_row_never_replaces_a_published_one(cast):
    imp(REFERENCE_HEADER + "2025,Lào Cai,,5,,,,Báo Lào Cai\n", user=cast.admin)
    summary = imp(
        "year,province,rank,total,provenance\n"
        "2025,Lào Cai,1,99.5,synthetic\n"
        "2025,Hà Nội,2,95,synthetic\n",
        user=cast.admin,
    )
    assert (summary.created, summary.updated, summary.kept_published) == (1, 0, 1)
    lao_cai = nr(2025, "Lào Cai")
    assert (lao_cai.rank, lao_cai.total, lao_cai.provenance) == (5, None, Provenance.PUBLISHED)
    assert nr(2025, "Hà Nội").provenance == Provenance.SYNTHETIC
    # A published figure replaces a synthetic one.
    imp("year,province,rank,source\n2025,Hà Nội,3,Báo Hà Nội\n", user=cast.admin)
    hanoi = nr(2025, "Hà Nội")
    assert (hanoi.rank, hanoi.total, hanoi.provenance) == (3, None, Provenance.PUBLISHED)
    # Published and synthetic rows of one province and year in one file: refused.
    with pytest.raises(ImportRefused) as exc:
        imp("year,province,rank,provenance\n2025,Huế,1,synthetic\n2025,Huế,1,published\n")
    assert [(e.line, e.column) for e in exc.value.errors] == [(3, "provenance")]


def test_the_synthetic_load_completes_the_table_around_the_published_rows(db):
    national_results_import_file(data=shipped_file(PUBLISHED_FILE), user=None)
    published = figures(NationalResult.objects.all())
    summary = national_synthetic_load(years=(2023, 2024, 2025), seed=5)
    assert figures(NationalResult.objects.filter(provenance=Provenance.PUBLISHED)) == published
    in_years = sum(1 for p in published if p[0] >= 2023)
    assert summary.kept_published == in_years
    assert summary.created == 63 + 63 + 34 - in_years
    for year, n in ((2023, 63), (2024, 63), (2025, 34)):
        rows = NationalResult.objects.filter(year=year)
        assert rows.count() == n
        ranks = [r.rank for r in rows if r.rank is not None]
        assert len(ranks) == len(set(ranks)) and set(ranks) <= set(range(1, n + 1))
        # synthetic indices ordered by rank, around the published ones
        ranked = sorted((r for r in rows if r.total is not None and r.rank), key=lambda r: r.rank)
        assert all(a.total > b.total for a, b in zip(ranked, ranked[1:], strict=False))
    synthetic = NationalResult.objects.filter(provenance=Provenance.SYNTHETIC)
    assert all(
        r.total is not None and r.rank and LABEL.split(",")[0] in r.source for r in synthetic
    )
    assert all(
        r.appraisal + r.sipas + r.leader_survey + r.socio_economic == r.total for r in synthetic
    )
    assert nr(2025, "Lào Cai").provenance == Provenance.SYNTHETIC
    # Run again (the demo with --reset, or after new published figures): the same table.
    before = figures(NationalResult.objects.all())
    national_synthetic_load(years=(2023, 2024, 2025), seed=5)
    assert figures(NationalResult.objects.all()) == before


def test_contradicting_published_rows_refuse_the_synthetic_load(cast):
    imp("year,province,rank,source\n2025,Lào Cai,3,a\n2025,Huế,3,b\n")
    with pytest.raises(ServiceError, match="mâu thuẫn"):
        national_synthetic_load(years=(2025,), user=cast.admin)
    with pytest.raises(ServiceError):
        national_synthetic_load(years=(2025,), user=cast.officer)  # not theirs to load
    assert not NationalResult.objects.filter(provenance=Provenance.SYNTHETIC).exists()


# --- synthetic figures are never shown unlabelled ---------------------------------------------


def _rows_html(page: str) -> list[str]:
    table = page.split('<table class="rs-nat">', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr class=\"[^\"]*\">.*?</tr>", table, flags=re.S)


def test_the_national_page_labels_every_synthetic_row_and_says_so_at_the_top(cast):
    national_demo_load()
    client = cast.client("viewer")
    page = client.get(reverse("results_national") + "?year=2024").content.decode()
    banner = page.index("rs-synthetic-banner")
    assert banner < page.index('<table class="rs-nat">')
    assert LABEL in page[banner : banner + 400]
    rows = _rows_html(page)
    assert len(rows) == 63
    synthetic = [r for r in rows if "rs-synthetic" in r.split(">", 1)[0]]
    assert (
        len(synthetic) == NationalResult.objects.filter(year=2024, provenance="synthetic").count()
    )
    assert synthetic and all(LABEL in r for r in synthetic)
    published = [r for r in rows if r not in synthetic]
    assert all(LABEL not in r for r in published)
    hai_phong = next(r for r in published if "Hải Phòng</td>" in r)
    assert "96,17" in hai_phong and "đã công bố" in hai_phong and "thanhtra.com.vn" in hai_phong
    # the tiles mark a synthetic value
    assert re.search(r'class="rs-tile [^"]*rs-tile-synthetic"', page)
    # In English too.
    client.cookies["django_language"] = "en"
    english = client.get(reverse("results_national") + "?year=2025", HTTP_ACCEPT_LANGUAGE="en")
    text = english.content.decode()
    assert text.count("Illustrative figures, not official figures") >= 34 + 1
    # A year with published rows only: no banner.
    only_published = cast.client("viewer").get(reverse("results_national") + "?year=2019")
    assert "rs-synthetic-banner" not in only_published.content.decode()


def test_a_ranking_compared_with_synthetic_figures_says_so_in_pages_and_exports(
    rs_world, rs_helpers
):
    bnv = OrgUnit.objects.create(code="BNV", name="Bộ Nội vụ", type="ministry")
    rs_helpers.user("rs_bnv", Role.MANAGER, bnv)
    provinces = [
        OrgUnit.objects.create(code="LCI2", name="Lào Cai", type="province"),
        OrgUnit.objects.create(code="HNI", name="Hà Nội", type="province"),
    ]
    full = {"1.1.1": "đúng hạn", "1.1.2": "100", "1.2.1": "có", "1.2.2": "1", "2.1.1": "100"}
    cycle = rs_helpers.finished_cycle(
        name="Chỉ số CCHC cấp tỉnh 2025",
        year=2025,
        mv=rs_world["mv"],
        organiser=bnv,
        units=provinces,
        values={"LCI2": full, "HNI": {**full, "2.1.1": "50"}},
    )
    imp("year,province,rank,total,source\n2024,Lào Cai,26,89.03,Báo Lào Cai\n")
    imp(
        "year,province,rank,total,provenance\n2024,Hà Nội,3,93.10,synthetic\n"
        "2024,Yên Bái,30,88.00,synthetic\n"
    )
    results = cycle_results(cycle)
    rows = {r.unit.code: r for r in results.rows}
    lci, hni = rows["LCI2"].change, rows["HNI"].change
    assert (lci.synthetic, lci.provenance, lci.index) == (False, "published", D("89.03"))
    assert lci.predecessors == (("Lào Cai", D("89.03"), False), ("Yên Bái", D("88.00"), True))
    assert (hni.synthetic, hni.provenance, hni.index) == (True, "synthetic", D("93.10"))
    assert "minh họa" in hni.label and "minh họa" not in lci.label
    assert "minh họa" in results.previous_label
    # The ranking page: a banner at the top, the synthetic comparison marked.
    admin = rs_world["cast"].client("admin")
    page = admin.get(reverse("results_ranking", args=[cycle.pk]) + "?type=province").content
    text = page.decode()
    assert "rs-synthetic-banner" in text and LABEL in text
    # The exports: CSV names the source of each comparison, JSON its provenance, the workbook
    # its label.
    export = render_export(cycle, what="ranking", fmt="csv", stage="final", unit_type="province")
    table = {
        r["unit_code"]: r for r in csv.DictReader(io.StringIO(export.data.decode("utf-8-sig")))
    }
    assert (table["HNI"]["previous_source"], table["LCI2"]["previous_source"]) == (
        "synthetic",
        "published",
    )
    data = json.loads(
        render_export(cycle, what="ranking", fmt="json", stage="final", unit_type="province").data
    )
    changes = {r["unit"]["code"]: r["change"] for r in data["results"]}
    assert changes["HNI"]["provenance"] == "synthetic"
    assert changes["HNI"]["synthetic_label"] == LABEL
    assert (
        changes["LCI2"]["provenance"] == "published" and changes["LCI2"]["synthetic_label"] is None
    )
    assert [p["provenance"] for p in changes["LCI2"]["predecessors"]] == ["published", "synthetic"]
    # The unit profile of Hà Nội: the banner, and the trend's national point marked.
    hni_part = cycle.participations.get(unit__code="HNI")
    profile = admin.get(reverse("results_unit", args=[hni_part.pk])).content.decode()
    assert "rs-synthetic-banner" in profile
    lci_part = cycle.participations.get(unit__code="LCI2")
    lci_profile = admin.get(reverse("results_unit", args=[lci_part.pk])).content.decode()
    assert "rs-synthetic-banner" in lci_profile  # Yên Bái's synthetic row is in its trend
