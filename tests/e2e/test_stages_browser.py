"""The checklist before a stage change, in a real browser: the manager sees the open points
(the commune never submitted) and what will happen to them, cannot move on without a
reason, moves on with one; the reason is in the audit log. Screenshots: desktop and phone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from factories import PASSWORD, build_small_cycle

from parindex.assessment import services
from parindex.assessment.models import Cycle, Participation
from parindex.audit.models import LogEntry

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="no /usr/bin/chromium"),
]


def _login(page, username: str) -> None:
    from playwright.sync_api import expect

    page.goto("/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator(".login-box button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("Xin chào")


@pytest.mark.django_db(transaction=True)
def test_the_manager_sees_the_open_points_and_must_give_a_reason(new_page, shots):
    from playwright.sync_api import expect

    world = build_small_cycle()
    p = world.p_department
    for code, value in {"1.1.1": "đúng hạn", "1.2.1": "có"}.items():
        services.entry_save_self(
            participation=p, code=code, value=value, user=world.users["officer"]
        )
    services.participation_submit(participation=p, user=world.users["leader"])
    services.cycle_transition(
        cycle=world.cycle, to_state=Cycle.State.SELF_CLOSED, user=world.users["manager"], reason="r"
    )
    cycle = world.cycle

    page = new_page()
    _login(page, "quanly")
    page.goto(f"/ky-danh-gia/{cycle.pk}/")
    form = page.locator("form.cy-move[data-move=appraisal]")
    item = form.locator("li[data-check=unsubmitted]")
    expect(item).to_contain_text("Đơn vị chưa gửi kết quả tự đánh giá: 1")
    expect(item).to_contain_text(world.commune.name)
    expect(item).to_contain_text("Không nộp")
    page.screenshot(path=str(shots / "stages-checklist.png"), full_page=True)

    # No reason: the browser refuses the form (required), the cycle stays.
    button = form.get_by_role("button", name="Chuyển sang: Thẩm định vòng 1")
    button.click()
    expect(page).to_have_url(re.compile(rf"/ky-danh-gia/{cycle.pk}/$"))
    assert Cycle.objects.get(pk=cycle.pk).state == Cycle.State.SELF_CLOSED

    form.locator("textarea[name=reason]").fill("Xã An Bình không nộp đúng hạn")
    button.click()
    expect(page.locator("ul.messages")).to_contain_text("Thẩm định vòng 1")
    assert Cycle.objects.get(pk=cycle.pk).state == Cycle.State.APPRAISAL
    row = LogEntry.objects.filter(action="cycle.state_changed").latest("pk")
    assert row.data["reason"] == "Xã An Bình không nộp đúng hạn"
    assert row.data["open_points"] == {"unsubmitted": 1}
    assert Participation.objects.get(pk=world.p_commune.pk).not_submitted
    # The commune is listed "Không nộp"; going back is offered with a reason.
    expect(page.locator(".cy-table")).to_contain_text("Không nộp")
    expect(page.locator("details.cy-back summary")).to_contain_text("Quay lại")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/ky-danh-gia/{cycle.pk}/")
    page.screenshot(path=str(shots / "stages-after-phone.png"), full_page=True)
    assert page.errors == []
