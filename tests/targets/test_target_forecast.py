"""The year-end forecast on the known small world (conftest.py): from last year's points when
the plan's year has no cycle yet, from the open cycle's entered points (the rest at last
year's final points) when it has, with the chances by status changeable."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from parindex.plans.models import Task
from parindex.targets import forecasting
from parindex.targets import services as svc

D = Decimal


def fc(w, **kw):
    ans = svc.answer(w.cast.manager, w.p, svc.Settings(k=1, draws=2000, **kw))
    return forecasting.forecast_for(w.cast.manager, ans)


def test_certain_chances_give_exact_forecasts(target_world):
    # A has 5 of 8 points; its three tasks bring 0,5 + 0,5 + 2
    sure = fc(target_world, not_started=D(1)).forecast
    assert sure.expected == sure.low == sure.high == D("100.0000")
    never = fc(target_world, not_started=D(0)).forecast
    assert never.expected == never.high == D("62.5000") and never.best == D("100.0000")
    assert never.rank_low == never.rank_high == 3 and never.probability == 0


def test_half_chances_average_out(target_world):
    view = fc(target_world)  # 50 % each: 5 + (0,5 + 0,5 + 2) / 2 = 6,5 points, index 81,25
    assert view.open is None
    assert abs(view.forecast.expected - D("81.25")) < D("1")
    assert [tc.chance for tc in view.forecast.tasks] == [D("0.5")] * 3


def test_late_and_started_tasks_follow_their_status(target_world):
    Task.objects.filter(plan=target_world.plan, code="1.2.2").update(
        status="in_progress", progress=60
    )
    Task.objects.filter(plan=target_world.plan, code="2.1.1").update(deadline="2020-01-01")
    chances = {tc.task.code: tc.chance for tc in fc(target_world).forecast.tasks}
    assert chances == {"1.2.2": D("0.8"), "2.1.1": D("0.25"), "2.2.1": D("0.5")}


def test_the_open_cycle_entered_points_count_and_their_task_adds_nothing(target_world, cast):
    opened = cast.cycle(units=(cast.a,), name="Chỉ số CCHC năm 2025", year=2025)
    cast.fill(cast.part(opened, "a"), {"2.1.1": "100"}, submit=False)
    view = fc(target_world, not_started=D(1))
    assert view.open.cycle_id == opened.pk and view.entered == 1
    # entered 2.1.1 = 2; the rest at 2024's final points: 1 + 1 + 1 + 0,5 + 0 -> 5,5 of 8
    assert view.forecast.index_now == D("68.7500")
    counted = {tc.task.code: tc.task.counted for tc in view.forecast.tasks}
    assert counted == {"1.2.2": False, "2.1.1": True, "2.2.1": False}
    assert view.forecast.expected == D("100.0000")  # 5,5 + 0,5 + 2


def test_the_page_shows_the_forecast_and_its_assumptions(target_world):
    url = reverse("target_page", args=[target_world.p.pk])
    body = target_world.cast.client("manager").get(url, {"not_started": "100"}).content.decode()
    assert 'id="tg-forecast"' in body and 'id="fc-expected">100,00' in body
    assert "chưa thực hiện 100 %" in body and "quá hạn nhân 0,5" in body
    assert 'data-fc="2.2.1"' in body
