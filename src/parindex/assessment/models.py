"""Methodology versions, cycles, participations, entries (one per unit and leaf) and
evidence. Business rules live in services.py; reads that encode visibility in selectors.py."""

from __future__ import annotations

import uuid
from decimal import Decimal
from functools import cached_property
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parindex.core import Methodology


class MethodologyVersion(models.Model):
    code = models.CharField(_("mã"), max_length=64)
    version = models.CharField(_("phiên bản"), max_length=32)
    name = models.CharField(_("tên"), max_length=300)
    source = models.TextField(_("nội dung YAML"))
    status = models.CharField(_("tình trạng"), max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="methodology_code_version")
        ]
        ordering = ["code", "-version"]
        verbose_name = _("bộ tiêu chí")

    def __str__(self) -> str:
        return f"{self.name} ({self.version})"

    @cached_property
    def tree(self) -> Methodology:
        """The parsed methodology (cached per process: parsing is the costly part)."""
        return _tree_cache(self.pk, self.source)


_TREES: dict[tuple[int, int], Methodology] = {}


def _tree_cache(pk: int, source: str) -> Methodology:
    from parindex.files.methodology import load_yaml_text

    key = (pk, hash(source))
    if key not in _TREES:
        _TREES[key] = load_yaml_text(source, f"methodology-{pk}.yaml")
    return _TREES[key]


def _save_without_results_version(obj: models.Model, kwargs: dict[str, Any]) -> None:
    """Saving an existing object never writes its `results_version`: only
    assessment.services.results_changed moves it (an out-of-date object saved later must
    not turn the version back, or cached results would be served as current)."""
    if obj._state.adding or kwargs.get("update_fields") is not None or kwargs.get("force_insert"):
        return
    kwargs["update_fields"] = [
        f.name
        for f in obj._meta.concrete_fields
        if not f.primary_key and f.name != "results_version"
    ]


class Cycle(models.Model):
    """One year's assessment: a methodology version, participating units and a schedule."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Dự thảo")
        OPEN = "open", _("Đang tự đánh giá")
        SELF_CLOSED = "self_closed", _("Đã khóa tự đánh giá")
        APPRAISAL = "appraisal", _("Thẩm định vòng 1")
        EXPLANATION = "explanation", _("Giải trình")
        APPRAISAL_2 = "appraisal_2", _("Thẩm định vòng 2")
        FINAL = "final", _("Đã chốt kết quả")
        PUBLISHED = "published", _("Đã công bố")

    name = models.CharField(_("tên kỳ đánh giá"), max_length=200)
    year = models.PositiveIntegerField(_("năm đánh giá"))
    methodology = models.ForeignKey(
        MethodologyVersion, on_delete=models.PROTECT, verbose_name=_("bộ tiêu chí")
    )
    organiser = models.ForeignKey(
        "accounts.OrgUnit",
        on_delete=models.PROTECT,
        related_name="organised_cycles",
        verbose_name=_("cơ quan tổ chức"),
    )
    state = models.CharField(
        _("trạng thái"), max_length=16, choices=State.choices, default=State.DRAFT
    )
    self_start = models.DateTimeField(_("bắt đầu tự đánh giá"), null=True, blank=True)
    self_end = models.DateTimeField(_("hạn tự đánh giá"), null=True, blank=True)
    appraisal_start = models.DateTimeField(_("bắt đầu thẩm định"), null=True, blank=True)
    appraisal_end = models.DateTimeField(_("hạn thẩm định"), null=True, blank=True)
    explanation_start = models.DateTimeField(_("bắt đầu giải trình"), null=True, blank=True)
    explanation_end = models.DateTimeField(_("hạn giải trình"), null=True, blank=True)
    publication_date = models.DateField(_("ngày công bố (dự kiến)"), null=True, blank=True)
    finalised_at = models.DateTimeField(null=True, blank=True)
    # Publication is final: when it really happened and the decision that approved it.
    published_at = models.DateTimeField(_("công bố lúc"), null=True, blank=True)
    decision_number = models.CharField(_("số quyết định phê duyệt"), max_length=100, blank=True)
    decision_date = models.DateField(_("ngày quyết định"), null=True, blank=True)
    # The outside body the cycle's result is sent to (e.g. "Bộ Nội vụ": a province's
    # self-assessment for the Ministry's PAR INDEX), blank for an ordinary internal cycle.
    # Once finalised, that body's appraisal, the explanation round and its final points are
    # entered back (Entry.ministry_*; assessment.services.outside).
    reports_to = models.CharField(
        _("gửi kết quả đến (cơ quan cấp trên)"), max_length=200, blank=True
    )
    # Bumped by every change of an entry or of the cycle's state (the one write path in
    # assessment.services): the token under which computed results are cached.
    results_version = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-year", "name"]
        verbose_name = _("kỳ đánh giá")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        _save_without_results_version(self, kwargs)
        super().save(*args, **kwargs)

    @property
    def facts(self) -> Any:
        """What the cycle's state allows and shows (parindex.assessment.lifecycle)."""
        from .lifecycle import FACTS

        return FACTS[self.state]


class Participation(models.Model):
    """A unit taking part in a cycle, with the state of its self-assessment."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Đang nhập")
        HANDED_OVER = "handed_over", _("Chờ lãnh đạo phê duyệt")
        SUBMITTED = "submitted", _("Đã gửi")

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="participations")
    unit = models.ForeignKey(
        "accounts.OrgUnit", on_delete=models.PROTECT, related_name="participations"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    explanation_submitted_at = models.DateTimeField(null=True, blank=True)
    # The officer hands the form over to the leader, who approves (submits) or returns it.
    handed_over_at = models.DateTimeField(null=True, blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    returned_comment = models.TextField(_("ý kiến khi trả lại"), blank=True)
    # Set when the self-assessment closed without a submission ("không nộp"): the unit is
    # listed as not submitted, not ranked with 0 points (unless the methodology says so).
    not_submitted = models.BooleanField(_("không nộp"), default=False)
    late_until = models.DateTimeField(_("gia hạn nhập đến"), null=True, blank=True)
    report = models.TextField(_("báo cáo tự đánh giá"), blank=True)
    # The two closing sections of the self-assessment report, written by the unit before
    # it submits (assessment.services.participation_save_report).
    difficulties = models.TextField(_("khó khăn, vướng mắc"), blank=True)
    recommendations = models.TextField(_("đề xuất, kiến nghị"), blank=True)
    # The cycle's results_version at this unit's latest change: results cached at an older
    # cycle version are recomputed only for the units changed since.
    results_version = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cycle", "unit"], name="one_participation_per_unit")
        ]
        ordering = ["unit__type", "unit__name"]

    def __str__(self) -> str:
        return f"{self.unit} — {self.cycle}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        _save_without_results_version(self, kwargs)
        super().save(*args, **kwargs)


class Entry(models.Model):
    """One leaf of one unit in one cycle, with every stage's points kept side by side."""

    class Reason(models.TextChoices):
        EVIDENCE_MISSING = "evidence_missing", _("Thiếu tài liệu kiểm chứng")
        EVIDENCE_INVALID = "evidence_invalid", _("Tài liệu kiểm chứng không hợp lệ")
        OUTSIDE_PERIOD = "outside_period", _("Tài liệu ngoài thời gian đánh giá")
        NOT_MET = "not_met", _("Không đáp ứng yêu cầu")
        OTHER = "other", _("Lý do khác")

    participation = models.ForeignKey(
        Participation, on_delete=models.CASCADE, related_name="entries"
    )
    code = models.CharField(_("mã"), max_length=32)
    # Self-assessment (tự đánh giá): the raw input as typed, and the engine's points.
    value = models.CharField(_("giá trị tự đánh giá"), max_length=64, blank=True)
    self_points = models.DecimalField(max_digits=9, decimal_places=4, null=True, blank=True)
    note = models.TextField(_("thuyết minh"), blank=True)
    # Appraisal round 1 (thẩm định vòng 1).
    r1_points = models.DecimalField(max_digits=9, decimal_places=4, null=True, blank=True)
    # The counts the council verified for a `ratio` item ("45/50"; "" when it gave points):
    # the stage's input then, scored by the rule (0/0: the not-arising policy).
    r1_value = models.CharField(_("số liệu thẩm định vòng 1"), max_length=64, blank=True)
    r1_reason = models.CharField(max_length=24, choices=Reason.choices, blank=True)
    r1_comment = models.TextField(blank=True)
    r1_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Explanation (giải trình) by the unit, then appraisal round 2.
    explanation = models.TextField(_("giải trình"), blank=True)
    r2_points = models.DecimalField(max_digits=9, decimal_places=4, null=True, blank=True)
    r2_value = models.CharField(_("số liệu thẩm định vòng 2"), max_length=64, blank=True)
    r2_reason = models.CharField(max_length=24, choices=Reason.choices, blank=True)
    r2_comment = models.TextField(blank=True)
    r2_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    final_points = models.DecimalField(max_digits=9, decimal_places=4, null=True, blank=True)
    # Entered back from the outside body the cycle reports to (Cycle.reports_to), after the
    # cycle is finalised: its appraisal (points, reason, comment), the unit's explanation to
    # it, and its final points, which then are the item's final points for the results
    # (assessment.services.scoring.stage_inputs_of_rows).
    ministry_points = models.DecimalField(max_digits=9, decimal_places=4, null=True, blank=True)
    ministry_reason = models.CharField(max_length=24, choices=Reason.choices, blank=True)
    ministry_comment = models.TextField(blank=True)
    ministry_explanation = models.TextField(blank=True)
    ministry_final_points = models.DecimalField(
        max_digits=9, decimal_places=4, null=True, blank=True
    )
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
            models.UniqueConstraint(fields=["participation", "code"], name="one_entry_per_leaf")
        ]
        ordering = ["participation", "code"]

    def __str__(self) -> str:
        return f"{self.participation.unit} {self.code}"

    @property
    def disputed(self) -> bool:
        """Round 1 gave fewer points than the self-assessment."""
        return (
            self.r1_points is not None
            and self.self_points is not None
            and self.r1_points < self.self_points
        )

    @property
    def appraised_points(self) -> Decimal | None:
        """The latest appraisal stage's points (round 2, else round 1)."""
        return self.r2_points if self.r2_points is not None else self.r1_points


def evidence_path(instance: Evidence, filename: str) -> str:
    """Stored under a random name; the original name is kept in the database only."""
    suffix = PurePath(filename).suffix.lower()[:8]
    return f"evidence/{instance.cycle_id}/{instance.unit_id}/{uuid.uuid4().hex}{suffix}"


class Evidence(models.Model):
    """An evidence document (tài liệu kiểm chứng); one document can back several items."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="evidence")
    unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to=evidence_path, max_length=300)
    original_name = models.CharField(_("tên tệp"), max_length=255)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    content_type = models.CharField(max_length=100)
    title = models.CharField(_("trích yếu"), max_length=300, blank=True)
    doc_number = models.CharField(_("số, ký hiệu"), max_length=100, blank=True)
    doc_date = models.DateField(_("ngày ban hành"), null=True, blank=True)
    issuer = models.CharField(_("cơ quan ban hành"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    # Not stored: set by evidence_upload when the file was already the unit's (same SHA-256).
    reused = False

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("tài liệu kiểm chứng")

    def __str__(self) -> str:
        return self.title or self.original_name


class EvidenceLink(models.Model):
    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="links")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="links")
    page_ref = models.CharField(_("trang/mục"), max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["evidence", "entry"], name="one_link_per_item")
        ]
