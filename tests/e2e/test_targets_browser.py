"""The target planner in a real browser: the answer with the chosen plan tasks, then a
what-if that updates in place (htmx, no page reload), at 1366x768 and on a 390x844 phone,
with no script or CSP error in the console.

Data: the test cast's organiser with five departments in two finished cycles (2023, 2024)
on tests/data/small.yaml, the 2024 points a little different from 2023's (so the Monte
Carlo has year-on-year changes to draw), and unit A's plan for 2025 drafted from 2024 with
expected points and effort on its recover tasks.

Screenshots: $PARINDEX_SCREENSHOTS, else the test's tmp_path (see tests/e2e/conftest.py).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from factories import PASSWORD

from parindex.plans import services as plans
from parindex.plans.models import Task

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="no /usr/bin/chromium"),
]

BASE = {"1.1.1": "đúng hạn", "1.1.2": "100", "1.2.1": "có"}
Y2023 = {
    "STP": {**BASE, "1.2.2": "0,25", "2.1.1": "70"},
    "SYT": {**BASE, "1.2.2": "0,75", "2.1.1": "90"},
    "SKH": {**BASE, "1.2.2": "0,75", "2.1.1": "100"},
    "SXD": {**BASE, "1.2.2": "0", "2.1.1": "60"},
    "STC": {**BASE, "1.2.2": "0,5", "2.1.1": "85"},
}
Y2024 = {
    "STP": {**BASE, "1.2.2": "0,5", "2.1.1": "75"},
    "SYT": {**BASE, "1.2.2": "1", "2.1.1": "100"},
    "SKH": {**BASE, "1.2.2": "0,5", "2.1.1": "95"},
    "SXD": {**BASE, "1.2.2": "0,25", "2.1.1": "50"},
    "STC": {**BASE, "1.2.2": "0,75", "2.1.1": "90"},
}


def build(cast):
    units = (cast.a, cast.b, cast.lead_unit, cast.unit("SXD", "Sở Xây dựng"))
    units += (cast.unit("STC", "Sở Tài chính"),)
    cast.finished(units=units, values=Y2023, name="Chỉ số CCHC năm 2023", year=2023)
    c2024 = cast.finished(units=units, values=Y2024, name="Chỉ số CCHC năm 2024", year=2024)
    plan = plans.plan_draft(cycle=c2024, unit=cast.a, user=cast.manager).plan
    for code, points, days in (("1.2.2", "0.5", "3"), ("2.1.1", "0.5", "1"), ("2.2.1", "2", "10")):
        Task.objects.filter(plan=plan, code=code).update(
            expected_points=Decimal(points), effort_days=Decimal(days)
        )
    return cast.part(c2024, "a")


def login(page, username: str) -> None:
    from playwright.sync_api import expect

    page.goto("/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator(".login-box button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("Xin chào")


PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("viewport", [{"width": 1366, "height": 768}, PHONE])
def test_the_planner_and_a_what_if(cast, live_server, new_page, shots, viewport):
    from playwright.sync_api import expect

    p = build(cast)
    page = new_page()
    page.set_viewport_size(viewport)
    login(page, cast.manager.username)
    page.click("nav >> text=Mục tiêu")
    page.click(f"a[href='/muc-tieu/don-vi/{p.pk}/']")
    page.fill("#id_k", "1")
    page.click("#tg-question button[type=submit]")
    expect(page.locator("#tg-method")).to_contain_text("10.000 lần mô phỏng · hạt giống 2025")
    expect(page.locator("#tg-needed tbody tr")).to_have_count(3)
    expect(page.locator("#tg-chosen a").first).to_be_visible()
    width = viewport["width"]
    page.screenshot(path=str(shots / f"targets-answer-{width}.png"), full_page=True)

    # what-if: 2.1.1 to its maximum; the result updates without a page load
    page.evaluate("window.__same_page = true")
    before = page.locator("#wi-result").inner_text()
    field = page.locator("input[name='p-2.1.1']")
    field.fill("2")
    field.dispatch_event("change")
    expect(page.locator("#wi-answer")).to_be_visible()
    expect(page.locator("#wi-answer .tg-wi-index")).to_contain_text("68,75")
    assert page.evaluate("window.__same_page") is True  # no reload
    assert page.locator("#wi-result").inner_text() != before
    page.locator("#tg-whatif").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / f"targets-whatif-{width}.png"), full_page=False)
    # nothing wider than the phone's screen but the scrolling tables
    if width == 390:
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= 390, overflow
    assert not page.errors, page.errors
