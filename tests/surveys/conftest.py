"""Fixtures for the survey tests: the test cast (tests/cast.py) runs a cycle on the example
methodology (its survey leaves 8.1.x SIPAS and 8.2.x leaders' survey) with the shipped
sample questionnaires installed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import User

from parindex.accounts.models import OrgUnit, Role
from parindex.assessment.models import Cycle, Participation
from parindex.surveys import services as svc
from parindex.surveys.models import Questionnaire

# The units of the cycle: four of the sample data's Lào Cai units (the codes the shipped
# sample responses use), made in the cast's province.
SURVEY_UNITS = [
    ("LC-STP", "Sở Tư pháp", OrgUnit.Type.DEPARTMENT),
    ("LC-SYT", "Sở Y tế", OrgUnit.Type.DEPARTMENT),
    ("LC-X-BATXAT", "Xã Bát Xát", OrgUnit.Type.COMMUNE),
    ("LC-X-YTY", "Xã Y Tý", OrgUnit.Type.COMMUNE),
]


@dataclass
class SurveyWorld:
    cycle: Cycle
    manager: User
    officer: User
    outsider: User
    viewer: User
    units: dict[str, OrgUnit]
    forms: dict[str, Questionnaire] = field(default_factory=dict)
    cast: Any = None

    def part(self, code: str) -> Participation:
        return Participation.objects.get(cycle=self.cycle, unit__code=code)


@pytest.fixture
def world(cast) -> SurveyWorld:
    """The cast's organiser runs an open cycle on example-province-internal for the units
    above. manager and viewer (the province) are the cast's; officer: an officer of LC-STP;
    outsider: the manager of the other province's Sở Nội vụ."""
    units = {code: cast.unit(code, name, kind) for code, name, kind in SURVEY_UNITS}
    cycle = cast.cycle(units=list(units.values()), methodology="example-province-internal")
    w = SurveyWorld(
        cycle=cycle,
        manager=cast.manager,
        officer=cast.user(Role.OFFICER, units["LC-STP"], username="canbo_stp"),
        outsider=cast.other_manager,
        viewer=cast.viewer,
        units=units,
        cast=cast,
    )
    svc.demo_seed(cycle, cast.manager)
    w.forms = {q.group_code: q for q in Questionnaire.objects.filter(cycle=cycle)}
    return w
