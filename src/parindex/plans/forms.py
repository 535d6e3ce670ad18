"""Forms of the plan pages: they parse what officials type (numbers with a decimal comma,
dates dd/mm/yyyy); services check the rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parindex.accounts.models import OrgUnit
from parindex.common.collation import vn_key
from parindex.common.dates import date_field
from parindex.core import to_decimal

from .models import Task


class PointsField(forms.CharField):
    """A number as officials type it ("0,5" or "0.5"); empty -> None."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "size": 8}))
        super().__init__(*args, **kwargs)

    def clean(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = super().clean(value)
        if not text:
            return None
        try:
            return to_decimal(text)
        except ValueError:
            raise forms.ValidationError(_("Không phải là số.")) from None

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal):
            return format(value.normalize(), "f").replace(".", ",")
        return value


class UnitChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class UnitsChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


def agencies_queryset(units: Any) -> Any:
    return OrgUnit.objects.filter(pk__in=sorted(units)).order_by("name")


class DraftForm(forms.Form):
    unit = forms.IntegerField(widget=forms.HiddenInput)
    refresh = forms.BooleanField(required=False, widget=forms.HiddenInput)


class PlanForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    number = forms.CharField(label=_("Số, ký hiệu"), max_length=60, required=False)
    issued_on = date_field(_("Ngày ban hành"))
    goal = forms.CharField(
        label=_("Mục tiêu phấn đấu"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    signer_name = forms.CharField(label=_("Người ký"), max_length=120, required=False)


class TaskForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    description = forms.CharField(
        label=_("Nội dung nhiệm vụ, giải pháp"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    lead_agency = UnitChoice(label=_("Cơ quan chủ trì"), queryset=OrgUnit.objects.none())
    cooperating = UnitsChoice(
        label=_("Cơ quan phối hợp"),
        queryset=OrgUnit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    deadline = date_field(_("Thời hạn hoàn thành"))
    expected_points = PointsField(label=_("Điểm phấn đấu giành lại"))
    effort_days = PointsField(label=_("Nguồn lực (ngày công)"))
    cost = PointsField(label=_("Kinh phí (triệu đồng)"))
    status = forms.ChoiceField(label=_("Tình trạng"), choices=Task.Status.choices)
    progress = forms.IntegerField(label=_("Tiến độ (%)"), min_value=0, max_value=100)

    def __init__(self, *args: Any, agencies: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qs = agencies_queryset(agencies)
        units = sorted(qs, key=lambda u: vn_key(u.name))
        self.fields["lead_agency"].queryset = qs  # type: ignore[attr-defined]
        self.fields["cooperating"].queryset = qs  # type: ignore[attr-defined]
        choices = [(u.pk, u.name) for u in units]
        self.fields["lead_agency"].choices = [("", "---------"), *choices]  # type: ignore[attr-defined]
        self.fields["cooperating"].choices = choices  # type: ignore[attr-defined]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class ReportForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Nội dung đã thực hiện"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    status = forms.ChoiceField(label=_("Tình trạng"), choices=Task.Status.choices)
    progress = forms.IntegerField(label=_("Tiến độ (%)"), min_value=0, max_value=100)
    files = MultipleFileField(label=_("Tệp kèm theo (PDF, DOCX, XLSX, PNG, JPEG)"))  # type: ignore[assignment]


class RecoverabilityForm(forms.Form):
    """The structural types made recoverable, and a choice per sub-criterion."""

    ITEM_CHOICES = (
        ("", _("Theo quy tắc chung")),
        ("1", _("Khắc phục được")),
        ("0", _("Không khắc phục được")),
    )
    survey = forms.BooleanField(
        label=_("Điểm điều tra xã hội học khắc phục được (toàn bộ điểm bị trừ)"), required=False
    )
    external = forms.BooleanField(
        label=_("Điểm theo số liệu khách quan khắc phục được (toàn bộ điểm bị trừ)"),
        required=False,
    )

    def __init__(self, *args: Any, leaves: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.leaves = leaves
        for node in leaves:
            self.fields[f"item-{node.code}"] = forms.ChoiceField(
                label=f"{node.code}. {node.name}", choices=self.ITEM_CHOICES, required=False
            )

    def items(self) -> dict[str, bool | None]:
        out: dict[str, bool | None] = {}
        for node in self.leaves:
            value = self.cleaned_data.get(f"item-{node.code}", "")
            out[node.code] = None if value == "" else value == "1"
        return out

    def item_fields(self) -> list[tuple[Any, Any]]:
        return [(node, self[f"item-{node.code}"]) for node in self.leaves]
