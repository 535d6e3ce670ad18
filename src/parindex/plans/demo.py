"""The demo's improvement plan: the Sở Nội vụ of Lào Cai drafts the Sở Tư pháp's plan from the
newest finished cycle it organised (the departments' published index), in one action, then
assigns tasks to agencies with deadlines, and the agencies report progress — every step
through parindex.plans.services with the person who would do it, so rights and the audit log
apply as in production. Survey items are made recoverable first (the organiser's setting).
The demo data is synthetic (parindex.demo), and so is everything here."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from parindex.accounts.models import OrgUnit
from parindex.assessment import lifecycle
from parindex.assessment.models import Cycle
from parindex.results.services import recoverability_set

from . import services as svc
from .models import Plan, Task

ORGANISER = "LC-SNV"
UNIT = "LC-STP"
# (agency code, cooperating codes) given to the tasks of a field (the rest: the unit itself)
AGENCIES = {
    "3": ("LC-VPUBND", ("LC-STP",)),
    "4": ("LC-SNV", ()),
    "6": ("LC-STC", ("LC-STP",)),
}


def _pdf(title: str) -> SimpleUploadedFile:
    from parindex.demo.pdf import make_pdf

    data = make_pdf(title, ["Dữ liệu minh họa (demo).", title])
    return SimpleUploadedFile("ket-qua-thuc-hien.pdf", data, "application/pdf")


def demo_plans(now: datetime) -> Plan | None:
    """Draft and fill the demo's plan (see the module docstring); None when the demo has
    no finished cycle of the Sở Nội vụ."""
    manager = User.objects.get(username="sonoivu")
    cycle = (
        Cycle.objects.filter(
            organiser__code=ORGANISER,
            state__in=lifecycle.FINISHED_STATES,
            participations__unit__code=UNIT,
        )
        .order_by("-year")
        .first()
    )
    if cycle is None:
        return None
    unit = OrgUnit.objects.get(code=UNIT)
    recoverability_set(cycle=cycle, user=manager, methods={"survey": True}, items={})
    plan = svc.plan_draft(cycle=cycle, unit=unit, user=manager).plan
    svc.plan_update(
        plan=plan,
        user=manager,
        version=plan.version,
        number="…/KH-STP",
        goal=(
            "Phấn đấu Chỉ số cải cách hành chính của Sở Tư pháp năm "
            f"{plan.year} xếp trong nhóm 5 sở, ban, ngành dẫn đầu tỉnh."
        ),
        signer_name="",
    )
    today = timezone.localdate(now)
    agencies = {u.code: u for u in OrgUnit.objects.filter(code__startswith="LC-")}
    officer = User.objects.get(username="canbo.sotuphap")
    tasks = sorted(plan.tasks.all(), key=lambda t: (t.kind != Task.Kind.RECOVER, t.pk))
    for n, task in enumerate(tasks):
        lead_code, cooperating = AGENCIES.get(task.field_code, (UNIT, ()))
        deadline = today + timedelta(days=(-20 + 9 * n) if task.kind == "recover" else 60 + n)
        task = svc.task_update(
            task=task,
            user=manager,
            version=task.version,
            lead_agency=agencies.get(lead_code, unit),
            cooperating=[agencies[c] for c in cooperating if c in agencies and c != lead_code],
            deadline=deadline,
            effort_days=task.lost * 10 if task.kind == "recover" else None,
        )
        if task.kind != Task.Kind.RECOVER or n > 4:
            continue
        reporter = officer if task.lead_agency_id == unit.pk else manager
        done = n % 2 == 0
        svc.task_report(
            task=task,
            user=reporter,
            version=task.version,
            note="Đã hoàn thiện, lưu giữ tài liệu kiểm chứng." if done else "Đang dự thảo.",
            status="done" if done else "in_progress",
            progress=100 if done else 40,
            files=[_pdf(f"Kết quả thực hiện nhiệm vụ {task.code}")] if done else [],
        )
    return plan
