"""Reminder e-mails before deadlines: 3 days before and on the day, once, not to users who
turned them off; the command and the task."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from parindex.accounts.models import Notification
from parindex.accounts.services import notifications_set
from parindex.assessment import services
from parindex.assessment.models import Cycle, Entry
from parindex.assessment.notify import send_due_reminders

pytestmark = pytest.mark.django_db


@pytest.fixture
def sc(small_cycle):
    for name, user in small_cycle.users.items():
        user.email = f"{name}@example.vn"
        user.save()
    return small_cycle


def _at(day: datetime, hour: int = 7) -> datetime:
    local = timezone.localtime(day)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


def _recipients() -> set[str]:
    return {to for m in mail.outbox for to in m.to}


def test_self_assessment_reminders_3_days_before_and_on_the_day(sc):
    end = _at(timezone.now() + timedelta(days=10), 17)
    Cycle.objects.filter(pk=sc.cycle.pk).update(self_end=end)
    # The commune submitted: only the department's people are reminded.
    leader = sc.users["commune_leader"]
    services.participation_submit(participation=sc.p_commune, user=leader)
    # 4 days before: nothing.
    assert send_due_reminders(_at(end - timedelta(days=4))) == 0
    # 3 days before: the department's officer, leader and lead agency.
    n = send_due_reminders(_at(end - timedelta(days=3)))
    assert n == 3
    assert _recipients() == {"officer@example.vn", "leader@example.vn", "lead_agency@example.vn"}
    msg = next(m for m in mail.outbox if m.to == ["officer@example.vn"])
    assert "Còn 3 ngày" in msg.subject and "Sở Tư pháp" in msg.subject
    assert end.strftime("%d/%m/%Y %H:%M") in msg.body
    assert f"http://127.0.0.1:8000/tu-danh-gia/{sc.p_department.pk}/" in msg.body
    # Again the same day (the cron runs hourly): not twice.
    assert send_due_reminders(_at(end - timedelta(days=3), 15)) == 0
    # 2 days before: nothing; on the day: again.
    assert send_due_reminders(_at(end - timedelta(days=2))) == 0
    mail.outbox.clear()
    assert send_due_reminders(_at(end, 8)) == 3
    assert "Hôm nay là hạn cuối" in mail.outbox[0].subject
    assert send_due_reminders(_at(end, 9)) == 0
    assert Notification.objects.filter(kind="deadline_self").count() == 6


def test_no_reminder_for_users_who_turned_them_off_or_have_no_address(sc):
    end = _at(timezone.now() + timedelta(days=10), 17)
    Cycle.objects.filter(pk=sc.cycle.pk).update(self_end=end)
    notifications_set(user=sc.users["officer"], notify_by_email=False)
    sc.users["leader"].email = ""
    sc.users["leader"].save()
    send_due_reminders(_at(end - timedelta(days=3)))
    assert "officer@example.vn" not in _recipients()
    assert "leader@example.vn" not in _recipients()
    assert "commune_officer@example.vn" in _recipients()
    assert not Notification.objects.filter(user=sc.users["officer"]).exists()


def test_explanation_reminders(sc):
    for p, leader in ((sc.p_department, "leader"), (sc.p_commune, "commune_leader")):
        services.entry_save_self(
            participation=p, code="1.1.1", value="đúng hạn", user=sc.users[leader]
        )
    end = _at(timezone.now() + timedelta(days=5), 17)
    Cycle.objects.filter(pk=sc.cycle.pk).update(state=Cycle.State.EXPLANATION, explanation_end=end)
    Entry.objects.filter(participation=sc.p_department, code="1.1.1").update(
        r1_points=Decimal(0), r1_reason="not_met"
    )
    assert send_due_reminders(_at(end - timedelta(days=3))) == 3
    assert _recipients() == {"officer@example.vn", "leader@example.vn", "lead_agency@example.vn"}
    assert "giải trình" in mail.outbox[0].subject
    assert f"/giai-trinh/{sc.p_department.pk}/" in mail.outbox[0].body
    # Explained: no reminder on the day.
    Entry.objects.filter(participation=sc.p_department, code="1.1.1").update(explanation="Đã có")
    mail.outbox.clear()
    assert send_due_reminders(_at(end)) == 0


def test_appraisal_reminders_for_appraisers_with_items_left(sc):
    for p, leader in ((sc.p_department, "leader"), (sc.p_commune, "commune_leader")):
        services.participation_submit(participation=p, user=sc.users[leader])
    end = _at(timezone.now() + timedelta(days=5), 17)
    Cycle.objects.filter(pk=sc.cycle.pk).update(state=Cycle.State.APPRAISAL, appraisal_end=end)
    assert send_due_reminders(_at(end - timedelta(days=3))) == 2
    assert _recipients() == {"appraiser@example.vn", "appraiser_2@example.vn"}
    body = next(m for m in mail.outbox if m.to == ["appraiser_2@example.vn"]).body
    assert "còn 3 mục của 2 đơn vị chưa thẩm định vòng 1" in body
    assert "http://127.0.0.1:8000/tham-dinh/" in body
    # appraiser_2 finishes field 2: only the other one is reminded on the day.
    for p in (sc.p_department, sc.p_commune):
        p.refresh_from_db()
        for code in ("2.1.1", "2.1.2") if p == sc.p_commune else ("2.1.1",):
            services.entry_appraise_code(
                participation=p, code=code, points=None, user=sc.users["appraiser_2"]
            )
    mail.outbox.clear()
    assert send_due_reminders(_at(end)) == 1
    assert _recipients() == {"appraiser@example.vn"}


def test_command_and_task(sc, settings):
    end = _at(timezone.now() + timedelta(days=3), 17)
    Cycle.objects.filter(pk=sc.cycle.pk).update(self_end=end)
    out = StringIO()
    call_command("send_reminders", stdout=out)
    # the department: officer, leader, lead agency; the commune: officer, leader
    assert "Đã gửi 5 thư nhắc hạn" in out.getvalue()
    from parindex.assessment.tasks import send_reminders

    result = send_reminders.enqueue()  # the immediate backend runs it: nothing left
    assert result.return_value == 0
    call_command("send_reminders", "--enqueue", stdout=out)
    assert "hàng đợi" in out.getvalue()
