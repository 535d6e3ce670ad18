"""Sociological surveys (điều tra xã hội học) and SIPAS of one cycle: questionnaires per
respondent group, the sample plan, responses (imported, typed twice or answered online), and
the scores they give the survey-scored leaves. Business rules live in services.py.

Storage is shaped for volume (a province's SIPAS can reach hundreds of thousands of forms):
one `Response` row per respondent, its answers packed in a short string with one character
per select_one question (see `codes.py`), inserted in bulk.
"""

from __future__ import annotations

import secrets
import uuid
from decimal import Decimal
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _


class SurveyConfig(models.Model):
    """Per-cycle survey settings: the online window, the minimum sample and the SIPAS formula."""

    class SipasMethod(models.TextChoices):
        SATISFIED_SHARE = "satisfied_share", _("Tỷ lệ trả lời “hài lòng” và “rất hài lòng”")
        SCORE_MEAN = "score_mean", _("Trung bình điểm quy đổi của các phương án")

    class SipasOverall(models.TextChoices):
        MEAN_OF_ASPECTS = "mean_of_aspects", _("Trung bình cộng của các yếu tố")
        MEAN_OF_QUESTIONS = "mean_of_questions", _("Trung bình của tất cả câu hỏi")

    cycle = models.OneToOneField(
        "assessment.Cycle", on_delete=models.CASCADE, related_name="survey_config"
    )
    opens_at = models.DateTimeField(_("mở phiếu trực tuyến từ"), null=True, blank=True)
    closes_at = models.DateTimeField(_("đóng phiếu trực tuyến lúc"), null=True, blank=True)
    min_respondents = models.PositiveIntegerField(
        _("số phiếu tối thiểu mỗi đơn vị"),
        default=30,
        help_text=_("Đơn vị có ít phiếu hơn cho một tiêu chí sẽ được đánh dấu “chưa đủ mẫu”."),
    )
    sipas_method = models.CharField(
        _("cách tính tỷ lệ hài lòng"),
        max_length=24,
        choices=SipasMethod.choices,
        default=SipasMethod.SATISFIED_SHARE,
    )
    sipas_overall = models.CharField(
        _("cách tính chỉ số hài lòng chung"),
        max_length=24,
        choices=SipasOverall.choices,
        default=SipasOverall.MEAN_OF_ASPECTS,
    )
    # The survey design the definition declares (surveys.design: SIPAS sub-index weights,
    # respondent group weights, the design effect); empty: none declared.
    design = models.JSONField(_("thiết kế điều tra"), default=dict, blank=True)

    class Meta:
        verbose_name = _("cấu hình điều tra")

    def __str__(self) -> str:
        return f"{self.cycle}"


class Questionnaire(models.Model):
    """The form of one respondent group (e.g. citizens for SIPAS, department leaders)."""

    class Kind(models.TextChoices):
        STANDARD = "standard", _("Phiếu điều tra xã hội học")
        SIPAS = "sipas", _("Phiếu đo lường sự hài lòng (SIPAS)")

    cycle = models.ForeignKey(
        "assessment.Cycle", on_delete=models.CASCADE, related_name="questionnaires"
    )
    form_id = models.CharField(_("mã biểu mẫu"), max_length=64)
    title = models.CharField(_("tên phiếu"), max_length=300)
    version = models.CharField(_("phiên bản"), max_length=32, blank=True)
    kind = models.CharField(_("loại phiếu"), max_length=16, choices=Kind.choices)
    group_code = models.CharField(_("mã nhóm đối tượng"), max_length=32)
    group_name = models.CharField(_("nhóm đối tượng"), max_length=200)
    description = models.TextField(_("mô tả"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cycle", "group_code"], name="one_form_per_group"),
            models.UniqueConstraint(fields=["cycle", "form_id"], name="unique_form_id"),
        ]
        ordering = ["cycle", "kind", "group_code"]
        verbose_name = _("phiếu khảo sát")

    def __str__(self) -> str:
        return self.title


class Choice(models.Model):
    """An answer option of a choice list; `position` is its code in the packed answers."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="choices"
    )
    list_name = models.CharField(max_length=64)
    name = models.CharField(_("mã phương án"), max_length=64)
    label = models.CharField(_("nội dung"), max_length=300)
    position = models.PositiveSmallIntegerField()
    score = models.DecimalField(
        _("điểm quy đổi (%)"), max_digits=7, decimal_places=4, null=True, blank=True
    )
    satisfied = models.BooleanField(_("tính là hài lòng"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "list_name", "name"], name="unique_choice_name"
            )
        ]
        ordering = ["questionnaire", "list_name", "position"]

    def __str__(self) -> str:
        return f"{self.name}. {self.label}"


class Question(models.Model):
    """A question. Only select_one questions are answered and scored; `slot` is the
    question's place in the packed answers string."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField()
    slot = models.PositiveSmallIntegerField(null=True, blank=True)
    type = models.CharField(max_length=16)
    name = models.CharField(_("mã câu hỏi"), max_length=64)
    label = models.TextField(_("câu hỏi"))
    hint = models.TextField(_("gợi ý"), blank=True)
    list_name = models.CharField(max_length=64, blank=True)
    required = models.BooleanField(_("bắt buộc"), default=False)
    relevant = models.CharField(_("điều kiện hiển thị"), max_length=500, blank=True)
    leaf = models.CharField(_("tiêu chí chấm"), max_length=32, blank=True)
    weight = models.DecimalField(_("trọng số"), max_digits=9, decimal_places=4, default=Decimal(1))
    aspect = models.CharField(_("yếu tố (SIPAS)"), max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "name"], name="unique_question_name")
        ]
        ordering = ["questionnaire", "position"]

    def __str__(self) -> str:
        return self.name

    @property
    def scored(self) -> bool:
        return self.type == "select_one" and bool(self.leaf)


class SampleTarget(models.Model):
    """The number of forms planned for one unit and one respondent group."""

    cycle = models.ForeignKey("assessment.Cycle", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+")
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="targets"
    )
    target = models.PositiveIntegerField(_("số phiếu kế hoạch"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "unit", "questionnaire"], name="one_target_per_unit_group"
            )
        ]


def import_path(instance: ImportJob, filename: str) -> str:
    suffix = PurePath(filename).suffix.lower()[:8]
    return f"surveys/imports/{instance.cycle_id}/{uuid.uuid4().hex}{suffix}"


class ImportJob(models.Model):
    """One uploaded response file: validated, then imported (all rows or the valid ones)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ kiểm tra")
        VALIDATING = "validating", _("Đang kiểm tra")
        VALIDATED = "validated", _("Đã kiểm tra")
        QUEUED = "queued", _("Chờ nhập")
        IMPORTING = "importing", _("Đang nhập")
        DONE = "done", _("Đã nhập")
        REFUSED = "refused", _("Không nhập (tệp có lỗi)")
        FAILED = "failed", _("Lỗi hệ thống")

    class Mode(models.TextChoices):
        ALL = "all", _("Nhập tất cả (chỉ khi không có lỗi)")
        VALID_ONLY = "valid_only", _("Chỉ nhập các dòng hợp lệ")

    cycle = models.ForeignKey("assessment.Cycle", on_delete=models.CASCADE, related_name="+")
    file = models.FileField(upload_to=import_path, max_length=300)
    original_name = models.CharField(_("tên tệp"), max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    mode = models.CharField(max_length=16, choices=Mode.choices, blank=True)
    phase = models.CharField(max_length=100, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    rows_valid = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    rows_imported = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    # The first problems found ([line, column, respondent, message]) and the file-level ones.
    errors = models.JSONField(default=list, blank=True)
    header_errors = models.JSONField(default=list, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    rejected_file = models.FileField(upload_to=import_path, max_length=300, blank=True)
    message = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Liveness of a running job: the last state or progress change its worker wrote, and the
    # id of its django-tasks result (see services/jobs.py: a job whose worker died is marked
    # failed and can be started again).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lượt nhập phiếu")

    def __str__(self) -> str:
        return self.original_name

    @property
    def running(self) -> bool:
        return self.status in (
            self.Status.PENDING,
            self.Status.VALIDATING,
            self.Status.QUEUED,
            self.Status.IMPORTING,
        )


class Response(models.Model):
    """One respondent's answers.

    Shaped for million-row imports: the foreign keys have neither an index (the unique
    constraint leads with the cycle) nor a database constraint (db_constraint=False). Their
    integrity is kept by the only writers, the survey services, which check every unit,
    questionnaire and cycle first; deletions still cascade or protect through Django. A
    database constraint would cost four parent lookups per row, and PostgreSQL checks its
    deferred foreign keys one by one at commit (measured: 25 s of a 42 s import of a
    million rows)."""

    class Source(models.TextChoices):
        IMPORT = "import", _("Nhập từ tệp")
        WEB = "web", _("Phiếu trực tuyến")
        BATCH = "batch", _("Nhập kép phiếu giấy")

    cycle = models.ForeignKey(
        "assessment.Cycle",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    questionnaire = models.ForeignKey(
        Questionnaire,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    unit = models.ForeignKey(
        "accounts.OrgUnit",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    respondent = models.CharField(_("mã phiếu"), max_length=64)
    answers = models.CharField(max_length=250)
    source = models.CharField(max_length=8, choices=Source.choices)
    # The sampling cluster (e.g. the commune or office where the form was collected), when
    # the response file has a `cluster` column: the design effect is estimated from it.
    cluster = models.CharField(_("cụm chọn mẫu"), max_length=64, blank=True, default="")
    job = models.ForeignKey(
        ImportJob,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "respondent"], name="one_response_per_respondent"
            )
        ]

    def __str__(self) -> str:
        return self.respondent


def new_token() -> str:
    return secrets.token_urlsafe(16)


class RespondentToken(models.Model):
    """A one-time link to the online form for one respondent of a unit and group."""

    cycle = models.ForeignKey("assessment.Cycle", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+")
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="tokens"
    )
    token = models.CharField(max_length=32, unique=True, default=new_token)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)
    response = models.OneToOneField(
        Response, null=True, blank=True, on_delete=models.SET_NULL, related_name="token"
    )

    class Meta:
        ordering = ["unit", "questionnaire", "pk"]

    def __str__(self) -> str:
        return self.token

    @property
    def respondent(self) -> str:
        return f"web-{self.pk}"


class EntryBatch(models.Model):
    """A batch of paper forms typed by two clerks; counts once the differences are resolved."""

    class Status(models.TextChoices):
        OPEN = "open", _("Đang nhập")
        COMPARED = "compared", _("Đã đối chiếu")
        COMMITTED = "committed", _("Đã đưa vào kết quả")

    cycle = models.ForeignKey("assessment.Cycle", on_delete=models.CASCADE, related_name="+")
    code = models.CharField(_("mã lô"), max_length=64)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    clerk1_name = models.CharField(max_length=255, blank=True)
    clerk2_name = models.CharField(max_length=255, blank=True)
    clerk1_rows = models.PositiveIntegerField(default=0)
    clerk2_rows = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    committed_rows = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cycle", "code"], name="unique_batch_code")]
        ordering = ["-created_at", "-id"]
        verbose_name = _("lô nhập kép")

    def __str__(self) -> str:
        return self.code


class BatchRow(models.Model):
    """One form as typed by one clerk (1 or 2)."""

    batch = models.ForeignKey(EntryBatch, on_delete=models.CASCADE, related_name="rows")
    clerk = models.PositiveSmallIntegerField()
    line = models.PositiveIntegerField()
    respondent = models.CharField(max_length=64)
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+")
    answers = models.CharField(max_length=250)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "clerk", "respondent"], name="one_row_per_clerk_respondent"
            )
        ]
        ordering = ["batch", "clerk", "line"]


class Discrepancy(models.Model):
    """A difference between the two clerks. `field` is a question name, or ROW when the
    form itself differs (missing on one side, another unit or group): then the whole form of
    the chosen side is kept (or dropped if that side has none)."""

    ROW = "__row__"

    batch = models.ForeignKey(EntryBatch, on_delete=models.CASCADE, related_name="discrepancies")
    respondent = models.CharField(max_length=64)
    field = models.CharField(max_length=64)
    value1 = models.CharField(max_length=300, blank=True)
    value2 = models.CharField(max_length=300, blank=True)
    chosen = models.CharField(max_length=1, blank=True)  # "", "1" or "2"
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "respondent", "field"], name="one_discrepancy_per_field"
            )
        ]
        ordering = ["batch", "respondent", "field"]


class SurveyScore(models.Model):
    """A computed survey score with its explanation: per leaf (points written into the
    unit's entry), per SIPAS aspect and overall."""

    class Kind(models.TextChoices):
        LEAF = "leaf", _("Tiêu chí")
        ASPECT = "aspect", _("Yếu tố SIPAS")
        OVERALL = "overall", _("SIPAS chung")
        SUBINDEX = "subindex", _("Chỉ số thành phần SIPAS")

    participation = models.ForeignKey(
        "assessment.Participation", on_delete=models.CASCADE, related_name="survey_scores"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.LEAF)
    code = models.CharField(max_length=64)
    n = models.PositiveIntegerField(_("số người trả lời"))
    mean = models.DecimalField(_("tỷ lệ (%)"), max_digits=9, decimal_places=4)
    ci_low = models.DecimalField(max_digits=9, decimal_places=4)
    ci_high = models.DecimalField(max_digits=9, decimal_places=4)
    ci_method = models.CharField(max_length=8)
    # The design effect the 95 % interval was widened by and where it comes from ("data":
    # clusters, "declared", "": the default 1); n / deff is the effective sample size.
    deff = models.DecimalField(max_digits=9, decimal_places=4, default=Decimal(1))
    deff_source = models.CharField(max_length=8, blank=True, default="")
    points = models.DecimalField(max_digits=9, decimal_places=4, null=True, blank=True)
    max_points = models.DecimalField(max_digits=9, decimal_places=4, null=True, blank=True)
    flagged = models.BooleanField(_("chưa đủ mẫu"), default=False)
    details = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["participation", "kind", "code"], name="one_score_per_unit_code"
            )
        ]
        ordering = ["participation", "kind", "code"]

    def __str__(self) -> str:
        return f"{self.participation} {self.code}"

    @property
    def n_eff(self) -> Decimal:
        """The effective sample size n / deff shown beside the interval."""
        return Decimal(self.n) / (self.deff or Decimal(1))
