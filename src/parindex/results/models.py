"""National PAR INDEX results of the provinces: published ones (imported, kept as published,
with their source) and, for the demo, synthetic ones (labelled as such wherever shown); and the
organiser's recoverability setting of a cycle's lost points."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

BLOCKS = ("appraisal", "sipas", "leader_survey", "socio_economic")
FIELDS = tuple(f"field_{i}" for i in range(1, 9))

# How every page, export and API answer names a synthetic row.
SYNTHETIC_LABEL = _("Số liệu minh họa, không phải số liệu chính thức")


class Provenance(models.TextChoices):
    PUBLISHED = "published", _("đã công bố")
    SYNTHETIC = "synthetic", _("số liệu minh họa")


def _points(label: Any) -> models.DecimalField:  # type: ignore[type-arg]
    return models.DecimalField(label, max_digits=8, decimal_places=4, null=True, blank=True)


class NationalResult(models.Model):
    """One province's national result for one year (the 63 provinces before 2025, the 34
    after), with the 2025 province it maps to through the lineage table
    (data/provinces-2025.csv): a 2024 row for "Yên Bái" is shown under Lào Cai.

    `provenance` published: the values as published, and only those (a top-10 list gives a
    rank without an index, an article a score without a rank: the rest stays empty), with
    their source. synthetic: invented for the demo (results/synthetic.py), never official; an
    import never replaces a published row with a synthetic one.
    Points: total = the index on the 100-point scale; sipas_pct is the SIPAS index (%), not
    the SIPAS points of the total."""

    year = models.PositiveSmallIntegerField(_("năm"))
    province = models.CharField(_("tỉnh, thành phố (như công bố)"), max_length=100)
    province_canonical = models.CharField(
        _("tên tỉnh theo bảng sắp xếp"), max_length=100, db_index=True
    )
    province_2025 = models.CharField(
        _("tỉnh, thành phố từ 01/07/2025"), max_length=100, db_index=True
    )
    rank = models.PositiveSmallIntegerField(_("xếp hạng công bố"), null=True, blank=True)
    total = models.DecimalField(
        _("Chỉ số (tổng điểm)"), max_digits=8, decimal_places=4, null=True, blank=True
    )
    sipas_pct = _points(_("Chỉ số SIPAS (%)"))
    sipas_rank = models.PositiveSmallIntegerField(_("xếp hạng SIPAS"), null=True, blank=True)
    appraisal = _points(_("điểm thẩm định"))
    sipas = _points(_("SIPAS"))
    leader_survey = _points(_("điều tra lãnh đạo, quản lý"))
    socio_economic = _points(_("tác động phát triển KT-XH"))
    field_1 = _points(_("lĩnh vực 1"))
    field_2 = _points(_("lĩnh vực 2"))
    field_3 = _points(_("lĩnh vực 3"))
    field_4 = _points(_("lĩnh vực 4"))
    field_5 = _points(_("lĩnh vực 5"))
    field_6 = _points(_("lĩnh vực 6"))
    field_7 = _points(_("lĩnh vực 7"))
    field_8 = _points(_("lĩnh vực 8"))
    source = models.TextField(_("nguồn"), blank=True)
    notes = models.TextField(_("ghi chú"), blank=True)
    provenance = models.CharField(
        _("nguồn gốc số liệu"),
        max_length=16,
        choices=Provenance.choices,
        default=Provenance.PUBLISHED,
        db_index=True,
    )
    imported_at = models.DateTimeField(auto_now=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["year", "province_canonical"], name="one_national_result_per_year"
            )
        ]
        ordering = ["-year", "rank", "-total"]
        verbose_name = _("kết quả Chỉ số CCHC cấp tỉnh đã công bố")

    def __str__(self) -> str:
        return f"{self.province} {self.year}: {self.total}"

    @property
    def synthetic(self) -> bool:
        return self.provenance == Provenance.SYNTHETIC

    @property
    def is_predecessor(self) -> bool:
        """Published under a former province other than its 2025 successor's own name."""
        return self.province_canonical != self.province_2025


class Recoverability(models.Model):
    """The organiser's setting of which lost points count as recoverable in a cycle
    (results/recovery.py holds the rules): one row per structural type of item (`method`:
    survey, external) or per sub-criterion (`code`), never both. No row: the rules'
    default."""

    cycle = models.ForeignKey(
        "assessment.Cycle", on_delete=models.CASCADE, related_name="recoverability"
    )
    method = models.CharField(_("loại mục"), max_length=16, blank=True)
    code = models.CharField(_("mã tiêu chí thành phần"), max_length=32, blank=True)
    recoverable = models.BooleanField(_("khắc phục được"))
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "method", "code"], name="one_recoverability_per_item"
            ),
            models.CheckConstraint(
                condition=(models.Q(method="") & ~models.Q(code=""))
                | (~models.Q(method="") & models.Q(code="")),
                name="recoverability_method_or_code",
            ),
        ]
        verbose_name = _("khả năng khắc phục điểm bị trừ")

    def __str__(self) -> str:
        return f"{self.cycle_id} {self.method or self.code}: {self.recoverable}"
