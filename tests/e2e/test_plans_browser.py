"""The improvement plan in a real browser: the organiser opens the finished cycle's plans,
drafts the Sở Tư pháp's plan in one action, sees the dashboard (by agency and by field) and
the tasks grouped by field, gives a task a deadline in the past (it shows "Quá hạn"), and
the dashboard reads on a 390 px phone. Screenshots at 1366 px and 390 px."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from cast import Cast
from django.utils import timezone
from test_journey import login

from parindex.assessment.models import Cycle
from parindex.plans.models import Plan

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="no /usr/bin/chromium"),
]

PHONE = {"width": 390, "height": 844}
S = Cycle.State


@pytest.mark.django_db(transaction=True)
def test_draft_the_plan_and_read_its_dashboard(live_server, new_page, shots):
    from playwright.sync_api import expect

    cast = Cast()
    finished = cast.cycle(S.APPRAISAL, filled=True, name="Chỉ số CCHC năm 2024", year=2024)
    cast.appraise(cast.part(finished, "a"), "1.1.2", "0", "evidence_missing", "Thiếu báo cáo.")
    finished = cast.advance(finished, S.EXPLANATION, S.APPRAISAL_2, S.FINAL)
    cast.cycle(S.OPEN, name="Chỉ số CCHC năm 2025", year=2025)

    page = new_page()
    login(page, "quanly")
    page.goto(f"/ky-danh-gia/{finished.pk}/")
    page.get_by_role("link", name="Kế hoạch cải thiện năm sau").click()
    row = page.locator("tr", has_text="Sở Tư pháp")
    row.get_by_role("button", name="Lập dự thảo kế hoạch").click()
    expect(page.locator(".messages")).to_contain_text("Đã lập dự thảo kế hoạch năm 2025")
    plan = Plan.objects.get(unit=cast.a, year=2025)
    expect(page.locator("h1")).to_contain_text("Kế hoạch duy trì, cải thiện và nâng cao")
    expect(page.locator("table.pl-tasks")).to_contain_text("Lĩnh vực 1.")
    assert page.locator("table.pl-tasks tr[data-task]").count() == 6
    page.screenshot(path=str(shots / "plans-1-dashboard.png"), full_page=True)

    page.locator('tr[data-task="1.2.2"] a').click()
    late = (timezone.localdate() - timedelta(days=5)).strftime("%d/%m/%Y")
    page.fill("#id_deadline", late)
    page.fill("#id_description", "Hoàn thiện hồ sơ xử lý sau kiểm tra.")
    page.get_by_role("button", name="Lưu nhiệm vụ").click()
    expect(page.locator(".messages")).to_contain_text("Đã lưu nhiệm vụ")
    expect(page.locator(".toolbar .tag.bad")).to_contain_text("Quá hạn")
    page.screenshot(path=str(shots / "plans-2-task.png"), full_page=True)

    page.goto(f"/ke-hoach/{plan.pk}/")
    expect(page.locator('tr[data-task="1.2.2"]')).to_contain_text("Quá hạn")
    expect(page.locator(".pl-stats")).to_contain_text("Quá hạn")
    page.set_viewport_size(PHONE)
    page.goto(f"/ke-hoach/{plan.pk}/")
    page.screenshot(path=str(shots / "plans-3-phone.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"the page scrolls sideways on a phone ({width}px)"
    assert page.errors == []
