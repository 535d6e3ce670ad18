"""What a unit is compared with in the target planner: its competitors' latest indices and
their year-on-year changes, read from the database for the pure engine (parindex.planner).

- A province (a unit of type province found in the lineage table) is compared with the
  other 2025 provinces through the national results (results.models.NationalResult), the
  63 -> 34 lineage and the pro forma rule chosen (planner.history). Rows without an index
  (a top-10 list gives ranks only) are not used. Which rows are synthetic (the demo's
  illustrative table) is read through `is_synthetic`, and every year that used one is named
  on the page: never shown as official.
- Any other unit (a department, a commune) is compared with the units of its type in the
  organiser's own finished cycles of the same methodology (final points), those whose full
  ranking the user may read (permissions.results_access): the province's own history.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from parindex.accounts.models import OrgUnit
from parindex.assessment import lifecycle
from parindex.assessment import permissions as perm
from parindex.assessment.models import Cycle
from parindex.core import q4
from parindex.planner import Competitor, PublishedResult, build_history, competitors_from
from parindex.results.lineage import lineage
from parindex.results.models import NationalResult
from parindex.results.selectors import cycle_ranking

NATIONAL, INTERNAL = "national", "internal"


def is_synthetic(row: NationalResult) -> bool:
    """Whether a national row is synthetic (illustrative demo data, never official). The one
    place the planner asks (the model's own property reads the provenance)."""
    return row.synthetic


@dataclass(frozen=True)
class Reference:
    """The competitors of a unit, by `kind` (NATIONAL or INTERNAL), in the latest `year`."""

    kind: str
    year: int
    years: tuple[int, ...]
    competitors: tuple[Competitor, ...]
    left_out: tuple[str, ...]  # competitors without a value in `year`
    pool: tuple[Decimal, ...]  # every competitor's changes (and the unit's own)
    own: Decimal | None  # the unit's own value in `year`
    name: str  # the unit's name as the reference spells it
    rule: str | None = None  # the pro forma rule (national)
    synthetic_years: tuple[int, ...] = ()
    sources: tuple[str, ...] = ()  # cycles (internal) or sources (national) used

    @property
    def synthetic(self) -> bool:
        return bool(self.synthetic_years)


def province_name(unit: OrgUnit) -> str | None:
    """The 2025 province a unit is, for a unit of type province in the lineage table."""
    if unit.type != OrgUnit.Type.PROVINCE:
        return None
    prov = lineage().province(unit.name)
    return prov.name if prov is not None else None


def reference_for(user: Any, cycle: Cycle, unit: OrgUnit, rule: str) -> Reference | None:
    """The national reference for a province with national results, else the organiser's
    own finished cycles; None when there is nothing to compare with."""
    name = province_name(unit)
    if name is not None:
        ref = national_reference(name, rule)
        if ref is not None:
            return ref
    return internal_reference(user, cycle, unit)


def national_reference(province: str, rule: str) -> Reference | None:
    rows = [r for r in NationalResult.objects.order_by("year", "pk") if r.total is not None]
    if not rows:
        return None
    history = build_history(
        [
            PublishedResult(r.year, r.province, r.total, r.rank, r.source)
            for r in rows
            if r.total is not None  # a published rank without its index is kept, not used
        ],
        rule,
    )
    year = max(history.years)
    comps, left_out = competitors_from(history, province, year=year)
    own = history.by_province[province].value(year)
    synthetic = sorted({r.year for r in rows if is_synthetic(r)})
    sources = sorted({r.source for r in rows if r.source and not is_synthetic(r)})
    return Reference(
        kind=NATIONAL,
        year=year,
        years=history.years,
        competitors=comps,
        left_out=left_out,
        pool=history.pooled_changes,
        own=own,
        name=province,
        rule=rule,
        synthetic_years=tuple(synthetic),
        sources=tuple(sources),
    )


def history_cycles(user: Any, cycle: Cycle) -> list[Cycle]:
    """The organiser's finished cycles of the cycle's methodology up to its year, one per year
    (the latest finalised), whose whole ranking the user reads."""
    qs = (
        Cycle.objects.filter(
            organiser_id=cycle.organiser_id,
            methodology__code=cycle.methodology.code,
            state__in=lifecycle.FINISHED_STATES,
            year__lte=cycle.year,
        )
        .select_related("methodology", "organiser")
        .order_by("year", "finalised_at", "pk")
    )
    by_year = {c.year: c for c in qs}  # the last of a year wins
    return [c for _y, c in sorted(by_year.items()) if perm.results_access(user, c).ranking_all]


def internal_reference(user: Any, cycle: Cycle, unit: OrgUnit) -> Reference | None:
    cycles = history_cycles(user, cycle)
    if not cycles:
        return None
    values: dict[str, dict[int, Decimal]] = defaultdict(dict)
    names: dict[str, str] = {}
    for c in cycles:
        table = cycle_ranking(c, "final", unit_type=unit.type, with_change=False)
        for row in table.rows:
            if row.not_submitted:
                continue
            values[row.unit.code][c.year] = row.index
            names[row.unit.code] = row.unit.label
    year = cycles[-1].year
    comps: list[Competitor] = []
    left_out: list[str] = []
    pool: list[Decimal] = []
    for code, series in values.items():
        changes = tuple(q4(v - series[y - 1]) for y, v in sorted(series.items()) if y - 1 in series)
        pool += changes
        if code == unit.code:
            continue
        if year in series:
            comps.append(Competitor(names[code], series[year], changes))
        else:
            left_out.append(names[code])
    return Reference(
        kind=INTERNAL,
        year=year,
        years=tuple(c.year for c in cycles),
        competitors=tuple(comps),
        left_out=tuple(left_out),
        pool=tuple(pool),
        own=values.get(unit.code, {}).get(year),
        name=unit.name,
        sources=tuple(c.name for c in cycles),
    )
