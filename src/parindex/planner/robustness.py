"""Rank robustness (độ vững của thứ hạng) for a finished cycle: "hạng 9, khoảng 90 %: 7–12".

Rules:

- The index of a unit is its field points plus its bonus and deduction (as scored), kept
  within [0; maximum], over its maximum x 100, rounded half up to 4 decimals; ranks are
  competition ranks on that index (equal indices share a rank).
- Sampling error of the surveys (sai số chọn mẫu): each survey block's points (a SIPAS or
  leader-survey sub-criterion, a unit's "block") are the survey's estimate; in each draw they
  are replaced by a value drawn from Normal(points, se), kept within [0; the block's
  maximum], every block and unit independently. `se` is the standard error in points,
  derived from the survey's confidence interval by `se_from_interval`: se = (upper - lower)
  / (2 z), z = 1,96 for a 95 % interval, converted from the survey's scale (0-100 %) to
  points by x block maximum / 100.
- Weights (trọng số), optionally: in each draw every field's weight (its maximum points) is
  multiplied by (1 + e), e uniform in [-spread; +spread], the same for every unit, each field
  independently; the index is then sum(weight' x field points / field maximum) plus bonus
  and deduction over sum(weight') x 100, as composite-index practice perturbs weights.
  `weight_sensitivity` instead moves one field's weight at a time by -spread and +spread
  and re-ranks, to show which field's weight the ranking depends on.
- Over the draws (seeded numpy Generator), each unit's rank interval at `level` is the
  (1 - level)/2 and (1 + level)/2 quantiles of its rank, and the median rank is given too.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from parindex.core import UnitResult, competition_ranks, fmt_vn, q4
from parindex.core.numbers import HUNDRED

from .errors import PlannerError
from .target import DEFAULT_SEED
from .units import SCALE, Floats, Ints, round_units

DEFAULT_DRAWS = 2_000
MAX_CELLS = 20_000_000  # draws x units kept at once (the ranks), about 160 MB


@dataclass(frozen=True)
class FieldPoints:
    code: str
    points: Decimal
    max_points: Decimal


@dataclass(frozen=True)
class SurveyBlock:
    """Survey points inside a field of a unit, with their standard error (in points)."""

    code: str
    field: str
    points: Decimal
    max_points: Decimal
    se: Decimal


@dataclass(frozen=True)
class UnitScores:
    """A unit of a finished cycle as the robustness check sees it. `adjustment` is bonus +
    deduction as scored."""

    code: str
    name: str
    fields: tuple[FieldPoints, ...]
    surveys: tuple[SurveyBlock, ...] = ()
    adjustment: Decimal = Decimal(0)

    @property
    def max_points(self) -> Decimal:
        return sum((f.max_points for f in self.fields), Decimal(0))

    @property
    def index(self) -> Decimal:
        """The index as the engine computes it."""
        top = self.max_points
        if top <= 0:
            return q4(Decimal(0))
        total = sum((f.points for f in self.fields), Decimal(0)) + self.adjustment
        return q4(q4(min(max(total, Decimal(0)), top)) / top * HUNDRED)


def se_from_interval(
    lower: Decimal,
    upper: Decimal,
    *,
    level: Decimal = Decimal("0.95"),
    max_points: Decimal | None = None,
    scale: Decimal = HUNDRED,
) -> Decimal:
    """The standard error from a confidence interval [lower; upper] at `level`: (upper -
    lower) / (2 z). With `max_points`, the interval is on the survey's scale (0 to `scale`,
    percent by default) and the standard error is converted to points of a block of that
    maximum."""
    if upper < lower:
        raise PlannerError("cận trên của khoảng tin cậy nhỏ hơn cận dưới")
    if not Decimal(0) < level < 1:
        raise ValueError("level must be in (0; 1)")
    z = Decimal(repr(statistics.NormalDist().inv_cdf((1 + float(level)) / 2)))
    se = (upper - lower) / (2 * z)
    if max_points is not None:
        se = se * max_points / scale
    return q4(se)


def unit_scores(result: UnitResult, se: Mapping[str, Decimal]) -> UnitScores:
    """A UnitResult as UnitScores; `se` gives the standard error (points) of the survey
    sub-criteria to sample, by code (codes the unit does not have are ignored)."""
    fields = tuple(FieldPoints(f.code, f.points, f.max_points) for f in result.fields)
    surveys = []
    for f in result.fields:
        for r in f.walk():
            if r.code in se and r.max_points > 0:
                surveys.append(SurveyBlock(r.code, f.code, r.points, r.max_points, se[r.code]))
    adjustment = result.bonus + result.deduction  # as scored: capped and floored
    return UnitScores(result.unit.code, result.unit.label, fields, tuple(surveys), adjustment)


@dataclass(frozen=True)
class RankInterval:
    code: str
    name: str
    index: Decimal
    rank: int
    low: int
    median: int
    high: int
    level: Decimal

    @property
    def text(self) -> str:
        """ "hạng 9, khoảng 90 %: 7–12" """
        pct = fmt_vn(self.level * 100, 0)
        return f"hạng {self.rank}, khoảng {pct} %: {self.low}–{self.high}"


@dataclass(frozen=True)
class Robustness:
    units: tuple[RankInterval, ...]  # in the order given
    draws: int
    seed: int
    level: Decimal
    surveys: bool
    weight_spread: Decimal | None
    method: str


@dataclass(frozen=True)
class Sampling:
    """What is varied: survey points (sampling error), field weights (spread, or None)."""

    draws: int = DEFAULT_DRAWS
    seed: int = DEFAULT_SEED
    level: Decimal = Decimal("0.9")
    surveys: bool = True
    weight_spread: Decimal | None = None


class _Arrays:
    """The units as arrays: field points and maxima (units x fields), in ten-thousandths."""

    def __init__(self, units: Sequence[UnitScores]) -> None:
        codes: list[str] = []
        for u in units:
            codes += [f.code for f in u.fields if f.code not in codes]
        self.fields = codes
        col = {c: i for i, c in enumerate(codes)}
        n, f = len(units), len(codes)
        self.points = np.zeros((n, f))
        self.maxima = np.zeros((n, f))
        for i, u in enumerate(units):
            for fp in u.fields:
                self.points[i, col[fp.code]] = float(fp.points)
                self.maxima[i, col[fp.code]] = float(fp.max_points)
        self.adjust = np.array([float(u.adjustment) for u in units])
        blocks = [(i, b) for i, u in enumerate(units) for b in u.surveys]
        self.block_unit = np.array([i for i, _ in blocks], dtype=np.int64)
        self.block_field = np.array([col[b.field] for _, b in blocks], dtype=np.int64)
        self.block_points = np.array([float(b.points) for _, b in blocks])
        self.block_max = np.array([float(b.max_points) for _, b in blocks])
        self.block_se = np.array([float(b.se) for _, b in blocks])
        # the units with blocks, and where each one's run of blocks starts
        self.block_starts = np.flatnonzero(np.diff(self.block_unit, prepend=-1))
        self.block_units = self.block_unit[self.block_starts]


def _index_units(numerator: Floats, denominator: Floats) -> Ints:
    """Index in ten-thousandths, total kept within [0; maximum]."""
    total = np.clip(numerator, 0, denominator)
    with np.errstate(divide="ignore", invalid="ignore"):
        index = np.where(denominator > 0, total / denominator * 100 * SCALE, 0.0)
    return round_units(index)


def competition_ranks_rows(values: Ints) -> Ints:
    """Competition ranks (1 + number of higher values) within each row of a draws x units
    array: each row sorted best first, each run of equal values given the place where it
    starts, the places put back in the units' order."""
    n = values.shape[1]
    order = np.argsort(-values, axis=1, kind="stable")
    ordered = np.take_along_axis(values, order, axis=1)
    start = np.zeros_like(ordered)
    start[:, 1:] = np.where(ordered[:, 1:] != ordered[:, :-1], np.arange(1, n), 0)
    np.maximum.accumulate(start, axis=1, out=start)
    ranks: Ints = np.empty_like(values)
    np.put_along_axis(ranks, order, start + 1, axis=1)
    return ranks


_CHUNK_CELLS = 2_000_000


def _draw_indices(a: _Arrays, sampling: Sampling, rng: np.random.Generator, draws: int) -> Ints:
    """The units' indices (ten-thousandths) in `draws` draws: draws x units."""
    weights = np.ones((draws, len(a.fields)))
    if sampling.weight_spread is not None:
        s = float(sampling.weight_spread)
        weights = 1 + rng.uniform(-s, s, size=(draws, len(a.fields)))
    numerator = weights @ a.points.T + a.adjust
    denominator = weights @ a.maxima.T
    if sampling.surveys and a.block_se.size:
        noise = rng.standard_normal((draws, a.block_se.size)) * a.block_se
        drawn = np.minimum(np.maximum(a.block_points + noise, 0), a.block_max)
        delta = (drawn - a.block_points) * weights[:, a.block_field]
        # blocks are listed unit by unit: sum each unit's run of blocks
        numerator[:, a.block_units] += np.add.reduceat(delta, a.block_starts, axis=1)
    return _index_units(numerator, denominator)


def rank_intervals(units: Sequence[UnitScores], sampling: Sampling = Sampling()) -> Robustness:  # noqa: B008
    """Each unit's rank and its rank interval over the draws (module docstring)."""
    if not Decimal(0) < sampling.level < 1:
        raise ValueError("level must be in (0; 1)")
    if sampling.draws < 1:
        raise ValueError("draws must be >= 1")
    if sampling.draws * len(units) > MAX_CELLS:
        limit = f"{MAX_CELLS:,}".replace(",", ".")
        raise PlannerError(
            f"{sampling.draws} lần rút x {len(units)} đơn vị vượt quá {limit} ô; "
            "hãy giảm số lần rút"
        )
    units = tuple(units)
    d, n = sampling.draws, len(units)
    if not units:
        return Robustness(
            (),
            d,
            sampling.seed,
            sampling.level,
            sampling.surveys,
            sampling.weight_spread,
            _method(sampling, 0),
        )
    a = _Arrays(units)
    rng = np.random.default_rng(sampling.seed)
    index = np.empty((d, n), dtype=np.int64)
    # draws in chunks, so that memory stays bounded (3,321 communes x 5 survey blocks)
    chunk = max(1, _CHUNK_CELLS // max(1, a.block_se.size + len(a.fields) + n))
    for start in range(0, d, chunk):
        stop = min(d, start + chunk)
        index[start:stop] = _draw_indices(a, sampling, rng, stop - start)
    ranks = competition_ranks_rows(index)
    tail = (1 - float(sampling.level)) / 2
    low, median, high = np.quantile(ranks, (tail, 0.5, 1 - tail), axis=0, method="inverted_cdf")
    indices = [u.index for u in units]
    base = competition_ranks(indices, lambda v: (v,))
    out = tuple(
        RankInterval(
            u.code,
            u.name,
            indices[i],
            base[i],
            int(low[i]),
            int(median[i]),
            int(high[i]),
            sampling.level,
        )
        for i, u in enumerate(units)
    )
    return Robustness(
        out,
        d,
        sampling.seed,
        sampling.level,
        sampling.surveys,
        sampling.weight_spread,
        _method(sampling, n),
    )


@dataclass(frozen=True)
class FieldSensitivity:
    """Ranks with one field's weight moved down and up by `spread`."""

    field: str
    spread: Decimal
    down: tuple[int, ...]  # ranks, in the order of the units given
    up: tuple[int, ...]
    largest_move: int  # the largest rank change of any unit, either way


def weight_sensitivity(
    units: Sequence[UnitScores], spread: Decimal = Decimal("0.2")
) -> tuple[FieldSensitivity, ...]:
    """For each field, every unit's rank when that field's weight alone is x (1 - spread)
    and x (1 + spread), and the largest move against the ranks as scored."""
    units = tuple(units)
    a = _Arrays(units)
    base = competition_ranks([u.index for u in units], lambda v: (v,))
    out = []
    for j, code in enumerate(a.fields):
        weights = np.ones((2, len(a.fields)))
        weights[0, j] -= float(spread)
        weights[1, j] += float(spread)
        ranks = competition_ranks_rows(
            _index_units(weights @ a.points.T + a.adjust, weights @ a.maxima.T)
        )
        move = int(np.abs(ranks - np.array(base)).max()) if units else 0
        out.append(
            FieldSensitivity(
                code, spread, tuple(map(int, ranks[0])), tuple(map(int, ranks[1])), move
            )
        )
    return tuple(out)


def _method(sampling: Sampling, n: int) -> str:
    count = f"{sampling.draws:,}".replace(",", ".")
    parts = []
    if sampling.surveys:
        parts.append("điểm điều tra xã hội học rút theo phân phối chuẩn (điểm, sai số chuẩn)")
    if sampling.weight_spread is not None:
        spread = fmt_vn(sampling.weight_spread * 100, 0)
        parts.append(f"trọng số mỗi lĩnh vực nhân (1 + e), e đều trong ±{spread} %")
    varied = "; ".join(parts) or "không thay đổi gì"
    pct = fmt_vn(sampling.level * 100, 0)
    return (
        f"Mô phỏng {count} lần (hạt giống {sampling.seed}) cho {n} đơn vị: {varied}; "
        f"xếp hạng lại mỗi lần; khoảng {pct} % của thứ hạng."
    )
