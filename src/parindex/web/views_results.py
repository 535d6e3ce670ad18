"""Results pages: the ranking of a cycle per stage, a unit's profile, the ledger of lost
points, the published national results (and their import) and the public results pages.

Everything is read through parindex.results.selectors (cycle_for_results / results_scope
decide who sees what; parindex.assessment.selectors.stage_visible which stages) and the
files are made by parindex.results (exports, export_for_user); views only parse, call and
render. Charts are drawn in the browser by static/js/charts.js (Apache ECharts, vendored)
from the JSON the views put in the page with |json_script.

What a unit sees (officers, leaders, lead agencies of the unit, viewers of units below the
organiser) — the rule of results_scope, applied the same way on every page:
- before publication: its own rows only (its rank among the units of its type is shown,
  the other units are not); the unit profile compares it with the average and the best
  value without naming the best units;
- once the cycle is published: the whole ranking and the component indices of every unit;
- the ledger of lost points (appraisers' reasons and comments): its own units only, also
  after publication; the organiser's side (managers, the council, admins) and the viewers
  above the organiser read every unit's.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from importlib import resources
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from parindex.assessment import selectors as asel
from parindex.assessment.models import Cycle, Participation
from parindex.assessment.services import ServiceError
from parindex.core import fmt_vn
from parindex.results import selectors as rsel
from parindex.results import services as rsvc
from parindex.results.exports import export_from_tables
from parindex.results.lineage import lineage
from parindex.results.models import BLOCKS, FIELDS, NationalResult
from parindex.results.tables import (
    KIND_LABELS,
    LEDGER_SORTS,
    REASON_LABELS,
    STAGE_LABELS,
    STAGES,
    CycleResults,
    FieldScore,
    LedgerEntry,
    UnitRow,
    type_order,
    unit_type_label,
)

State = Cycle.State
LEDGER_PAGE_SIZE = 50
RANK_PAGE_SIZE = 50
MAX_IMPORT_BYTES = 2 * 1024 * 1024
PUBLIC_FORMATS = ("csv", "json")
# Colour classes of the index (tile grid, heat cells): lower bounds, best first.
BINS: tuple[tuple[Decimal, str], ...] = (
    (Decimal(90), "rs-bin-5"),
    (Decimal(85), "rs-bin-4"),
    (Decimal(80), "rs-bin-3"),
    (Decimal(70), "rs-bin-2"),
    (Decimal(0), "rs-bin-1"),
)
# (short header, full name) of the published components
NATIONAL_COLUMNS = {
    "appraisal": (gettext_lazy("Thẩm định"), gettext_lazy("Điểm thẩm định")),
    "sipas": (gettext_lazy("SIPAS"), gettext_lazy("Chỉ số hài lòng (SIPAS)")),
    "leader_survey": (
        gettext_lazy("Điều tra LĐQL"),
        gettext_lazy("Điều tra xã hội học lãnh đạo, quản lý"),
    ),
    "socio_economic": (
        gettext_lazy("KT-XH"),
        gettext_lazy("Tác động của CCHC đến phát triển kinh tế - xã hội"),
    ),
    **{
        f: (
            format_lazy(gettext_lazy("LV {n}"), n=f[6:]),
            format_lazy(gettext_lazy("Lĩnh vực {n}"), n=f[6:]),
        )
        for f in FIELDS
    },
}


def _f(value: Decimal | None, places: int = 2) -> float | None:
    """A number for the charts (JSON), rounded half up like the tables (pts); None stays."""
    if value is None:
        return None
    return float(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def bin_class(value: Decimal | None) -> str:
    if value is None:
        return "rs-bin-none"
    return next((cls for low, cls in BINS if value >= low), "rs-bin-1")


# --- access ------------------------------------------------------------------------------------


@dataclass
class Seen:
    """A cycle as the user may read it."""

    cycle: Cycle
    scope: rsel.ResultsScope
    staff: bool  # the organiser's side: stages visible while they run
    own_codes: frozenset[str]  # codes of the user's own units taking part

    @property
    def ranking_all(self) -> bool:
        return self.scope.all_units

    @property
    def ledger_all(self) -> bool:
        """Every unit's ledger: organiser's side and viewers above the organiser (their scope
        covers all units without units of their own); not the units after publication."""
        return self.scope.all_units and not self.scope.unit_ids

    def stages(self) -> list[tuple[str, str]]:
        return [
            (s, str(STAGE_LABELS[s]))
            for s in STAGES
            if asel.stage_visible(self.cycle, s, staff=self.staff)
        ]

    def stage(self, requested: str | None) -> str:
        """The requested stage when visible, else the latest visible one."""
        visible = [s for s, _label in self.stages()]
        if requested in visible:
            return str(requested)
        return visible[-1] if visible else "self"


def _seen(user: Any, pk: int) -> Seen:
    try:
        cycle, scope = rsel.cycle_for_results(user, pk)
    except Cycle.DoesNotExist:
        raise Http404 from None
    own: frozenset[str] = frozenset()
    if scope.unit_ids:
        own = frozenset(
            cycle.participations.filter(unit_id__in=scope.unit_ids).values_list(
                "unit__code", flat=True
            )
        )
    return Seen(cycle, scope, asel.cycle_staff(user, cycle), own)


def _unit_types(cycle: Cycle, codes: Iterable[str] | None = None) -> list[str]:
    qs = cycle.participations.order_by()
    if codes is not None:
        qs = qs.filter(unit__code__in=list(codes))
    return sorted(set(qs.values_list("unit__type", flat=True).distinct()), key=type_order)


def _pick_type(requested: str | None, types: Sequence[str], preferred: str | None) -> str | None:
    if requested in types:
        return requested
    if preferred in types:
        return preferred
    return types[0] if types else None


# --- charts' data ----------------------------------------------------------------------------


def _short(name: str, limit: int = 34) -> str:
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


def ranking_chart(
    rows: Sequence[UnitRow], highlight: str | None, *, average: Decimal | None = None
) -> dict[str, Any]:
    """Horizontal bars of the index, best first (ECharts draws the first category at the
    bottom: charts.js reverses the axis). `average`: of every unit when `rows` are a page."""
    values = [_f(r.index) for r in rows]
    if average is None and rows:
        average = sum((r.index for r in rows), Decimal(0)) / len(rows)
    return {
        "units": [f"{r.rank}. {_short(r.unit.name)}" for r in rows],
        "names": [r.unit.name for r in rows],
        "values": values,
        "highlight": next((i for i, r in enumerate(rows) if r.unit.code == highlight), -1),
        "average": _f(average),
        "labels": {"index": _("Chỉ số (%)"), "average": _("Trung bình")},
    }


def heatmap_chart(
    rows: Sequence[UnitRow], fields: Sequence[tuple[str, str]], highlight: str | None = None
) -> dict[str, Any]:
    """Units (rank order) x fields, the component index in each cell (None: not applicable)."""
    cells = []
    for y, r in enumerate(rows):
        for x, (code, _name) in enumerate(fields):
            fs = next((f for f in r.fields if f.code == code), None)
            cells.append([x, y, _f(fs.index) if fs else None])
    return {
        "units": [_short(r.unit.name, 26) for r in rows],
        "fields": [_("LV %(c)s") % {"c": code} for code, _n in fields],
        "field_names": [name for _c, name in fields],
        "cells": cells,
        "highlight": next((i for i, r in enumerate(rows) if r.unit.code == highlight), -1),
        "labels": {"index": _("Chỉ số thành phần (%)"), "na": _("không áp dụng")},
    }


def _applicable_fields(results: CycleResults, rows: Sequence[UnitRow]) -> list[tuple[str, str]]:
    """Fields with a component index for at least one of the rows."""
    wanted = {f.code for f in results.methodology.fields}
    found: set[str] = set()
    for r in rows:
        found.update(fs.code for fs in r.fields if fs.index is not None)
        if found >= wanted:
            break
    return [(f.code, f.name) for f in results.methodology.fields if f.code in found]


def _derived(results: CycleResults | None, rows: list[UnitRow], name: str, fn: Any) -> Any:
    """fn(rows), kept in the memo of a cached ranking (rsel.RankingTable) when `rows` are all
    of its rows (the rows of a cached ranking never change), else computed."""
    memo = getattr(results, "memo", None)
    if memo is None or results is None or rows is not results.rows:
        return fn(rows)
    if name not in memo:
        memo[name] = fn(rows)
    return memo[name]


def _positions(rows: Sequence[UnitRow]) -> dict[str, int]:
    return {r.unit.code: i for i, r in enumerate(rows)}


@dataclass(frozen=True)
class RankLine:
    """A ranking row with its component scores in the order of the columns shown."""

    row: UnitRow
    cells: list[FieldScore | None]


def rank_lines(rows: Sequence[UnitRow], fields: Sequence[tuple[str, str]]) -> list[RankLine]:
    return [
        RankLine(r, [next((f for f in r.fields if f.code == code), None) for code, _n in fields])
        for r in rows
    ]


@dataclass
class Stats:
    count: int
    average: Decimal | None
    best: Decimal | None
    lowest: Decimal | None
    bands: list[tuple[str, int]]


def _stats(rows: Sequence[UnitRow]) -> Stats:
    if not rows:
        return Stats(0, None, None, None, [])
    indices = [r.index for r in rows]
    bands: dict[str, int] = {}
    for r in rows:
        if r.band_label:
            bands[r.band_label] = bands.get(r.band_label, 0) + 1
    return Stats(
        len(rows),
        sum(indices, Decimal(0)) / len(indices),
        max(indices),
        min(indices),
        list(bands.items()),
    )


# --- tile grid of the 34 provinces -------------------------------------------------------------


@dataclass(frozen=True)
class TilePlace:
    province: str
    short: str
    row: int
    col: int


@cache
def tile_places() -> tuple[TilePlace, ...]:
    """The tile-grid cartogram of the 34 provinces (web/data/province-tiles.csv): one cell
    per province, roughly following the map from Lai Châu (north-west) to Cà Mau."""
    text = resources.files("parindex.web").joinpath("data/province-tiles.csv").read_text("utf-8")
    return tuple(
        TilePlace(r["province_2025"], r["short"], int(r["row"]), int(r["col"]))
        for r in csv.DictReader(text.splitlines())
    )


@dataclass(frozen=True)
class Tile:
    place: TilePlace
    value: Decimal | None
    rank: int | None
    note: str
    selected: bool = False

    @property
    def css(self) -> str:
        sel = " rs-tile-selected" if self.selected else ""
        return f"rs-tile rs-r{self.place.row} rs-c{self.place.col} {bin_class(self.value)}{sel}"


def tiles_from(
    values: Mapping[str, tuple[Decimal | None, int | None, str]], selected: str | None = None
) -> list[Tile]:
    """Tiles of the 34 provinces; `values` by 2025 province name: (index, rank, note)."""
    return [
        Tile(p, *values.get(p.province, (None, None, "")), selected=p.province == selected)
        for p in tile_places()
    ]


def _province_of(name: str) -> str | None:
    prov = lineage().province(name)
    return prov.name if prov else None


# --- logged-in pages ---------------------------------------------------------------------------


@login_required
@require_GET
def results_index(request: HttpRequest) -> HttpResponse:
    """The cycles whose results the user may read, with links to each page."""
    items = []
    for cycle in asel.cycles_visible_to(request.user).order_by("-year", "name"):
        scope = rsel.results_scope(request.user, cycle)
        if not scope.any:
            continue
        seen = Seen(cycle, scope, asel.cycle_staff(request.user, cycle), frozenset())
        own = list(
            cycle.participations.filter(unit_id__in=scope.unit_ids)
            .select_related("unit")
            .order_by("unit__name")
        )
        items.append(
            {
                "cycle": cycle,
                "stages": seen.stages(),
                "own": own,
                "ledger": seen.staff or asel.stage_visible(cycle, "final", staff=False),
                "all": scope.all_units,
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


@dataclass
class RankPage:
    """The rows of the ranking table shown: a page of RANK_PAGE_SIZE rows, or all of them."""

    rows: list[UnitRow]
    number: int  # 0: every row
    count: int  # pages
    first: int  # position (1-based) of the first row shown
    last: int
    total: int

    @property
    def paged(self) -> bool:
        return self.total > RANK_PAGE_SIZE

    @property
    def all(self) -> bool:
        return self.number == 0

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return 0 < self.number < self.count

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def rank_page(
    rows: Sequence[UnitRow], requested: str | None, position: int | None = None
) -> RankPage:
    """The page asked for ("all": every row); without one, the page of the row at
    `position` (the highlighted unit), else the first. A ranking of a few thousand units is
    read a page at a time: rendering 3,321 rows takes seconds, and a chart of them is
    unreadable."""
    total = len(rows)
    count = max(1, -(-total // RANK_PAGE_SIZE))
    if requested == "all":
        return RankPage(list(rows), 0, count, 1 if total else 0, total, total)
    try:
        number = int(requested or "")
    except ValueError:
        number = (position or 0) // RANK_PAGE_SIZE + 1
    number = min(max(number, 1), count)
    start = (number - 1) * RANK_PAGE_SIZE
    shown = list(rows[start : start + RANK_PAGE_SIZE])
    return RankPage(shown, number, count, start + 1 if shown else 0, start + len(shown), total)


def _fold(text: str) -> str:
    """Lower case without Vietnamese diacritics, for searching ("Xã Tân Hòa" ~ "xa tan hoa")."""
    text = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return "".join(c for c in text if not unicodedata.combining(c)).strip()


def find_unit(rows: Sequence[UnitRow], query: str) -> str:
    """The code of the first row (rank order) whose code is the query, or whose name holds
    it (case and diacritics ignored); "" when none."""
    q = _fold(query)
    if not q:
        return ""
    for r in rows:
        if _fold(r.unit.code) == q:
            return r.unit.code
    return next((r.unit.code for r in rows if q in _fold(r.unit.name)), "")


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
            "can_report": seen.ranking_all and not seen.scope.unit_ids,
            "lines": rank_lines(shown, fields),
            "show_change": _derived(
                results, rows, "show_change", lambda rs: any(r.change is not None for r in rs)
            ),
            "links": _profile_links(seen, shown),
        },
    )


def _profile_links(seen: Seen, rows: Iterable[UnitRow]) -> dict[str, int]:
    """Participation ids of the rows whose profile the user may open: every unit for the
    organiser's side and the viewers above it, else the user's own units."""
    return {
        r.unit.code: r.participation_id
        for r in rows
        if r.participation_id is not None and (seen.ledger_all or r.unit.code in seen.own_codes)
    }


def _query(params: dict[str, Any]) -> str:
    from urllib.parse import urlencode

    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        values = value if isinstance(value, list | tuple | set | frozenset) else [value]
        pairs += [(key, str(v)) for v in sorted(values, key=str) if v not in (None, "")]
    return urlencode(pairs)


@dataclass
class Weak:
    """A sub-criterion where the unit loses points, with its ledger line."""

    node: rsel.NodeComparison
    entry: LedgerEntry | None


@login_required
@require_GET
def results_unit(request: HttpRequest, pk: int) -> HttpResponse:
    """One unit's results: where it loses points against the average and the best unit,
    self-assessed vs appraised vs final, its trend over the years and its neighbours."""
    try:
        p, _acc = asel.participation_for_user(request.user, pk)
    except Participation.DoesNotExist:
        raise Http404 from None
    seen = _seen(request.user, p.cycle_id)
    if not seen.scope.sees(p.unit_id):
        raise Http404
    p.cycle = seen.cycle
    stage = seen.stage(request.GET.get("stage"))
    profile = rsel.unit_profile(p, stage)
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
            "ledger_visible": seen.staff or asel.stage_visible(seen.cycle, "final", staff=False),
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
        },
    )


def _stage_field(s: rsel.StageTotals, code: str) -> tuple[Decimal | None, Decimal | None]:
    for c, points, index in s.fields:
        if c == code:
            return points, index
    return None, None


def _trend_chart(points: Sequence[rsel.TrendPoint]) -> dict[str, Any]:
    """One line per source: the cycles of this organiser, the national results of the
    province and, before 2025, each former province it was formed from."""
    years = sorted({t.year for t in points})
    series: dict[str, dict[int, float | None]] = {}
    for t in points:
        if t.source == "cycle":
            name = _("Kỳ đánh giá (đơn vị)")
        elif t.predecessor:
            name = _("%(p)s (trước sắp xếp, Bộ Nội vụ công bố)") % {"p": t.province}
        else:
            name = _("%(p)s (Bộ Nội vụ công bố)") % {"p": t.province}
        series.setdefault(name, {})[t.year] = _f(t.index)
    return {
        "years": [str(y) for y in years],
        "series": [
            {"name": name, "values": [vals.get(y) for y in years]} for name, vals in series.items()
        ],
        "labels": {"index": _("Chỉ số (%)")},
    }


# --- the ledger of lost points -------------------------------------------------------------------


@login_required
@require_GET
def results_ledger(request: HttpRequest, pk: int) -> HttpResponse:
    """Every unit x sub-criterion that lost points: maximum, self, appraised, final, lost,
    the appraiser's reason, the lead agency, recoverable or not; filtered, sorted, paged."""
    seen = _seen(request.user, pk)
    cycle = seen.cycle
    available = seen.staff or asel.stage_visible(cycle, "final", staff=False)
    lf = rsel.ledger_filter_from_params(request.GET)
    if not seen.ledger_all:
        lf = replace(lf, units=(lf.units & seen.own_codes) or seen.own_codes)
    entries: list[LedgerEntry] = []
    if not seen.ledger_all and not seen.own_codes:  # an empty unit filter would mean all
        available = False
    if available:
        entries = rsel.lost_points_ledger(cycle, lf)
    page = Paginator(entries, LEDGER_PAGE_SIZE).get_page(request.GET.get("page"))
    participations = cycle.participations.select_related("unit").order_by(
        "unit__type", "unit__name"
    )
    if not seen.ledger_all:
        participations = participations.filter(unit__code__in=seen.own_codes)
    units = [(p.unit.code, p.unit.name) for p in participations]
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
            "units": units,
            "types": [(t, unit_type_label(t)) for t in _unit_types(cycle, {c for c, _n in units})],
            "field_choices": field_choices,
            "reasons": [(k, str(v)) for k, v in REASON_LABELS.items()],
            "kinds": [(k, str(v)) for k, v in KIND_LABELS.items()],
            "agencies": agencies,
            "sorts": LEDGER_SORTS,
            "export_qs": _query(export_params),
            "sort_links": _sort_links(request, lf.sort, lf.descending),
            "participations": {p.unit.code: p.pk for p in participations},
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


def _lead_agencies(cycle: Cycle) -> list[tuple[str, str]]:
    found: dict[str, str] = {}
    for assignments in rsel.lead_agency_assignments(cycle).values():
        for _codes, code, name in assignments:
            found[code] = name
    return sorted(found.items(), key=lambda kv: kv[1])


# --- national results ---------------------------------------------------------------------------


@dataclass
class NationalLine:
    province_2025: str
    result: NationalResult | None
    first: bool  # the first line of its 2025 province
    span: int
    predecessor: bool
    values: list[Decimal | None]


@login_required
@require_GET
def results_national(request: HttpRequest) -> HttpResponse:
    """The published national results of a year, grouped under the 34 provinces (a former
    province's row under the province it became part of), and the tile grid map."""
    years = rsel.national_years()
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = 0
    if year not in years:
        year = years[0] if years else 0
    table = rsel.national_results_table(year) if year else []
    found = [nr for _p, rows in table for nr in rows]
    columns = [c for c in (*BLOCKS, *FIELDS) if any(getattr(nr, c) is not None for nr in found)]
    order = request.GET.get("order", "rank")
    if order == "rank":
        table.sort(key=lambda item: _national_key(item[0], item[1]))
    lines = []
    tile_values: dict[str, tuple[Decimal | None, int | None, str]] = {}
    for province, rows in table:
        basis = _basis(province, rows)
        if basis is not None:
            note = basis.province if basis.province_canonical != province else ""
            tile_values[province] = (basis.total, basis.rank, note)
        elif rows:
            others = "; ".join(f"{nr.province} {fmt_vn(nr.total, 2)}" for nr in rows)
            tile_values[province] = (None, None, _("trước sắp xếp: %(p)s") % {"p": others})
        if not rows:
            lines.append(NationalLine(province, None, True, 1, False, []))
            continue
        rows = sorted(rows, key=lambda nr: _merged_in(province, nr))  # its own row first
        for i, nr in enumerate(rows):
            lines.append(
                NationalLine(
                    province,
                    nr,
                    i == 0,
                    len(rows),
                    _merged_in(province, nr),
                    [getattr(nr, c) for c in columns],
                )
            )
    return render(
        request,
        "results_pages/national.html",
        {
            "nav": "results",
            "years": years,
            "year": year,
            "before_2025": bool(year) and year < rsvc.FIRST_34_YEAR,
            "order": order,
            "lines": lines,
            "columns": [(c, *NATIONAL_COLUMNS[c]) for c in columns],
            "published": len(found),
            "tiles": tiles_from(tile_values),
            "can_import": rsvc.can_import_national(request.user),
        },
    )


def _merged_in(province: str, nr: NationalResult) -> bool:
    """A former province merged into `province` (not the one it continues, nor its old
    name): "Yên Bái" under Lào Cai, "Bình Dương" under Hồ Chí Minh."""
    prov = lineage().province(province)
    continuing = prov.continuing() if prov else None
    if continuing is None:
        return nr.is_predecessor
    return nr.province_canonical != continuing


def _basis(province: str, rows: Sequence[NationalResult]) -> NationalResult | None:
    """The row a 2025 province is coloured by: its continuing predecessor's (same name, or
    the only one); None when only other former provinces have published results."""
    prov = lineage().province(province)
    continuing = prov.continuing() if prov else None
    return next((nr for nr in rows if nr.province_canonical in (continuing, province)), None)


def _national_key(province: str, rows: Sequence[NationalResult]) -> tuple[Any, ...]:
    """Ranked provinces first (by the published rank), then those with a total only (by
    total), then the rest in the order of the lineage table."""
    order = next(
        (i for i, p in enumerate(lineage().provinces) if p.name == province), len(rows) + 99
    )
    basis = _basis(province, rows) or (rows[0] if rows else None)
    if basis is None:
        return (2, 0, 0, order)
    if basis.rank is None:
        return (1, 0, -basis.total, order)
    return (0, basis.rank, -basis.total, order)


class NationalImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Tệp CSV (UTF-8)"))
    source = forms.CharField(
        label=gettext_lazy("Nguồn (cho các dòng không ghi nguồn)"),
        max_length=500,
        required=False,
    )


@login_required
def results_national_import(request: HttpRequest) -> HttpResponse:
    """Upload published national results (CSV): every row checked, all or nothing."""
    if not rsvc.can_import_national(request.user):
        raise PermissionDenied
    errors: list[rsvc.RowError] = []
    form = NationalImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size > MAX_IMPORT_BYTES:
                    raise ServiceError(_("Tệp quá lớn (tối đa 2 MB)."))
                summary = rsvc.national_results_import_file(
                    data=upload.read(), user=request.user, source=form.cleaned_data["source"]
                )
            except rsvc.ImportRefused as exc:
                messages.error(request, str(exc))
                errors = exc.errors
            except ServiceError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(
                    request,
                    _("Đã nhập %(c)s dòng mới, cập nhật %(u)s dòng (năm %(y)s).")
                    % {
                        "c": summary.created,
                        "u": summary.updated,
                        "y": ", ".join(str(y) for y in summary.years),
                    },
                )
                url = f"{_reverse('results_national')}?year={max(summary.years)}"
                return redirect(url)
        else:
            messages.error(request, _("Hãy chọn tệp CSV."))
    return render(
        request,
        "results_pages/national_import.html",
        {
            "nav": "results",
            "form": form,
            "errors": errors,
            "required": rsvc.REQUIRED,
            "optional": rsvc.OPTIONAL,
        },
        status=400 if errors else 200,
    )


def _reverse(name: str, *args: Any) -> str:
    from django.urls import reverse

    return reverse(name, args=args)


# --- public pages (no login) -------------------------------------------------------------------


def _published_cycles() -> Any:
    return (
        Cycle.objects.filter(state=State.PUBLISHED)
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
    with_change = prev is None or prev.state == State.PUBLISHED
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
