"""The "Việc cần làm" block: per role, the right counts, deadlines and links."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from parindex.assessment import services
from parindex.assessment.models import Cycle, Entry, Participation
from parindex.assessment.todo import todo_for

pytestmark = pytest.mark.django_db

# tests/data/small.yaml: the department's own items are 1.1.1, 1.1.2, 1.2.1, 1.2.2, 2.1.1
# (2.1.2 is the commune's, 2.2.1 a survey); the commune's add 2.1.2.


def _kinds(items):
    return {t.kind: t for t in items}


def _save(sc, p, user, code, value):
    p.refresh_from_db()
    services.entry_save_self(participation=p, code=code, value=value, note="", user=user)


def test_officer_sees_items_left_and_the_deadline(small_cycle):
    sc = small_cycle
    _save(sc, sc.p_department, sc.users["officer"], "1.1.1", "đúng hạn")
    _save(sc, sc.p_department, sc.users["officer"], "2.1.1", "50")
    items = todo_for(sc.users["officer"])
    assert [t.kind for t in items] == ["self"]
    t = items[0]
    assert t.count == 3 and "3/5 mục chưa nhập" in t.detail
    assert t.url == reverse("self_assessment", args=[sc.p_department.pk])
    assert t.deadline == sc.cycle.self_end
    assert t.deadline_text == timezone.localtime(sc.cycle.self_end).strftime("%d/%m/%Y %H:%M")
    # The lead agency counts the items it fills (field 1 only).
    lead = todo_for(sc.users["lead_agency"])
    assert [(t.kind, t.count) for t in lead] == [("self", 3)]


def test_leader_sees_forms_waiting_and_officer_the_return(small_cycle):
    sc = small_cycle
    officer, leader = sc.users["officer"], sc.users["leader"]
    services.participation_hand_over(participation=sc.p_department, user=officer)
    assert todo_for(officer) == []  # waiting for the leader
    t = _kinds(todo_for(leader))["approve"]
    assert t.url == reverse("self_assessment", args=[sc.p_department.pk])
    assert "Sở Tư pháp" in t.title
    # The commune's leader has nothing handed over: their own unit's entry only.
    assert "approve" not in _kinds(todo_for(sc.users["commune_leader"]))
    services.participation_return(
        participation=sc.p_department, comment="Thiếu tài liệu mục 1.1", user=leader
    )
    kinds = _kinds(todo_for(officer))
    assert kinds["returned"].detail == "Thiếu tài liệu mục 1.1"
    assert kinds["self"].count == 5


def _submit(sc):
    for p, leader in ((sc.p_department, "leader"), (sc.p_commune, "commune_leader")):
        p.refresh_from_db()
        _save(sc, p, sc.users[leader], "1.1.1", "đúng hạn")
        _save(sc, p, sc.users[leader], "1.2.1", "có")
        services.participation_submit(participation=p, user=sc.users[leader])


def test_appraiser_sees_units_and_items_per_round(small_cycle):
    sc = small_cycle
    _submit(sc)
    Cycle.objects.filter(pk=sc.cycle.pk).update(
        state=Cycle.State.APPRAISAL, appraisal_end=timezone.now() + timedelta(days=5)
    )
    sc.cycle.refresh_from_db()
    t = _kinds(todo_for(sc.users["appraiser"]))["appraise"]
    # department 5 items + commune 6 items.
    assert t.count == 11 and "2 đơn vị, 11 mục" in t.detail
    assert t.url == reverse("appraisal_list") and "vòng 1" in t.title
    assert t.deadline == sc.cycle.appraisal_end
    # appraiser_2 covers field 2 only: 2.1.1 (+ 2.1.2 for the commune).
    t2 = _kinds(todo_for(sc.users["appraiser_2"]))["appraise"]
    assert t2.count == 3
    services.entry_appraise_code(
        participation=Participation.objects.get(pk=sc.p_department.pk),
        code="2.1.1",
        points=None,
        user=sc.users["appraiser_2"],
    )
    assert _kinds(todo_for(sc.users["appraiser_2"]))["appraise"].count == 2
    assert _kinds(todo_for(sc.users["appraiser"]))["appraise"].count == 10
    # The officers have nothing to appraise.
    assert "appraise" not in _kinds(todo_for(sc.users["officer"]))


def test_unit_sees_explanations_requested(small_cycle):
    sc = small_cycle
    _submit(sc)
    end = timezone.now() + timedelta(days=4)
    Cycle.objects.filter(pk=sc.cycle.pk).update(state=Cycle.State.EXPLANATION, explanation_end=end)
    Entry.objects.filter(participation=sc.p_department, code__in=["1.1.1", "1.2.1"]).update(
        r1_points=Decimal(0), r1_reason="not_met"
    )
    t = _kinds(todo_for(sc.users["officer"]))["explain"]
    assert t.count == 2 and t.url == reverse("explanation", args=[sc.p_department.pk])
    assert t.deadline == end
    Entry.objects.filter(participation=sc.p_department, code="1.1.1").update(
        explanation="Đã ban hành đúng hạn"
    )
    assert _kinds(todo_for(sc.users["leader"]))["explain"].count == 1
    # The commune had no cut: nothing to explain.
    assert "explain" not in _kinds(todo_for(sc.users["commune_officer"]))
    # After the deadline the item is gone.
    Cycle.objects.filter(pk=sc.cycle.pk).update(explanation_end=timezone.now() - timedelta(hours=1))
    assert "explain" not in _kinds(todo_for(sc.users["officer"]))


def test_manager_sees_next_stage_and_open_points(small_cycle):
    sc = small_cycle
    t = _kinds(todo_for(sc.users["manager"]))["manage"]
    assert t.url == reverse("cycle_detail", args=[sc.cycle.pk])
    # The stage checklist's open points (services.stages.transition_checklist), in words.
    assert "Đơn vị chưa gửi kết quả tự đánh giá: 2." in t.detail and t.count == 1
    _submit(sc)
    Cycle.objects.filter(pk=sc.cycle.pk).update(state=Cycle.State.APPRAISAL)
    t = _kinds(todo_for(sc.users["manager"]))["manage"]
    # Items not appraised in round 1 (the checklist counts every item of the units).
    assert "Mục chưa thẩm định vòng 1:" in t.detail
    # Not for an officer or an appraiser.
    assert "manage" not in _kinds(todo_for(sc.users["appraiser"]))


def test_the_managers_open_points_are_counted_again_only_after_a_change(small_cycle, monkeypatch):
    from parindex.assessment.services import stages

    sc = small_cycle
    counted = []
    real = stages.transition_checklist

    def spy(cycle, to_state):
        counted.append(to_state)
        return real(cycle, to_state)

    monkeypatch.setattr(stages, "transition_checklist", spy)
    manager = sc.users["manager"]

    def detail():
        return _kinds(todo_for(manager))["manage"].detail

    first = detail()
    assert "Đơn vị chưa gửi kết quả tự đánh giá: 2." in first
    assert detail() == first and len(counted) == 1  # the next home page reads the cache
    # A submission (which does not move the results version) is counted.
    _save(sc, sc.p_department, sc.users["leader"], "1.1.1", "đúng hạn")
    services.participation_submit(participation=sc.p_department, user=sc.users["leader"])
    after = detail()
    assert "Đơn vị chưa gửi kết quả tự đánh giá: 1." in after and len(counted) == 2
    assert detail() == after and len(counted) == 2
    # Moving on: an entry write (the results version) makes the round's items counted again.
    Cycle.objects.filter(pk=sc.cycle.pk).update(state=Cycle.State.APPRAISAL)
    sc.cycle.refresh_from_db()
    before = detail()
    assert "Mục chưa thẩm định vòng 1: 5." in before and len(counted) == 3
    assert detail() == before and len(counted) == 3
    sc.p_department.refresh_from_db()
    services.entry_appraise_code(
        participation=sc.p_department,
        code="1.1.1",
        points=None,
        user=sc.users["appraiser"],
    )
    assert "Mục chưa thẩm định vòng 1: 4." in detail() and len(counted) == 4


def test_home_page_shows_the_block(small_cycle, client):
    sc = small_cycle
    client.force_login(sc.users["officer"])
    page = client.get(reverse("home")).content.decode()
    assert "Việc cần làm" in page and "5/5 mục chưa nhập" in page
    assert reverse("self_assessment", args=[sc.p_department.pk]) in page
    assert timezone.localtime(sc.cycle.self_end).strftime("%d/%m/%Y") in page
    client.force_login(sc.users["viewer"])
    page = client.get(reverse("home")).content.decode()
    assert "Không có việc nào đang chờ." in page


def test_queries_do_not_grow_with_units(small_cycle, django_assert_max_num_queries):
    """The appraiser's and the manager's items over 2 units, then 10: same queries."""
    from factories import make_unit

    from parindex.assessment.models import Participation as P

    sc = small_cycle
    _submit(sc)
    Cycle.objects.filter(pk=sc.cycle.pk).update(state=Cycle.State.APPRAISAL)
    with django_assert_max_num_queries(30) as before:
        todo_for(sc.users["manager"])
        todo_for(sc.users["appraiser"])
    for _i in range(8):
        P.objects.create(
            cycle=sc.cycle, unit=make_unit(parent=sc.province), status=P.Status.SUBMITTED
        )
    with django_assert_max_num_queries(len(before.captured_queries)):
        todo_for(sc.users["manager"])
        todo_for(sc.users["appraiser"])
