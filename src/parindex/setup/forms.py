"""The set-up pages' forms: they parse; the services decide (their refusals land on the
field they are about)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from parindex.accounts.models import Membership, OrgUnit, Role
from parindex.assessment import permissions as perm
from parindex.assessment.forms import ScheduleForm
from parindex.assessment.models import Cycle, MethodologyVersion

from . import services as svc


def units_in_scope(user: Any) -> QuerySet[OrgUnit]:
    scope = perm.setup_units(user)
    qs = OrgUnit.objects.order_by("code")
    return qs if scope.all else qs.filter(pk__in=scope.ids)


def accounts_in_scope(user: Any) -> QuerySet[User]:
    qs = User.objects.filter(is_active=True).order_by("username")
    scope = perm.setup_units(user)
    if scope.all:
        return qs
    return qs.filter(memberships__unit_id__in=scope.ids).distinct()


def cycles_in_scope(user: Any) -> QuerySet[Cycle]:
    scope = perm.setup_units(user)
    qs = Cycle.objects.select_related("methodology", "organiser").order_by("-year", "name")
    return qs if scope.all else qs.filter(organiser_id__in=scope.ids)


class _UnitLabel(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} — {obj.name}"


class UnitForm(forms.Form):
    code = forms.CharField(label=_("Mã"), max_length=32)
    name = forms.CharField(label=_("Tên"), max_length=200)
    type = forms.ChoiceField(label=_("Loại"), choices=OrgUnit.Type.choices)
    parent = _UnitLabel(label=_("Đơn vị cấp trên"), queryset=OrgUnit.objects.none(), required=False)
    predecessors = forms.CharField(
        label=_("Đơn vị trước sắp xếp"),
        max_length=300,
        required=False,
        help_text=_("Các đơn vị hợp nhất thành đơn vị này, cách nhau bởi dấu chấm phẩy"),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = units_in_scope(user)  # type: ignore[attr-defined]


class AccountForm(forms.Form):
    username = forms.CharField(label=_("Tên đăng nhập"), max_length=150)
    full_name = forms.CharField(label=_("Họ và tên"), max_length=300)
    email = forms.CharField(label=_("E-mail"), max_length=254)


class _CodesMixin(forms.Form):
    codes = forms.CharField(
        label=_("Mã tiêu chí / lĩnh vực"),
        required=False,
        help_text=_("Cách nhau bởi dấu chấm phẩy, ví dụ “1; 3.2”. Để trống: tất cả."),
    )
    cycle = forms.ModelChoiceField(
        label=_("Chỉ trong kỳ đánh giá"),
        queryset=Cycle.objects.none(),
        required=False,
        empty_label=_("— mọi kỳ —"),
    )

    def clean_codes(self) -> list[str]:
        return svc.parse_codes(self.cleaned_data.get("codes") or "")

    def _scope(self, user: Any) -> None:
        units = units_in_scope(user)
        for name in ("unit", "target", "organiser", "agency"):
            if name in self.fields:
                self.fields[name].queryset = units  # type: ignore[attr-defined]
        self.fields["cycle"].queryset = cycles_in_scope(user)  # type: ignore[attr-defined]
        if "account" in self.fields:
            self.fields["account"].queryset = accounts_in_scope(user)  # type: ignore[attr-defined]


class RoleForm(_CodesMixin):
    role = forms.ChoiceField(label=_("Vai trò"))
    unit = _UnitLabel(label=_("Đơn vị"), queryset=OrgUnit.objects.none(), required=False)
    target = _UnitLabel(
        label=_("Đơn vị được đánh giá"), queryset=OrgUnit.objects.none(), required=False
    )
    field_order = ["role", "unit", "target", "codes", "cycle"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(Role.choices)
        self.fields["role"].choices = [  # type: ignore[attr-defined]
            (r, labels[r]) for r in perm.grantable_roles(user)
        ]
        self._scope(user)


class AppraiserForm(_CodesMixin):
    account = forms.ModelChoiceField(label=_("Tài khoản"), queryset=User.objects.none())
    organiser = _UnitLabel(label=_("Đơn vị tổ chức"), queryset=OrgUnit.objects.none())
    target = _UnitLabel(
        label=_("Đơn vị được thẩm định"), queryset=OrgUnit.objects.none(), required=False
    )
    field_order = ["account", "organiser", "target", "codes", "cycle"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._scope(user)


class LeadAgencyForm(_CodesMixin):
    account = forms.ModelChoiceField(label=_("Tài khoản"), queryset=User.objects.none())
    agency = _UnitLabel(label=_("Cơ quan chủ trì"), queryset=OrgUnit.objects.none())
    target = _UnitLabel(label=_("Đơn vị được đánh giá"), queryset=OrgUnit.objects.none())
    methodology = forms.ModelChoiceField(
        label=_("Bộ tiêu chí"), queryset=MethodologyVersion.objects.none(), required=False
    )
    field_order = ["account", "agency", "target", "codes", "methodology", "cycle"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._scope(user)
        self.fields["methodology"].queryset = svc.usable_methodologies()  # type: ignore[attr-defined]


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Tệp"))


class MethodologyUploadForm(UploadForm):
    mapping = forms.CharField(
        label=_("Cách đọc cột (chỉ cho bảng .docx)"),
        required=False,
        max_length=300,
        help_text=_(
            "Để trống: các cột được nhận ra từ dòng tiêu đề. Ví dụ: number=1, name=2, "
            "max=Điểm chuẩn, evidence=-, header=1, table=2."
        ),
    )


class CycleForm(ScheduleForm):
    name = forms.CharField(label=_("Tên kỳ đánh giá"), max_length=200)
    year = forms.IntegerField(label=_("Năm đánh giá"), min_value=2000, max_value=2100)
    methodology = forms.ModelChoiceField(
        label=_("Bộ tiêu chí"), queryset=MethodologyVersion.objects.none()
    )
    organiser = _UnitLabel(label=_("Đơn vị tổ chức"), queryset=OrgUnit.objects.none())
    units = forms.ModelMultipleChoiceField(
        label=_("Đơn vị được đánh giá"),
        queryset=OrgUnit.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 12}),
    )
    confirm_years = forms.BooleanField(
        label=_("Vẫn dùng bộ tiêu chí cho năm ngoài thời gian áp dụng của nó"),
        required=False,
        help_text=_("Chỉ cần khi trang báo năm đánh giá nằm ngoài thời gian áp dụng."),
    )
    reports_to = forms.CharField(
        label=_("Gửi kết quả đến (cơ quan cấp trên)"),
        max_length=200,
        required=False,
        help_text=_(
            "Ví dụ “Bộ Nội vụ” khi tỉnh tự đánh giá để gửi Bộ: sau khi chốt kết quả, nhập lại "
            "kết quả thẩm định, giải trình và điểm cuối cùng của Bộ. Để trống với kỳ đánh giá "
            "nội bộ."
        ),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = units_in_scope(user)
        self.fields["organiser"].queryset = units  # type: ignore[attr-defined]
        self.fields["units"].queryset = units  # type: ignore[attr-defined]
        self.fields["methodology"].queryset = svc.usable_methodologies()  # type: ignore[attr-defined]
        order = ["name", "year", "methodology", "confirm_years", "organiser", "units"]
        self.order_fields(order + [f for f in self.fields if f not in order])


class CopyForm(forms.Form):
    name = forms.CharField(label=_("Tên kỳ mới"), max_length=200, required=False)
    confirm_years = forms.BooleanField(
        label=_("Vẫn dùng bộ tiêu chí cho năm ngoài thời gian áp dụng của nó"),
        required=False,
        help_text=_("Chỉ cần khi trang báo năm đánh giá nằm ngoài thời gian áp dụng."),
    )


def membership_rows(memberships: Any) -> list[Membership]:
    return sorted(memberships, key=lambda m: (m.role, m.unit.code if m.unit else ""))
