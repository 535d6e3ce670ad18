"""Hostile input on the write API (issue 12, the security pass): NUL bytes in notes, values,
codes and the unit code of the address, and items that do not apply to the unit's type.
Each is refused in the API's error shape (400/404/422), and nothing is stored."""

from __future__ import annotations

import pytest
from api_helpers import assert_error

from parindex.assessment.models import Entry


def _scores_path(world, unit="STP"):
    return f"/cycles/{world.cycle.pk}/units/{unit}/scores"


@pytest.mark.parametrize(
    "item",
    [
        {"code": "1.1.1", "value": "đúng hạn", "note": "Kế hoạch\x00số 12"},
        {"code": "1.1.2", "value": "85\x00"},
        {"code": "1.1\x00.2", "value": "85"},
    ],
)
def test_a_nul_byte_in_a_score_is_refused(api_world, item):
    response = api_world.client("officer").put(_scores_path(api_world), [item])
    assert response.status_code in (400, 422), response.content
    assert_error(response, response.status_code)
    assert not Entry.objects.exists()


def test_a_nul_byte_in_the_unit_code_of_the_address_is_refused(api_world):
    client = api_world.client("officer")
    for path in (
        _scores_path(api_world, "ST\x00P"),
        f"/cycles/{api_world.cycle.pk}/units/ST%00P/scores",
    ):
        response = client.put(path, [{"code": "1.1.2", "value": "85"}])
        assert response.status_code in (400, 404, 422), response.content
        assert_error(response, response.status_code)
        response = client.get(path)
        assert response.status_code in (400, 404, 422), response.content
    assert not Entry.objects.exists()


def test_an_item_of_another_unit_type_is_refused(api_world):
    # 2.1.2 applies to communes only; STP is a department.
    response = api_world.client("officer").put(
        _scores_path(api_world), [{"code": "2.1.2", "value": "có"}]
    )
    error = assert_error(response, 400, "items_refused")
    assert [d["code"] for d in error["details"]] == ["2.1.2"]
    assert "không áp dụng" in error["details"][0]["message"]
    assert not Entry.objects.exists()


@pytest.mark.parametrize("value", ["1e-400", "٣", "３", "1e5", "NaN", "Infinity"])
def test_odd_numbers_are_refused(api_world, value):
    response = api_world.client("officer").put(
        _scores_path(api_world), [{"code": "2.1.1", "value": value}]
    )
    error = assert_error(response, 400, "items_refused")
    assert "2.1.1" in error["details"][0]["message"]
    assert not Entry.objects.exists()


def test_a_vietnamese_decimal_comma_still_works(api_world):
    response = api_world.client("officer").put(
        _scores_path(api_world), [{"code": "2.1.1", "value": "7,5"}]
    )
    assert response.status_code == 200, response.content
    assert Entry.objects.get(code="2.1.1").value == "7,5"
