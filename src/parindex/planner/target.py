"""The score a rank takes (Chỉ số cần đạt để vào nhóm k tỉnh dẫn đầu).

Rules:

- Ranks are competition ranks (xếp hạng đồng hạng): equal indices share a rank and the next
  rank skips (1, 2, 2, 4). A province ranks k or better exactly when at most k - 1
  competitors have a HIGHER index; so the index that reaches rank <= k is the k-th best
  competitor's index: equalling it shares rank k.
- Last year (`index_for_rank`): the k-th best of the competitors' indices of that year
  (the province itself left out). With fewer than k competitors every index reaches it (0).
- This year (`simulate`, Monte Carlo, mô phỏng ngẫu nhiên): each competitor's next index =
  its latest index + one year-on-year change drawn at random, each of its own past changes
  equally likely (bootstrap); a competitor with fewer than `min_changes` past changes draws
  from the pooled changes of every province instead (the pool is listed). Indices are kept
  within [0; 100]. Competitors' draws are independent. The draws are made with numpy's
  Generator (PCG64) from a seed; the seed and the number of draws are part of every answer,
  and the same seed gives the same answer.
- Probability of rank <= k with index x (`Simulation.chance`) = the share of draws in which
  the k-th best competitor's index is <= x; its Monte Carlo margin is 1,96 standard errors.
  The rank range is the 5th-95th percentile of the rank 1 + (number of competitors above x)
  over the draws.
- Index needed for a probability p (`Simulation.index_needed`) = the smallest index x with
  probability >= p: the p-quantile of the k-th best competitor's index over the draws.

Numerics in whole ten-thousandths (planner.units): exact ties, no float in any answer.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from functools import cached_property

import numpy as np

from parindex.core import fmt_vn, q4

from .errors import PlannerError
from .history import History
from .units import Ints, from_units, share, to_units

DEFAULT_DRAWS = 10_000
DEFAULT_SEED = 2025
DEFAULT_MIN_CHANGES = 3
MAX_DRAWS = 100_000  # bounds the memory a request can ask for (draws x competitors)
INDEX_MAX = Decimal(100)
_Z95 = Decimal("1.96")


@dataclass(frozen=True)
class Competitor:
    """A competitor: its latest index and its past year-on-year changes."""

    name: str
    last: Decimal
    changes: tuple[Decimal, ...] = ()


@dataclass(frozen=True)
class MonteCarlo:
    """How the Monte Carlo is run: draws, seed, and the fewest own changes a competitor
    needs before its own history is used instead of the pool."""

    draws: int = DEFAULT_DRAWS
    seed: int = DEFAULT_SEED
    min_changes: int = DEFAULT_MIN_CHANGES

    def __post_init__(self) -> None:
        if not 1 <= self.draws <= MAX_DRAWS:
            raise ValueError(f"draws must be in [1; {MAX_DRAWS}]")
        if self.min_changes < 1:
            raise ValueError("min_changes must be >= 1")


@dataclass(frozen=True)
class RankThreshold:
    """The index that reached rank <= k among `competitors` (the k-th best of them)."""

    k: int
    index: Decimal
    holders: tuple[str, ...]  # competitors with exactly that index
    competitors: int
    year: int | None = None

    @property
    def explanation(self) -> str:
        year = f" năm {self.year}" if self.year is not None else ""
        if not self.holders:
            return f"Chỉ có {self.competitors} tỉnh khác{year}: mọi Chỉ số đều đạt hạng {self.k}."
        return (
            f"Chỉ số {fmt_vn(self.index)} (của {', '.join(self.holders)}, thứ {self.k} trong "
            f"{self.competitors} tỉnh khác{year}) đạt hạng {self.k}; bằng điểm thì đồng hạng."
        )


def index_for_rank(
    scores: Mapping[str, Decimal], k: int, *, year: int | None = None
) -> RankThreshold:
    """The index that would have reached rank <= k against `scores` (competitors' indices,
    the province itself left out): the k-th best of them (module docstring)."""
    if k < 1:
        raise ValueError("k must be >= 1")
    ordered = sorted(scores.values(), reverse=True)
    if k > len(ordered):
        return RankThreshold(k, Decimal(0).quantize(Decimal("0.0001")), (), len(ordered), year)
    index = ordered[k - 1]
    holders = tuple(name for name, v in scores.items() if v == index)
    return RankThreshold(k, from_units(to_units(index)), holders, len(ordered), year)


@dataclass(frozen=True)
class Chance:
    """The probability of rank <= k with `index`, from a Simulation."""

    index: Decimal
    k: int
    probability: Decimal
    margin: Decimal  # 1,96 Monte Carlo standard errors
    rank_low: int  # 5th percentile of the rank over the draws
    rank_median: int
    rank_high: int  # 95th percentile
    draws: int
    seed: int
    method: str


@dataclass(frozen=True)
class IndexNeeded:
    """The smallest index whose probability of rank <= k is at least `probability`."""

    k: int
    probability: Decimal  # asked
    index: Decimal
    achieved: Decimal  # the probability at `index`
    draws: int
    seed: int
    method: str


@dataclass(frozen=True)
class Simulation:
    """The competitors' next indices in every draw, each draw's row best first, kept so that
    any index, k or probability is answered without drawing again (what-if, htmx)."""

    competitors: tuple[Competitor, ...]
    settings: MonteCarlo
    pooled: tuple[str, ...]  # competitors that drew from the pool
    pool_size: int
    scores: Ints = field(repr=False, compare=False)  # draws x competitors, ten-thousandths

    @property
    def draws(self) -> int:
        return self.settings.draws

    @property
    def seed(self) -> int:
        return self.settings.seed

    @property
    def method(self) -> str:
        """The method in words, with the draws and the seed."""
        s = self.settings
        draws = f"{s.draws:,}".replace(",", ".")
        text = (
            f"Mô phỏng Monte Carlo {draws} lần (hạt giống {s.seed}): Chỉ số năm tới của "
            f"mỗi tỉnh trong {len(self.competitors)} tỉnh khác = Chỉ số năm gần nhất + một mức "
            f"thay đổi hằng năm rút ngẫu nhiên từ các mức thay đổi đã có của chính tỉnh đó"
        )
        if self.pooled:
            text += (
                f"; tỉnh có ít hơn {s.min_changes} mức thay đổi ({', '.join(self.pooled)}) "
                f"rút từ {self.pool_size} mức thay đổi chung của mọi tỉnh"
            )
        return text + "; Chỉ số giữ trong khoảng [0; 100]."

    def chance(self, index: Decimal, k: int) -> Chance:
        """Probability of rank <= k with `index` this year, and the rank range."""
        if k < 1:
            raise ValueError("k must be >= 1")
        x = to_units(index)
        n = len(self.competitors)
        hits = self.draws if k > n else int(np.count_nonzero(self.scores[:, k - 1] <= x))
        p = share(hits, self.draws)
        margin = _Z95 * Decimal(math.sqrt(float(p) * (1 - float(p)) / self.draws))
        ranks = 1 + np.count_nonzero(self.scores > x, axis=1)
        low, median, high = np.quantile(ranks, (0.05, 0.5, 0.95), method="inverted_cdf")
        return Chance(
            index=from_units(x),
            k=k,
            probability=p,
            margin=q4(margin),
            rank_low=int(low),
            rank_median=int(median),
            rank_high=int(high),
            draws=self.draws,
            seed=self.seed,
            method=self.method,
        )

    def index_needed(self, k: int, probability: Decimal) -> IndexNeeded:
        """The smallest index (to 4 decimals) with probability of rank <= k at least
        `probability` (in (0; 1])."""
        if k < 1:
            raise ValueError("k must be >= 1")
        if not Decimal(0) < probability <= 1:
            raise ValueError("probability must be in (0; 1]")
        if k > len(self.competitors):
            x = 0
        else:
            j = int((probability * self.draws).to_integral_value(ROUND_CEILING)) - 1
            x = int(self._kth_ascending(k)[j])
        achieved = self.chance(from_units(x), k).probability
        return IndexNeeded(
            k, probability, from_units(x), achieved, self.draws, self.seed, self.method
        )

    def _kth_ascending(self, k: int) -> Ints:
        """The k-th best competitor's index over the draws, ascending (kept per k)."""
        kth = self._sorted_kth.get(k)
        if kth is None:
            kth = self._sorted_kth[k] = np.sort(self.scores[:, k - 1])
        return kth

    @cached_property
    def _sorted_kth(self) -> dict[int, Ints]:
        return {}


def simulate(
    competitors: Sequence[Competitor],
    settings: MonteCarlo = MonteCarlo(),  # noqa: B008 - frozen, shared safely
    *,
    pool: Sequence[Decimal] | None = None,
) -> Simulation:
    """Draw every competitor's next index `settings.draws` times (module docstring).
    `pool` is the pooled changes (default: every competitor's own changes together).
    Raises PlannerError when a competitor needs the pool and the pool is empty."""
    comps = tuple(competitors)
    pool_units = [to_units(c) for c in (pool if pool is not None else _pool(comps))]
    pooled = tuple(c.name for c in comps if len(c.changes) < settings.min_changes)
    if pooled and not pool_units:
        raise PlannerError(
            "không có mức thay đổi hằng năm nào để mô phỏng (cần ít nhất hai năm liền nhau)"
        )
    n = len(comps)
    rows = [
        [to_units(d) for d in c.changes] if len(c.changes) >= settings.min_changes else pool_units
        for c in comps
    ]
    width = max((len(r) for r in rows), default=1)
    table = np.zeros((n, width), dtype=np.int64)
    lengths = np.ones(n, dtype=np.int64)
    for i, r in enumerate(rows):
        table[i, : len(r)] = r
        lengths[i] = len(r)
    last = np.array([to_units(c.last) for c in comps], dtype=np.int64)
    rng = np.random.default_rng(settings.seed)
    if n:
        picks = rng.integers(0, lengths, size=(settings.draws, n))
        drawn = last + table[np.arange(n), picks]
        np.clip(drawn, 0, to_units(INDEX_MAX), out=drawn)
        drawn = -np.sort(-drawn, axis=1)
    else:
        drawn = np.zeros((settings.draws, 0), dtype=np.int64)
    drawn.setflags(write=False)
    return Simulation(comps, settings, pooled, len(pool_units), drawn)


def _pool(comps: Sequence[Competitor]) -> list[Decimal]:
    return [d for c in comps for d in c.changes]


def competitors_from(
    history: History, province: str, *, year: int | None = None
) -> tuple[tuple[Competitor, ...], tuple[str, ...]]:
    """(competitors, left out): every other 2025 province with a value in `year` (default:
    the history's latest year), its value then and its changes up to then; the provinces
    without a value that year are left out and listed."""
    year = year if year is not None else max(history.years, default=0)
    comps: list[Competitor] = []
    left_out: list[str] = []
    for s in history.series:
        if s.province == province:
            continue
        value = s.value(year)
        if value is None:
            left_out.append(s.province)
            continue
        changes = tuple(c.change for c in s.changes if c.year <= year)
        comps.append(Competitor(s.province, value, changes))
    return tuple(comps), tuple(left_out)


@dataclass(frozen=True)
class TargetAnswer:
    """ "What does rank <= k take?" for one province, in one object."""

    province: str
    k: int
    year: int  # the latest year of the history (the competitors' "last" index)
    last_year: RankThreshold
    chance: Chance | None  # for the index asked, if any
    needed: IndexNeeded  # for the probability asked
    left_out: tuple[str, ...]
    simulation: Simulation = field(repr=False, compare=False)


def target(
    history: History,
    province: str,
    k: int,
    *,
    index: Decimal | None = None,
    probability: Decimal = Decimal("0.5"),
    settings: MonteCarlo = MonteCarlo(),  # noqa: B008 - frozen, shared safely
) -> TargetAnswer:
    """The index that reached rank <= k last year, the probability of rank <= k this year
    with `index` (when given), and the index needed for `probability`, for a 2025 province
    against the other 2025 provinces of `history` (pool: every province's changes)."""
    if province not in history.by_province:
        raise PlannerError(f"không có tỉnh, thành phố '{province}' trong lịch sử kết quả")
    year = max(history.years, default=0)
    comps, left_out = competitors_from(history, province, year=year)
    threshold = index_for_rank({c.name: c.last for c in comps}, k, year=year)
    sim = simulate(comps, settings, pool=history.pooled_changes)
    chance = sim.chance(index, k) if index is not None else None
    return TargetAnswer(
        province, k, year, threshold, chance, sim.index_needed(k, probability), left_out, sim
    )
