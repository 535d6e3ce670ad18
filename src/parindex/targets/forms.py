"""Forms of the target planner: they parse what is typed (numbers with a decimal comma) into
the service's Settings and what-if changes; the service checks the rest."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parindex.core import UnitResult
from parindex.planner import RULES, Change
from parindex.planner.target import DEFAULT_DRAWS, DEFAULT_SEED, MAX_DRAWS
from parindex.plans.forms import PointsField

from . import services as svc

RULE_LABELS = {
    "mean": _("Bình quân các tỉnh trước sắp xếp"),
    "continuing": _("Tỉnh giữ tên (hoặc giữ trung tâm hành chính)"),
    "max": _("Cao nhất trong các tỉnh trước sắp xếp"),
    "min": _("Thấp nhất trong các tỉnh trước sắp xếp"),
}
PROBABILITY_CHOICES = [(str(p), f"{int(p * 100)} %") for p in svc.PROBABILITIES]


class TargetForm(forms.Form):
    """The question (GET): rank, pro forma rule, draws and seed, optimiser mode."""

    k = forms.IntegerField(
        label=_("Hạng mục tiêu (trong nhóm k dẫn đầu)"), min_value=1, max_value=500, initial=10
    )
    rule = forms.ChoiceField(
        label=_("Quy tắc quy đổi số liệu tỉnh hợp nhất"),
        choices=[(r, RULE_LABELS[r]) for r in RULES],
        initial="mean",
    )
    draws = forms.IntegerField(
        label=_("Số lần mô phỏng"), min_value=100, max_value=MAX_DRAWS, initial=DEFAULT_DRAWS
    )
    seed = forms.IntegerField(
        label=_("Hạt giống"), min_value=0, max_value=2**32 - 1, initial=DEFAULT_SEED
    )
    mode = forms.ChoiceField(
        label=_("Cách chọn nhiệm vụ"),
        choices=[
            (svc.TARGET, _("Chi phí ít nhất để đạt Chỉ số cần")),
            (svc.BUDGET, _("Nhiều điểm nhất trong ngân sách")),
        ],
        initial=svc.TARGET,
        widget=forms.RadioSelect,
    )
    probability = forms.ChoiceField(
        label=_("Khả năng đạt mục tiêu"), choices=PROBABILITY_CHOICES, initial="0.8"
    )
    budget = PointsField(label=_("Ngân sách"))
    cost_basis = forms.ChoiceField(
        label=_("Chi phí tính theo"),
        choices=[(svc.EFFORT, _("Nguồn lực (ngày công)")), (svc.COST, _("Kinh phí (triệu đồng)"))],
        initial=svc.EFFORT,
    )

    not_started = forms.IntegerField(
        label=_("Khả năng hoàn thành nhiệm vụ chưa thực hiện (%)"),
        min_value=0,
        max_value=100,
        initial=50,
    )
    overdue_factor = forms.IntegerField(
        label=_("Nhiệm vụ quá hạn: nhân khả năng với (%)"), min_value=0, max_value=100, initial=50
    )

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        if data is not None and not any(k in data for k in self.base_fields):
            data = None  # first visit: defaults
        elif data is not None:  # a partial question: the defaults for the rest
            merged = data.copy()
            for name, f in self.base_fields.items():
                if name not in merged and f.initial is not None:
                    merged[name] = str(f.initial)
            data = merged
        super().__init__(data, **kwargs)

    def clean_budget(self) -> Decimal | None:
        value: Decimal | None = self.cleaned_data.get("budget")
        if value is not None and value < 0:
            raise forms.ValidationError(_("Ngân sách không được âm."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("mode") == svc.BUDGET and data.get("budget") is None:
            self.add_error("budget", _("Nhập ngân sách để chọn nhiệm vụ theo ngân sách."))
        return data

    def settings(self) -> svc.Settings:
        """The question asked (defaults for a first visit or an invalid form)."""
        if not self.is_bound or not self.is_valid():
            return svc.Settings()
        d = self.cleaned_data
        return svc.Settings(
            k=d["k"],
            rule=d["rule"],
            draws=d["draws"],
            seed=d["seed"],
            mode=d["mode"],
            probability=Decimal(d["probability"]),
            budget=d.get("budget"),
            cost_basis=d["cost_basis"],
            not_started=Decimal(d["not_started"]) / 100,
            overdue_factor=Decimal(d["overdue_factor"]) / 100,
        )


class WhatIfForm(forms.Form):
    """New points for any sub-criterion (`p-<code>`, pre-filled with the current points) or a
    whole field (`f-<code>`, empty unless typed). Changes are the values that differ."""

    def __init__(self, data: Any = None, *, result: UnitResult) -> None:
        super().__init__(data)
        self.result = result
        self.rows: list[tuple[Any, str, list[tuple[Any, str]]]] = []
        for f in result.fields:
            name = f"f-{f.code}"
            self.fields[name] = PointsField(label=f.node.name)
            leaves = []
            for r in f.walk():
                if r.node.is_leaf and r.max_points > 0:
                    leaf = f"p-{r.code}"
                    self.fields[leaf] = PointsField(label=r.node.name, initial=r.points)
                    leaves.append((r, leaf))
            self.rows.append((f, name, leaves))

    def bound_rows(self) -> list[tuple[Any, Any, list[tuple[Any, Any]]]]:
        return [
            (f, self[name], [(r, self[leaf]) for r, leaf in leaves])
            for f, name, leaves in self.rows
        ]

    def changes(self) -> list[Change]:
        nodes = self.result.nodes
        out = []
        for name, value in self.cleaned_data.items():
            if value is None:
                continue
            code = name[2:]
            if value != nodes[code].points:
                out.append(Change(code, value))
        return out


class RobustnessForm(forms.Form):
    """Rank robustness (GET): unit type, the fields' weights varied too (by how much), seed."""

    type = forms.CharField(required=False, max_length=32, widget=forms.HiddenInput)
    weights = forms.BooleanField(label=_("Thay đổi cả trọng số các lĩnh vực"), required=False)
    spread = forms.IntegerField(
        label=_("Mức thay đổi trọng số (± %)"), min_value=1, max_value=50, required=False
    )
    seed = forms.IntegerField(
        label=_("Hạt giống"), min_value=0, max_value=2**32 - 1, required=False
    )

    def question(self) -> tuple[str | None, int, Decimal | None]:
        """(unit type, seed, weight spread or None); defaults when invalid."""
        if not self.is_bound or not self.is_valid():
            return None, DEFAULT_SEED, None
        d = self.cleaned_data
        spread = Decimal(d["spread"] or 20) / 100 if d["weights"] else None
        return d["type"] or None, d["seed"] if d["seed"] is not None else DEFAULT_SEED, spread
