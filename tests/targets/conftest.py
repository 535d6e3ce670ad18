"""The target planner's world, from the test cast (tests/cast.py): four departments of the
province (A, B, C = the cast's lead unit, D) in two finished cycles of the organiser on
tests/data/small.yaml, 2023 and 2024, with the same points both years, so every
year-on-year change is 0 and the Monte Carlo is exact by hand: next year's indices are last
year's. Maximum 8 points (2.1 counts 2, as 2.1.2 is for communes; the survey 2.2.1
has no data and scores 0 of 2):

    A 5 points (index 62,5): loses 1.2.2 (0,5), 2.1.1 (0,5) and the survey 2.2.1 (2)
    B 6 (75)   C 5,75 (71,875)   D 4 (50)

A's plan for 2025 is drafted from the 2024 cycle; its recover tasks are given expected
points and effort: 1.2.2 0,5 point for 3 days, 2.1.1 0,5 for 1 day, 2.2.1 2 points for 10.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from parindex.assessment.models import Cycle, Participation
from parindex.plans import services as plans
from parindex.plans.models import Plan, Task

BASE = {"1.1.1": "đúng hạn", "1.1.2": "100", "1.2.1": "có"}
VALUES = {
    "STP": {**BASE, "1.2.2": "0,5", "2.1.1": "75"},
    "SYT": {**BASE, "1.2.2": "1", "2.1.1": "100"},
    "SKH": {**BASE, "1.2.2": "0,75", "2.1.1": "100"},
    "SXD": {**BASE, "1.2.2": "0", "2.1.1": "50"},
}
EFFORT = {"1.2.2": ("0.5", "3"), "2.1.1": ("0.5", "1"), "2.2.1": ("2", "10")}


@dataclass
class TargetWorld:
    cast: Any
    c2023: Cycle
    c2024: Cycle
    p: Participation  # A in 2024
    plan: Plan


def build_target_world(cast: Any) -> TargetWorld:
    d = cast.unit("SXD", "Sở Xây dựng")
    units = (cast.a, cast.b, cast.lead_unit, d)
    c2023 = cast.finished(units=units, values=VALUES, name="Chỉ số CCHC năm 2023", year=2023)
    c2024 = cast.finished(units=units, values=VALUES, name="Chỉ số CCHC năm 2024", year=2024)
    plan = plans.plan_draft(cycle=c2024, unit=cast.a, user=cast.manager).plan
    for code, (points, days) in EFFORT.items():
        Task.objects.filter(plan=plan, code=code).update(
            expected_points=Decimal(points), effort_days=Decimal(days)
        )
    return TargetWorld(cast, c2023, c2024, cast.part(c2024, "a"), plan)


@pytest.fixture
def target_world(cast) -> TargetWorld:
    return build_target_world(cast)
