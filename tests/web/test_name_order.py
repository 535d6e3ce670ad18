"""Names in Vietnamese alphabetical order wherever a page lists units or people: "Bảo Thắng"
before "Bát Xát" and "Ấp" before "Âu" (by code points, as the database sorts, both pairs
come out the other way round)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from parindex.accounts.models import OrgUnit, Role
from parindex.assessment.services import transition_checklist
from parindex.common.collation import person_key, unit_key, vn_key
from parindex.surveys.selectors import fill_table
from parindex.surveys.services import demo_seed

pytestmark = pytest.mark.django_db

# The cast's commune is "Xã Bảo Thắng"; three more communes of the province.
ORDER = ["Xã Ấp", "Xã Âu", "Xã Bảo Thắng", "Xã Bát Xát"]


def _communes(cast) -> list[OrgUnit]:
    extra = [
        cast.unit("XA-BX", "Xã Bát Xát", OrgUnit.Type.COMMUNE),
        cast.unit("XA-AU", "Xã Âu", OrgUnit.Type.COMMUNE),
        cast.unit("XA-AP", "Xã Ấp", OrgUnit.Type.COMMUNE),
    ]
    return [cast.commune, *extra]


def _in_page_order(html: str, names: list[str]) -> list[str]:
    return sorted(names, key=html.index)


def _options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, name
    return [t.strip() for t in re.findall(r"<option[^>]*>([^<]*)</option>", select.group(1))]


def test_the_database_order_would_be_wrong():
    assert sorted(ORDER) != ORDER  # code points: "Bát" < "Bảo", "Âu" < "Ấp"
    assert sorted(ORDER, key=vn_key) == ORDER


def test_unit_and_person_keys():
    units = [OrgUnit(name=n, type=OrgUnit.Type.COMMUNE) for n in reversed(ORDER)]
    units.append(OrgUnit(name="Sở Tư pháp", type=OrgUnit.Type.DEPARTMENT))
    assert [u.name for u in sorted(units, key=unit_key)] == [*ORDER, "Sở Tư pháp"]
    from django.contrib.auth.models import User

    people = [
        User(username="c", first_name="Nguyễn Văn", last_name="Bình"),
        User(username="b", first_name="Trần Thị", last_name="Ánh"),
        User(username="a", first_name="Lê Văn", last_name="Bình"),
        User(username="zz"),
    ]
    # by given name (Ánh < Bình), then family and middle names (Lê < Nguyễn)
    assert [p.username for p in sorted(people, key=person_key)] == ["b", "a", "c", "zz"]


def test_the_late_entry_select_lists_units_in_vietnamese_order(cast):
    cycle = cast.cycle("self_closed", units=_communes(cast))
    html = cast.client("manager").get(reverse("cycle_detail", args=[cycle.pk])).content.decode()
    assert _options(html, "participation")[1:] == ORDER  # after the empty choice


def test_the_stage_checklist_names_units_in_vietnamese_order(cast):
    cycle = cast.cycle("open", units=_communes(cast))
    (unsubmitted,) = transition_checklist(cycle, "self_closed")
    assert list(unsubmitted.units) == ORDER


def test_the_survey_plan_lists_units_in_vietnamese_order(cast):
    cycle = cast.cycle("open", units=_communes(cast), methodology="example-province-internal")
    demo_seed(cycle, cast.manager)  # the shipped questionnaires and a sample plan
    assert [r.participation.unit.name for r in fill_table(cycle).rows] == ORDER
    url = reverse("surveys:plan", args=[cycle.pk])
    html = cast.client("manager").get(url).content.decode()
    assert _in_page_order(html, ORDER) == ORDER


def test_the_ledger_unit_filter_lists_units_in_vietnamese_order(cast):
    cycle = cast.cycle("open", units=_communes(cast))
    html = cast.client("manager").get(reverse("results_ledger", args=[cycle.pk])).content.decode()
    assert [o for o in _options(html, "unit") if o in ORDER] == ORDER


def test_set_up_lists_units_and_people_in_vietnamese_order(cast):
    _communes(cast)
    cast.user(Role.OFFICER, cast.commune, username="b.bat", first_name="Lê Văn", last_name="Bát")
    cast.user(Role.OFFICER, cast.commune, username="a.bao", first_name="Lê Văn", last_name="Bảo")
    html = cast.client("manager").get(reverse("setup_home")).content.decode()
    units = html[html.index('id="units"') : html.index('id="accounts"')]
    assert _in_page_order(units, ORDER) == ORDER
    accounts = html[html.index('id="accounts"') : html.index('id="appraisers"')]
    assert accounts.index("Lê Văn Bảo") < accounts.index("Lê Văn Bát")


def test_the_home_page_lists_a_lead_agencys_units_in_vietnamese_order(cast):
    communes = _communes(cast)
    cycle = cast.cycle("open", units=communes)
    agency = cast.user(Role.LEAD_AGENCY, cast.lead_unit, username="chutri.xa", target=communes[1])
    for unit in communes[2:]:
        cast.user(Role.LEAD_AGENCY, cast.lead_unit, username=f"x{unit.pk}", target=unit)
    from parindex.accounts.models import Membership

    for unit in (communes[0], *communes[2:]):
        Membership.objects.create(
            user=agency, role=Role.LEAD_AGENCY, unit=cast.lead_unit, target=unit, codes=["1.1"]
        )
    html = cast.client(agency).get(reverse("home")).content.decode()
    assert cycle.name in html
    roles, rest = html.split('class="todo', 1)  # the roles' tags, then the to-do block
    todo, own = rest.split("Tự đánh giá của đơn vị", 1)  # then the units' forms
    for part in (roles, todo, own):
        assert _in_page_order(part, ORDER) == ORDER
