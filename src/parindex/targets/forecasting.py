"""The year-end forecast on the target page (planner.forecast over the plan's progress).

Rules of the glue (planner.forecast states the engine's):

- Starting point: the unit's points entered in the cycle of the plan's year (the open
  cycle, at the latest stage the user reads). Sub-criteria not entered yet count last
  year's final points (the target page's basis) when that basis is a finished cycle; else
  0, as the engine scores them. Without a cycle of the plan's year: the basis's points.
- Tasks: the plan's "recover" tasks with points expected back; a late task (past its
  deadline, not done) is "overdue"; a task whose sub-criterion is already entered in the
  open cycle adds nothing again (its points are in the entered scores).
- The chances by status are the page's (default: not started 50 %, overdue x 1/2), shown
  and changeable; the draws and seed are the page's, and draw i of the unit is ranked
  against draw i of the competitors (rank interval, probability of rank <= k).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from parindex.assessment import permissions as perm
from parindex.assessment.models import Participation
from parindex.core.aggregate import MISSING, NOT_APPLICABLE
from parindex.planner import Forecast, Likelihood, PlannerError, Task, forecast
from parindex.planner.forecast import OVERDUE
from parindex.plans import selectors as plan_sel

from .services import Answer, _result

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class ForecastView:
    forecast: Forecast | None
    open: Participation | None  # the unit in the cycle of the plan's year
    stage: str
    entered: int  # sub-criteria entered there
    filled_from_basis: int  # not entered, counted at last year's final points
    error: str = ""


def forecast_for(user: Any, ans: Answer) -> ForecastView | None:
    """The forecast for the answer's plan (None without a plan)."""
    plan = ans.plan
    if plan is None:
        return None
    basis = ans.basis
    nxt = plan_sel.next_participation(plan)
    stage = basis.stage
    result = basis.result
    methodology = basis.methodology
    missing: dict[str, Decimal] = {}
    if nxt is not None:
        stages = perm.on_participation(user, nxt).stages(nxt.cycle) or ("self",)
        stage = stages[-1]
        result = _result(nxt.cycle, nxt, stage)
        methodology = nxt.cycle.methodology.tree
        if basis.finished and basis.cycle.pk != nxt.cycle_id:
            last = basis.result.nodes
            missing = {
                code: last[code].points
                for code, r in result.nodes.items()
                if r.status == MISSING and code in last
            }
    entered = {
        code
        for code, r in result.nodes.items()
        if r.node.is_leaf and r.status not in (MISSING, NOT_APPLICABLE)
    }
    tasks = [
        Task(
            id=str(t.id),
            points=t.expected_points,
            status=OVERDUE if t.overdue else t.status,
            progress=Decimal(t.progress) / HUNDRED,
            code=t.code,
            counted=nxt is not None and t.code in entered,
        )
        for t in plan_sel.task_rows(plan)
        if t.kind == "recover" and t.expected_points > 0
    ]
    s = ans.settings
    likelihood = Likelihood(s.not_started, s.overdue_factor)
    try:
        fc = forecast(
            methodology,
            result,
            tasks,
            expected_missing=missing,
            likelihood=likelihood,
            competitors=ans.simulation,
            k=s.k,
            draws=s.draws,
            seed=s.seed,
        )
    except PlannerError as exc:
        return ForecastView(None, nxt, stage, len(entered), len(missing), str(exc))
    return ForecastView(fc, nxt, stage, len(entered), len(missing))
