"""Input parsing for the survey pages (no business rules: those are in services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parindex.accounts.models import OrgUnit
from parindex.common.dates import DATETIME_INPUTS, datetime_input

from .models import ImportJob, Questionnaire, SurveyConfig

UNIT_TYPES = [
    ("", _("Mọi loại đơn vị")),
    (OrgUnit.Type.DEPARTMENT, OrgUnit.Type.DEPARTMENT.label),
    (OrgUnit.Type.COMMUNE, OrgUnit.Type.COMMUNE.label),
]


class FileForm(forms.Form):
    file = forms.FileField(label=_("Tệp"))


class ConfigForm(forms.ModelForm):
    class Meta:
        model = SurveyConfig
        fields = ["opens_at", "closes_at", "min_respondents", "sipas_method", "sipas_overall"]
        widgets = {"opens_at": datetime_input(), "closes_at": datetime_input()}
        field_classes = {"opens_at": forms.DateTimeField, "closes_at": forms.DateTimeField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("opens_at", "closes_at"):
            field = self.fields[name]
            assert isinstance(field, forms.DateTimeField)
            field.input_formats = DATETIME_INPUTS


class PlanFillForm(forms.Form):
    questionnaire = forms.TypedChoiceField(label=_("Nhóm đối tượng"), coerce=int)
    unit_type = forms.ChoiceField(label=_("Loại đơn vị"), choices=UNIT_TYPES, required=False)
    target = forms.IntegerField(label=_("Số phiếu mỗi đơn vị"), min_value=0, max_value=1_000_000)

    def __init__(self, *args: object, questionnaires: list[tuple[int, str]], **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["questionnaire"].choices = questionnaires  # type: ignore[attr-defined]


class ModeForm(forms.Form):
    mode = forms.ChoiceField(choices=ImportJob.Mode.choices)


class BatchForm(forms.Form):
    code = forms.CharField(label=_("Mã lô"), max_length=64)
    note = forms.CharField(label=_("Ghi chú"), max_length=300, required=False)


class ClerkFileForm(forms.Form):
    clerk = forms.TypedChoiceField(
        label=_("Người nhập"), choices=[(1, _("Người nhập 1")), (2, _("Người nhập 2"))], coerce=int
    )
    file = forms.FileField(label=_("Tệp"))


class PlanRowForm(forms.Form):
    """One unit's row of the sample plan: per respondent group `q<questionnaire id>`, the
    planned number of forms (empty: 0)."""

    def __init__(self, *args: Any, questionnaires: list[Questionnaire], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questionnaires = questionnaires
        for q in questionnaires:
            self.fields[f"q{q.pk}"] = forms.IntegerField(
                required=False,
                error_messages={"invalid": _("Số phiếu kế hoạch phải là số nguyên.")},
            )

    def targets(self) -> list[tuple[Questionnaire, int, str]]:
        """(group, planned number, why it is refused: "" when it is not), in the order of
        the groups; call after is_valid()."""
        out = []
        for q in self.questionnaires:
            errors = self.errors.get(f"q{q.pk}")
            target = self.cleaned_data.get(f"q{q.pk}") or 0
            out.append((q, target, str(errors[0]) if errors else ""))
        return out


class DiscrepancyForm(forms.Form):
    """The clerk's value kept for a discrepancy of double entry (the service checks it)."""

    chosen = forms.CharField(required=False, strip=False)


class AnswersForm(forms.Form):
    """The respondent's answers to the online form, one per answered question (its name);
    the service checks the choices and the required questions."""

    def __init__(self, *args: Any, questionnaire: Questionnaire, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for x in questionnaire.questions.filter(slot__isnull=False).order_by("slot"):
            self.fields[x.name] = forms.CharField(required=False, strip=False)

    def answers(self) -> dict[str, str]:
        """Question name -> the answer sent ("" when none); call after is_valid()."""
        return {name: self.cleaned_data.get(name) or "" for name in self.fields}
