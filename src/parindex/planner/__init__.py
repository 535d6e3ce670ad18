"""parindex.planner: the target planner's engine (issue 10). Pure Python: no Django.

Dataclasses in, dataclasses out; points and indices are Decimals with 4 decimals
(parindex.core.q4), floats only inside the numerics (numpy, HiGHS). Each module states its
rules in its docstring, in words officials can audit:

- `history`: published yearly results -> a series per 2025 province, merged provinces'
  earlier years pro forma by a selectable rule (mean, continuing, max, min), with changes;
- `target`: the index that reached rank k last year; the probability of rank <= k this year
  by a seeded Monte Carlo over the competitors' own year-on-year changes; the index needed
  for a probability;
- `optimise`: the cheapest set of items reaching the points needed, or the most points
  within a budget (0/1 integer programme solved exactly by HiGHS);
- `whatif`: a unit's new index, band, rank and probability after changing some points;
- `forecast`: the expected year-end index from the entered scores and the plan's tasks;
- `robustness`: each unit's rank interval from the surveys' sampling error and the fields'
  weights.
"""

from .errors import PlannerError
from .forecast import Forecast, Likelihood, Task, forecast
from .history import (
    CONTINUING,
    MAX,
    MEAN,
    MIN,
    RULES,
    History,
    PublishedResult,
    Series,
    SeriesPoint,
    build_history,
)
from .optimise import Item, Selection, cheapest_to_reach, most_points_within, points_needed
from .robustness import (
    Robustness,
    Sampling,
    UnitScores,
    rank_intervals,
    se_from_interval,
    unit_scores,
    weight_sensitivity,
)
from .target import (
    Chance,
    Competitor,
    IndexNeeded,
    MonteCarlo,
    RankThreshold,
    Simulation,
    TargetAnswer,
    competitors_from,
    index_for_rank,
    simulate,
    target,
)
from .whatif import Change, Standing, WhatIfResult, what_if

__all__ = [
    "CONTINUING",
    "MAX",
    "MEAN",
    "MIN",
    "RULES",
    "Chance",
    "Change",
    "Competitor",
    "Forecast",
    "History",
    "IndexNeeded",
    "Item",
    "Likelihood",
    "MonteCarlo",
    "PlannerError",
    "PublishedResult",
    "RankThreshold",
    "Robustness",
    "Sampling",
    "Selection",
    "Series",
    "SeriesPoint",
    "Simulation",
    "Standing",
    "TargetAnswer",
    "Task",
    "UnitScores",
    "WhatIfResult",
    "build_history",
    "cheapest_to_reach",
    "competitors_from",
    "forecast",
    "index_for_rank",
    "most_points_within",
    "points_needed",
    "rank_intervals",
    "se_from_interval",
    "simulate",
    "target",
    "unit_scores",
    "weight_sensitivity",
    "what_if",
]
