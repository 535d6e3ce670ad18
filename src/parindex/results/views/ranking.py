"""Results pages: the cycles whose results the user may read, and the ranking of a cycle
(who sees what: parindex.results.views package docstring)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from parindex.assessment import permissions as perm
from parindex.common.collation import vn_key
from parindex.results import selectors as rsel
from parindex.results import services as rsvc
from parindex.results.presenters import (
    Seen,
    _applicable_fields,
    _derived,
    _pick_type,
    _positions,
    _profile_links,
    _province_of,
    _query,
    _seen,
    _stats,
    _unit_types,
    find_unit,
    heatmap_chart,
    rank_lines,
    rank_page,
    ranking_chart,
    synthetic_change,
    tiles_from,
)
from parindex.results.tables import (
    STAGE_LABELS,
    unit_type_label,
)


@login_required
@require_GET
def results_index(request: HttpRequest) -> HttpResponse:
    """The cycles whose results the user may read, with links to each page."""
    items = []
    for cycle in perm.cycles_visible_to(request.user).order_by("-year", "name"):
        access = perm.results_access(request.user, cycle)
        if not access.any:
            continue
        seen = Seen(cycle, access, frozenset())
        own = sorted(
            cycle.participations.filter(unit_id__in=access.own).select_related("unit"),
            key=lambda p: vn_key(p.unit.name),
        )
        items.append(
            {
                "cycle": cycle,
                "stages": seen.stages(),
                "own": own,
                "ledger": seen.ledger_readable,
                "all": seen.ranking_all,
            }
        )
    return render(
        request,
        "results_pages/index.html",
        {
            "nav": "results",
            "items": items,
            "national": bool(rsel.national_years()),
            "can_import": rsvc.can_import_national(request.user),
        },
    )


@login_required
@require_GET
def results_ranking(request: HttpRequest, pk: int) -> HttpResponse:
    """The ranking of a cycle at a stage, one unit type at a time, with the change against
    the year before, the component indices, a bar chart and a units x fields heatmap. The
    rows come from the cached ranking (rsel.cycle_ranking); long lists are shown a page at a
    time (the charts draw the rows of the page) and searched by name or code."""
    seen = _seen(request.user, pk)
    cycle = seen.cycle
    stage = seen.stage(request.GET.get("stage"))
    types = _unit_types(cycle, None if seen.ranking_all else seen.own_codes)
    own_types = _unit_types(cycle, seen.own_codes) if seen.own_codes else []
    unit_type = _pick_type(request.GET.get("type"), types, own_types[0] if own_types else None)
    results = rsel.cycle_ranking(cycle, stage, unit_type=unit_type) if unit_type else None
    rows = results.rows if results else []
    ranked = len(rows)
    if not seen.ranking_all:
        rows = [r for r in rows if r.unit.code in seen.own_codes]
    positions = _derived(results, rows, "positions", _positions)
    wanted = request.GET.get("unit", "")
    query = request.GET.get("q", "").strip()[:100]
    found = find_unit(rows, query) if query else ""
    highlight = (
        found
        or (wanted if wanted in positions else "")
        or next((c for c in sorted(seen.own_codes) if c in positions), "")
    )
    page = rank_page(rows, None if found else request.GET.get("page"), positions.get(highlight))
    shown = page.rows
    fields = (
        _derived(results, rows, "fields", lambda rs: _applicable_fields(results, rs))
        if results
        else []
    )
    tiles = []
    if unit_type == "province" and seen.ranking_all:
        by_province = {}
        for r in rows:
            prov = _province_of(r.unit.name) or _province_of(r.unit.code)
            if prov:
                by_province[prov] = (r.index, r.rank, r.unit.name)
        hl = next((r for r in rows if r.unit.code == highlight), None)
        tiles = tiles_from(by_province, _province_of(hl.unit.name) if hl else None)
    stats = _derived(results, rows, "stats", _stats)
    return render(
        request,
        "results_pages/ranking.html",
        {
            "nav": "results",
            "cycle": cycle,
            "seen": seen,
            "stage": stage,
            "stage_label": STAGE_LABELS[stage],
            "stages": seen.stages(),
            "types": [(t, unit_type_label(t)) for t in types],
            "unit_type": unit_type,
            "results": results,
            "rows": rows,
            "page": page,
            "q": query,
            "not_found": bool(query) and not found,
            "ranked": ranked,
            "fields": fields,
            "highlight": highlight,
            "stats": stats,
            "tiles": tiles,
            "chart_ranking": ranking_chart(shown, highlight, average=stats.average)
            if len(shown) > 1
            else None,
            "chart_heatmap": heatmap_chart(shown, fields, highlight)
            if len(shown) > 1 and fields
            else None,
            "export_qs": _query({"stage": stage, "unit_type": unit_type or ""}),
            "can_report": seen.can_report,
            "lines": rank_lines(shown, fields),
            "show_change": _derived(
                results, rows, "show_change", lambda rs: any(r.change is not None for r in rs)
            ),
            "synthetic_national": _derived(
                results, rows, "synthetic_change", lambda rs: any(synthetic_change(r) for r in rs)
            ),
            "links": _profile_links(seen, shown),
        },
    )
