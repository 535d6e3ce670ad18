"""Entry that cannot go wrong: a decimal comma typed in Chromium, and the self-assessment,
appraisal and explanation pages on a 390 px phone (one card per item, no page scrolling
sideways). Screenshots go to $PARINDEX_SCREENSHOTS (else the test's tmp_path)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from factories import build_small_cycle
from test_journey import login, row, saved

from parindex.assessment.models import Cycle, Entry, Participation

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_a_decimal_comma_typed_in_chromium_gives_the_right_points(live_server, new_page, shots):
    from playwright.sync_api import expect

    world = build_small_cycle()
    page = new_page()
    login(page, "canbo")
    page.goto(f"/tu-danh-gia/{world.p_department.pk}/")
    field = row(page, "2.1.1").locator("input[name=value]")
    with saved(page, "/muc/2.1.1/"):
        field.fill("85,5")
        field.press("Tab")
    # 85,5% of 2 points: 1,71 (not 855 capped at the full 2,00)
    expect(row(page, "2.1.1").locator("td.pts")).to_have_text("1,71")
    expect(row(page, "2.1.1").locator("input[name=value]")).to_have_value("85,5")
    entry = Entry.objects.get(participation=world.p_department, code="2.1.1")
    assert entry.self_points == Decimal("1.7100")
    field = row(page, "2.1.1").locator("input[name=value]")
    with saved(page, "/muc/2.1.1/"):
        field.fill("101 %")
        field.press("Tab")
    expect(row(page, "2.1.1").locator(".row-msg.error")).to_contain_text("0–100%")
    page.screenshot(path=str(shots / "entry-comma.png"))
    assert page.errors == [], page.errors


def _phone_page(browser, live_server, username):
    context = browser.new_context(viewport=PHONE, locale="vi-VN", base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    login(page, username)
    return context, page


def _fits(page) -> int:
    return page.evaluate("document.scrollingElement.scrollWidth")


def test_the_entry_pages_fit_a_390_px_phone(live_server, browser, shots):
    from playwright.sync_api import expect

    world = build_small_cycle()
    p = world.p_department
    context, page = _phone_page(browser, live_server, "canbo")
    page.goto(f"/tu-danh-gia/{p.pk}/")
    expect(row(page, "1.1.1")).to_be_visible()
    page.screenshot(path=str(shots / "phone-self.png"), full_page=True)
    assert _fits(page) <= 390

    # The council's page: the unit has submitted, the cycle is in appraisal.
    Entry.objects.update_or_create(
        participation=p,
        code="2.1.1",
        defaults={"value": "80", "self_points": Decimal("1.6"), "note": "Đạt 80% kế hoạch"},
    )
    Participation.objects.filter(pk=p.pk).update(status=Participation.Status.SUBMITTED)
    Cycle.objects.filter(pk=world.cycle.pk).update(state=Cycle.State.APPRAISAL)
    council, ap = _phone_page(browser, live_server, "thamdinh")
    ap.goto(f"/tham-dinh/{p.pk}/")
    expect(ap.locator("table.ap-table")).to_be_visible()
    ap.screenshot(path=str(shots / "phone-appraisal.png"), full_page=True)
    assert _fits(ap) <= 390
    council.close()

    # The unit's explanation page: one item cut in round 1.
    Entry.objects.filter(participation=p, code="2.1.1").update(
        r1_points=Decimal("1"), r1_reason="evidence_missing", r1_comment="Thiếu tài liệu"
    )
    Cycle.objects.filter(pk=world.cycle.pk).update(state=Cycle.State.EXPLANATION)
    page.goto(f"/giai-trinh/{p.pk}/")
    expect(page.locator("h1")).to_contain_text("Giải trình")
    page.screenshot(path=str(shots / "phone-explanation.png"), full_page=True)
    assert _fits(page) <= 390
    context.close()


def test_the_library_keeps_the_unlink_button_visible(live_server, new_page, shots):
    """A long page reference wraps in "Mục được chứng minh"; the ✕ stays inside the cell."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from playwright.sync_api import expect
    from test_journey import make_pdf

    from parindex.assessment import services

    world = build_small_cycle()
    p = world.p_department
    from django.contrib.auth.models import User

    officer = User.objects.get(username="canbo")
    doc = services.evidence_upload(
        participation=p,
        file=SimpleUploadedFile("ke-hoach.pdf", make_pdf("Ke hoach"), "application/pdf"),
        user=officer,
        title="Kế hoạch CCHC năm 2025",
    )
    for code in ("1.1.1", "1.1.2", "2.1.1"):
        services.evidence_link(
            participation=p,
            evidence=doc,
            code=code,
            page_ref="trang 3, mục II, phụ lục kèm theo kế hoạch số 12/KH-UBND",
            user=officer,
        )
    page = new_page()
    login(page, "canbo")
    page.goto(f"/tu-danh-gia/{p.pk}/tai-lieu/")
    cell = page.locator("table.lib-table td").nth(4)
    box = cell.bounding_box()
    for button in page.locator(".lib-link button.link").all():
        expect(button).to_be_visible()
        b = button.bounding_box()
        assert box["x"] <= b["x"] and b["x"] + b["width"] <= box["x"] + box["width"] + 1
    page.screenshot(path=str(shots / "library.png"))
