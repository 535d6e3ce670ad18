"""The plan pages and downloads: who sees which plan (another unit's plan answers 404), a
lead agency sees its own tasks, drafting in one action, the recoverability page, a stale edit
shows a message, the Word and Excel files open and hold the task rows."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from parindex.plans import services as svc
from parindex.plans.models import Plan, Task
from parindex.results.models import Recoverability


@pytest.fixture
def plan(plan_world):
    return svc.plan_draft(
        cycle=plan_world.finished, unit=plan_world.cast.a, user=plan_world.cast.manager
    ).plan


def test_drafting_from_the_cycle_page_in_one_action(plan_world):
    cast = plan_world.cast
    client = cast.client("manager")
    page = client.get(reverse("plans_cycle", args=[plan_world.finished.pk]))
    assert page.status_code == 200 and "Lập dự thảo kế hoạch" in page.content.decode()
    response = client.post(
        reverse("plans_draft", args=[plan_world.finished.pk]), {"unit": cast.a.pk}
    )
    plan = Plan.objects.get(unit=cast.a, year=2025)
    assert response.status_code == 302 and response["Location"] == reverse(
        "plan_detail", args=[plan.pk]
    )
    again = client.post(
        reverse("plans_draft", args=[plan_world.finished.pk]), {"unit": cast.a.pk}, follow=True
    )
    assert "đã có kế hoạch năm 2025" in again.content.decode()
    assert Task.objects.count() == 6


def test_who_sees_the_plan(plan_world, plan):
    cast = plan_world.cast
    url = reverse("plan_detail", args=[plan.pk])
    for name in ("admin", "manager", "officer", "leader", "viewer", "lead_agency"):
        assert cast.client(name).get(url).status_code == 200, name
    for name in ("officer_b", "outsider", "other_manager", "appraiser"):
        assert cast.client(name).get(url).status_code == 404, name
    task = plan.tasks.get(code="2.1.1")
    assert cast.client("officer_b").get(reverse("plan_task", args=[task.pk])).status_code == 404


def test_a_lead_agency_sees_only_the_tasks_it_leads(plan_world, plan):
    cast = plan_world.cast
    body = cast.client("lead_agency").get(reverse("plan_detail", args=[plan.pk])).content.decode()
    assert 'data-task="1.1.2"' in body and 'data-task="1.1.1"' in body
    assert 'data-task="2.1.1"' not in body and 'data-task="1.2.2"' not in body
    assert "/8,00" not in body  # the unit's total of last year: not for an agency of a task
    manager = cast.client("manager").get(reverse("plan_detail", args=[plan.pk])).content.decode()
    assert "4,00<span" in manager and "/8,00" in manager
    mine = plan.tasks.get(code="1.1.2")
    other = plan.tasks.get(code="2.1.1")
    assert cast.client("lead_agency").get(reverse("plan_task", args=[mine.pk])).status_code == 200
    assert cast.client("lead_agency").get(reverse("plan_task", args=[other.pk])).status_code == 404
    assert (
        cast.client("lead_agency").get(reverse("plan_download", args=[plan.pk, "docx"])).status_code
        == 403
    )
    index = cast.client("lead_agency").get(reverse("plans_index")).content.decode()
    assert reverse("plan_task", args=[mine.pk]) in index


def test_a_stale_edit_on_the_page_shows_why(plan_world, plan):
    cast = plan_world.cast
    task = plan.tasks.get(code="1.2.2")
    data = {
        "version": task.version,
        "description": "Hoàn thiện hồ sơ",
        "lead_agency": cast.a.pk,
        "deadline": "30/06/2025",
        "expected_points": "0,5",
        "status": "in_progress",
        "progress": "20",
    }
    url = reverse("plan_task", args=[task.pk])
    first = cast.client("manager").post(url, data)
    assert first.status_code == 302
    task.refresh_from_db()
    assert (task.description, str(task.deadline), task.version) == (
        "Hoàn thiện hồ sơ",
        "2025-06-30",
        1,
    )
    second = cast.client("officer").post(url, {**data, "description": "Khác"}, follow=True)
    assert "tải lại trang" in second.content.decode()
    assert Task.objects.get(pk=task.pk).description == "Hoàn thiện hồ sơ"


def test_the_recoverability_page_saves_the_setting(plan_world):
    cast = plan_world.cast
    url = reverse("plans_recoverability", args=[plan_world.finished.pk])
    assert cast.client("officer").get(url).status_code == 403
    assert cast.client("manager").get(url).status_code == 200
    response = cast.client("manager").post(url, {"survey": "on", "item-1.1.2": "0"})
    assert response.status_code == 302
    rows = set(Recoverability.objects.values_list("method", "code", "recoverable"))
    assert rows == {("survey", "", True), ("", "1.1.2", False)}


def test_the_word_plan_opens_with_its_task_tables(plan_world, plan):
    response = plan_world.cast.client("manager").get(
        reverse("plan_download", args=[plan.pk, "docx"])
    )
    assert response.status_code == 200
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "KẾ HOẠCH" in text
    assert "Duy trì, cải thiện và nâng cao Chỉ số cải cách hành chính năm 2025" in text
    heading = "\n".join(c.text for c in doc.tables[0]._cells)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in heading and "Số: …/KH-" in heading
    cells = [c.text for t in doc.tables[1:] for c in t._cells]
    for code in ("1.1.2", "1.2.2", "2.1.1", "2.2.1", "1.1.1", "1.2.1"):
        assert any(c.startswith(f"{code}. ") for c in cells), code
    assert any(c.startswith("Lĩnh vực 1.") for c in cells)  # grouped by field
    assert "Nơi nhận:" in "\n".join(c.text for c in doc.tables[-1]._cells)


def test_the_excel_plan_opens_with_one_row_per_task(plan_world, plan):
    response = plan_world.cast.client("officer").get(
        reverse("plan_download", args=[plan.pk, "xlsx"])
    )
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = [r for r in ws.iter_rows(values_only=True) if r and isinstance(r[0], int)]
    assert [r[1] for r in rows] == ["1.1.1", "1.1.2", "1.2.1", "1.2.2", "2.1.1", "2.2.1"]
    assert rows[1][4] == "Khắc phục" and float(rows[1][7]) == 1.0
