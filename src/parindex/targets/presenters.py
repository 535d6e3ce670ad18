"""Page data of the target planner (beside the views)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from parindex.assessment import permissions as perm
from parindex.assessment.models import Cycle, Participation
from parindex.common.collation import vn_key
from parindex.planner import RULES

from . import services as svc
from .forms import RULE_LABELS, TargetForm


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
    }


def form_errors(form: Any) -> str:
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        code = name[2:] if name[:2] in ("p-", "f-") else name
        parts.append(f"{code} {label}: {' '.join(str(e) for e in errors)}".strip())
    return "; ".join(parts) or _("Yêu cầu không hợp lệ.")
