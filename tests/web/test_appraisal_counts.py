"""Appraising a `ratio` item by its two counts (issue 11): the council enters the counts it
verified, the points are the rule's (the same path as the self-assessment's), the row shows
the counts with the rule's explanation, 0/0 follows the not-arising policy, and counts that
do not fit are refused with a clear message (nothing saved)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from factories import MOVE

from parindex.assessment import services
from parindex.assessment.models import Cycle, Entry
from parindex.audit.models import LogEntry
from parindex.common.errors import ServiceError
from parindex.core import parse_value, score_leaf

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
RATIO_YAML = Path(__file__).parent.parent / "data" / "ratio.yaml"
# 1.1.1 ratio (max 2, proportional): 45/50 = 90 % -> 1,8; 1.2.1 piecewise (max 1): 75 % ->
# 0,5 + (75 - 50) / 50 x 0,5 = 0,75. Self-assessed total 2,55 / 3.
SELF = {"1.1.1": "45/50", "1.2.1": "75"}


@pytest.fixture
def appraising(cast):
    cycle = cast.cycle(
        Cycle.State.APPRAISAL,
        units=("a",),
        values={"STP": SELF},
        methodology=cast.methodology(RATIO_YAML),
    )
    return cast.part(cycle, "a")


def post(client, p, code, **data):
    data.setdefault("version", str(Entry.objects.get(participation=p, code=code).version))
    return client.post(reverse("appraisal_entry", args=[p.pk, code]), data, **HX)


def test_the_row_offers_two_count_inputs_for_a_ratio_item_only(cast, appraising):
    page = cast.client("appraiser").get(reverse("appraisal_detail", args=[appraising.pk]))
    html = page.content.decode()
    ratio_row = html.split('id="m-1.1.1"')[1].split("</tr>")[0]
    piecewise_row = html.split('id="m-1.2.1"')[1].split("</tr>")[0]
    assert 'name="done"' in ratio_row and 'name="total"' in ratio_row
    assert 'value="counts"' in ratio_row
    assert 'name="done"' not in piecewise_row


def test_counts_give_the_rules_points_and_are_shown_with_the_explanation(cast, appraising):
    p = appraising
    response = post(
        cast.client("appraiser"),
        p,
        "1.1.1",
        action="counts",
        done="40",
        total="50",
        reason="not_met",
        comment="Đối chiếu sổ theo dõi",
    )
    html = response.content.decode()
    entry = Entry.objects.get(participation=p, code="1.1.1")
    # 40/50 = 80 % -> 80 / 100 x 2 = 1,6
    assert entry.r1_points == Decimal("1.6000")
    assert entry.r1_value == "40/50"
    assert entry.r1_reason == "not_met"
    tree = p.cycle.methodology.tree
    rule = score_leaf(
        tree, tree.nodes["1.1.1"], services.unit_of(p.unit), parse_value("40/50", "ratio")
    )
    assert entry.r1_points == rule.points  # the rule's points, not typed ones
    assert "Số liệu thẩm định" in html and "40/50" in html
    assert "40/50 = 80,0000 %" in html  # the rule's explanation on the row
    assert "1,6000 điểm" in html
    # The round's result takes the counts as the item's input: 1,6 + 0,75 = 2,35 / 3.
    result = services.unit_result(p, "r1")
    assert result.nodes["1.1.1"].points == Decimal("1.6000")
    assert result.points == Decimal("2.3500")
    assert result.nodes["1.1.1"].value is not None and str(result.nodes["1.1.1"].value) == "40/50"
    # The audit row records the counts with the points.
    row = LogEntry.objects.filter(action="entry.appraised_r1", code="1.1.1").get()
    assert row.data["new"]["value"] == "40/50" and row.data["new"]["points"] == "1.6000"


def test_a_cut_by_counts_needs_a_reason(cast, appraising):
    html = post(
        cast.client("appraiser"), appraising, "1.1.1", action="counts", done="40", total="50"
    ).content.decode()
    assert "cần chọn lý do" in html
    assert Entry.objects.get(participation=appraising, code="1.1.1").r1_points is None


def test_counts_at_or_above_the_claim_need_no_reason(cast, appraising):
    post(cast.client("appraiser"), appraising, "1.1.1", action="counts", done="50", total="50")
    entry = Entry.objects.get(participation=appraising, code="1.1.1")
    assert (entry.r1_points, entry.r1_value, entry.r1_reason) == (Decimal("2.0000"), "50/50", "")


@pytest.mark.parametrize(
    ("done", "total", "message"),
    [
        ("51", "50", "lớn hơn tổng số"),
        ("-1", "50", "âm"),
        ("abc", "50", "không phải là số"),
        ("4", "x", "không phải là số"),
        ("1,5", "3", "số nguyên"),
        ("40", "", "Hãy nhập đủ hai số liệu"),
        ("", "50", "Hãy nhập đủ hai số liệu"),
    ],
)
def test_bad_counts_are_refused_with_a_clear_message(cast, appraising, done, total, message):
    html = post(
        cast.client("appraiser"),
        appraising,
        "1.1.1",
        action="counts",
        done=done,
        total=total,
        reason="not_met",
    ).content.decode()
    assert message in html
    assert 'class="ap-msg error"' in html
    entry = Entry.objects.get(participation=appraising, code="1.1.1")
    assert (entry.r1_points, entry.r1_value) == (None, "")  # nothing saved


def test_zero_over_zero_follows_the_not_arising_policy(cast, appraising):
    """ratio.yaml: not_arising_default exclude -> 1.1.1 leaves the maximum (3 -> 1)."""
    p = appraising
    post(cast.client("appraiser"), p, "1.1.1", action="counts", done="0", total="0", reason="other")
    entry = Entry.objects.get(participation=p, code="1.1.1")
    assert (entry.r1_points, entry.r1_value) == (Decimal("0.0000"), "0/0")
    result = services.unit_result(p, "r1")
    assert result.nodes["1.1.1"].max_points == 0  # excluded, not scored 0 of 2
    assert result.max_points == Decimal("1.0000")
    assert result.points == Decimal("0.7500")
    # Round 2 keeping round 1 keeps its counts, hence the exclusion.
    services.cycle_transition(**MOVE, cycle=p.cycle, to_state="explanation", user=cast.manager)
    cycle = services.cycle_transition(
        **MOVE, cycle=p.cycle, to_state="appraisal_2", user=cast.manager
    )
    p.refresh_from_db()
    assert cycle.state == "appraisal_2"
    services.appraise_remaining(participation=p, user=cast.appraiser)
    assert Entry.objects.get(participation=p, code="1.1.1").r2_value == "0/0"
    assert services.unit_result(p, "r2").max_points == Decimal("1.0000")


def test_the_service_refuses_counts_on_an_item_not_scored_by_counts(cast, appraising):
    with pytest.raises(ServiceError, match="không chấm theo hai số liệu"):
        services.entry_appraise_code(
            participation=appraising, code="1.2.1", points=None, counts="3/4", user=cast.appraiser
        )


def test_not_allowed_policy_refuses_zero_over_zero(cast):
    source = (
        RATIO_YAML.read_text(encoding="utf-8")
        .replace("rule: {kind: ratio}", "rule: {kind: ratio}\n            not_arising: not_allowed")
        .replace("code: ratio-test", "code: ratio-strict")
    )
    methodology = services.methodology_install(source=source, name="ratio-strict.yaml")
    cycle = cast.cycle(
        Cycle.State.APPRAISAL, units=("a",), values={"STP": SELF}, methodology=methodology
    )
    p = cast.part(cycle, "a")
    with pytest.raises(ServiceError, match="không phát sinh"):
        services.entry_appraise_code(
            participation=p,
            code="1.1.1",
            points=None,
            counts="0/0",
            reason="other",
            user=cast.appraiser,
        )
