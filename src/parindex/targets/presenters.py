"""Page data of the target planner (beside the views)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parindex.assessment import permissions as perm
from parindex.assessment.models import Cycle, Participation
from parindex.common.collation import vn_key
from parindex.planner import RULES

from . import services as svc
from .forms import RULE_LABELS, TargetForm

STATUS_LABELS = {
    "not_started": gettext_lazy("Chưa thực hiện"),
    "in_progress": gettext_lazy("Đang thực hiện"),
    "done": gettext_lazy("Hoàn thành"),
    "overdue": gettext_lazy("Quá hạn"),
}


@dataclass
class CycleUnits:
    cycle: Cycle
    units: list[Participation]


def units_for(user: Any) -> list[CycleUnits]:
    """Per cycle the user sees (newest first), the units whose target planner it opens."""
    out = []
    for cycle in perm.cycles_visible_to(user).order_by("-year", "-pk"):
        parts = [
            p
            for p in cycle.participations.select_related("unit", "cycle", "cycle__organiser")
            if perm.may_plan_target(user, p)
        ]
        if parts:
            parts.sort(key=lambda p: (p.unit.type, vn_key(p.unit.name)))
            out.append(CycleUnits(cycle, parts))
    return out


def settings_query(params: QueryDict) -> str:
    """The question's parameters, carried to the what-if requests."""
    keep = QueryDict(mutable=True)
    for name in TargetForm.base_fields:
        if name in params:
            keep[name] = str(params[name])
    return keep.urlencode()


def page(ans: svc.Answer, params: QueryDict) -> dict[str, Any]:
    ref = ans.reference
    return {
        "query": settings_query(params),
        "rule_label": RULE_LABELS.get(ref.rule or "", ""),
        "rule_text": RULES.get(ref.rule or "", ""),
        "national": ref.kind == "national",
        "competitors": len(ref.competitors),
        "goal_pct": int(ans.settings.probability * 100),
        "status_labels": STATUS_LABELS,
    }


def form_errors(form: Any) -> str:
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        code = name[2:] if name[:2] in ("p-", "f-") else name
        parts.append(f"{code} {label}: {' '.join(str(e) for e in errors)}".strip())
    return "; ".join(parts) or _("Yêu cầu không hợp lệ.")


def robustness_page(cycle: Cycle, view: Any) -> dict[str, Any]:
    """The unit types to switch between, and the sensitivity rows by field with its name."""
    from parindex.results.tables import unit_type_label

    types = sorted(set(cycle.participations.values_list("unit__type", flat=True)))
    names = {f.code: f.name for f in cycle.methodology.tree.fields}
    return {
        "types": [(t, unit_type_label(t)) for t in types],
        "fields": [(s, names.get(s.field, s.field)) for s in view.sensitivity],
    }
