"""In a real browser (Playwright + Debian's headless Chromium, pytest-django's live server):
the respondent's online form at phone size (390x844), including the "already submitted"
case, and the manager's import of the shipped sample file through to the results.

Screenshots go to $PARINDEX_SCREENSHOTS, else to the test's tmp_path."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from factories import PASSWORD

from parindex.surveys import services as svc
from parindex.surveys.models import ImportJob, RespondentToken, Response, SurveyScore

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium"),
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}


@pytest.fixture(scope="module")
def browser() -> Iterator:
    old = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    # Playwright's sync API keeps an event loop in this thread; the test still uses the ORM.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        yield chromium
        chromium.close()
    finally:
        pw.stop()
        if old is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = old


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("PARINDEX_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _page(browser, live_server, viewport, **extra):
    context = browser.new_context(
        viewport=viewport, locale="vi-VN", base_url=live_server.url, **extra
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.on(
        "console",
        lambda m: (
            page.errors.append(m.text)
            if m.type == "error" and "favicon" not in (m.location or {}).get("url", "")
            else None
        ),
    )
    page.on("dialog", lambda d: d.accept())
    return context, page


def test_the_online_form_on_a_phone(world, live_server, browser, shots):
    from playwright.sync_api import expect

    svc.tokens_generate(
        cycle=world.cycle, user=world.manager, questionnaire=world.forms["nguoi_dan"]
    )
    token = RespondentToken.objects.filter(questionnaire=world.forms["nguoi_dan"]).first()
    context, page = _page(browser, live_server, PHONE, is_mobile=True, has_touch=True)
    page.goto(f"/khao-sat/{token.token}/")
    expect(page.locator("h1")).to_contain_text("hài lòng")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    box = page.locator("label.opt").first.bounding_box()
    assert box["height"] >= 44 and box["width"] > 300  # big enough to tap
    page.screenshot(path=shots / "phone-1-form.png")

    page.locator("button.submit").click()  # nothing answered
    expect(page.locator(".alert.error")).to_be_visible()
    expect(page.locator("fieldset.err").first).to_contain_text("Vui lòng chọn một phương án.")
    page.screenshot(path=shots / "phone-2-missing.png")

    for fieldset in page.locator("fieldset.sv-q").all():
        options = fieldset.locator("label.opt")
        options.nth(min(3, options.count() - 1)).click()  # "Hài lòng" where there are 5
    page.locator("button.submit").click()
    expect(page.locator("h1")).to_contain_text("Cảm ơn")
    page.screenshot(path=shots / "phone-3-thanks.png")
    r = Response.objects.get(respondent=token.respondent)
    assert r.unit_id == token.unit_id and r.source == "web"

    page.goto(f"/khao-sat/{token.token}/")  # the same link again
    expect(page.locator("h1")).to_contain_text("Phiếu này đã được gửi")
    assert page.locator("form").count() == 0
    page.screenshot(path=shots / "phone-4-already.png")
    assert page.errors == []
    assert Response.objects.count() == 1
    context.close()


def test_the_manager_imports_the_sample_file_and_sees_the_points(
    world, live_server, browser, shots
):
    from playwright.sync_api import expect

    context, page = _page(browser, live_server, DESKTOP)
    page.goto("/dang-nhap/")
    page.fill("input[name=username]", "quanly")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.goto(f"/ky-danh-gia/{world.cycle.pk}/dieu-tra/nhap-phieu/")
    page.set_input_files("input[name=file]", str(svc.SAMPLE_RESPONSES))
    page.get_by_role("button", name="Tải lên và kiểm tra").click()
    expect(page.locator("#job")).to_contain_text("Dòng bị loại")
    expect(page.get_by_role("button", name="Chỉ nhập các dòng hợp lệ")).to_be_visible()
    page.screenshot(path=shots / "manager-1-report.png")
    job = ImportJob.objects.get()
    assert job.rows_rejected > 0 and job.rows_valid > 0  # 4 of the 38 Lào Cai units here

    page.get_by_role("button", name="Chỉ nhập các dòng hợp lệ").click()
    expect(page.locator("#job")).to_contain_text("Đã nhập", timeout=30_000)
    page.screenshot(path=shots / "manager-2-done.png")
    assert Response.objects.count() == ImportJob.objects.get().rows_imported > 0
    assert SurveyScore.objects.filter(participation=world.part("LC-STP")).exists()

    page.goto(f"/ky-danh-gia/{world.cycle.pk}/dieu-tra/ket-qua/")
    expect(page.locator("table.sv-results")).to_contain_text("Sở Tư pháp")
    page.screenshot(path=shots / "manager-3-results.png")
    page.goto(f"/ky-danh-gia/{world.cycle.pk}/dieu-tra/")
    expect(page.locator("#fill-table")).to_contain_text("Sở Y tế")
    page.screenshot(path=shots / "manager-4-fill.png")
    assert page.errors == []
    context.close()


def test_the_unit_page_shows_the_declared_design_on_desktop_and_phone(
    world, live_server, browser, shots, tmp_path
):
    """Group weights, a sub-index and deff / n_eff beside the intervals, at both sizes."""
    from playwright.sync_api import expect
    from survey_helpers import csv_bytes, leader, sipas

    design = {
        "groups": {"weights": {"hdnd": 0.3, "lanh_dao_so": 0.5, "lanh_dao_xa": 0.2}},
        "sipas": {"sub_indices": [{"code": "dv", "name": "Hài lòng về dịch vụ", "weight": 1}]},
    }
    svc.survey_design_set(cycle=world.cycle, user=world.manager, design=design)
    rows = [leader(f"L{i}", answer="AB"[i // 2]) for i in range(4)] + [sipas("S1")]
    for i, r in enumerate(rows):
        r["cluster"] = f"c{i // 2}"
    path = tmp_path / "phieu.csv"
    path.write_bytes(csv_bytes(rows))
    svc.responses_import_path(
        cycle=world.cycle, path=path, user=world.manager, mode=ImportJob.Mode.ALL
    )
    for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        context, page = _page(browser, live_server, size)
        page.goto("/dang-nhap/")
        page.fill("input[name=username]", "quanly")
        page.fill("input[name=password]", PASSWORD)
        page.locator("form button[type=submit]").last.click()
        page.goto(f"/dieu-tra/don-vi/{world.part('LC-STP').pk}/")
        expect(page.locator("body")).to_contain_text("deff 2,00")
        expect(page.locator("body")).to_contain_text("Trọng số nhóm đối tượng (khai báo)")
        page.screenshot(path=shots / f"design-{name}.png", full_page=True)
        context.close()
