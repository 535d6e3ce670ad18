"""The hand-over in a real browser: the officer hands the form over to the leader, the leader
sees it in "Việc cần làm" and returns it with a comment, the officer sees the comment on the
home page and on the form, and may enter again. Screenshots at 1366 px and 390 px."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import build_small_cycle
from test_journey import login

from parindex.assessment.models import Participation

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="no /usr/bin/chromium"),
]

PHONE = {"width": 390, "height": 844}


@pytest.mark.django_db(transaction=True)
def test_hand_over_return_with_comment(live_server, new_page, shots):
    from playwright.sync_api import expect

    sc = build_small_cycle()
    p = sc.p_department
    form_url = f"/tu-danh-gia/{p.pk}/"

    officer = new_page()
    login(officer, "canbo")
    todo = officer.locator("#todo")
    expect(todo).to_contain_text("Việc cần làm")
    expect(todo).to_contain_text("5/5 mục chưa nhập")
    officer.screenshot(path=str(shots / "handover-1-officer-home.png"), full_page=True)
    todo.get_by_role("link", name="Tự đánh giá: Sở Tư pháp").click()
    officer.wait_for_url(f"**{form_url}")
    officer.get_by_role("button", name="Chuyển lãnh đạo phê duyệt").click()
    expect(officer.locator(".messages")).to_contain_text("Đã chuyển biểu")
    expect(officer.locator("#self-progress")).to_contain_text("Chờ lãnh đạo phê duyệt")
    expect(officer.locator(".alert.warning").first).to_contain_text("chỉ xem")
    assert officer.locator(".self-table input:not([type=hidden]):enabled").count() == 0
    officer.screenshot(path=str(shots / "handover-2-officer-handed-over.png"))
    assert Participation.objects.get(pk=p.pk).status == "handed_over"

    leader = new_page()
    login(leader, "lanhdao")
    approve = leader.locator("#todo .todo-approve")
    expect(approve).to_contain_text("Phê duyệt biểu tự đánh giá: Sở Tư pháp")
    leader.screenshot(path=str(shots / "handover-3-leader-home.png"), full_page=True)
    approve.get_by_role("link").click()
    leader.wait_for_url(f"**{form_url}")
    # Returning without a comment is refused by the browser (required field) and the form.
    leader.get_by_role("button", name="Trả lại", exact=True).click()
    assert Participation.objects.get(pk=p.pk).status == "handed_over"
    leader.fill("#id_comment", "Đề nghị bổ sung tài liệu kiểm chứng cho mục 1.1.1.")
    leader.screenshot(path=str(shots / "handover-4-leader-return.png"))
    leader.get_by_role("button", name="Trả lại", exact=True).click()
    expect(leader.locator(".messages")).to_contain_text("Đã trả lại biểu")
    assert Participation.objects.get(pk=p.pk).status == "draft"

    officer.goto("/")
    returned = officer.locator("#todo .todo-returned")
    expect(returned).to_contain_text("Đề nghị bổ sung tài liệu kiểm chứng cho mục 1.1.1.")
    officer.screenshot(path=str(shots / "handover-5-officer-returned-home.png"), full_page=True)
    returned.get_by_role("link").click()
    expect(officer.locator("#returned-comment")).to_contain_text("Đề nghị bổ sung tài liệu")
    expect(officer.get_by_role("button", name="Chuyển lãnh đạo phê duyệt")).to_be_visible()
    officer.screenshot(path=str(shots / "handover-6-officer-form-returned.png"))
    officer.set_viewport_size(PHONE)
    officer.goto("/")
    officer.screenshot(path=str(shots / "handover-7-phone-home.png"), full_page=True)
    officer.goto(form_url)
    officer.screenshot(path=str(shots / "handover-8-phone-form.png"))
    leader.set_viewport_size(PHONE)
    leader.goto(form_url)
    leader.screenshot(path=str(shots / "handover-9-phone-leader-form.png"))
    assert officer.errors == [] and leader.errors == []
