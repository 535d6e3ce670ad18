"""Improvement plans (Kế hoạch duy trì, cải thiện và nâng cao Chỉ số CCHC): one per unit and
year, drafted from a finished cycle's ledger of lost points; its tasks, their progress
reports and attached files. Rules live in services.py; reads with rights in selectors.py."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def _points(label: object, **kw: object) -> models.DecimalField:  # type: ignore[type-arg]
    return models.DecimalField(label, max_digits=9, decimal_places=4, **kw)  # type: ignore[arg-type]


class Plan(models.Model):
    """A unit's plan for `year`, drafted from the results of `source_cycle` (the year
    before): what its tasks aim to recover or keep in the unit's next cycle."""

    unit = models.ForeignKey(
        "accounts.OrgUnit", on_delete=models.PROTECT, related_name="plans", verbose_name=_("đơn vị")
    )
    year = models.PositiveIntegerField(_("năm thực hiện"))
    source_cycle = models.ForeignKey(
        "assessment.Cycle",
        on_delete=models.PROTECT,
        related_name="plans",
        verbose_name=_("kỳ đánh giá làm căn cứ"),
    )
    # What the issued document says (Word export): number, date, goal, signer.
    number = models.CharField(_("số, ký hiệu"), max_length=60, blank=True)
    issued_on = models.DateField(_("ngày ban hành"), null=True, blank=True)
    goal = models.TextField(_("mục tiêu phấn đấu"), blank=True)
    signer_name = models.CharField(_("người ký"), max_length=120, blank=True)
    # The unit's result in the source cycle when the plan was drafted (its final points).
    source_points = _points(_("tổng điểm năm trước"), null=True, blank=True)
    source_max = _points(_("điểm tối đa năm trước"), null=True, blank=True)
    source_index = _points(_("Chỉ số năm trước"), null=True, blank=True)
    source_rank = models.PositiveIntegerField(_("xếp hạng năm trước"), null=True, blank=True)
    source_ranked = models.PositiveIntegerField(null=True, blank=True)  # units ranked with it
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="one_plan_per_year")]
        ordering = ["-year", "unit__name"]
        verbose_name = _("kế hoạch cải thiện Chỉ số CCHC")

    def __str__(self) -> str:
        return f"{self.unit} {self.year}"


class Task(models.Model):
    """One sub-criterion of the plan: recover its lost points, or keep its full points.
    "Overdue" is never stored: it is computed from the deadline (`overdue_on`)."""

    class Kind(models.TextChoices):
        RECOVER = "recover", _("Khắc phục")
        MAINTAIN = "maintain", _("Duy trì")

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Chưa thực hiện")
        IN_PROGRESS = "in_progress", _("Đang thực hiện")
        DONE = "done", _("Hoàn thành")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(_("loại nhiệm vụ"), max_length=16, choices=Kind.choices)
    code = models.CharField(_("mã tiêu chí thành phần"), max_length=32)
    name = models.CharField(_("tiêu chí thành phần"), max_length=500)
    field_code = models.CharField(_("lĩnh vực"), max_length=32)
    method = models.CharField(max_length=16, blank=True)
    description = models.TextField(_("nội dung nhiệm vụ, giải pháp"), blank=True)
    lead_agency = models.ForeignKey(
        "accounts.OrgUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="plan_tasks",
        verbose_name=_("cơ quan chủ trì"),
    )
    cooperating = models.ManyToManyField(
        "accounts.OrgUnit", blank=True, related_name="+", verbose_name=_("cơ quan phối hợp")
    )
    deadline = models.DateField(_("thời hạn hoàn thành"), null=True, blank=True)
    # From the source cycle's ledger (kept as drafted; "refresh" updates them).
    max_points = _points(_("điểm tối đa"), default=Decimal(0))
    last_points = _points(_("điểm năm trước"), default=Decimal(0))
    lost = _points(_("điểm bị trừ"), default=Decimal(0))
    recoverable = _points(_("điểm có thể khắc phục"), default=Decimal(0))
    loss_kind = models.CharField(max_length=24, blank=True)
    reason = models.CharField(_("lý do bị trừ"), max_length=24, blank=True)
    comment = models.TextField(_("ý kiến Hội đồng thẩm định"), blank=True)
    # The plan's own estimates.
    expected_points = _points(_("điểm phấn đấu giành lại"), default=Decimal(0))
    effort_days = _points(_("nguồn lực (ngày công)"), null=True, blank=True)
    cost = _points(_("kinh phí (triệu đồng)"), null=True, blank=True)
    status = models.CharField(
        _("tình trạng"), max_length=16, choices=Status.choices, default=Status.NOT_STARTED
    )
    progress = models.PositiveSmallIntegerField(_("tiến độ (%)"), default=0)
    done_on = models.DateField(_("ngày hoàn thành"), null=True, blank=True)
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="one_task_per_item"),
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="progress_max_100"),
        ]
        ordering = ["plan", "code"]
        verbose_name = _("nhiệm vụ")

    def __str__(self) -> str:
        return f"{self.plan} {self.code}"

    def overdue_on(self, today: date) -> bool:
        """Late: past its deadline and not done (computed, never typed)."""
        return (
            self.deadline is not None and today > self.deadline and self.status != self.Status.DONE
        )

    @property
    def overdue(self) -> bool:
        return self.overdue_on(timezone.localdate())


class ProgressReport(models.Model):
    """A progress report on a task: what was done, with the status and progress it set."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="reports")
    note = models.TextField(_("nội dung báo cáo"))
    status = models.CharField(max_length=16, choices=Task.Status.choices)
    progress = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("báo cáo tiến độ")

    def __str__(self) -> str:
        return f"{self.task} {self.created_at:%d/%m/%Y}"


def attachment_path(instance: Attachment, filename: str) -> str:
    """Stored under a random name; the original name is kept in the database only."""
    suffix = PurePath(filename).suffix.lower()[:8]
    return f"plans/{instance.report.task.plan_id}/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    """A file attached to a progress report (checked like evidence: common/uploads.py). Once
    the task is done it can become evidence of the sub-criterion in the unit's next cycle
    (`evidence`: the evidence document made from it)."""

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    original_name = models.CharField(_("tên tệp"), max_length=255)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=100)
    evidence = models.ForeignKey(
        "assessment.Evidence", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("tệp đính kèm")

    def __str__(self) -> str:
        return self.original_name
