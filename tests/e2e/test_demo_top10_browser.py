"""Issue 10's "Done means", played in a real browser on the built demo (`parindex demo`):
the Lào Cai organiser (sonoivu, the Sở Nội vụ) opens the province's finished QĐ 876 cycle,
drafts next year's plan in one action, gives the lost-points tasks to departments with an
effort estimate, asks "what does the top 10 take?" (index needed, probability, cheapest
tasks), plays a what-if, and downloads the plan as Word. Then the target page on a 390 px
phone. The demo is built once here (about two minutes).

Screenshots: $PARINDEX_SCREENSHOTS, else the test's tmp_path (see tests/e2e/conftest.py).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.test import override_settings

from parindex.accounts.models import OrgUnit
from parindex.assessment.models import Cycle
from parindex.demo.services import PASSWORD, demo_setup
from parindex.plans.models import Plan, Task

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="no /usr/bin/chromium"),
]

# The departments the organiser gives the lost points to, by field.
AGENCY = {"1": "Sở Nội vụ", "2": "Sở Tư pháp", "3": "Văn phòng UBND tỉnh", "5": "Sở Nội vụ"}


def login(page, username: str) -> None:
    from playwright.sync_api import expect

    page.goto("/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator(".login-box button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("Xin chào")


def test_the_lao_cai_organiser_plans_for_the_top_10(
    transactional_db, live_server, new_page, shots, media_root
):
    from docx import Document
    from playwright.sync_api import expect

    with override_settings(MEDIA_ROOT=media_root):
        info = demo_setup(reset=False)
    final_pk = info.cycles["province_final"]
    lao_cai = OrgUnit.objects.get(code="T-LAOCAI")

    page = new_page()
    login(page, "sonoivu")
    # 1. The finished cycle, labelled as demo data
    page.click("nav >> text=Kỳ đánh giá")
    page.click(f"a[href='/ky-danh-gia/{final_pk}/']")
    expect(page.locator("h1")).to_contain_text("dữ liệu minh họa")
    page.screenshot(path=str(shots / "top10-cycle-1366.png"), full_page=True)
    # 2. Next year's plan in one action
    page.click("text=Kế hoạch cải thiện năm sau")
    page.click("button:has-text('Lập dự thảo kế hoạch')")
    plan = Plan.objects.get(unit=lao_cai, source_cycle_id=final_pk)
    recover = list(plan.tasks.filter(kind=Task.Kind.RECOVER).order_by("code"))
    assert len(recover) >= 5 and sum(1 for t in recover if t.reason and t.comment) >= 4
    # 3. Tasks to the departments, with points expected back and an effort estimate
    for n, task in enumerate(t for t in recover if t.code.split(".")[0] in AGENCY):
        page.goto(f"/ke-hoach/nhiem-vu/{task.pk}/")
        page.select_option("#id_lead_agency", label=AGENCY[task.code.split(".")[0]])
        page.fill("#id_expected_points", format(task.lost.normalize(), "f").replace(".", ","))
        page.fill("#id_effort_days", str(5 + 5 * n))
        page.click("button:has-text('Lưu nhiệm vụ')")
        expect(page.locator(".messages, .alert").first).to_be_visible()
        task.refresh_from_db()
        assert task.lead_agency.name == AGENCY[task.code.split(".")[0]]
        assert task.effort_days == 5 + 5 * n
    # 4. "What does the top 10 take?"
    page.goto(f"/ke-hoach/{plan.pk}/")
    page.screenshot(path=str(shots / "top10-plan-1366.png"), full_page=True)
    page.click("text=Mục tiêu xếp hạng")
    page.fill("#id_k", "10")
    page.click("#tg-question button[type=submit]")
    expect(page.locator("#tg-synthetic, .tg-synthetic").first).to_be_visible()
    expect(page.locator("#tg-needed tbody tr")).to_have_count(3)
    expect(page.locator("#tg-chance-now .value")).to_contain_text("%")
    expect(page.locator("#tg-method")).to_contain_text("hạt giống")
    expect(page.locator("#tg-plan a[href^='/ke-hoach/nhiem-vu/']").first).to_be_visible()
    page.screenshot(path=str(shots / "top10-target-1366.png"), full_page=True)
    target_url = page.url
    # 5. What if field 2's item that lost the most were at its maximum?
    tree = Cycle.objects.get(pk=final_pk).methodology.tree
    lost = max((t for t in recover if t.code.startswith("2.")), key=lambda t: (t.lost, t.code))
    page.evaluate("window.__same_page = true")
    before = page.locator("#wi-result").inner_text()
    field = page.locator(f"input[name='p-{lost.code}']")
    field.fill(format(tree.nodes[lost.code].max_points.normalize(), "f").replace(".", ","))
    field.dispatch_event("change")
    expect(page.locator("#wi-answer")).to_be_visible()
    assert page.evaluate("window.__same_page") is True
    assert page.locator("#wi-result").inner_text() != before
    page.locator("#tg-whatif").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "top10-whatif-1366.png"))
    # 6. The plan as Word, ready to sign
    page.goto(f"/ke-hoach/{plan.pk}/")
    with page.expect_download() as dl:
        page.click("a:has-text('Word')")
    doc = Document(io.BytesIO(Path(dl.value.path()).read_bytes()))
    text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
        c.text for t in doc.tables for r in t.rows for c in r.cells
    )
    assert "KẾ HOẠCH" in text and "Sở Tư pháp" in text and "Văn phòng UBND tỉnh" in text
    assert not page.errors, page.errors

    # The target page on a phone
    phone = new_page()
    phone.set_viewport_size({"width": 390, "height": 844})
    login(phone, "sonoivu")
    phone.goto(target_url)
    expect(phone.locator("#tg-needed tbody tr")).to_have_count(3)
    phone.screenshot(path=str(shots / "top10-target-390.png"), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert not phone.errors, phone.errors
