"""What if (nếu … thì): change some points of a scored unit and see the result at once.

Given a unit's result from the engine (parindex.core.compute_unit) and changes:

- a sub-criterion's points (code of a leaf): the leaf takes those points, kept within
  [0; the leaf's maximum], exactly as an appraisal override does in the engine (a leaf
  excluded as "không phát sinh" counts in the maximum again; a leaf that does not apply to
  the unit's type stays out and the change is listed as ignored);
- a whole field's (or criterion's) points (code of a non-leaf node): the node takes those
  points, kept within [0; its maximum for the unit], whatever its sub-criteria had; a change
  inside a node that is itself changed is ignored (the outer one wins).

The new total and index follow the engine's formulas (parindex.core.unit_totals: bonus and
deduction as scored, total within [0; maximum], index = total / maximum x 100, 4 decimals);
the band (xếp loại) is the methodology's (`Methodology.grade_for`). Against the competitors'
current indices the rank is the competition rank 1 + (number of competitors above);
`rank_best`/`rank_worst` are the places it could take among those it ties with. With a
Simulation (parindex.planner.target) the probability of rank <= k this year and its rank
range are added.

Fast: the points are updated along the changed nodes only (no rescoring), so one what-if is
a few dictionary look-ups and one Decimal division, plus a vectorised count over the draws.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from parindex.core import Grade, Methodology, UnitResult, q4, unit_totals
from parindex.core.aggregate import NOT_APPLICABLE

from .errors import PlannerError
from .target import Chance, Simulation

ZERO = Decimal(0)


@dataclass(frozen=True)
class Change:
    """New points for a sub-criterion, a criterion or a field, by code."""

    code: str
    points: Decimal


@dataclass(frozen=True)
class Standing:
    """What the new index is compared with: the competitors' current indices and, for the
    probability of rank <= k, a Simulation of this year."""

    competitors: tuple[Decimal, ...] = ()
    simulation: Simulation | None = None
    k: int | None = None

    def __post_init__(self) -> None:
        # kept sorted, so that each what-if ranks by bisection
        object.__setattr__(self, "competitors", tuple(sorted(self.competitors)))


@dataclass(frozen=True)
class Applied:
    """A change as applied: the node's points before and after (after clamping)."""

    code: str
    before: Decimal
    after: Decimal
    asked: Decimal


@dataclass(frozen=True)
class WhatIfResult:
    points: Decimal
    max_points: Decimal
    index: Decimal
    grade: Grade | None
    index_before: Decimal
    grade_before: Grade | None
    applied: tuple[Applied, ...]
    ignored: tuple[str, ...]  # codes of changes that could not apply (reason in `notes`)
    notes: tuple[str, ...]
    rank: int | None  # competition rank against Standing.competitors
    rank_best: int | None
    rank_worst: int | None
    chance: Chance | None

    @property
    def index_change(self) -> Decimal:
        return q4(self.index - self.index_before)


def what_if(
    m: Methodology,
    result: UnitResult,
    changes: Sequence[Change],
    standing: Standing | None = None,
) -> WhatIfResult:
    """The unit's new points, index, band and standing after `changes` (module docstring).
    Raises PlannerError for a code that is not in the methodology's fields."""
    changes = list({c.code: c for c in changes}.values())  # the last change of a code wins
    nodes = result.nodes
    unknown = [c.code for c in changes if c.code not in nodes or c.code not in m.nodes]
    if unknown:
        raise PlannerError(f"không có mục mã {', '.join(unknown)} trong bộ tiêu chí")
    adjustments = {a.code for a in result.adjustments}
    if any(c.code in adjustments for c in changes):
        raise PlannerError("điểm thưởng, điểm trừ không thay đổi được trong phần giả định")
    codes = {c.code for c in changes}
    points = sum((f.points for f in result.fields), ZERO)
    max_points = sum((f.max_points for f in result.fields), ZERO)
    applied: list[Applied] = []
    ignored: list[str] = []
    notes: list[str] = []
    for change in changes:
        outer = _changed_ancestor(m, change.code, codes)
        r = nodes[change.code]
        if outer is not None:
            ignored.append(change.code)
            notes.append(f"{change.code}: đã đặt điểm cho {outer} chứa mục này")
            continue
        if r.node.is_leaf:
            if r.status == NOT_APPLICABLE:
                ignored.append(change.code)
                notes.append(f"{change.code}: không áp dụng cho loại đơn vị này")
                continue
            new_max = r.node.max_points
        else:
            new_max = r.max_points
        new = q4(min(max(change.points, ZERO), new_max))
        points += new - r.points
        max_points += new_max - r.max_points
        applied.append(Applied(change.code, r.points, new, change.points))
    _, _, total, index = unit_totals(m, points, max_points, result.adjustments)
    rank = best = worst = None
    chance = None
    if standing is not None:
        above = len(standing.competitors) - bisect_right(standing.competitors, index)
        tied = bisect_right(standing.competitors, index) - bisect_left(standing.competitors, index)
        rank, best, worst = above + 1, above + 1, above + 1 + tied
        if standing.simulation is not None and standing.k is not None:
            chance = standing.simulation.chance(index, standing.k)
    return WhatIfResult(
        points=total,
        max_points=q4(max_points),
        index=index,
        grade=m.grade_for(index),
        index_before=result.index,
        grade_before=result.grade,
        applied=tuple(applied),
        ignored=tuple(ignored),
        notes=tuple(notes),
        rank=rank,
        rank_best=best,
        rank_worst=worst,
        chance=chance,
    )


def _changed_ancestor(m: Methodology, code: str, codes: set[str]) -> str | None:
    parent = m.parent_code(code)
    while parent is not None:
        if parent in codes:
            return parent
        parent = m.parent_code(parent)
    return None
