"""A synthetic national PAR INDEX table for the demo and the planner's benchmark: every
province of every year with a rank, an index, the SIPAS index and rank and, from 2022, the four
blocks of the index (QĐ 876/QĐ-BNV: appraisal 61,5 + SIPAS 10 + leaders' survey 22 +
socio-economic impact 6,5 = 100), built around the published figures it is given.

Never official: whoever stores these rows marks them synthetic, and every page that shows one
says so (NationalResult.provenance). Pure Python (no Django), deterministic for a seed.

For each year (the 63 provinces before 2025, the 34 from 2025):

1. Ranks. A published rank is kept. Published indices without a rank take free ranks
   where they fit between the published (rank, index) pairs, in their order, nearest to
   the curve below (the placement of least total distance). The other provinces fill the
   remaining ranks in the order of a score that carries last year's position:
   score = 0,75 z(last rank) + N(0; 0,66), z(r) the normal quantile of (n − r + 0,5) / n;
   a province of 2025 starts from the mean z of the provinces it was formed from; the
   first year starts from N(0; 1).
2. Indices. A published index is kept. The others follow a curve through the published
   (rank, index) pairs: mean + sd·z(r) of the year (YEAR_SHAPES: the national averages the
   published reports give, else a guess), shifted by the published points' residuals
   (interpolated by rank, constant beyond the first and last), plus N(0; 0,15), rounded to
   2 decimals, then sorted and made strictly decreasing by rank (0,01 apart), inside the
   published neighbours: an index is always between those of the ranks above and below.
3. SIPAS (from 2017): the same two steps with the SIPAS figures, the order score being
   0,5 z(index rank) + N(0; 0,87).
4. Blocks (from 2022): SIPAS points = SIPAS index / 10 (at least index − 90); the
   leaders' survey and the socio-economic impact at the ratio of the rest to its maximum
   90 (less 0,04 and 0,18, plus noise); the appraisal takes what remains (at most 61,5, the
   excess going to the survey, then the impact): the four blocks add up to the index.

Published figures that no table can satisfy (two provinces with one rank, a better rank with
a lower index, a rank beyond the number of provinces) raise InconsistentFigures.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from statistics import NormalDist

from parindex.core import q2

from .lineage import Lineage, lineage

DEMO_YEARS = (2023, 2024, 2025)
HISTORY_YEARS = tuple(range(2016, 2026))  # 10 years for the planner's benchmark
FIRST_34_YEAR = 2025
SIPAS_FROM = 2017
BLOCKS_FROM = 2022
BLOCK_MAX = {
    "appraisal": Decimal("61.5"),
    "sipas": Decimal(10),
    "leader_survey": Decimal(22),
    "socio_economic": Decimal("6.5"),
}
STEP = Decimal("0.01")
_Z = NormalDist()


@dataclass(frozen=True)
class YearShape:
    """The spread of a year's indices: mean and standard deviation (points)."""

    mean: float
    sd: float
    sipas_mean: float = 83.0
    sipas_sd: float = 2.8


# Means: the national averages the published reports give (reference file, notes: 2018
# 76,92; 2019 81,15; 2021 86,37; 2023 86,98; 2024 88,37; 2022 = 2023 − 2,19); SIPAS 2021:
# the published median 87,02. The other values are guesses that fit the published top and
# bottom of the year; 2016 and 2025 are guesses.
YEAR_SHAPES = {
    2016: YearShape(78.0, 4.5, 79.0, 3.0),
    2017: YearShape(75.5, 5.0, 80.0, 3.0),
    2018: YearShape(76.92, 3.5, 82.0, 3.0),
    2019: YearShape(81.15, 3.2, 84.5, 3.0),
    2020: YearShape(82.5, 3.3, 84.5, 3.0),
    2021: YearShape(86.37, 2.3, 87.02, 2.6),
    2022: YearShape(84.79, 2.3, 80.1, 3.0),
    2023: YearShape(86.98, 2.2, 81.0, 3.0),
    2024: YearShape(88.37, 2.4, 83.5, 2.5),
    2025: YearShape(88.5, 2.4, 84.0, 2.5),
}
DEFAULT_SHAPE = YearShape(86.0, 2.5)


class InconsistentFigures(ValueError):
    """The published figures given contradict each other (no table satisfies them)."""


@dataclass(frozen=True)
class Known:
    """A published figure: what is known of one province in one year (None: not published).
    `province`: any spelling of one of the 63 provinces (before 2025) or of the 34."""

    year: int
    province: str
    total: Decimal | None = None
    rank: int | None = None
    sipas_pct: Decimal | None = None
    sipas_rank: int | None = None


@dataclass(frozen=True)
class SyntheticRow:
    """One province in one year of the generated table; `published` names the values taken
    from a published figure (the others are invented). `province`: the lineage spelling."""

    year: int
    province: str
    rank: int
    total: Decimal
    sipas_pct: Decimal | None = None
    sipas_rank: int | None = None
    appraisal: Decimal | None = None
    sipas: Decimal | None = None
    leader_survey: Decimal | None = None
    socio_economic: Decimal | None = None
    published: frozenset[str] = field(default_factory=frozenset)


def z_of(rank: int, n: int) -> float:
    """The normal quantile of a rank among n (rank 1 the highest)."""
    return _Z.inv_cdf((n - rank + 0.5) / n)


def synthetic_table(
    known: Iterable[Known],
    *,
    years: Sequence[int] = DEMO_YEARS,
    seed: int = 2025,
    lin: Lineage | None = None,
) -> list[SyntheticRow]:
    """The complete table of `years` (see the module docstring), sorted by year and rank."""
    lin = lin or lineage()
    by_year = _known_by_year(known, lin)
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not security
    rows: list[SyntheticRow] = []
    last: dict[str, float] = {}  # province -> z of its rank the year before
    last_year: int | None = None
    for year in sorted(set(years)):
        provinces = _provinces(year, lin)
        start = _carried(provinces, last, last_year, year, lin)
        year_rows = _year(year, provinces, by_year.get(year, {}), start, rng)
        rows += year_rows
        n = len(provinces)
        last = {r.province: z_of(r.rank, n) for r in year_rows}
        last_year = year
    return rows


def _provinces(year: int, lin: Lineage) -> tuple[str, ...]:
    if year < FIRST_34_YEAR:
        return lin.before_2025
    return tuple(p.name for p in lin.provinces)


def _known_by_year(known: Iterable[Known], lin: Lineage) -> dict[int, dict[str, Known]]:
    out: dict[int, dict[str, Known]] = {}
    for k in known:
        if k.year < FIRST_34_YEAR:
            name = lin.canonical_before(k.province)
        else:
            prov = lin.province(k.province)
            name = prov.name if prov else None
        if name is None:
            raise InconsistentFigures(f"{k.year}: {k.province!r} is not a province of that year")
        if name in out.setdefault(k.year, {}):
            raise InconsistentFigures(f"{k.year}: {name} is given twice")
        out[k.year][name] = k
    return out


def _carried(
    provinces: Sequence[str], last: dict[str, float], last_year: int | None, year: int, lin: Lineage
) -> dict[str, float]:
    """Last year's z of each province (a 2025 province: the mean of its predecessors')."""
    if not last:
        return {}
    if last_year is not None and last_year < FIRST_34_YEAR <= year:
        out = {}
        for name in provinces:
            prov = lin.province(name)
            zs = [last[p] for p in (prov.predecessors if prov else ()) if p in last]
            if zs:
                out[name] = sum(zs) / len(zs)
        return out
    return {p: last[p] for p in provinces if p in last}


def _year(
    year: int,
    provinces: Sequence[str],
    known: dict[str, Known],
    start: dict[str, float],
    rng: random.Random,
) -> list[SyntheticRow]:
    n = len(provinces)
    shape = YEAR_SHAPES.get(year, DEFAULT_SHAPE)
    score = {
        p: 0.75 * start[p] + rng.gauss(0, 0.66) if p in start else rng.gauss(0, 1)
        for p in provinces
    }
    ranks, totals = _ranking(
        year,
        "index",
        provinces,
        {p: k.rank for p, k in known.items() if k.rank is not None},
        {p: k.total for p, k in known.items() if k.total is not None},
        score,
        shape.mean,
        shape.sd,
        rng,
    )
    sipas_ranks: dict[str, int] = {}
    sipas_pct: dict[int, Decimal] = {}
    if year >= SIPAS_FROM:
        sipas_score = {p: 0.5 * z_of(ranks[p], n) + rng.gauss(0, 0.87) for p in provinces}
        sipas_ranks, sipas_pct = _ranking(
            year,
            "SIPAS",
            provinces,
            {p: k.sipas_rank for p, k in known.items() if k.sipas_rank is not None},
            {p: k.sipas_pct for p, k in known.items() if k.sipas_pct is not None},
            sipas_score,
            shape.sipas_mean,
            shape.sipas_sd,
            rng,
        )
    rows = []
    for p in provinces:
        k = known.get(p)
        total = totals[ranks[p]]
        pct = sipas_pct[sipas_ranks[p]] if p in sipas_ranks else None
        blocks = _blocks(total, pct, rng) if year >= BLOCKS_FROM and pct is not None else {}
        published = frozenset(
            name
            for name in ("total", "rank", "sipas_pct", "sipas_rank")
            if k is not None and getattr(k, name) is not None
        )
        rows.append(
            SyntheticRow(
                year=year,
                province=p,
                rank=ranks[p],
                total=total,
                sipas_pct=pct,
                sipas_rank=sipas_ranks.get(p),
                published=published,
                **blocks,
            )
        )
    rows.sort(key=lambda r: r.rank)
    return rows


def _ranking(
    year: int,
    what: str,
    provinces: Sequence[str],
    fixed: dict[str, int],
    values: dict[str, Decimal],
    score: dict[str, float],
    mean: float,
    sd: float,
    rng: random.Random,
) -> tuple[dict[str, int], dict[int, Decimal]]:
    """Ranks of the provinces and values of the ranks (steps 1-2 of the module docstring)."""
    n = len(provinces)
    where = f"{year} {what}"
    taken: dict[int, str] = {}
    for p, r in fixed.items():
        if not 1 <= r <= n:
            raise InconsistentFigures(f"{where}: rank {r} of {p} is not in 1..{n}")
        if r in taken:
            raise InconsistentFigures(f"{where}: rank {r} given to {taken[r]} and {p}")
        taken[r] = p
    anchors = {r: values[p] for p, r in fixed.items() if p in values}
    _check_anchors(where, n, anchors)
    ranks = dict(fixed)
    # Published values without a rank: the free ranks where they fit, nearest to the curve.
    loose = sorted((p for p in values if p not in fixed), key=lambda p: -values[p])
    curve = _curve(n, mean, sd, anchors)
    pts = _bounds(n, anchors)
    for (ra, va), (rb, vb) in zip(pts, pts[1:], strict=False):
        inside = [p for p in loose if vb < values[p] < va]
        if inside:
            gap = [r for r in range(ra + 1, rb) if r not in taken]
            placed = _place(where, [values[p] for p in inside], gap, (ra, va), (rb, vb), curve)
            for p, r in zip(inside, placed, strict=True):
                taken[r], ranks[p] = p, r
    for p in loose:
        if p not in ranks:  # equal to a published value of a ranked province
            raise InconsistentFigures(f"{where}: {p} {values[p]} fits no free rank")
    anchors.update({ranks[p]: values[p] for p in loose})
    free = iter(r for r in range(1, n + 1) if r not in taken)
    order = {p: i for i, p in enumerate(provinces)}
    for p in sorted((p for p in provinces if p not in ranks), key=lambda p: (-score[p], order[p])):
        ranks[p] = next(free)
    return ranks, _values(n, anchors, _curve(n, mean, sd, anchors), rng)


def _bounds(n: int, anchors: dict[int, Decimal]) -> list[tuple[int, Decimal]]:
    """The anchors by rank between two virtual ones: above rank 1 (values at most 100) and
    below rank n (values at least 0)."""
    return [(0, Decimal(100) + STEP), *sorted(anchors.items()), (n + 1, -STEP)]


def _check_anchors(where: str, n: int, anchors: dict[int, Decimal]) -> None:
    pts = _bounds(n, anchors)
    for (ra, va), (rb, vb) in zip(pts, pts[1:], strict=False):
        if va - vb < STEP * (rb - ra):
            raise InconsistentFigures(
                f"{where}: rank {ra} has {va} and rank {rb} has {vb}: no room for the ranks between"
            )


def _place(
    where: str,
    wanted: list[Decimal],
    free: list[int],
    above: tuple[int, Decimal],
    below: tuple[int, Decimal],
    curve: list[float],
) -> list[int]:
    """Ranks from `free` (increasing) for the values `wanted` (decreasing), all between the
    anchors `above` and `below`, each pair of neighbours leaving 0,01 a rank between them;
    of all such placements the one nearest to the curve (dynamic programming)."""

    def room(r1: int, v1: Decimal, r2: int, v2: Decimal) -> bool:
        return r1 < r2 and v1 - v2 >= STEP * (r2 - r1)

    inf = float("inf")
    # cost[i][f]: the best placement of wanted[: i + 1] with wanted[i] at free[f]
    cost = [[inf] * len(free) for _ in wanted]
    back = [[-1] * len(free) for _ in wanted]
    for i, v in enumerate(wanted):
        for f, r in enumerate(free):
            here = abs(curve[r] - float(v))
            if i == 0:
                if room(above[0], above[1], r, v):
                    cost[0][f] = here
                continue
            for g in range(f):
                if cost[i - 1][g] + here < cost[i][f] and room(free[g], wanted[i - 1], r, v):
                    cost[i][f], back[i][f] = cost[i - 1][g] + here, g
    last = len(wanted) - 1
    ends = [
        f
        for f, r in enumerate(free)
        if cost[last][f] < inf and room(r, wanted[last], below[0], below[1])
    ]
    if not ends:
        raise InconsistentFigures(f"{where}: {[str(v) for v in wanted]} fit no free ranks")
    f = min(ends, key=lambda f: (cost[last][f], f))
    placed = []
    for i in range(last, -1, -1):
        placed.append(free[f])
        f = back[i][f]
    return placed[::-1]


def _curve(n: int, mean: float, sd: float, anchors: dict[int, Decimal]) -> list[float]:
    """mean + sd·z(r) for r in 1..n (index 0 unused), shifted through the anchors."""
    base = [0.0] + [mean + sd * z_of(r, n) for r in range(1, n + 1)]
    if not anchors:
        return base
    pts = sorted((r, float(v) - base[r]) for r, v in anchors.items())
    out = [0.0]
    for r in range(1, n + 1):
        if r <= pts[0][0]:
            shift = pts[0][1]
        elif r >= pts[-1][0]:
            shift = pts[-1][1]
        else:
            (ra, sa), (rb, sb) = next(
                (a, b) for a, b in zip(pts, pts[1:], strict=False) if a[0] <= r <= b[0]
            )
            shift = sa + (sb - sa) * (r - ra) / (rb - ra)
        out.append(base[r] + shift)
    return out


def _values(
    n: int, anchors: dict[int, Decimal], curve: list[float], rng: random.Random
) -> dict[int, Decimal]:
    """A value for every rank: the anchors' own, and between them the curve plus noise,
    strictly decreasing by rank (STEP apart) inside the neighbouring anchors."""
    out = dict(anchors)
    pts = _bounds(n, anchors)
    for (ra, va), (rb, vb) in zip(pts, pts[1:], strict=False):
        gap = range(ra + 1, rb)
        if not gap:
            continue
        raw = sorted(
            (
                min(
                    max(q2(Decimal(repr(curve[r] + rng.gauss(0, 0.15)))), vb + STEP * (rb - r)),
                    va - STEP * (r - ra),
                )
                for r in gap
            ),
            reverse=True,
        )
        previous = va
        for r, value in zip(gap, raw, strict=True):
            value = max(min(value, previous - STEP), vb + STEP * (rb - r))
            out[r] = previous = value
    return out


def _blocks(total: Decimal, sipas_pct: Decimal, rng: random.Random) -> dict[str, Decimal]:
    """The four blocks of a total (step 4 of the module docstring), adding up to it."""
    # SIPAS points follow the SIPAS index, unless the three other blocks at their maxima
    # (90) could not reach the total: then SIPAS takes what they cannot.
    sipas = max(q2(sipas_pct / 10), total - 90)
    rest = total - sipas
    ratio = float(rest) / 90
    leader = q2(BLOCK_MAX["leader_survey"] * _ratio(ratio - 0.04 + rng.gauss(0, 0.03), 0.5))
    socio = q2(BLOCK_MAX["socio_economic"] * _ratio(ratio - 0.18 + rng.gauss(0, 0.08), 0.2))
    appraisal = rest - leader - socio
    for name in ("leader_survey", "socio_economic"):
        excess = appraisal - BLOCK_MAX["appraisal"]
        if excess <= 0:
            break
        current = leader if name == "leader_survey" else socio
        moved = min(excess, BLOCK_MAX[name] - current)
        appraisal -= moved
        if name == "leader_survey":
            leader += moved
        else:
            socio += moved
    if not 0 <= appraisal <= BLOCK_MAX["appraisal"]:
        raise InconsistentFigures(f"no blocks add up to {total} with SIPAS {sipas_pct}")
    return {
        "appraisal": appraisal,
        "sipas": sipas,
        "leader_survey": leader,
        "socio_economic": socio,
    }


def _ratio(value: float, floor: float) -> Decimal:
    return Decimal(repr(min(max(value, floor), 1.0)))
