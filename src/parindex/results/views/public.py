"""Public results pages (no login): published cycles only."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from parindex.assessment import lifecycle
from parindex.assessment.models import Cycle
from parindex.results import selectors as rsel
from parindex.results.exports import export_from_tables
from parindex.results.presenters import (
    _applicable_fields,
    _derived,
    _pick_type,
    _positions,
    _stats,
    _unit_types,
    find_unit,
    rank_lines,
    rank_page,
    ranking_chart,
    synthetic_change,
)
from parindex.results.tables import (
    CycleResults,
    unit_type_label,
)

State = Cycle.State


PUBLIC_FORMATS = ("csv", "json")


def _published_cycles() -> Any:
    return (
        Cycle.objects.filter(state__in=lifecycle.PUBLISHED_STATES)
        .select_related("methodology", "organiser")
        .order_by("-year", "-publication_date", "name")
    )


def _published_cycle(pk: int) -> Cycle:
    try:
        return _published_cycles().get(pk=pk)
    except Cycle.DoesNotExist:
        raise Http404 from None


def _public_results(cycle: Cycle, unit_type: str | None, *, table: bool = False) -> CycleResults:
    """The final ranking; the change against the year before only when that year's cycle
    is published too (a finalised, unpublished cycle stays unseen). `table`: the cached rows
    of a ranking table (rsel.cycle_ranking), without the unit result trees."""
    prev = rsel.previous_cycle(cycle)
    with_change = prev is None or prev.facts.published
    read = rsel.cycle_ranking if table else rsel.cycle_results
    return read(cycle, "final", unit_type=unit_type, with_change=with_change)


@require_GET
def public_results(request: HttpRequest) -> HttpResponse:
    """The published cycles (no login)."""
    cycles = list(_published_cycles())
    return render(request, "results_pages/public_list.html", {"nav": "public", "cycles": cycles})


@require_GET
def public_cycle(request: HttpRequest, pk: int) -> HttpResponse:
    """A published cycle's final ranking with the component indices (no login), from the
    cached ranking, a page at a time for long lists (like results_ranking)."""
    cycle = _published_cycle(pk)
    types = _unit_types(cycle)
    unit_type = _pick_type(request.GET.get("type"), types, None)
    results = _public_results(cycle, unit_type, table=True) if unit_type else None
    rows = results.rows if results else []
    positions = _derived(results, rows, "positions", _positions)
    query = request.GET.get("q", "").strip()[:100]
    found = find_unit(rows, query) if query else ""
    wanted = request.GET.get("unit", "")
    highlight = found or (wanted if wanted in positions else "")
    page = rank_page(rows, None if found else request.GET.get("page"), positions.get(highlight))
    shown = page.rows
    fields = (
        _derived(results, rows, "fields", lambda rs: _applicable_fields(results, rs))
        if results
        else []
    )
    stats = _derived(results, rows, "stats", _stats)
    return render(
        request,
        "results_pages/public_cycle.html",
        {
            "nav": "public",
            "cycle": cycle,
            "types": [(t, unit_type_label(t)) for t in types],
            "unit_type": unit_type,
            "results": results,
            "rows": rows,
            "page": page,
            "q": query,
            "not_found": bool(query) and not found,
            "fields": fields,
            "highlight": highlight,
            "stats": stats,
            "lines": rank_lines(shown, fields),
            "show_change": _derived(
                results, rows, "show_change", lambda rs: any(r.change is not None for r in rs)
            ),
            "synthetic_national": _derived(
                results, rows, "synthetic_change", lambda rs: any(synthetic_change(r) for r in rs)
            ),
            "links": {},
            "chart_ranking": ranking_chart(shown, highlight, average=stats.average)
            if len(shown) > 1
            else None,
        },
    )


@require_GET
def public_cycle_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """Open data of a published cycle: the final ranking with component indices, CSV or
    JSON (every unit type)."""
    if fmt not in PUBLIC_FORMATS:
        raise Http404
    cycle = _published_cycle(pk)
    export = export_from_tables(_public_results(cycle, None), [], what="ranking", fmt=fmt)
    response = HttpResponse(export.data, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
