"""Survey pages: who may open them, the upload -> report -> import flow, htmx fragments, the
online form over HTTP (CSRF, once only, closed window), and the CSP rules (no inline style or
script)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from survey_helpers import HDND_QUESTIONS, csv_bytes, leader, sipas

from parindex.surveys import services as svc
from parindex.surveys.models import ImportJob, RespondentToken, Response

PAGES = [
    "surveys:home",
    "surveys:config",
    "surveys:questionnaires",
    "surveys:plan",
    "surveys:plan_table",
    "surveys:tokens",
    "surveys:tokens_csv",
    "surveys:imports",
    "surveys:batches",
    "surveys:results",
    "surveys:questionnaires_export",
    "surveys:sample_file",
]


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def no_inline_code(html: str) -> None:
    assert not re.search(r"\sstyle=", html), "inline style"
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"
    for m in re.finditer(r"<script\b[^>]*>", html):
        assert "src=" in m.group(0), "inline script"


@pytest.mark.parametrize("name", PAGES)
def test_the_manager_opens_every_page(world, name):
    r = client_for(world.manager).get(reverse(name, args=[world.cycle.pk]))
    assert r.status_code == 200
    if r["Content-Type"].startswith("text/html"):
        no_inline_code(r.content.decode())


@pytest.mark.parametrize("name", ["surveys:home", "surveys:imports", "surveys:results"])
def test_others_get_404_or_403(world, name):
    url = reverse(name, args=[world.cycle.pk])
    assert client_for(world.outsider).get(url).status_code == 404
    assert client_for(world.officer).get(url).status_code == 403
    assert Client().get(url).status_code == 302  # to the login page


def test_objects_of_another_cycle_are_not_found(world):
    c = client_for(world.manager)
    q = world.forms["hdnd"]
    assert c.get(reverse("surveys:questionnaire", args=[world.cycle.pk, q.pk])).status_code == 200
    assert (
        c.get(reverse("surveys:questionnaire", args=[world.cycle.pk + 1, q.pk])).status_code == 404
    )
    assert c.get(reverse("surveys:job", args=[world.cycle.pk, 999])).status_code == 404


def test_questionnaire_pages_show_scores_and_leaves_and_export(world):
    c = client_for(world.manager)
    q = world.forms["lanh_dao_so"]
    html = c.get(reverse("surveys:questionnaire", args=[world.cycle.pk, q.pk])).content.decode()
    assert "8.2.1" in html and "Rất tốt" in html and "ld_cd1" in html
    no_inline_code(html)
    x = c.get(reverse("surveys:questionnaire_export", args=[world.cycle.pk, q.pk, "xlsx"]))
    assert x.content[:2] == b"PK" and "ld_lanh_dao_so.xlsx" in x["Content-Disposition"]
    y = c.get(reverse("surveys:questionnaire_export", args=[world.cycle.pk, q.pk, "yaml"]))
    assert b"form_id: ld_lanh_dao_so" in y.content


def test_upload_report_then_import_the_valid_rows(world, django_capture_on_commit_callbacks):
    c = client_for(world.manager)
    data = csv_bytes([sipas("W1"), sipas("W2", tc1="x"), leader("W3")])
    from django.core.files.uploadedfile import SimpleUploadedFile

    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(
            reverse("surveys:imports", args=[world.cycle.pk]),
            {"file": SimpleUploadedFile("p.csv", data)},
        )
    job = ImportJob.objects.get()
    assert r.status_code == 302 and r["Location"].endswith(f"/nhap-phieu/{job.pk}/")
    html = c.get(r["Location"]).content.decode()
    no_inline_code(html)
    assert "Chỉ nhập các dòng hợp lệ" in html and "Nhập tất cả" not in html
    assert "tc1" in html and "W2" in html
    # "all" is refused for a file with errors
    c.post(reverse("surveys:job_start", args=[world.cycle.pk, job.pk]), {"mode": "all"})
    assert Response.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        c.post(reverse("surveys:job_start", args=[world.cycle.pk, job.pk]), {"mode": "valid_only"})
    job.refresh_from_db()
    assert job.status == "done" and Response.objects.count() == 2
    rejected = c.get(reverse("surveys:job_rejected", args=[world.cycle.pk, job.pk]))
    body = b"".join(rejected.streaming_content).decode("utf-8-sig")
    assert body.splitlines()[1].startswith("3,")
    fragment = c.get(reverse("surveys:job", args=[world.cycle.pk, job.pk]), HTTP_HX_REQUEST="true")
    assert b'id="job"' in fragment.content and b"<html" not in fragment.content
    assert b"hx-trigger" not in fragment.content  # finished: polling stops


def test_a_running_job_polls_every_second(world):
    job = ImportJob.objects.create(
        cycle=world.cycle, original_name="x.csv", status="importing", progress=42, phase="Đang ghi"
    )
    html = client_for(world.manager).get(reverse("surveys:job", args=[world.cycle.pk, job.pk]))
    text = html.content.decode()
    assert 'hx-trigger="every 1s"' in text and 'value="42"' in text and "<progress" in text


def test_plan_rows_are_edited_in_place(world):
    c = client_for(world.manager)
    p = world.part("LC-STP")
    url = reverse("surveys:plan_row", args=[world.cycle.pk, p.pk])
    form = c.get(url + "?edit=1").content.decode()
    assert f'form="plan-form-{p.pk}"' in form
    data = {f"q{q.pk}": "9" for q in world.forms.values()}
    row = c.post(url, data).content.decode()
    assert "0 / 9" in row and "editing" not in row


def test_a_plan_row_that_is_not_a_whole_number_is_refused_on_the_row(world):
    from parindex.surveys.models import SampleTarget

    c = client_for(world.manager)
    p = world.part("LC-STP")
    url = reverse("surveys:plan_row", args=[world.cycle.pk, p.pk])
    planned = set(SampleTarget.objects.filter(unit=p.unit).values_list("pk", "target"))
    data = {f"q{q.pk}": "abc" for q in world.forms.values()}
    row = c.post(url, data).content.decode()
    assert "Số phiếu kế hoạch phải là số nguyên." in row and "editing" in row
    assert set(SampleTarget.objects.filter(unit=p.unit).values_list("pk", "target")) == planned
    row = c.post(url, {f"q{q.pk}": " 7 " for q in world.forms.values()}).content.decode()
    assert "0 / 7" in row and "phải là số nguyên" not in row


def test_results_page_and_recompute(world, tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(csv_bytes([leader("R1", answer="A"), leader("R2", answer="C")]))
    svc.responses_import_path(cycle=world.cycle, path=path, user=world.manager)
    c = client_for(world.manager)
    html = c.get(reverse("surveys:results", args=[world.cycle.pk])).content.decode()
    assert "60.00%" in html or "60,00%" in html
    no_inline_code(html)
    r = c.post(reverse("surveys:recompute", args=[world.cycle.pk]))
    assert r.status_code == 302
    unit = c.get(reverse("surveys:unit", args=[world.part("LC-STP").pk])).content.decode()
    assert "8.2.1" in unit and "chưa đủ mẫu" in unit


def test_the_unit_sees_its_own_survey_scores_only(world):
    officer = client_for(world.officer)
    assert officer.get(reverse("surveys:unit", args=[world.part("LC-STP").pk])).status_code == 200
    assert officer.get(reverse("surveys:unit", args=[world.part("LC-SYT").pk])).status_code == 404


def test_double_entry_pages(world):
    c = client_for(world.manager)
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = c.post(reverse("surveys:batches", args=[world.cycle.pk]), {"code": "LO-1"})
    batch_url = r["Location"]
    for clerk, answer in ((1, "A"), (2, "B")):
        c.post(
            batch_url,
            {
                "clerk": clerk,
                "file": SimpleUploadedFile("b.csv", csv_bytes([leader("D1", answer=answer)])),
            },
        )
    html = c.get(batch_url).content.decode()
    no_inline_code(html)
    assert "Còn 14 chênh lệch chưa xử lý" in html
    from parindex.surveys.models import Discrepancy

    d = Discrepancy.objects.first()
    row = c.post(
        reverse("surveys:discrepancy", args=[world.cycle.pk, d.batch_id, d.pk]),
        {"chosen": "2"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert 'class="done"' in row and "checked" in row


# --- the online form over HTTP ------------------------------------------


@pytest.fixture
def token(world) -> RespondentToken:
    svc.tokens_generate(cycle=world.cycle, user=world.manager, questionnaire=world.forms["hdnd"])
    return RespondentToken.objects.filter(questionnaire=world.forms["hdnd"]).first()


def test_the_online_form_needs_no_login_and_is_csrf_protected(token):
    url = reverse("surveys:public_form", args=[token.token])
    strict = Client(enforce_csrf_checks=True)
    page = strict.get(url)
    assert page.status_code == 200 and "Phường" not in page.content.decode()[:0]
    no_inline_code(page.content.decode())
    answers = dict.fromkeys(HDND_QUESTIONS, "B")
    assert strict.post(url, answers).status_code == 403  # no CSRF token
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    done = strict.post(url, {**answers, "csrfmiddlewaretoken": csrf})
    assert "Cảm ơn" in done.content.decode()
    again = strict.get(url)
    assert "Phiếu này đã được gửi" in again.content.decode()
    assert Response.objects.count() == 1


def test_the_online_form_reports_missing_answers(token):
    url = reverse("surveys:public_form", args=[token.token])
    html = Client().post(url, {"ld_cd1": "A"}).content.decode()
    assert "Vui lòng chọn một phương án." in html and 'value="A" checked' in html


def test_unknown_links_and_closed_windows(world, token):
    assert Client().get(reverse("surveys:public_form", args=["khong-co"])).status_code == 404
    svc.survey_config_update(
        cycle=world.cycle,
        user=world.manager,
        opens_at=timezone.now() + timedelta(days=1),
        closes_at=timezone.now() + timedelta(days=9),
    )
    html = Client().get(reverse("surveys:public_form", args=[token.token])).content.decode()
    assert "chưa bắt đầu" in html


def test_guessing_links_is_rate_limited(world):
    from django.core.cache import cache

    cache.clear()
    c = Client()
    codes = [
        c.get(reverse("surveys:public_form", args=[f"doan{i}"])).status_code for i in range(35)
    ]
    assert codes[0] == 404 and codes[-1] == 429
    cache.clear()


def test_every_valid_link_works_from_one_address(world):
    """45 respondents behind one address (a commune office, a reverse proxy) all answer:
    the limit counts unknown links per address and posts per link, not answers per address
    (issue 12: the 31st respondent was refused)."""
    from django.core.cache import cache

    cache.clear()
    q = world.forms["hdnd"]
    tokens = RespondentToken.objects.bulk_create(
        RespondentToken(cycle=world.cycle, unit=world.units["LC-STP"], questionnaire=q)
        for _i in range(45)
    )
    answers = dict.fromkeys(HDND_QUESTIONS, "B")
    c = Client(REMOTE_ADDR="203.0.113.7")
    pages = [c.post(reverse("surveys:public_form", args=[t.token]), answers) for t in tokens]
    assert [p.status_code for p in pages] == [200] * 45
    assert all("Cảm ơn" in p.content.decode() for p in pages)
    assert Response.objects.filter(questionnaire=q, source=Response.Source.WEB).count() == 45
    cache.clear()


def test_a_flood_of_posts_on_one_link_is_limited_but_not_the_other_links(world):
    from django.core.cache import cache

    from parindex.surveys.views import RATE_LIMIT

    cache.clear()
    q = world.forms["hdnd"]
    one, other = RespondentToken.objects.bulk_create(
        RespondentToken(cycle=world.cycle, unit=world.units["LC-STP"], questionnaire=q)
        for _i in range(2)
    )
    c = Client(REMOTE_ADDR="203.0.113.7")
    url = reverse("surveys:public_form", args=[one.token])
    codes = [c.post(url, {"ld_cd1": "A"}).status_code for _i in range(RATE_LIMIT + 2)]
    assert codes[0] == 200 and codes[-1] == 429
    answers = dict.fromkeys(HDND_QUESTIONS, "B")
    done = c.post(reverse("surveys:public_form", args=[other.token]), answers)
    assert "Cảm ơn" in done.content.decode()
    cache.clear()
