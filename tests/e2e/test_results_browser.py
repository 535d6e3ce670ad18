"""The results pages in a real browser: the charts are drawn (ECharts canvas, no script or
CSP error in the console) and the pages read well at 1366x768.

Data: tests/data/small.yaml, ten departments and three communes of "Tỉnh Lào Cai" with
varied self-assessments, driven through the services to the final results for 2024 and
2025 (so the ranking shows the change against the year before and the profile a trend);
published national results for Lào Cai and Yên Bái.

Screenshots: $PARINDEX_SCREENSHOTS, else the test's tmp_path (see tests/e2e/conftest.py).
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from factories import MOVE, PASSWORD, install_methodology, make_cycle, make_unit, make_user

from parindex.accounts.models import OrgUnit, Role
from parindex.assessment import services
from parindex.assessment.models import Cycle, Participation
from parindex.results.services import national_results_import_file

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="no /usr/bin/chromium"),
]

State = Cycle.State
DEPARTMENTS = [
    ("LC-STP", "Sở Tư pháp"),
    ("LC-SYT", "Sở Y tế"),
    ("LC-SXD", "Sở Xây dựng"),
    ("LC-STC", "Sở Tài chính"),
    ("LC-SCT", "Sở Công Thương"),
    ("LC-SGDDT", "Sở Giáo dục và Đào tạo"),
    ("LC-SNNMT", "Sở Nông nghiệp và Môi trường"),
    ("LC-SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch"),
    ("LC-SKHCN", "Sở Khoa học và Công nghệ"),
    ("LC-SDT", "Sở Dân tộc và Tôn giáo"),
]
COMMUNES = [
    ("LC-X-BACHA", "Xã Bắc Hà"),
    ("LC-P-SAPA", "Phường Sa Pa"),
    ("LC-X-LUCYEN", "Xã Lục Yên"),
]


def values_for(i: int, year: int) -> dict[str, str]:
    """Varied but deterministic answers: unit i of the list, a little better in 2025."""
    k = (i * 7 + (3 if year == 2025 else 0)) % 10
    return {
        "1.1.1": "đúng hạn" if k % 3 else "late",
        "1.1.2": str(60 + 4 * k),
        "1.2.1": "có" if k > 2 else "không",
        "1.2.2": str(Decimal(k % 5) / 4),
        "2.1.1": str(55 + 5 * k),
        "2.1.2": "có" if k % 2 else "không",
    }


class Data:
    def __init__(self) -> None:
        province = make_unit("T-LC", "Lào Cai", OrgUnit.Type.PROVINCE)
        self.snv = make_unit("LC-SNV", "Sở Nội vụ", parent=province)
        self.units = [make_unit(c, n, parent=province) for c, n in DEPARTMENTS]
        self.units += [make_unit(c, n, OrgUnit.Type.COMMUNE, province) for c, n in COMMUNES]
        self.manager = make_user(Role.MANAGER, self.snv, username="e2e_quanly")
        self.appraiser = make_user(Role.APPRAISER, self.snv, username="e2e_thamdinh")
        self.leaders = {
            u.code: make_user(Role.LEADER, u, username=f"e2e_{u.code.lower()}") for u in self.units
        }
        self.mv = install_methodology()
        self.previous = self.finished(2024)
        self.cycle = self.finished(2025)
        csv = "year,province,rank,total\n2023,Lào Cai,30,82.1\n2023,Yên Bái,25,83.4\n"
        csv += "2024,Lào Cai,20,85.5\n2024,Yên Bái,12,87.42\n2024,Hải Phòng,1,96.17\n"
        national_results_import_file(
            data=csv.encode(), user=None
        )  # the operator of the server (command line)

    def finished(self, year: int) -> Cycle:
        cycle = make_cycle(
            organiser=self.snv,
            units=self.units,
            methodology=self.mv,
            name=f"Chỉ số CCHC năm {year} các sở, ngành, xã, phường",
            year=year,
        )
        parts = {
            p.unit.code: p
            for p in Participation.objects.filter(cycle=cycle).select_related("unit", "cycle")
        }
        for i, unit in enumerate(self.units):
            p = parts[unit.code]
            for code, raw in values_for(i, year).items():
                if code == "2.1.2" and unit.type != OrgUnit.Type.COMMUNE:
                    continue
                services.entry_save_self(
                    participation=p, code=code, value=raw, user=self.leaders[unit.code]
                )
            services.participation_submit(participation=p, user=self.leaders[unit.code])
        cycle = self.move(cycle, State.SELF_CLOSED)
        for i, unit in enumerate(self.units):
            services.entry_set_external(
                participation=parts[unit.code],
                code="2.2.1",
                value=str(70 + (i * 3) % 30),
                user=self.manager,
            )
        cycle = self.move(cycle, State.APPRAISAL)
        p = Participation.objects.select_related("cycle", "unit").get(
            cycle=cycle, unit__code="LC-STP"
        )
        services.entry_appraise_code(
            participation=p,
            code="1.2.1",
            points=Decimal("0"),
            reason="evidence_missing",
            comment="Không có kế hoạch, biên bản kiểm tra công tác CCHC.",
            user=self.appraiser,
        )
        return self.move(cycle, State.EXPLANATION, State.APPRAISAL_2, State.FINAL)

    def move(self, cycle: Cycle, *states: str) -> Cycle:
        for state in states:
            cycle = services.cycle_transition(
                **MOVE, cycle=cycle, to_state=state, user=self.manager
            )
        return cycle


def login(page, username: str) -> None:
    from playwright.sync_api import expect

    page.goto("/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator(".login-box button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("Xin chào")


def wait_for_charts(page, *kinds: str) -> None:
    """Each chart drawn: its canvas exists and ECharts holds an instance with data."""
    for kind in kinds:
        page.wait_for_selector(f'[data-chart="{kind}"][data-rendered] canvas')
        series = page.evaluate(
            "k => echarts.getInstanceByDom(document.querySelector(`[data-chart=${k}]`))"
            ".getOption().series.length",
            kind,
        )
        assert series >= 1, kind


def test_ranking_and_unit_profile_draw_their_charts(live_server, new_page, shots):
    data = Data()
    page = new_page()
    login(page, "e2e_quanly")

    page.goto(f"/ket-qua-chi-so/ky/{data.cycle.pk}/xep-hang/?unit=LC-STP")
    wait_for_charts(page, "ranking", "heatmap")
    bars = page.evaluate(
        "() => echarts.getInstanceByDom(document.querySelector('[data-chart=ranking]'))"
        ".getOption().series[0].data.length"
    )
    assert bars == len(DEPARTMENTS)
    assert page.locator("tr.rs-you").count() == 1
    assert "Sở Tư pháp" in page.locator("tr.rs-you").inner_text()
    # the change against 2024 is shown with arrows
    assert page.locator("table.rs-rank .diff-up, table.rs-rank .diff-down").count() > 0
    page.screenshot(path=str(shots / "results-01-ranking.png"))
    page.screenshot(path=str(shots / "results-01-ranking-full.png"), full_page=True)

    page.select_option("select[name=type]", "commune")
    page.wait_for_url(re.compile(r"type=commune"))
    wait_for_charts(page, "ranking", "heatmap")
    assert page.locator("table.rs-rank tbody tr").count() == len(COMMUNES)

    page.goto(f"/ket-qua-chi-so/ky/{data.cycle.pk}/diem-bi-tru/?unit=LC-STP")
    assert page.locator("table.rs-ledger").inner_text().count("Thiếu tài liệu kiểm chứng") == 1
    page.screenshot(path=str(shots / "results-02-ledger.png"))

    page.goto("/ket-qua-chi-so/toan-quoc/?year=2024")
    lao_cai = page.locator("table.rs-nat tr", has_text="Yên Bái")
    assert "trước sắp xếp" in lao_cai.inner_text()
    assert page.locator(".rs-tile").count() == 34
    page.screenshot(path=str(shots / "results-03-national.png"))
    assert page.errors == []

    unit = new_page()
    login(unit, "e2e_lc-stp")
    p = Participation.objects.get(cycle=data.cycle, unit__code="LC-STP")
    unit.goto(f"/ket-qua-chi-so/don-vi/{p.pk}/")
    wait_for_charts(unit, "profile", "trend")
    years = unit.evaluate(
        "() => echarts.getInstanceByDom(document.querySelector('[data-chart=trend]'))"
        ".getOption().xAxis[0].data"
    )
    assert years == ["2024", "2025"]
    assert "1.2.1" in unit.locator("#rs-weakest").inner_text()
    unit.screenshot(path=str(shots / "results-04-unit-profile.png"))
    unit.screenshot(path=str(shots / "results-04-unit-profile-full.png"), full_page=True)
    assert unit.errors == []


def test_the_public_page_of_a_published_cycle(live_server, new_page, shots):
    data = Data()
    page = new_page()
    page.goto("/cong-khai/ket-qua/")
    assert data.cycle.name not in page.content()
    data.cycle = data.move(data.cycle, State.PUBLISHED)
    page.goto("/cong-khai/ket-qua/")
    page.get_by_role("link", name=data.cycle.name).click()
    wait_for_charts(page, "ranking")
    assert page.locator("table.rs-rank tbody tr").count() == len(DEPARTMENTS)
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").first.click()
    assert download.value.suggested_filename.endswith(".csv")
    page.screenshot(path=str(shots / "results-05-public.png"))
    assert page.errors == []


def test_the_english_ranking_shows_the_word_report(live_server, new_page, shots):
    from playwright.sync_api import expect

    data = Data()
    page = new_page()
    login(page, "e2e_quanly")
    page.goto("/")
    with page.expect_navigation():
        page.locator("header select[name=language]").select_option("en")
    page.goto(f"/ket-qua-chi-so/ky/{data.cycle.pk}/xep-hang/")
    expect(page.get_by_role("link", name="Word report")).to_be_visible()
    page.screenshot(path=str(shots / "results-en-ranking.png"))
