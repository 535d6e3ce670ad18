"""The set-up journey in a real browser: the organiser of a province logs in, opens
"Thiết lập", creates a unit and an account (the form shows a refusal on its field first),
and downloads the set-up workbook; the home page on a 390 px phone. Screenshots go to
$PARINDEX_SCREENSHOTS (else tmp_path)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from factories import PASSWORD, make_unit, make_user
from openpyxl import load_workbook

from parindex.accounts.models import OrgUnit, Role

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="no /usr/bin/chromium"),
]


def test_setup_journey(live_server, new_page, shots, settings):
    from playwright.sync_api import expect

    settings.AXES_ENABLED = False
    province = make_unit("T-THU", "Tỉnh Thử Nghiệm", OrgUnit.Type.PROVINCE)
    snv = make_unit("THU-SNV", "Sở Nội vụ tỉnh Thử Nghiệm", parent=province)
    make_unit("THU-STP", "Sở Tư pháp tỉnh Thử Nghiệm", parent=province)
    make_user(Role.MANAGER, snv, username="sonoivu", first_name="Trần Thị", last_name="Hà")

    page = new_page()
    page.goto("/dang-nhap/")
    expect(page.get_by_role("link", name="Quên mật khẩu?")).to_be_visible()
    page.fill("#id_username", "sonoivu")
    page.fill("#id_password", PASSWORD)
    page.locator(".login-box button[type=submit]").click()
    page.get_by_role("link", name="Thiết lập").click()
    expect(page.locator("h1")).to_have_text("Thiết lập")
    page.screenshot(path=str(shots / "setup-01-home.png"), full_page=True)

    # a unit: a duplicate code first (the error shows on the field), then a good one
    page.get_by_role("link", name="Thêm đơn vị").click()
    page.fill("#id_code", "THU-SNV")
    page.fill("#id_name", "Sở Xây dựng tỉnh Thử Nghiệm")
    page.select_option("#id_type", "department")
    page.select_option("#id_parent", label="T-THU — Tỉnh Thử Nghiệm")
    page.get_by_role("button", name="Lưu").click()
    expect(page.locator(".errorlist")).to_contain_text("đã có")
    page.screenshot(path=str(shots / "setup-02-unit-error.png"), full_page=True)
    page.fill("#id_code", "THU-SXD")
    page.get_by_role("button", name="Lưu").click()
    expect(page.locator(".messages")).to_contain_text("Đã lưu đơn vị")
    assert OrgUnit.objects.get(code="THU-SXD").parent == province

    # an account, then a role for it
    page.get_by_role("link", name="Thêm tài khoản").click()
    page.fill("#id_username", "canbo.sxd")
    page.fill("#id_full_name", "Lê Văn Xây")
    page.fill("#id_email", "xay@example.vn")
    page.get_by_role("button", name="Lưu").click()
    expect(page.locator("h1")).to_have_text("Lê Văn Xây")
    page.select_option("#id_role", "officer")
    page.select_option("#id_unit", label="THU-SXD — Sở Xây dựng tỉnh Thử Nghiệm")
    page.get_by_role("button", name="Giao vai trò").click()
    expect(page.locator("table")).to_contain_text("Cán bộ đơn vị")
    page.screenshot(path=str(shots / "setup-03-account.png"), full_page=True)
    account = User.objects.get(username="canbo.sxd")
    assert account.memberships.get().unit.code == "THU-SXD"

    # the workbook
    page.goto("/thiet-lap/tep-excel/")
    with page.expect_download() as info:
        page.get_by_role("link", name="Tải tệp thiết lập hiện tại").click()
    data = Path(info.value.path()).read_bytes()
    wb = load_workbook(io.BytesIO(data), read_only=True)
    codes = [r[0] for r in wb["Đơn vị"].iter_rows(min_row=2, values_only=True)]
    assert "THU-SXD" in codes
    accounts = [r[0] for r in wb["Tài khoản"].iter_rows(min_row=2, values_only=True)]
    assert "canbo.sxd" in accounts
    page.screenshot(path=str(shots / "setup-04-workbook.png"), full_page=True)
    assert not page.errors, page.errors

    # a phone
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/thiet-lap/")
    expect(page.locator("h1")).to_have_text(re.compile("Thiết lập"))
    page.screenshot(path=str(shots / "setup-05-phone.png"), full_page=False)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, width
