"""The shipped national files hold what is public and nothing more: the published blocks as
the scoring tree, the official structure with its unknowns unknown; skeletons never run a
cycle; a structure that does not add up is refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from factories import make_unit, make_user

from parindex.accounts.models import OrgUnit, Role
from parindex.assessment.services import methodology_install
from parindex.core import ValidationFailed
from parindex.core.loader import methodology_from_dict, methodology_to_dict
from parindex.files.methodology import shipped_methodology
from parindex.setup import services as setup

D = Decimal


def test_the_provincial_file_is_the_published_blocks_and_the_structure():
    m = shipped_methodology("vn-province-876")
    assert {n.code: n.max_points for n in m.leaves} == {
        "1.1": D("61.5"),  # appraisal
        "1.2": D("6.5"),  # socio-economic impact
        "2.1": D(10),  # SIPAS
        "2.2": D(22),  # leaders' survey
    }
    assert m.max_points == 100 and not any(n.unknown for n in m.walk())
    s = m.structure
    assert (s.fields_count, s.criteria, s.sub_criteria) == (8, 37, 88)
    assert (s.total, s.survey_points) == (D(100), D(32))
    known = {f.code: f.max for f in s.fields if f.max is not None}
    assert known == {"3": D(13), "4": D("10.5"), "5": D(15), "8": D("16.5")}
    assert [f.code for f in s.unknown_fields] == ["1", "2", "6", "7"]
    assert s.unknown_together == D(45)  # said, never split
    assert all(f.source for f in s.fields if f.max is not None)


def test_the_ministries_and_1187_skeletons_hold_only_what_is_known():
    ministries = shipped_methodology("vn-ministry-876")
    s = ministries.structure
    assert ministries.skeleton and ministries.fields == ()
    assert (s.fields_count, s.criteria, s.sub_criteria, s.survey_points) == (7, 38, 97, D("31.5"))
    assert [(f.criteria, f.sub_criteria) for f in s.fields] == [
        (7, 6),
        (9, 15),
        (6, 19),
        (4, 14),
        (6, 16),
        (3, 13),
        (3, 14),
    ]
    assert all(f.max is None for f in s.fields)
    scheme = shipped_methodology("vn-1187-2025")
    assert scheme.skeleton and scheme.fields == () and scheme.decision.startswith("QĐ 1187")
    assert scheme.structure.fields == () and scheme.structure.total is None


def _with_structure(structure: dict) -> dict:
    data = methodology_to_dict(shipped_methodology("vn-province-876"))
    data["structure"] = structure
    return data


@pytest.mark.parametrize(
    ("structure", "message"),
    [
        (
            {
                "counts": {"criteria": 5},
                "fields": [
                    {"code": "1", "name": "a", "criteria": 2},
                    {"code": "2", "name": "b", "criteria": 2},
                ],
            },
            "tổng criteria của các lĩnh vực là 4, khác 5",
        ),
        (
            {
                "total": 100,
                "fields": [
                    {"code": "1", "name": "a", "max": 70},
                    {"code": "2", "name": "b", "max": 40},
                ],
            },
            "tổng điểm tối đa đã biết 110,00 vượt tổng 100,00",
        ),
        (
            {"total": 90, "fields": [{"code": "1", "name": "a", "max": None}]},
            "tổng 90,00 khác tổng điểm tối đa của cây chấm điểm 100,00",
        ),
        (
            {"counts": {"fields": 3}, "fields": [{"code": "1", "name": "a"}]},
            "ghi 3 lĩnh vực nhưng liệt kê 1",
        ),
        ({"total": "một trăm"}, "'total' = 'một trăm' không phải là số"),
    ],
)
def test_a_structure_that_does_not_add_up_is_refused(structure, message):
    with pytest.raises(ValidationFailed) as exc:
        methodology_from_dict(_with_structure(structure), "khung.yaml")
    assert message in str(exc.value) and "khung.yaml" in str(exc.value)


def test_a_skeleton_cannot_run_a_cycle(db):
    province = make_unit("P", "Tỉnh Thử", OrgUnit.Type.PROVINCE)
    snv = make_unit("P-SNV", "Sở Nội vụ", parent=province)
    manager = make_user(Role.MANAGER, snv)
    from importlib import resources

    text = (resources.files("parindex.methodologies") / "vn-ministry-876.yaml").read_text()
    mv = methodology_install(source=text)
    assert mv.status == "skeleton"
    assert mv not in setup.usable_methodologies()
    with pytest.raises(setup.SetupRefused, match="là khung"):
        setup.setup_cycle_create(
            user=manager,
            name="Thử",
            year=2024,
            methodology=mv,
            organiser=snv,
            units=[province],
        )


def test_the_page_says_what_is_unknown(db, settings):
    settings.AXES_ENABLED = False
    user = User.objects.create_user("xem", password="x" * 12)
    c = Client()
    c.force_login(user)
    body = c.get(
        reverse("methodology_shipped", kwargs={"name": "vn-province-876"})
    ).content.decode()
    assert "Cấu trúc của văn bản" in body and "chưa công bố" in body
    assert "4 lĩnh vực chưa công bố điểm tối đa; cùng nhau 45,00 điểm." in body
    skeleton = c.get(
        reverse("methodology_shipped", kwargs={"name": "vn-ministry-876"})
    ).content.decode()
    assert "Đây là KHUNG" in skeleton and "Cây chấm điểm" not in skeleton
