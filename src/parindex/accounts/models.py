"""Organisation units and the roles people hold in them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgUnit(models.Model):
    """A unit of the administration: ministry, province, department (sở) or commune (xã)."""

    class Type(models.TextChoices):
        MINISTRY = "ministry", _("Bộ, ngành")
        PROVINCE = "province", _("Tỉnh, thành phố")
        DEPARTMENT = "department", _("Sở, ban, ngành")
        COMMUNE = "commune", _("Xã, phường, đặc khu")
        OTHER = "other", _("Khác")

    code = models.CharField(_("mã"), max_length=32, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    type = models.CharField(_("loại"), max_length=16, choices=Type.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("đơn vị cấp trên"),
    )
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    predecessors = models.CharField(
        _("đơn vị trước sắp xếp"),
        max_length=300,
        blank=True,
        help_text=_("Các đơn vị hợp nhất thành đơn vị này, cách nhau bởi dấu chấm phẩy"),
    )

    class Meta:
        ordering = ["type", "name"]
        verbose_name = _("đơn vị")

    def __str__(self) -> str:
        return self.name

    def ancestors(self) -> list[OrgUnit]:
        out = []
        node = self.parent
        while node is not None:
            out.append(node)
            node = node.parent
        return out


class Role(models.TextChoices):
    ADMIN = "admin", _("Quản trị hệ thống")
    MANAGER = "manager", _("Quản lý kỳ đánh giá")
    OFFICER = "officer", _("Cán bộ đơn vị")
    LEADER = "leader", _("Lãnh đạo đơn vị")
    LEAD_AGENCY = "lead_agency", _("Cơ quan chủ trì")
    APPRAISER = "appraiser", _("Thành viên Hội đồng thẩm định")
    VIEWER = "viewer", _("Lãnh đạo xem báo cáo")


class Membership(models.Model):
    """A role held by a user, scoped to a unit and optionally to one cycle.

    - manager: runs the cycles organised by `unit` (the Sở Nội vụ or the Ministry);
    - officer / leader: enters / approves and submits the self-assessment of `unit`;
    - lead_agency: `unit` is the department that fills in the criteria listed in `codes`
      of the self-assessment of `target` (e.g. the province);
    - appraiser: appraises the units of the cycles organised by `unit`; `target` limits it
      to one assessed unit and `codes` to some fields (empty: all);
    - viewer: reads the results of `unit` and of the units below it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("vai trò"), max_length=16, choices=Role.choices)
    unit = models.ForeignKey(
        OrgUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("đơn vị"),
    )
    target = models.ForeignKey(
        OrgUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("đơn vị được đánh giá"),
    )
    cycle = models.ForeignKey(
        "assessment.Cycle",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("kỳ đánh giá"),
    )
    codes = models.JSONField(_("mã tiêu chí/lĩnh vực được giao"), default=list, blank=True)

    class Meta:
        verbose_name = _("phân quyền")

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.unit or ''}"

    def covers_code(self, code: str) -> bool:
        """Whether an assignment limited to `codes` includes a node code (or its field)."""
        if not self.codes:
            return True
        return any(code == c or code.startswith(f"{c}.") for c in self.codes)


class Profile(models.Model):
    """A user's own settings (page "Tài khoản của tôi")."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="parindex_profile"
    )
    notify_by_email = models.BooleanField(
        _("nhận thông báo qua thư điện tử"),
        default=True,
        help_text=_("Thư báo khi biểu được chuyển, trả lại, gửi và nhắc trước các thời hạn."),
    )

    class Meta:
        verbose_name = _("tài khoản")

    def __str__(self) -> str:
        return str(self.user)


class Notification(models.Model):
    """An e-mail sent to a user, recorded so that a reminder is sent once per (user, kind,
    key): the key names the deadline and the day (parindex.assessment.notify)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40)
    key = models.CharField(max_length=120)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "key"], name="one_notification")
        ]
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"{self.user} {self.kind} {self.key}"
