"""The explanation round (giải trình) and the stage comparison page of one unit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from factories import MOVE

from parindex.assessment import services
from parindex.assessment.models import Cycle, Entry

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def self_appraised(self_world):
    """Unit A self-assesses 1.1.1 (1), 1.1.2 (1), 1.2.1 (1), submits; round 1 cuts 1.1.2 to
    0.5 (not met) and accepts the others; the cycle is then in the explanation round."""
    w = self_world
    p, officer, manager = w["p"], w["officer"], w["manager"]
    for code, value in (("1.1.1", "đúng hạn"), ("1.1.2", "100"), ("1.2.1", "có")):
        services.entry_save_self(participation=p, code=code, value=value, user=officer)
    services.participation_submit(participation=p, user=w["leader"])
    cycle = w["cycle"]
    for state in (Cycle.State.SELF_CLOSED, Cycle.State.APPRAISAL):
        cycle = services.cycle_transition(**MOVE, cycle=cycle, to_state=state, user=manager)
    for e in Entry.objects.filter(participation=p):
        cut = e.code == "1.1.2"
        services.entry_appraise(
            entry=e,
            points=Decimal("0.5") if cut else None,
            reason="not_met" if cut else "",
            comment="Chưa hoàn thành 2 nhiệm vụ của kế hoạch" if cut else "",
            version=e.version,
            user=w["appraiser"],
        )
    services.cycle_transition(**MOVE, cycle=cycle, to_state=Cycle.State.EXPLANATION, user=manager)
    p.refresh_from_db()
    return w


def explain(client, p, code, text, version):
    url = reverse("explanation_save", args=[p.pk, code])
    return client.post(url, {"text": text, "version": version}, **HX)


def test_the_explanation_page_lists_the_disputed_items(self_appraised, self_login):
    p = self_appraised["p"]
    html = self_login(self_appraised["officer"]).get(reverse("explanation", args=[p.pk]))
    html = html.content.decode()
    assert 'id="e-1-1-2"' in html and 'id="e-1-1-1"' not in html
    assert "Không đáp ứng yêu cầu" in html
    assert "Chưa hoàn thành 2 nhiệm vụ" in html
    assert "1,00" in html and "0,50" in html and "−0,50" in html
    assert 'name="text"' in html


def test_the_unit_explains_a_disputed_item(self_appraised, self_login):
    p = self_appraised["p"]
    client = self_login(self_appraised["officer"])
    entry = Entry.objects.get(participation=p, code="1.1.2")
    response = explain(
        client, p, "1.1.2", "Hai nhiệm vụ đã hoàn thành (xem báo cáo).", entry.version
    )
    html = response.content.decode()
    assert "Đã lưu giải trình" in html and '<section class="card explain-item" id="e-1-1-2"' in html
    entry.refresh_from_db()
    assert entry.explanation == "Hai nhiệm vụ đã hoàn thành (xem báo cáo)."
    # A stale version: conflict message, current text shown, nothing overwritten.
    html = explain(client, p, "1.1.2", "Bản cũ", entry.version - 1).content.decode()
    assert "vừa được" in html and "Hai nhiệm vụ đã hoàn thành" in html
    entry.refresh_from_db()
    assert entry.explanation.startswith("Hai nhiệm vụ")


def test_an_item_not_cut_cannot_be_explained(self_appraised, self_login):
    p = self_appraised["p"]
    client = self_login(self_appraised["officer"])
    entry = Entry.objects.get(participation=p, code="1.1.1")
    html = explain(client, p, "1.1.1", "Không cần", entry.version).content.decode()
    assert "không bị điều chỉnh giảm điểm" in html
    entry.refresh_from_db()
    assert entry.explanation == ""


def test_explanation_is_refused_outside_the_explanation_round(self_appraised, self_login):
    p = self_appraised["p"]
    services.cycle_transition(
        **MOVE, cycle=p.cycle, to_state=Cycle.State.APPRAISAL_2, user=self_appraised["manager"]
    )
    p.refresh_from_db()
    client = self_login(self_appraised["officer"])
    page = client.get(reverse("explanation", args=[p.pk])).content.decode()
    assert "không ở giai đoạn giải trình" in page and 'name="text"' not in page
    entry = Entry.objects.get(participation=p, code="1.1.2")
    html = explain(client, p, "1.1.2", "Muộn", entry.version).content.decode()
    assert "không ở giai đoạn giải trình" in html
    entry.refresh_from_db()
    assert entry.explanation == ""


def test_the_council_reads_the_explanations_without_editing(self_appraised, self_login):
    p = self_appraised["p"]
    html = self_login(self_appraised["appraiser"]).get(reverse("explanation", args=[p.pk]))
    html = html.content.decode()
    assert 'id="e-1-1-2"' in html and 'name="text"' not in html
    assert "Giải trình của đơn vị" in html


def test_another_unit_cannot_explain(self_appraised, self_login):
    p = self_appraised["p"]
    entry = Entry.objects.get(participation=p, code="1.1.2")
    response = explain(self_login(self_appraised["other"]), p, "1.1.2", "x", entry.version)
    assert response.status_code == 404


def test_the_comparison_page_shows_each_stage_total(self_appraised, self_login):
    p = self_appraised["p"]
    html = self_login(self_appraised["officer"]).get(reverse("unit_results", args=[p.pk]))
    html = html.content.decode()
    self_result = services.unit_result(p, "self")
    r1_result = services.unit_result(p, "r1")
    assert self_result.points == Decimal("3") and r1_result.points == Decimal("2.5")
    for label in services.STAGE_LABELS.values():
        assert str(label) in html
    assert "<strong>3,00</strong> / 8,00" in html  # self total (department max: 8)
    assert "<strong>2,50</strong> / 8,00" in html  # round 1 total
    assert (
        "<strong>37,50\u00a0%</strong>" in html and "<strong>31,25\u00a0%</strong>" in html
    )  # indices
    assert 'class="num diff-down"' in html
    assert "Không đáp ứng yêu cầu" in html and "Chưa hoàn thành 2 nhiệm vụ" in html
    # Stages not reached yet are shown as such, not as copies of earlier ones.
    assert html.count("chưa có") >= 2


def test_the_appraiser_sees_round_one_while_it_runs(self_world, self_login):
    p = self_world["p"]
    services.entry_save_self(participation=p, code="1.1.2", value="100", user=self_world["officer"])
    services.participation_submit(participation=p, user=self_world["leader"])
    cycle = self_world["cycle"]
    for state in (Cycle.State.SELF_CLOSED, Cycle.State.APPRAISAL):
        cycle = services.cycle_transition(
            **MOVE, cycle=cycle, to_state=state, user=self_world["manager"]
        )
    unit_view = self_login(self_world["officer"]).get(reverse("unit_results", args=[p.pk]))
    staff_view = self_login(self_world["appraiser"]).get(reverse("unit_results", args=[p.pk]))
    assert staff_view.status_code == 200
    assert staff_view.content.decode().count("chưa có") < unit_view.content.decode().count(
        "chưa có"
    )


def test_a_nul_byte_in_the_explanation_is_refused(self_appraised, self_login):
    # PostgreSQL cannot store it (DataError, a 500): refused on the item, nothing saved.
    p = self_appraised["p"]
    entry = Entry.objects.get(participation=p, code="1.1.2")
    client = self_login(self_appraised["officer"])
    response = explain(client, p, "1.1.2", "Đã hoàn thành\x00 đủ", entry.version)
    assert response.status_code == 200
    assert "Chưa lưu" in response.content.decode()
    entry.refresh_from_db()
    assert entry.explanation == "" and "\x00" not in entry.explanation
