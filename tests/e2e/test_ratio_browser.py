"""A ratio item (issue 11) in Chromium: the two count inputs typed the Vietnamese way give the
points and "45/50 = 90,0000 %" on the row, on a desktop and on a 390 px phone."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from test_journey import login, row, saved

from parindex.assessment.models import Entry

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


RATIO_YAML = Path(__file__).parent.parent / "data" / "ratio.yaml"


@pytest.fixture
def ratio_cycle(transactional_db):
    from cast import Cast

    cast = Cast()
    cycle = cast.cycle(
        methodology=cast.methodology(RATIO_YAML),
        self_start=None,
        self_end=None,
        explanation_end=None,
    )
    return cast.part(cycle, "a")


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_two_counts_typed_give_points_and_explanation(
    ratio_cycle, live_server, browser, new_page, shots, viewport
):
    from playwright.sync_api import expect

    page = new_page()
    if viewport:
        page.set_viewport_size(viewport)
    login(page, "canbo")
    page.goto(f"/tu-danh-gia/{ratio_cycle.pk}/")
    item = row(page, "1.1.1")
    item.locator("input[name=done]").fill("45")
    with saved(page, "/muc/1.1.1/"):
        item.locator("input[name=total]").fill("50")
        item.locator("input[name=total]").press("Tab")
    expect(row(page, "1.1.1").locator("td.pts")).to_have_text("1,80")
    expect(row(page, "1.1.1").locator(".explain")).to_contain_text("45/50 = 90,0000 %")
    assert Entry.objects.get(participation=ratio_cycle, code="1.1.1").self_points == Decimal(
        "1.8000"
    )
    name = "ratio-phone.png" if viewport else "ratio-desktop.png"
    page.screenshot(path=str(shots / name), full_page=True)
    assert (
        page.evaluate("document.scrollingElement.scrollWidth")
        <= (viewport or {"width": 1366})["width"]
    )
    assert page.errors == [], page.errors
