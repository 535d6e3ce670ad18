"""Results pages: one unit's profile."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from parindex.assessment import permissions as perm
from parindex.assessment.models import Participation
from parindex.assessment.services import absent_block_texts
from parindex.results import profile as rprof
from parindex.results.presenters import Weak, _f, _seen, _stage_field, _trend_chart
from parindex.results.tables import (
    STAGE_LABELS,
)


@login_required
@require_GET
def results_unit(request: HttpRequest, pk: int) -> HttpResponse:
    """One unit's results: where it loses points against the average and the best unit,
    self-assessed vs appraised vs final, its trend over the years and its neighbours."""
    try:
        p, _acc = perm.participation_for_user(request.user, pk)
    except Participation.DoesNotExist:
        raise Http404 from None
    seen = _seen(request.user, p.cycle_id)
    if not seen.sees(p.unit_id):
        raise Http404
    p.cycle = seen.cycle
    stage = seen.stage(request.GET.get("stage"))
    profile = rprof.unit_profile(p, stage)
    if not seen.ledger_readable:  # the appraisal's reasons are not shown to the user yet
        profile = replace(profile, ledger=[])
    visible = {s for s, _label in seen.stages()}
    stages = [s for s in profile.stages if s.stage in visible]
    by_code = {e.code: e for e in profile.ledger}
    weakest = [Weak(n, by_code.get(n.code)) for n in profile.weakest]
    peers = profile.peers
    if not seen.ranking_all:
        peers = [x for x in peers if x.is_you or x.row.unit.code in seen.own_codes]
    field_nodes = [n for n in profile.fields if n.depth == 1]
    trend = _trend_chart(profile.trend)
    return render(
        request,
        "results_pages/unit.html",
        {
            "nav": "results",
            "cycle": seen.cycle,
            "p": p,
            "seen": seen,
            "stage": stage,
            "stage_label": STAGE_LABELS[stage],
            "stages": seen.stages(),
            "absent_blocks": absent_block_texts(p),
            "profile": profile,
            "row": profile.row,
            "stage_totals": stages,
            "stage_fields": [
                (f.code, f.name, [_stage_field(s, f.code) for s in stages])
                for f in seen.cycle.methodology.tree.fields
                if any(_stage_field(s, f.code)[1] is not None for s in stages)
            ],
            "weakest": weakest,
            "lost": sum((e.lost for e in profile.ledger), Decimal(0)),
            "recoverable": sum((e.recoverable_points for e in profile.ledger), Decimal(0)),
            "peers": peers,
            "names_best": seen.ranking_all,
            "ledger_visible": seen.ledger_readable,
            "chart_profile": {
                "fields": [_("LV %(c)s") % {"c": n.code} for n in field_nodes],
                "field_names": [n.name for n in field_nodes],
                "unit": [_f(n.index) for n in field_nodes],
                "average": [_f(n.average) for n in field_nodes],
                "best": [_f(n.best) for n in field_nodes],
                "labels": {
                    "unit": p.unit.name,
                    "average": _("Trung bình"),
                    "best": _("Cao nhất"),
                    "index": _("Chỉ số thành phần (%)"),
                },
            }
            if field_nodes
            else None,
            "chart_trend": trend if len(trend["years"]) > 1 else None,
            "trend": profile.trend,
            "previous": _previous(profile.trend, seen.cycle.year),
            "synthetic_national": any(t.synthetic for t in profile.trend)
            or bool(profile.row.change and profile.row.change.synthetic),
        },
    )


def _previous(trend: list[Any], year: int) -> Any:
    """The latest point of the trend before the cycle's year (from any source the chart
    shows: an earlier cycle, a national result, a predecessor unit), or None."""
    before = [t for t in trend if t.year < year and t.index is not None]
    return max(before, key=lambda t: t.year) if before else None
