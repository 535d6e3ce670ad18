"""Fixtures for the survey tests: a cycle on the example methodology (its survey leaves
8.1.x SIPAS and 8.2.x leaders' survey) with the shipped sample questionnaires installed."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import User
from factories import install_methodology, make_cycle, make_unit, make_user

from parindex.accounts.models import OrgUnit, Role
from parindex.assessment.models import Cycle, Participation
from parindex.surveys import services as svc
from parindex.surveys.models import Questionnaire


@dataclass
class SurveyWorld:
    cycle: Cycle
    manager: User
    officer: User
    outsider: User
    viewer: User
    units: dict[str, OrgUnit]
    forms: dict[str, Questionnaire] = field(default_factory=dict)

    def part(self, code: str) -> Participation:
        return Participation.objects.get(cycle=self.cycle, unit__code=code)


@pytest.fixture
def world(db) -> SurveyWorld:
    province = make_unit("LC", "Tỉnh Lào Cai", OrgUnit.Type.PROVINCE)
    snv = make_unit("LC-SNV", "Sở Nội vụ", parent=province)
    units = {
        "LC-STP": make_unit("LC-STP", "Sở Tư pháp", parent=province),
        "LC-SYT": make_unit("LC-SYT", "Sở Y tế", parent=province),
        "LC-X-BATXAT": make_unit(
            "LC-X-BATXAT", "Xã Bát Xát", OrgUnit.Type.COMMUNE, parent=province
        ),
        "LC-X-YTY": make_unit("LC-X-YTY", "Xã Y Tý", OrgUnit.Type.COMMUNE, parent=province),
    }
    other = make_unit("YB-SNV", "Sở Nội vụ tỉnh khác")
    mv = install_methodology("example-province-internal")
    cycle = make_cycle(organiser=snv, units=list(units.values()), methodology=mv)
    manager = make_user(Role.MANAGER, snv, username="quanly")
    w = SurveyWorld(
        cycle=cycle,
        manager=manager,
        officer=make_user(Role.OFFICER, units["LC-STP"], username="canbo"),
        outsider=make_user(Role.MANAGER, other, username="ngoai"),
        viewer=make_user(Role.VIEWER, province, username="xem"),
        units=units,
    )
    svc.demo_seed(cycle, manager)
    w.forms = {q.group_code: q for q in Questionnaire.objects.filter(cycle=cycle)}
    return w
