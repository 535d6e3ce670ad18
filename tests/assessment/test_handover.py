"""The officer hands the unit's form over to the leader, who approves (submits) it or
returns it with a comment; e-mails go to the next person in line."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from parindex.assessment import services
from parindex.assessment.models import Participation
from parindex.audit.models import LogEntry

pytestmark = pytest.mark.django_db

S = Participation.Status


@pytest.fixture
def sc(small_cycle):
    for name, user in small_cycle.users.items():
        user.email = f"{name}@example.vn"
        user.save()
    return small_cycle


def _save(sc, user, code="1.1.1", value="đúng hạn"):
    sc.p_department.refresh_from_db()  # as a request would read it
    return services.entry_save_self(
        participation=sc.p_department, code=code, value=value, note="", user=user
    )


def test_hand_over_then_approve(sc, django_capture_on_commit_callbacks):
    officer, leader = sc.users["officer"], sc.users["leader"]
    _save(sc, officer)
    with django_capture_on_commit_callbacks(execute=True):
        p = services.participation_hand_over(participation=sc.p_department, user=officer)
    assert p.status == S.HANDED_OVER and p.handed_over_by == officer and p.handed_over_at
    assert LogEntry.objects.filter(action="participation.handed_over").count() == 1
    # The department's leader is told, nobody else.
    assert [m.to for m in mail.outbox] == [["leader@example.vn"]]
    msg = mail.outbox[0]
    assert "Sở Tư pháp" in msg.subject and "chờ phê duyệt" in msg.subject
    assert f"http://127.0.0.1:8000/tu-danh-gia/{p.pk}/" in msg.body
    # Read-only for the officer (entries and evidence), open for the leader.
    with pytest.raises(services.ServiceError, match="lãnh đạo"):
        _save(sc, officer, "1.2.1", "có")
    _save(sc, leader, "1.2.1", "có")
    # Handing over twice is refused.
    with pytest.raises(services.ServiceError):
        services.participation_hand_over(participation=sc.p_department, user=officer)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        p = services.participation_submit(participation=sc.p_department, user=leader)
    assert p.status == S.SUBMITTED and p.submitted_by == leader
    assert [m.to for m in mail.outbox] == [["manager@example.vn"]]
    assert "đã gửi tự đánh giá" in mail.outbox[0].subject


def test_officer_cannot_approve_or_return(sc):
    officer = sc.users["officer"]
    services.participation_hand_over(participation=sc.p_department, user=officer)
    with pytest.raises(services.ServiceError, match="lãnh đạo"):
        services.participation_submit(participation=sc.p_department, user=officer)
    with pytest.raises(services.ServiceError, match="lãnh đạo"):
        services.participation_return(participation=sc.p_department, comment="x", user=officer)
    assert Participation.objects.get(pk=sc.p_department.pk).status == S.HANDED_OVER


def test_return_needs_a_comment_and_a_handed_over_form(sc, django_capture_on_commit_callbacks):
    officer, leader = sc.users["officer"], sc.users["leader"]
    with pytest.raises(services.ServiceError, match="chưa được chuyển"):
        services.participation_return(participation=sc.p_department, comment="Sửa", user=leader)
    services.participation_hand_over(participation=sc.p_department, user=officer)
    with pytest.raises(services.ServiceError, match="ý kiến"):
        services.participation_return(participation=sc.p_department, comment="  ", user=leader)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        p = services.participation_return(
            participation=sc.p_department, comment="Bổ sung tài liệu mục 1.1.1", user=leader
        )
    assert p.status == S.DRAFT and p.returned_comment == "Bổ sung tài liệu mục 1.1.1"
    row = LogEntry.objects.get(action="participation.returned")
    assert row.data["comment"] == "Bổ sung tài liệu mục 1.1.1"
    # The officer who handed it over is told, with the comment; they may enter again.
    assert [m.to for m in mail.outbox] == [["officer@example.vn"]]
    assert "Bổ sung tài liệu mục 1.1.1" in mail.outbox[0].body
    _save(sc, officer, "1.2.1", "có")
    # Handing it over again clears the comment.
    p = services.participation_hand_over(participation=sc.p_department, user=officer)
    assert p.returned_comment == ""


def test_leader_submits_directly_and_notifications_can_be_off(
    sc, django_capture_on_commit_callbacks
):
    from parindex.accounts.services import notifications_set

    notifications_set(user=sc.users["manager"], notify_by_email=False)
    with django_capture_on_commit_callbacks(execute=True):
        p = services.participation_submit(participation=sc.p_department, user=sc.users["leader"])
    assert p.status == S.SUBMITTED
    assert mail.outbox == []


def test_other_unit_cannot_hand_over(sc):
    with pytest.raises(services.ServiceError):
        services.participation_hand_over(
            participation=sc.p_department, user=sc.users["commune_officer"]
        )


def test_buttons_on_the_form(sc, client):
    officer, leader = sc.users["officer"], sc.users["leader"]
    url = reverse("self_assessment", args=[sc.p_department.pk])
    client.force_login(officer)
    page = client.get(url).content.decode()
    assert reverse("participation_hand_over", args=[sc.p_department.pk]) in page
    assert reverse("participation_submit", args=[sc.p_department.pk]) not in page
    client.post(reverse("participation_hand_over", args=[sc.p_department.pk]))
    page = client.get(url).content.decode()
    assert "Chờ lãnh đạo phê duyệt" in page and "chế độ chỉ xem" in page
    assert reverse("participation_return", args=[sc.p_department.pk]) not in page
    client.force_login(leader)
    page = client.get(url).content.decode()
    assert reverse("participation_return", args=[sc.p_department.pk]) in page
    assert reverse("participation_submit", args=[sc.p_department.pk]) in page
    # A return without a comment is refused by the form.
    client.post(reverse("participation_return", args=[sc.p_department.pk]), {"comment": ""})
    assert Participation.objects.get(pk=sc.p_department.pk).status == S.HANDED_OVER
    client.post(
        reverse("participation_return", args=[sc.p_department.pk]), {"comment": "Xem lại 1.2"}
    )
    client.force_login(officer)
    page = client.get(url).content.decode()
    assert "Xem lại 1.2" in page and 'id="returned-comment"' in page


def test_my_account_turns_notifications_off(sc, client):
    user = sc.users["officer"]
    client.force_login(user)
    page = client.get(reverse("my_account")).content.decode()
    assert "Tài khoản của tôi" in page and "checked" in page
    r = client.post(reverse("my_account"), {})
    assert r.status_code == 302
    user.refresh_from_db()
    assert user.parindex_profile.notify_by_email is False
    assert LogEntry.objects.filter(action="account.notifications_set").count() == 1
    client.post(reverse("my_account"), {"notify_by_email": "on"})
    user.refresh_from_db()
    assert user.parindex_profile.notify_by_email is True


DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def test_the_emails_are_a_task_enqueued_after_commit(sc, django_capture_on_commit_callbacks):
    from django.test import override_settings
    from django_tasks import task_backends

    from parindex.assessment import tasks

    officer = sc.users["officer"]
    mail.outbox.clear()
    with override_settings(TASKS=DUMMY_TASKS):
        backend = task_backends["default"]
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            p = services.participation_hand_over(participation=sc.p_department, user=officer)
        assert len(callbacks) == 1 and backend.results == []  # nothing before the commit
        callbacks[0]()  # the commit
        (queued,) = backend.results
        assert queued.task.func is tasks.notify_form.func
        assert queued.args == ["handed_over", p.pk]
        assert mail.outbox == []  # the request sent nothing itself
    # The worker runs it: the leader is told.
    assert tasks.notify_form.call(*queued.args) == 1
    assert [m.to for m in mail.outbox] == [["leader@example.vn"]]


def test_a_rolled_back_hand_over_sends_nothing(sc, django_capture_on_commit_callbacks):
    from django.db import transaction

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.participation_hand_over(
                participation=sc.p_department, user=sc.users["officer"]
            )
            raise RuntimeError("something later in the request failed")
    assert callbacks == [] and mail.outbox == []
    assert Participation.objects.get(pk=sc.p_department.pk).status == S.DRAFT


def test_the_task_respects_the_opt_out_and_a_deleted_form(sc):
    from parindex.accounts.services import notifications_set
    from parindex.assessment import tasks

    p = services.participation_hand_over(participation=sc.p_department, user=sc.users["officer"])
    mail.outbox.clear()
    notifications_set(user=sc.users["leader"], notify_by_email=False)
    assert tasks.notify_form.call("handed_over", p.pk) == 0
    assert tasks.notify_form.call("handed_over", 10**9) == 0
    assert mail.outbox == []
