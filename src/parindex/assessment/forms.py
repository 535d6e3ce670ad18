"""The forms of the assessment pages: every input a view reads is parsed here (views never
read request.POST themselves; tests/test_views_parse_with_forms.py checks it). The
services check what the values mean; these forms only read them, with the messages the
pages show on the row concerned."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parindex.assessment import services as svc
from parindex.assessment.models import Cycle, Entry, Evidence, Participation
from parindex.assessment.presenters.self_assessment import NOT_ARISING
from parindex.common.choices import CollatedModelChoiceField
from parindex.common.dates import date_field, datetime_field
from parindex.core import to_decimal

State = Cycle.State


def errors_text(form: forms.Form) -> str:
    """Every message of an invalid form, in the order of its fields, as one line."""
    return " ".join(str(e) for errs in form.errors.values() for e in errs)


def first_error(form: forms.Form) -> str:
    """The first message of an invalid form (its fields in order, then the form's checks)."""
    return next((str(e) for errs in form.errors.values() for e in errs), "")


class VersionField(forms.Field):
    """The version of an item the page was read at: a whole number, or None (not sent or
    not a number: the write is then not checked against a version)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def to_python(self, value: Any) -> int | None:
        try:
            return int(value) if value not in (None, "") else None
        except (TypeError, ValueError):
            return None


class SentCharField(forms.CharField):
    """Text that is None when the input was not sent at all ("" when sent empty)."""

    def to_python(self, value: Any) -> str | None:
        return None if value is None else super().to_python(value)


# --- the unit's side: self-assessment, explanation ----------------------------------------------


class SelfEntryForm(forms.Form):
    """One leaf of the self-assessment form: the value typed or chosen ("không phát sinh"
    ticked: NOT_ARISING), the note (None when not sent: unchanged) and the version read.
    A `ratio` item sends its two counts, `done` and `total`, which make the value "45/50"
    (the engine reads and checks the counts; both empty: no value)."""

    value = forms.CharField(required=False, strip=False)
    done = forms.CharField(required=False)
    total = forms.CharField(required=False)
    na = forms.BooleanField(required=False)
    note = SentCharField(required=False, strip=False)
    version = VersionField()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        done, total = data.pop("done", ""), data.pop("total", "")
        if "done" in self.data or "total" in self.data:
            data["value"] = f"{done}/{total}" if done or total else ""
        if data.pop("na", False):
            data["value"] = NOT_ARISING
        return data


class ExplanationForm(forms.Form):
    """The unit's explanation of one item cut in round 1, and the version read."""

    text = forms.CharField(required=False, strip=False)
    version = VersionField()


class SelfReportForm(forms.Form):
    """The closing sections of the self-assessment report, written by the unit."""

    difficulties = forms.CharField(
        label=gettext_lazy("Khó khăn, vướng mắc"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    recommendations = forms.CharField(
        label=gettext_lazy("Đề xuất, kiến nghị"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("Ý kiến khi trả lại"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Cần ghi ý kiến khi trả lại biểu.")},
    )


# --- evidence -------------------------------------------------------------------------------


class ItemAnswerForm(forms.Form):
    """Where the answer to a change of an item's evidence goes: `ctx` "self" (the row of
    the self-assessment form) or "explain" (the explanation item) for htmx requests, else a
    redirect to `next` (or the library). Each is read from the form, else from the address
    (`query`)."""

    ctx = forms.CharField(required=False)
    next = forms.CharField(required=False)

    def __init__(self, data: Any, *, query: Any) -> None:
        super().__init__(data)
        self.query = query

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("ctx", "next"):
            if not data.get(name):
                data[name] = self.query.get(name) or ""
        return data


class EvidenceLinkForm(forms.Form):
    """Link one of the unit's documents to an item (the item is in the address)."""

    evidence = forms.ModelChoiceField(
        queryset=Evidence.objects.none(),
        error_messages={
            "required": gettext_lazy("Hãy chọn một tài liệu của đơn vị."),
            "invalid_choice": gettext_lazy("Hãy chọn một tài liệu của đơn vị."),
        },
    )
    page_ref = forms.CharField(required=False, strip=False)

    def __init__(self, *args: Any, documents: QuerySet[Evidence], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["evidence"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = documents


class LibraryLinkForm(forms.Form):
    """Link the library's document (in the address) to the item typed in its row."""

    code = forms.CharField(
        error_messages={"required": gettext_lazy("Hãy chọn mục cần gắn tài liệu.")}
    )
    page_ref = forms.CharField(required=False, strip=False)


class EvidenceUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Tệp (PDF, DOCX, XLSX, PNG, JPEG)"))
    title = forms.CharField(label=gettext_lazy("Trích yếu"), max_length=300, required=False)
    doc_number = forms.CharField(label=gettext_lazy("Số, ký hiệu"), max_length=100, required=False)
    doc_date = date_field(gettext_lazy("Ngày ban hành"))
    issuer = forms.CharField(label=gettext_lazy("Cơ quan ban hành"), max_length=200, required=False)
    code = forms.CharField(label=gettext_lazy("Gắn vào mục"), max_length=32, required=False)
    page_ref = forms.CharField(label=gettext_lazy("Trang/mục"), max_length=100, required=False)


# --- appraisal ------------------------------------------------------------------------------


class AppraisalForm(forms.Form):
    """Accept or adjust one item in the open round: `points` (Decimal; None when accepting)
    and the `reason` ("" when accepting) of an adjustment, the council's comment, and the
    version read. A `ratio` item is adjusted by its two counts instead (action "counts":
    `done` and `total`, which make `counts` "45/50"; the service scores them by the rule
    and refuses counts that do not fit). The first message in the order of the checks is
    the one shown."""

    version = forms.IntegerField(
        error_messages={
            "required": gettext_lazy("Thiếu phiên bản của mục; hãy tải lại trang."),
            "invalid": gettext_lazy("Thiếu phiên bản của mục; hãy tải lại trang."),
        }
    )
    action = forms.ChoiceField(
        choices=[("accept", "accept"), ("adjust", "adjust"), ("counts", "counts")],
        error_messages={
            "required": gettext_lazy("Thao tác không hợp lệ."),
            "invalid_choice": gettext_lazy("Thao tác không hợp lệ."),
        },
    )
    points = forms.CharField(required=False, strip=False)
    reason = forms.CharField(required=False, strip=False)
    comment = forms.CharField(required=False, strip=False)
    done = forms.CharField(required=False)
    total = forms.CharField(required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        done, total = data.pop("done", ""), data.pop("total", "")
        data["counts"] = None
        if data.get("action") == "counts":
            data["points"] = None
            if not done or not total:
                self.add_error("total", _("Hãy nhập đủ hai số liệu: số đã thực hiện và tổng số."))
            data["counts"] = f"{done}/{total}"
            return data
        if data.get("action") != "adjust":
            data["points"], data["reason"] = None, ""
            return data
        raw = data.get("points", "")
        if not raw.strip():
            self.add_error("points", _("Hãy nhập điểm thẩm định."))
            return data
        try:  # points as the council types them ("1,5", "1.5"), read by the engine
            data["points"] = to_decimal(raw.strip())
        except ValueError:
            self.add_error("points", _("Điểm “%(p)s” không phải là số.") % {"p": raw})
        return data

    def typed(self) -> dict[str, str]:
        """What the user typed, to show again with the message."""
        return {k: self.data.get(k, "") for k in ("points", "reason", "comment", "done", "total")}


# --- the organiser's side of a cycle ------------------------------------------------------------


class UnitChoiceField(CollatedModelChoiceField):  # units in Vietnamese alphabetical order
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.unit.name)


class LateGrantForm(forms.Form):
    participation = UnitChoiceField(
        queryset=Participation.objects.none(), label=gettext_lazy("Đơn vị")
    )
    until = datetime_field(gettext_lazy("Cho nhập đến"), required=True)
    reason = forms.CharField(label=gettext_lazy("Lý do"), max_length=500)

    def __init__(self, *args: Any, cycle: Cycle, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["participation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = cycle.participations.select_related("unit")


class AbsentBlockForm(forms.Form):
    """Declare a block absent for one unit or for every unit (no unit chosen), or withdraw
    the declaration (`action`), with the reason (required either way)."""

    block = forms.ChoiceField(
        label=gettext_lazy("Khối"),
        error_messages={
            "required": gettext_lazy("Hãy chọn khối."),
            "invalid_choice": gettext_lazy("Hãy chọn khối."),
        },
    )
    participation = UnitChoiceField(
        queryset=Participation.objects.none(),
        label=gettext_lazy("Đơn vị"),
        required=False,
        empty_label=gettext_lazy("— Mọi đơn vị của kỳ đánh giá —"),
        error_messages={"invalid_choice": gettext_lazy("Đơn vị không tham gia kỳ đánh giá này.")},
    )
    action = forms.ChoiceField(
        choices=[
            ("declare", gettext_lazy("Khai báo không thực hiện")),
            ("withdraw", gettext_lazy("Bỏ khai báo")),
        ],
        label=gettext_lazy("Thao tác"),
        error_messages={
            "required": gettext_lazy("Thao tác không hợp lệ."),
            "invalid_choice": gettext_lazy("Thao tác không hợp lệ."),
        },
    )
    reason = forms.CharField(
        label=gettext_lazy("Lý do"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": gettext_lazy("Cần ghi lý do.")},
    )

    def __init__(self, *args: Any, cycle: Cycle, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        block = self.fields["block"]
        assert isinstance(block, forms.ChoiceField)
        block.choices = [(n.code, f"{n.code} {n.name}") for n in svc.cycle_blocks(cycle)]
        field = self.fields["participation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = cycle.participations.select_related("unit")


class TransitionForm(forms.Form):
    """A move of the cycle: the state, the reason (needed with open points and when going
    back) and, when publishing, the approving decision (the service checks which apply)."""

    to_state = forms.ChoiceField(choices=State.choices)
    reason = forms.CharField(
        label=gettext_lazy("Lý do"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    decision_number = forms.CharField(
        label=gettext_lazy("Số quyết định phê duyệt"), required=False, max_length=100
    )
    decision_date = forms.DateField(
        label=gettext_lazy("Ngày quyết định"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class ScheduleForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in svc.SCHEDULE_FIELDS:
            label = svc.schedule_label(name)
            if name == "publication_date":
                self.fields[name] = date_field(label)
            else:
                self.fields[name] = datetime_field(label)


@dataclass(frozen=True)
class ExternalValue:
    """One item of the organiser's data changed on the page (error: why it is not saved)."""

    code: str
    value: str
    version: int
    error: str = ""


class ExternalValuesForm(forms.Form):
    """The organiser's values of one unit, built from its items (survey and external data,
    bonus and deduction): per item `v-<code>`, the value (an item not sent is left alone),
    and `ver-<code>`, the version read."""

    def __init__(self, *args: Any, rows: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            code = row.node.code
            self.fields[f"v-{code}"] = SentCharField(required=False)
            self.fields[f"ver-{code}"] = forms.IntegerField(
                required=False,
                error_messages={"invalid": _("%(c)s: phiên bản không hợp lệ.") % {"c": code}},
            )

    def changed(self) -> list[ExternalValue]:
        """The items whose value was sent and differs from the one stored, in the order of
        the rows; call after is_valid()."""
        out = []
        for row in self.rows:
            code = row.node.code
            value = self.cleaned_data.get(f"v-{code}")
            stored = row.entry.value if row.entry is not None else ""
            if value is None or value == stored:
                continue
            errors = self.errors.get(f"ver-{code}")
            version = self.cleaned_data.get(f"ver-{code}") or 0
            out.append(ExternalValue(code, value, version, str(errors[0]) if errors else ""))
        return out


class CsvUploadForm(forms.Form):
    file = forms.FileField()


# --- the outside body's results, entered back (Cycle.reports_to) -------------------------------


class PointsField(forms.CharField):
    """Points as people type them ("1,5", "1.5"): a Decimal, or None when left empty."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def clean(self, value: Any) -> Any:
        text = (super().clean(value) or "").strip()
        if not text:
            return None
        try:
            return to_decimal(text)
        except ValueError:
            raise forms.ValidationError(_("Điểm “%(p)s” không phải là số.") % {"p": text}) from None


class OutsideEntryForm(forms.Form):
    """One item's results from the outside body: its appraisal (points, reason, comment),
    the explanation sent to it and its final points; the version read."""

    code = forms.CharField(max_length=32)
    version = VersionField()
    points = PointsField()
    reason = forms.ChoiceField(required=False, choices=[("", "—"), *Entry.Reason.choices])
    comment = forms.CharField(required=False)
    explanation = forms.CharField(required=False)
    final_points = PointsField()


class OutsideImportForm(forms.Form):
    file = forms.FileField()
