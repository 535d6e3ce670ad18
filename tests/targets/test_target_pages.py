"""The target planner's pages on the known small world (conftest.py): the answer with its
draws and seed, the chosen tasks as links to the plan, the budget mode, the what-if fragment
(htmx), an infeasible request, who may open the page, the menu link."""

from __future__ import annotations

from django.urls import reverse

from parindex.plans.models import Task


def page(w, role="manager", **params):
    url = reverse("target_page", args=[w.p.pk])
    return w.cast.client(role).get(url, params)


def test_the_page_answers_with_draws_seed_and_the_tasks(target_world):
    response = page(target_world, k="1", draws="2000", seed="11")
    body = response.content.decode()
    assert response.status_code == 200
    assert "2.000 lần mô phỏng · hạt giống 11" in body
    assert 'id="tg-last"' in body and "75,00" in body  # B's index reached rank 1
    chosen = body.split('id="tg-chosen"')[1].split("</table>")[0]
    for code in ("1.2.2", "2.1.1"):
        task = Task.objects.get(plan=target_world.plan, code=code)
        assert f'data-task="{code}"' in chosen
        assert reverse("plan_task", args=[task.pk]) in chosen
    assert 'data-task="2.2.1"' not in chosen
    assert "data-synthetic" not in body  # no national figure here


def test_the_budget_mode_and_a_missing_budget(target_world):
    body = page(target_world, k="1", mode="budget", budget="10").content.decode()
    chosen = body.split('id="tg-chosen"')[1].split("</table>")[0]
    assert 'data-task="2.2.1"' in chosen and 'data-task="1.2.2"' not in chosen
    body = page(target_world, k="1", mode="budget").content.decode()
    assert "Nhập ngân sách" in body


def test_infeasible_says_so(target_world):
    Task.objects.filter(plan=target_world.plan).update(expected_points=0)
    Task.objects.filter(plan=target_world.plan, code="2.1.1").update(expected_points="0.25")
    body = page(target_world, k="1").content.decode()
    assert 'id="tg-infeasible"' in body and "thiếu 0,7500" in body


def test_what_if_returns_the_fragment(target_world):
    url = reverse("target_whatif", args=[target_world.p.pk])
    client = target_world.cast.client("manager")
    response = client.get(url, {"k": "1", "p-2.1.1": "2"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert 'data-index="68.7500"' in body and "68,75" in body
    assert "2.1.1 1,50 → 2,00" in body
    whole = client.get(url, {"k": "1", "f-1": "4", "p-2.1.1": "2"}).content.decode()
    assert 'data-index="75.0000"' in whole
    bad = client.get(url, {"p-2.1.1": "nhiều"}).content.decode()
    assert 'id="wi-error"' in bad and "Không phải là số" in bad


def test_who_opens_the_page(target_world):
    for role in ("admin", "manager"):
        assert page(target_world, role).status_code == 200, role
    for role in ("officer_b", "outsider", "other_manager", "lead_agency"):
        assert page(target_world, role).status_code == 404, role
    # A's officer opens it, but may not read the unpublished ranking: told so
    body = page(target_world, "officer").content.decode()
    assert 'id="tg-error"' in body


def test_the_menu_and_the_index_lead_to_the_page(target_world):
    body = target_world.cast.client("manager").get(reverse("targets_index")).content.decode()
    assert reverse("target_page", args=[target_world.p.pk]) in body
    assert reverse("targets_index") in body  # the menu link


def test_the_plan_and_the_unit_results_link_to_the_page(target_world):
    url = reverse("target_page", args=[target_world.p.pk])
    client = target_world.cast.client("manager")
    plan = client.get(reverse("plan_detail", args=[target_world.plan.pk])).content.decode()
    assert url in plan
    unit = client.get(reverse("results_unit", args=[target_world.p.pk])).content.decode()
    assert url in unit
    other = target_world.cast.client("lead_agency")
    assert (
        url not in other.get(reverse("plan_detail", args=[target_world.plan.pk])).content.decode()
    )


def test_one_year_of_history_answers_last_year_and_says_why_not_more(target_world):
    # the 2023 cycle moved to 2020: years apart give no year-on-year change to draw from
    type(target_world.c2023).objects.filter(pk=target_world.c2023.pk).update(year=2020)
    body = page(target_world, k="1").content.decode()
    assert 'id="tg-last"' in body and "75,00" in body
    assert 'id="tg-sim-error"' in body and "cần ít nhất hai năm liền nhau" in body
