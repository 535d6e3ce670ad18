"""Forecast (dự báo cuối năm): the expected year-end index while the year is under way.

Rules:

- Starting point: the open cycle's entered scores, scored by the engine (a UnitResult).
  Sub-criteria not yet entered score 0, as in the engine, unless `expected_missing` gives
  the points expected for them (for example last year's points); those are added as given,
  within the sub-criterion's maximum.
- Each plan task brings its expected points back (điểm dự kiến khôi phục) if it succeeds,
  nothing if it does not; tasks succeed or fail independently, with a chance that follows
  its status and progress (`Likelihood`, the organiser may change the figures):
    * done (hoàn thành): 100 %;
    * not started (chưa thực hiện): `not_started` (default 50 %);
    * in progress (đang thực hiện): from `not_started` at 0 % progress to 100 % at 100 %,
      in a straight line: 50 % + 50 % x progress (60 % progress -> 80 %);
    * overdue (quá hạn): the in-progress chance x `overdue_factor` (default 1/2).
  A task whose points are already in the entered scores (`counted`) adds nothing again.
- Tasks of the same sub-criterion (or criterion) cannot bring it above its maximum for the
  unit (a sub-criterion that does not apply, or excluded as "không phát sinh", takes no
  points from a task); the total stays within
  [0; the unit's maximum]; bonus and deduction stay as scored; index = total / maximum x 100,
  rounded half up to 4 decimals, as in the engine.
- Monte Carlo over the tasks (seeded numpy Generator): the expected index is the mean over
  the draws, the interval the (1 - level)/2 and (1 + level)/2 quantiles. With a Simulation
  of the competitors (parindex.planner.target), draw i of the unit is ranked against draw i
  of the competitors: rank range and the probability of rank <= k.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from parindex.core import Grade, Methodology, NodeResult, UnitResult, fmt_vn, q4, unit_totals
from parindex.core.aggregate import MISSING

from .errors import PlannerError
from .target import DEFAULT_DRAWS, DEFAULT_SEED, MAX_DRAWS, Simulation
from .units import Ints, from_units, share, to_units

NOT_STARTED, IN_PROGRESS, DONE, OVERDUE = "not_started", "in_progress", "done", "overdue"
STATUSES = (NOT_STARTED, IN_PROGRESS, DONE, OVERDUE)
ONE = Decimal(1)


@dataclass(frozen=True)
class Task:
    """A plan task as the forecast sees it. `progress` is the share done, 0 to 1; `code` the
    sub-criterion whose points it recovers (empty: not tied to one)."""

    id: str
    points: Decimal
    status: str = NOT_STARTED
    progress: Decimal = Decimal(0)
    code: str = ""
    counted: bool = False


@dataclass(frozen=True)
class Likelihood:
    """The chance of a task by its status (module docstring)."""

    not_started: Decimal = Decimal("0.5")
    overdue_factor: Decimal = Decimal("0.5")

    def of(self, task: Task) -> Decimal:
        if task.status not in STATUSES:
            raise PlannerError(f"{task.id}: trạng thái '{task.status}' không hợp lệ")
        if task.status == DONE:
            return ONE
        if task.status == NOT_STARTED:
            return q4(self.not_started)
        progress = min(max(task.progress, Decimal(0)), ONE)
        chance = self.not_started + (ONE - self.not_started) * progress
        if task.status == OVERDUE:
            chance *= self.overdue_factor
        return q4(chance)


@dataclass(frozen=True)
class TaskChance:
    task: Task
    chance: Decimal
    adds: Decimal  # points it adds when it succeeds (0 when counted already)


@dataclass(frozen=True)
class Forecast:
    index_now: Decimal  # entered scores (+ expected missing), no task
    expected: Decimal
    low: Decimal
    high: Decimal
    level: Decimal
    best: Decimal  # every task succeeds
    grade: Grade | None  # of the expected index
    tasks: tuple[TaskChance, ...]
    rank_low: int | None
    rank_median: int | None
    rank_high: int | None
    k: int | None
    probability: Decimal | None  # of rank <= k
    draws: int
    seed: int
    method: str


def forecast(
    m: Methodology,
    result: UnitResult,
    tasks: Sequence[Task],
    *,
    expected_missing: Mapping[str, Decimal] | None = None,
    likelihood: Likelihood = Likelihood(),  # noqa: B008 - frozen
    competitors: Simulation | None = None,
    k: int | None = None,
    level: Decimal = Decimal("0.9"),
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
) -> Forecast:
    """The expected year-end index and its interval (module docstring). With `competitors`,
    the draws are its draws and the rank range is added (and the probability, with k)."""
    if not Decimal(0) < level < 1:
        raise ValueError("level must be in (0; 1)")
    if not 1 <= draws <= MAX_DRAWS:
        raise ValueError(f"draws must be in [1; {MAX_DRAWS}]")
    nodes = result.nodes
    unknown = [t.code for t in tasks if t.code and t.code not in nodes]
    if unknown:
        raise PlannerError(f"không có mục mã {', '.join(unknown)} trong bộ tiêu chí")
    negative = [t.id for t in tasks if t.points < 0]
    if negative:
        raise PlannerError(f"điểm dự kiến phải không âm: {', '.join(negative)}")
    base = sum((f.points for f in result.fields), Decimal(0))
    max_points = sum((f.max_points for f in result.fields), Decimal(0))
    leaf_now: dict[str, Decimal] = {}
    for code, expected in (expected_missing or {}).items():
        r = nodes.get(code)
        if r is not None and r.status == MISSING:
            leaf_now[code] = q4(min(max(expected, Decimal(0)), r.node.max_points))
            base += leaf_now[code]
    bonus, deduction, _, index_now = unit_totals(m, base, max_points, result.adjustments)
    adjust = bonus + deduction

    chances = tuple(
        TaskChance(t, likelihood.of(t), Decimal(0) if t.counted else q4(t.points)) for t in tasks
    )
    draws = competitors.draws if competitors is not None else draws
    rng = np.random.default_rng(seed)
    gains = _gains(nodes, leaf_now, chances, rng, draws)  # draws, ten-thousandths
    top = to_units(max_points)
    totals = np.clip(to_units(base) + to_units(adjust) + gains, 0, top)
    index = _index_units(totals, top)
    all_done = _index_units(
        np.clip(to_units(base) + to_units(adjust) + _gains_all(nodes, leaf_now, chances), 0, top),
        top,
    )
    tail = (1 - float(level)) / 2
    low, high = np.quantile(index, (tail, 1 - tail), method="inverted_cdf")
    expected = q4(Decimal(int(index.sum())) / draws / Decimal(10_000))
    rank_low = rank_median = rank_high = None
    probability = None
    if competitors is not None:
        ranks = 1 + np.count_nonzero(competitors.scores > index[:, None], axis=1)
        rl, rm, rh = np.quantile(ranks, (tail, 0.5, 1 - tail), method="inverted_cdf")
        rank_low, rank_median, rank_high = int(rl), int(rm), int(rh)
        if k is not None:
            probability = share(int(np.count_nonzero(ranks <= k)), draws)
    return Forecast(
        index_now=index_now,
        expected=expected,
        low=from_units(low),
        high=from_units(high),
        level=level,
        best=from_units(int(all_done)),
        grade=m.grade_for(expected),
        tasks=chances,
        rank_low=rank_low,
        rank_median=rank_median,
        rank_high=rank_high,
        k=k,
        probability=probability,
        draws=draws,
        seed=seed,
        method=_method(likelihood, draws, seed),
    )


def _headrooms(
    nodes: Mapping[str, NodeResult], leaf_now: Mapping[str, Decimal], chances: Sequence[TaskChance]
) -> tuple[list[str], list[int]]:
    """The groups of tasks (one per sub-criterion code, one per task without a code) and how
    many ten-thousandths each may add at most (-1: no limit but the unit's maximum)."""
    groups: list[str] = []
    room: list[int] = []
    for tc in chances:
        key = tc.task.code or f"\0{tc.task.id}"
        if key in groups:
            continue
        groups.append(key)
        r = nodes.get(tc.task.code) if tc.task.code else None
        if r is None:
            room.append(-1)
            continue
        now = leaf_now.get(tc.task.code, r.points)
        room.append(max(to_units(r.max_points - now), 0))  # 0 where it does not apply
    return groups, room


def _gains(
    nodes: Mapping[str, NodeResult],
    leaf_now: Mapping[str, Decimal],
    chances: Sequence[TaskChance],
    rng: np.random.Generator,
    draws: int,
) -> Ints:
    if not chances:
        return np.zeros(draws, dtype=np.int64)
    groups, room = _headrooms(nodes, leaf_now, chances)
    p = np.array([float(tc.chance) for tc in chances])
    adds = np.array([to_units(tc.adds) for tc in chances], dtype=np.int64)
    success = rng.random((draws, len(chances))) < p  # one column per task, in task order
    group_of = np.array([groups.index(tc.task.code or f"\0{tc.task.id}") for tc in chances])
    order = np.argsort(group_of, kind="stable")  # the tasks of each group side by side
    starts = np.flatnonzero(np.diff(group_of[order], prepend=-1))
    per_group = np.add.reduceat((success * adds)[:, order], starts, axis=1)  # draws x groups
    cap = np.array([r if r >= 0 else np.iinfo(np.int64).max for r in room], dtype=np.int64)
    result: Ints = np.minimum(per_group, cap).sum(axis=1)
    return result


def _gains_all(
    nodes: Mapping[str, NodeResult], leaf_now: Mapping[str, Decimal], chances: Sequence[TaskChance]
) -> int:
    groups, room = _headrooms(nodes, leaf_now, chances)
    total = [0] * len(groups)
    for tc in chances:
        total[groups.index(tc.task.code or f"\0{tc.task.id}")] += to_units(tc.adds)
    return sum(t if r < 0 else min(t, r) for t, r in zip(total, room, strict=True))


def _index_units(totals: Ints | int, top: int) -> Ints:
    """index = total / maximum x 100 in ten-thousandths, rounded half up (totals >= 0)."""
    if top <= 0:
        return np.zeros_like(np.asarray(totals, dtype=np.int64))
    t = np.asarray(totals, dtype=np.int64)
    result: Ints = (2 * t * 1_000_000 + top) // (2 * top)
    return result


def _short(value: Decimal) -> str:
    """61,50 -> "61,5", 50,00 -> "50" (Vietnamese decimal comma)."""
    return fmt_vn(value, 4).rstrip("0").rstrip(",")


def _method(likelihood: Likelihood, draws: int, seed: int) -> str:
    pct = _short(likelihood.not_started * 100)
    factor = _short(likelihood.overdue_factor)
    count = f"{draws:,}".replace(",", ".")
    return (
        f"Mô phỏng Monte Carlo {count} lần (hạt giống {seed}) trên các nhiệm vụ của kế hoạch: "
        "mỗi nhiệm vụ đạt trọn số điểm dự kiến hoặc không đạt; khả năng đạt: hoàn thành "
        f"100 %, chưa thực hiện {pct} %, đang thực hiện từ {pct} % (0 % tiến độ) đến 100 % "
        f"theo tiến độ, quá hạn nhân {factor}."
    )
