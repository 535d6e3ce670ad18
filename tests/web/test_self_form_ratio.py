"""The self-assessment form for the rule kinds of issue 11: a `ratio` item offers two count
inputs (done / total, typed the Vietnamese way), saves "45/50" and answers the row with its
points and "45/50 = 90,0000 %"; 0/0 follows the not-arising policy; a `piecewise` item takes a
number like the other rules."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from parindex.assessment.models import Entry

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
RATIO_YAML = Path(__file__).parent.parent / "data" / "ratio.yaml"


@pytest.fixture
def ratio_world(cast):
    cycle = cast.cycle(
        methodology=cast.methodology(RATIO_YAML),
        self_start=None,
        self_end=None,
        explanation_end=None,
    )
    return cast.part(cycle, "a"), cast.users["officer"]


def save(client, p, code, **data):
    data.setdefault("version", "0")
    return client.post(reverse("self_entry_save", args=[p.pk, code]), data, **HX)


def row_html(html: str, code: str) -> str:
    dom = "e-" + code.replace(".", "-")
    match = re.search(rf'<tbody id="{dom}".*?</tbody>', html, re.S)
    assert match, f"row {code} not found"
    return match.group(0)


def test_the_form_offers_two_count_inputs(ratio_world, self_login):
    p, officer = ratio_world
    page = self_login(officer).get(reverse("self_assessment", args=[p.pk])).content.decode()
    row = row_html(page, "1.1.1")
    assert 'name="done"' in row and 'name="total"' in row
    assert 'name="value"' not in row
    assert 'name="value"' in row_html(page, "1.2.1")  # piecewise: one number


def test_two_counts_saved_scored_and_explained(ratio_world, self_login):
    p, officer = ratio_world
    client = self_login(officer)
    row = row_html(save(client, p, "1.1.1", done="1.350", total="1.500").content.decode(), "1.1.1")
    entry = Entry.objects.get(participation=p, code="1.1.1")
    assert entry.value == "1.350/1.500"  # as typed, like every input; read as 1350/1500
    assert entry.self_points == Decimal("1.8000")
    assert 'class="num pts">1,80</td>' in row
    assert "1350/1500 = 90,0000 %" in row
    assert 'name="done" class="ef" value="1350"' in row
    assert 'name="total" class="ef" value="1500"' in row


def test_zero_over_zero_is_not_arising_and_bad_counts_refused(ratio_world, self_login):
    p, officer = ratio_world
    client = self_login(officer)
    row = row_html(save(client, p, "1.1.1", done="0", total="0").content.decode(), "1.1.1")
    assert "Không phát sinh" in row
    assert Entry.objects.get(participation=p, code="1.1.1").value == "0/0"
    row = row_html(
        save(client, p, "1.1.1", done="51", total="50", version="1").content.decode(), "1.1.1"
    )
    assert "lớn hơn tổng số" in row
    assert Entry.objects.get(participation=p, code="1.1.1").value == "0/0"  # nothing saved


def test_piecewise_takes_a_vietnamese_number(ratio_world, self_login):
    p, officer = ratio_world
    client = self_login(officer)
    row = row_html(save(client, p, "1.2.1", value="75,5").content.decode(), "1.2.1")
    assert Entry.objects.get(participation=p, code="1.2.1").self_points == Decimal("0.755")
    assert "0,7550 điểm" in row
