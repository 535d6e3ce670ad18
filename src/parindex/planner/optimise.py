"""The cheapest way there (cách ít tốn kém nhất để đạt mục tiêu).

Each item is a recoverable sub-criterion (or a plan task): the points it is expected to
bring back and its cost or effort. Two questions, each answered exactly:

- `cheapest_to_reach(items, needed)`: the set of items of least total cost whose points add
  up to at least `needed` (bài toán chi phí nhỏ nhất). When even all items together bring
  back fewer points, the answer is infeasible and says by how much.
- `most_points_within(items, budget)`: the set of items of most total points whose cost adds
  up to at most `budget` (bài toán nhiều điểm nhất trong ngân sách).

Each item is taken whole or not at all (0/1). Points and costs are Decimals with at most 4
decimals; the solver works on them as whole ten-thousandths, so the constraint is checked
exactly. The integer programme is solved by HiGHS (highspy) to proven optimality (no gap
allowed beyond less than one ten-thousandth of cost or points, which whole ten-thousandths
cannot have); the answer is checked again in Decimals. When several sets are equally cheap
(or bring equally many points) any one of them is returned.

`points_needed(points, max_points, target_index)` converts a target index into the points to
recover: the fewest points (to 4 decimals) that bring the index, computed as the engine
computes it, to the target.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import highspy
import numpy as np

from parindex.core import fmt_vn, q4
from parindex.core.numbers import HUNDRED

from .errors import PlannerError
from .units import to_units

MIN_COST, MAX_POINTS = "min_cost", "max_points"
METHOD = (
    "Quy hoạch nguyên 0/1 giải chính xác bằng HiGHS (highspy): mỗi mục được chọn trọn vẹn "
    "hoặc không chọn; điểm và chi phí tính theo phần vạn, kết quả kiểm tra lại bằng số thập phân."
)


@dataclass(frozen=True)
class Item:
    """A recoverable item: expected points back and its cost (or effort)."""

    id: str
    points: Decimal
    cost: Decimal
    label: str = ""


@dataclass(frozen=True)
class Selection:
    """The chosen items, their total points and cost, against the goal (`needed` points or
    the `budget`). `feasible` is False, with `reason`, when no set reaches the goal."""

    objective: str  # MIN_COST or MAX_POINTS
    goal: Decimal
    feasible: bool
    chosen: tuple[Item, ...]
    points: Decimal
    cost: Decimal
    reason: str = ""
    method: str = METHOD

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.chosen)


def _check(items: Sequence[Item]) -> None:
    seen: set[str] = set()
    problems = []
    for item in items:
        if item.id in seen:
            problems.append(f"mã '{item.id}' trùng")
        seen.add(item.id)
        for name, value in (("điểm", item.points), ("chi phí", item.cost)):
            if not value.is_finite() or value < 0:
                problems.append(f"{item.id}: {name} {value} phải là số không âm")
            elif q4(value) != value:
                problems.append(f"{item.id}: {name} {value} có quá 4 chữ số thập phân")
    if problems:
        raise PlannerError("; ".join(problems))


def _selection(
    objective: str, goal: Decimal, items: Sequence[Item], chosen: Sequence[int], reason: str = ""
) -> Selection:
    picked = tuple(items[i] for i in sorted(chosen))
    return Selection(
        objective,
        goal,
        not reason,
        picked,
        q4(sum((i.points for i in picked), Decimal(0))),
        q4(sum((i.cost for i in picked), Decimal(0))),
        reason,
    )


def cheapest_to_reach(items: Sequence[Item], needed: Decimal) -> Selection:
    """The least-cost set of items whose points add up to at least `needed` (module
    docstring). Infeasible, with the shortfall in `reason`, when all items together fall
    short."""
    _check(items)
    needed = q4(needed)
    if needed <= 0:
        return _selection(MIN_COST, needed, items, [])
    total = sum((i.points for i in items), Decimal(0))
    if total < needed:
        reason = (
            f"Tất cả {len(items)} mục cộng lại chỉ được {fmt_vn(total, 4)} điểm, cần "
            f"{fmt_vn(needed, 4)} điểm (thiếu {fmt_vn(needed - total, 4)})."
        )
        return _selection(MIN_COST, needed, items, [], reason)
    points = [to_units(i.points) for i in items]
    cost = [to_units(i.cost) for i in items]
    # minimise cost subject to sum(points) >= needed
    chosen = _solve_01(cost, points, lower=to_units(needed), upper=None, maximise=False)
    if sum(points[i] for i in chosen) < to_units(needed):  # pragma: no cover - solver bug
        raise PlannerError("bộ giải trả về một lựa chọn không đạt số điểm cần")
    return _selection(MIN_COST, needed, items, chosen)


def most_points_within(items: Sequence[Item], budget: Decimal) -> Selection:
    """The set of items with the most points whose cost adds up to at most `budget`."""
    _check(items)
    budget = q4(budget)
    if budget < 0:
        reason = f"Ngân sách {fmt_vn(budget, 4)} âm."
        return _selection(MAX_POINTS, budget, items, [], reason)
    points = [to_units(i.points) for i in items]
    cost = [to_units(i.cost) for i in items]
    affordable = [i for i, c in enumerate(cost) if c <= to_units(budget)]
    if sum(cost[i] for i in affordable) <= to_units(budget):  # everything affordable fits
        return _selection(MAX_POINTS, budget, items, affordable)
    chosen = _solve_01(points, cost, lower=None, upper=to_units(budget), maximise=True)
    if sum(cost[i] for i in chosen) > to_units(budget):  # pragma: no cover - solver bug
        raise PlannerError("bộ giải trả về một lựa chọn vượt ngân sách")
    return _selection(MAX_POINTS, budget, items, chosen)


def points_needed(points: Decimal, max_points: Decimal, target_index: Decimal) -> Decimal:
    """The fewest points (4 decimals) to add to a unit's `points` so that its index, rounded
    as the engine rounds it (q4(total / max x 100)), reaches `target_index`; 0 when it is
    reached already. Raises PlannerError when even the maximum does not reach it."""
    if max_points <= 0:
        raise PlannerError("điểm tối đa phải lớn hơn 0")
    if target_index > HUNDRED:
        raise PlannerError(f"Chỉ số {fmt_vn(target_index)} vượt quá 100")

    def index(total: Decimal) -> Decimal:
        return q4(total / max_points * HUNDRED)

    if index(points) >= target_index:
        return q4(Decimal(0))
    unit = Decimal("0.0001")
    total = q4(target_index * max_points / HUNDRED)
    while index(total) < target_index:
        total += unit
    while total - unit >= points and index(total - unit) >= target_index:
        total -= unit
    return q4(total - points)


# --- the integer programme ------------------------------------------------------------

_banner_lock = threading.Lock()
_banner_done = False


def _highs() -> highspy.Highs:
    """A silent HiGHS instance. HiGHS prints its banner on stdout the first time an instance
    is made in a process (from C++, before any option can be set); that once, file
    descriptor 1 points to /dev/null while the instance is made."""
    global _banner_done
    with _banner_lock:
        if not _banner_done:
            sys.stdout.flush()
            saved = os.dup(1)
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, 1)
                h = highspy.Highs()  # type: ignore[no-untyped-call]
            finally:
                os.dup2(saved, 1)
                os.close(saved)
                os.close(devnull)
            _banner_done = True
        else:
            h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 0.5)  # objective in whole ten-thousandths: 0.5 is exact
    h.setOptionValue("threads", 1)
    return h


def _solve_01(
    objective: Sequence[int],
    weights: Sequence[int],
    *,
    lower: int | None,
    upper: int | None,
    maximise: bool,
) -> list[int]:
    """Indices of the 0/1 vector x optimising objective . x subject to
    lower <= weights . x <= upper (whole numbers)."""
    n = len(objective)
    if n == 0:
        return []
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = 1
    lp.col_cost_ = np.asarray(objective, dtype=np.float64)
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.ones(n)
    lp.row_lower_ = np.array([-highspy.kHighsInf if lower is None else float(lower)])
    lp.row_upper_ = np.array([highspy.kHighsInf if upper is None else float(upper)])
    lp.sense_ = highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.arange(n + 1, dtype=np.int32)
    lp.a_matrix_.index_ = np.zeros(n, dtype=np.int32)
    lp.a_matrix_.value_ = np.asarray(weights, dtype=np.float64)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    h = _highs()
    h.passModel(lp)
    h.run()
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        text = h.modelStatusToString(status)
        raise PlannerError(f"bộ giải HiGHS không tìm được lời giải tối ưu: {text}")
    values = h.getSolution().col_value
    return [i for i in range(n) if values[i] > 0.5]


def describe(selection: Selection) -> str:
    """The answer in one Vietnamese sentence."""
    if not selection.feasible:
        return selection.reason
    goal = (
        f"cần {fmt_vn(selection.goal, 4)} điểm"
        if selection.objective == MIN_COST
        else f"ngân sách {fmt_vn(selection.goal, 4)}"
    )
    return (
        f"{len(selection.chosen)} mục, {fmt_vn(selection.points, 4)} điểm, chi phí "
        f"{fmt_vn(selection.cost, 4)} ({goal})."
    )
