"""Rank robustness of a finished cycle's ranking (planner.robustness): each unit's rank with
its 90 % interval from the survey points' sampling error, and optionally the sensitivity of
the ranking to each field's weight.

Rules of the glue:

- Units: those of one type ranked in the cycle's final results ("không nộp" left out).
- Sampling error: per unit and survey sub-criterion (method "survey"), the standard error
  in points from the survey's own 95 % confidence interval as the survey pages computed it
  (surveys.models.SurveyScore, kind leaf: ci_low, ci_high on 0-100 %, and the leaf's
  maximum), by planner.robustness.se_from_interval. A survey sub-criterion without it (points
  typed in, or imported without the survey's answers) is counted as having no sampling
  error, and the page says how many there are: nothing is invented.
- Read only: who reads the whole ranking of a finished cycle (permissions.results_access).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from parindex.assessment import lifecycle
from parindex.assessment import permissions as perm
from parindex.assessment.models import Cycle
from parindex.core.model import SURVEY
from parindex.planner import Sampling, rank_intervals, se_from_interval, unit_scores
from parindex.planner.robustness import FieldSensitivity, Robustness, weight_sensitivity
from parindex.results.selectors import cycle_results
from parindex.surveys.models import SurveyScore

from .services import TargetError

DRAWS = 2000


@dataclass(frozen=True)
class RobustnessView:
    unit_type: str
    robustness: Robustness | None
    with_error: int  # (unit, survey sub-criterion) pairs with a standard error
    without_error: int  # survey sub-criteria scored without one
    survey_codes: tuple[str, ...]
    sensitivity: tuple[FieldSensitivity, ...]
    names: tuple[str, ...]  # units, in the robustness order


def cycle_for(user: Any, pk: int) -> Cycle:
    """A finished cycle whose whole ranking the user reads; TargetError otherwise."""
    try:
        cycle, seen = perm.cycle_for_results(user, pk)
    except Cycle.DoesNotExist:
        raise TargetError(_("Không tìm thấy kỳ đánh giá.")) from None
    if not (seen.ranking_all and lifecycle.of(cycle).finished):
        raise TargetError(_("Chỉ xem độ vững của thứ hạng khi kỳ đánh giá đã kết thúc."))
    return cycle


def robustness_of(
    user: Any, pk: int, unit_type: str | None, *, seed: int, spread: Decimal | None
) -> RobustnessView:
    cycle = cycle_for(user, pk)
    types = sorted(set(cycle.participations.values_list("unit__type", flat=True)))
    unit_type = unit_type if unit_type in types else (types[0] if types else "")
    results = cycle_results(cycle, "final", unit_type=unit_type, with_change=False)
    rows = [r for r in results.rows if not r.not_submitted]
    tree = results.methodology
    survey = tuple(code for code, n in tree.nodes.items() if n.is_leaf and n.method == SURVEY)
    scores = SurveyScore.objects.filter(
        participation_id__in=[r.participation_id for r in rows],
        kind=SurveyScore.Kind.LEAF,
        code__in=survey,
        max_points__isnull=False,
    )
    se: dict[int, dict[str, Decimal]] = {}
    for s in scores:
        assert s.max_points is not None
        se.setdefault(s.participation_id, {})[s.code] = se_from_interval(
            s.ci_low, s.ci_high, max_points=s.max_points
        )
    units = [unit_scores(r.result, se.get(r.participation_id or 0, {})) for r in rows]
    with_error = sum(len(u.surveys) for u in units)
    applicable = sum(
        1
        for r in rows
        for code in survey
        if code in r.result.nodes and r.result.nodes[code].max_points > 0
    )
    sampling = Sampling(draws=DRAWS, seed=seed, surveys=True, weight_spread=spread)
    rob = rank_intervals(units, sampling) if (with_error or spread is not None) and units else None
    sens = weight_sensitivity(units, spread) if spread is not None and units else ()
    return RobustnessView(
        unit_type=unit_type,
        robustness=rob,
        with_error=with_error,
        without_error=applicable - with_error,
        survey_codes=survey,
        sensitivity=sens,
        names=tuple(u.name for u in units),
    )
