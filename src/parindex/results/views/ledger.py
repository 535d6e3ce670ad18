"""Results pages: the ledger of lost points."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from parindex.common.collation import vn_key
from parindex.results import selectors as rsel
from parindex.results.outside import outside_totals
from parindex.results.presenters import _lead_agencies, _query, _seen, _unit_types
from parindex.results.tables import (
    KIND_LABELS,
    LEDGER_SORTS,
    REASON_LABELS,
    LedgerEntry,
    unit_type_label,
)

LEDGER_PAGE_SIZE = 50
UNIT_SELECT_MAX = 300  # more units: a code field instead of a list of every unit


@login_required
@require_GET
def results_ledger(request: HttpRequest, pk: int) -> HttpResponse:
    """Every unit x sub-criterion that lost points: maximum, self, appraised, final, lost,
    the appraiser's reason, the lead agency, recoverable or not; filtered, sorted, paged."""
    seen = _seen(request.user, pk)
    cycle = seen.cycle
    available = seen.ledger_readable
    lf = rsel.ledger_filter_from_params(request.GET)
    if not seen.ledger_all:
        lf = replace(lf, units=(lf.units & seen.own_codes) or seen.own_codes)
    entries: list[LedgerEntry] = []
    if not seen.ledger_all and not seen.own_codes:  # an empty unit filter would mean all
        available = False
    if available:
        entries = rsel.lost_points_ledger(cycle, lf)
    page = Paginator(entries, LEDGER_PAGE_SIZE).get_page(request.GET.get("page"))
    participations = cycle.participations.order_by()
    if not seen.ledger_all:
        participations = participations.filter(unit__code__in=seen.own_codes)
    # Plain rows, not model instances: a national cycle has thousands of units.
    listed = sorted(
        participations.values_list("unit__type", "unit__code", "unit__name", "pk"),
        key=lambda row: (row[0], vn_key(row[2])),
    )
    units = [(code, name) for _type, code, name, _pk in listed]
    # One participant (a province's own self-assessment): no unit column.
    one_unit = len(listed) == 1 and seen.ledger_all
    on_page = {e.unit.code for e in page}
    links = {code: pk for _type, code, _name, pk in listed if code in on_page}
    tree = cycle.methodology.tree
    field_choices = [
        (n.code, n.name, n.depth) for f in tree.fields for n in f.walk() if n.depth <= 2
    ]
    agencies = _lead_agencies(cycle)
    params = {
        "unit": sorted(lf.units) if seen.ledger_all or request.GET.getlist("unit") else [],
        "unit_type": lf.unit_type or "",
        "field": lf.field or "",
        "recoverable": "" if lf.recoverable is None else ("1" if lf.recoverable else "0"),
        "kind": lf.kind or "",
        "reason": lf.reason or "",
        "lead_agency": lf.lead_agency or "",
        "sort": lf.sort,
        "order": "desc" if lf.descending else "asc",
    }
    export_params = {**params, "unit": sorted(lf.units)}
    return render(
        request,
        "results_pages/ledger.html",
        {
            "nav": "results",
            "cycle": cycle,
            "seen": seen,
            "available": available,
            "page": page,
            "total": len(entries),
            "lost_sum": sum((e.lost for e in entries), Decimal(0)),
            "recoverable_sum": sum((e.recoverable_points for e in entries), Decimal(0)),
            "recoverable_count": sum(1 for e in entries if e.recoverable_points > 0),
            "units_count": len({e.unit.code for e in entries}),
            "f": params,
            "selected_unit": next(iter(lf.units)) if len(lf.units) == 1 else "",
            "units": units if len(units) <= UNIT_SELECT_MAX else [],
            "one_unit": one_unit,
            "unit_search": len(units) > UNIT_SELECT_MAX,
            "types": [
                (t, unit_type_label(t))
                for t in _unit_types(cycle, None if seen.ledger_all else seen.own_codes)
            ],
            "field_choices": field_choices,
            "reasons": [(k, str(v)) for k, v in REASON_LABELS.items()],
            "kinds": [(k, str(v)) for k, v in KIND_LABELS.items()],
            "agencies": agencies,
            "sorts": LEDGER_SORTS,
            "export_qs": _query(export_params),
            "sort_links": _sort_links(request, lf.sort, lf.descending),
            "participations": links,
            "outside": outside_totals(entries) if cycle.reports_to else None,
        },
    )


def _sort_links(request: HttpRequest, current: str, descending: bool) -> dict[str, dict[str, str]]:
    """Per sort key: the query string of its column header (the current column flips its
    order; another starts from the largest losses, or A to Z for units and codes) and the
    arrow of the current one."""
    out = {}
    for key in LEDGER_SORTS:
        q = request.GET.copy()
        q.pop("page", None)
        if key == current:
            desc = not descending
        else:
            desc = key in ("lost", "recoverable")
        q["sort"] = key
        q["order"] = "desc" if desc else "asc"
        arrow = ("▼" if descending else "▲") if key == current else ""
        out[key] = {"qs": q.urlencode(), "arrow": arrow}
    return out
