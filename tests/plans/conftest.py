"""Fixtures of the plans' tests: `plan_world` (plan_cast.build_plan_world on the cast)."""

from __future__ import annotations

import pytest
from plan_cast import PlanWorld, build_plan_world


@pytest.fixture
def plan_world(cast) -> PlanWorld:
    return build_plan_world(cast)
