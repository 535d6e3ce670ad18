"""The home page's tables and the evidence library on a 390x844 phone: one card per row
(the table header hidden, each cell under its column's name), nothing wider than the
screen. Screenshots (phone and desktop) go to $PARINDEX_SCREENSHOTS (else tmp_path)."""

from __future__ import annotations

import pytest
from factories import build_small_cycle
from test_journey import login, make_pdf

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

# Per row of a table.cards: how it is displayed, its box, and whether the header shows.
CARDS = """(selector) => [...document.querySelectorAll(selector)].map(t => ({
  head: getComputedStyle(t.tHead).display,
  rows: [...t.tBodies[0].rows].map(r => {
    const b = r.getBoundingClientRect();
    return {display: getComputedStyle(r).display, x: b.x, y: b.y, w: b.width, h: b.height,
            labels: [...r.cells].filter(c => c.dataset.label).length};
  }),
}))"""


def _phone(browser, live_server, username):
    context = browser.new_context(viewport=PHONE, locale="vi-VN", base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    login(page, username)
    return context, page


def _assert_cards(page, selector, rows):
    tables = page.evaluate(CARDS, selector)
    assert tables, selector
    for table in tables:
        assert table["head"] == "none"
        assert len(table["rows"]) >= rows
        previous_bottom = 0
        for r in table["rows"]:
            assert r["display"] == "block"
            assert 0 <= r["x"] and r["x"] + r["w"] <= 390
            assert r["labels"] >= 3  # every cell but the title says what it is
            assert r["y"] >= previous_bottom  # stacked, one card under the other
            previous_bottom = r["y"] + r["h"]
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390


def _library_world():
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import SimpleUploadedFile

    from parindex.assessment import services

    world = build_small_cycle()
    p = world.p_department
    officer = User.objects.get(username="canbo")
    for n, title in enumerate(
        ["Kế hoạch cải cách hành chính năm 2025 của Sở Tư pháp", "Báo cáo kết quả CCHC quý III"]
    ):
        doc = services.evidence_upload(
            participation=p,
            file=SimpleUploadedFile(f"tai-lieu-{n}.pdf", make_pdf(title), "application/pdf"),
            user=officer,
            title=title,
            doc_number=f"{12 + n}/KH-STP",
            issuer="Sở Tư pháp tỉnh Lào Cai",
        )
        services.evidence_link(
            participation=p,
            evidence=doc,
            code="1.1.1",
            page_ref="trang 3, mục II, phụ lục kèm theo kế hoạch số 12/KH-UBND",
            user=officer,
        )
    return world


def test_the_home_page_and_the_library_are_cards_on_a_phone(live_server, browser, shots):
    world = _library_world()
    context, page = _phone(browser, live_server, "canbo")
    # Home: the unit's forms and the cycles, one card each.
    page.goto("/")
    _assert_cards(page, "main table.cards", rows=1)
    assert page.locator("main table.cards").count() == 2
    page.screenshot(path=str(shots / "phone-home.png"), full_page=True)
    # The evidence library: one card per document, the upload form in one column.
    page.goto(f"/tu-danh-gia/{world.p_department.pk}/tai-lieu/")
    page.locator(".upload-card > summary").click()
    _assert_cards(page, "table.lib-table", rows=2)
    for button in page.locator(".lib-link button.link").all():
        box = button.bounding_box()
        assert box and box["x"] + box["width"] <= 390  # the ✕ stays on screen
    page.screenshot(path=str(shots / "phone-library.png"), full_page=True)
    assert page.errors == []
    context.close()


def test_the_tables_stay_tables_on_a_desktop(live_server, new_page, shots):
    world = _library_world()
    page = new_page()
    login(page, "canbo")
    assert (
        page.evaluate("getComputedStyle(document.querySelector('main table.cards tr')).display")
        == "table-row"
    )
    page.screenshot(path=str(shots / "desktop-home.png"), full_page=True)
    page.goto(f"/tu-danh-gia/{world.p_department.pk}/tai-lieu/")
    head = page.evaluate(
        "getComputedStyle(document.querySelector('table.lib-table thead')).display"
    )
    assert head == "table-header-group"
    page.screenshot(path=str(shots / "desktop-library.png"), full_page=True)
