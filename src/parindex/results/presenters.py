"""What the results pages show: who may read a cycle (Seen), the charts' data, the rows
of the ranking (RankPage, RankLine, Stats), the tile grid of the provinces, the lines of the
national results. Rules of who sees what: parindex.results.views."""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from importlib import resources
from typing import Any

from django.http import Http404
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parindex.assessment import permissions as perm
from parindex.assessment.models import Cycle
from parindex.common.collation import vn_key
from parindex.results import profile as rprof
from parindex.results import selectors as rsel
from parindex.results.lineage import lineage
from parindex.results.models import FIELDS, NationalResult
from parindex.results.tables import (
    STAGE_LABELS,
    CycleResults,
    FieldScore,
    LedgerEntry,
    UnitRow,
    type_order,
)

RANK_PAGE_SIZE = 50


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
    "sipas_pct": (gettext_lazy("SIPAS (%)"), gettext_lazy("Chỉ số hài lòng SIPAS (%)")),
    "sipas_rank": (gettext_lazy("Hạng SIPAS"), gettext_lazy("Xếp hạng Chỉ số hài lòng SIPAS")),
    "appraisal": (gettext_lazy("Thẩm định"), gettext_lazy("Điểm thẩm định")),
    "sipas": (
        gettext_lazy("Điểm SIPAS"),
        gettext_lazy("Điểm Chỉ số hài lòng (SIPAS) trong Chỉ số CCHC"),
    ),
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


@dataclass
class Seen:
    """A cycle's results as the user may read them (permissions.results_access), with the
    codes of the units concerned."""

    cycle: Cycle
    access: perm.ResultsAccess
    own_codes: frozenset[str]  # codes of the user's own units taking part

    @classmethod
    def of(cls, cycle: Cycle, access: perm.ResultsAccess) -> Seen:
        own = perm.codes_of(access.own, cycle) if access.own else frozenset()
        return cls(cycle, access, own)

    @property
    def staff(self) -> bool:
        return self.access.staff

    @property
    def ranking_all(self) -> bool:
        return self.access.ranking.all

    @property
    def ledger_all(self) -> bool:
        """Every unit's ledger: the organiser's side and viewers above the organiser; not
        the units, also after publication."""
        return self.access.ledger.all

    @property
    def ledger_readable(self) -> bool:
        return self.access.ledger_readable

    @property
    def can_report(self) -> bool:
        return self.access.report and self.access.ledger_readable

    def sees(self, unit_id: int) -> bool:
        return self.access.ranking.has(unit_id)

    def stages(self) -> list[tuple[str, str]]:
        return [(s, str(STAGE_LABELS[s])) for s in self.access.stages]

    def stage(self, requested: str | None) -> str:
        """The requested stage when visible, else the latest visible one."""
        visible = [s for s, _label in self.stages()]
        if requested in visible:
            return str(requested)
        return visible[-1] if visible else "self"


def _seen(user: Any, pk: int) -> Seen:
    try:
        cycle, access = perm.cycle_for_results(user, pk)
    except Cycle.DoesNotExist:
        raise Http404 from None
    return Seen.of(cycle, access)


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
    synthetic: bool = False  # the value is a demo figure, not an official one

    @property
    def css(self) -> str:
        sel = " rs-tile-selected" if self.selected else ""
        syn = " rs-tile-synthetic" if self.synthetic else ""
        return (
            f"rs-tile rs-r{self.place.row} rs-c{self.place.col} {bin_class(self.value)}{sel}{syn}"
        )


def tiles_from(
    values: Mapping[str, tuple[Decimal | None, int | None, str]],
    selected: str | None = None,
    synthetic: frozenset[str] = frozenset(),
) -> list[Tile]:
    """Tiles of the 34 provinces; `values` by 2025 province name: (index, rank, note);
    `synthetic`: the provinces whose value is a demo figure."""
    return [
        Tile(
            p,
            *values.get(p.province, (None, None, "")),
            selected=p.province == selected,
            synthetic=p.province in synthetic,
        )
        for p in tile_places()
    ]


def _province_of(name: str) -> str | None:
    prov = lineage().province(name)
    return prov.name if prov else None


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

    node: rprof.NodeComparison
    entry: LedgerEntry | None


def _stage_field(s: rprof.StageTotals, code: str) -> tuple[Decimal | None, Decimal | None]:
    for c, points, index in s.fields:
        if c == code:
            return points, index
    return None, None


def _trend_chart(points: Sequence[rprof.TrendPoint]) -> dict[str, Any]:
    """One line per source: the cycles of this organiser, the national results of the
    province and, before 2025, each former province it was formed from."""
    years = sorted({t.year for t in points})
    series: dict[str, dict[int, float | None]] = {}
    for t in points:
        if t.source == "cycle":
            name = _("Kỳ đánh giá (đơn vị)")
        elif t.synthetic and t.predecessor:
            name = _("%(p)s (trước sắp xếp, số liệu minh họa)") % {"p": t.province}
        elif t.synthetic:
            name = _("%(p)s (số liệu minh họa)") % {"p": t.province}
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


def _lead_agencies(cycle: Cycle) -> list[tuple[str, str]]:
    found: dict[str, str] = {}
    for assignments in rsel.lead_agency_assignments(cycle).values():
        for _codes, code, name in assignments:
            found[code] = name
    return sorted(found.items(), key=lambda kv: vn_key(kv[1]))


def synthetic_change(row: UnitRow) -> bool:
    """The row's change against the year before reads a demo (synthetic) national figure."""
    return row.change is not None and row.change.synthetic


@dataclass
class NationalLine:
    province_2025: str
    result: NationalResult | None
    first: bool  # the first line of its 2025 province
    span: int
    predecessor: bool
    values: list[tuple[Decimal | int | None, bool]]  # (value, is a rank)


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
    total = -basis.total if basis.total is not None else Decimal(0)
    if basis.rank is None:
        return (1 if basis.total is not None else 2, 0, total, order)
    return (0, basis.rank, total, order)
