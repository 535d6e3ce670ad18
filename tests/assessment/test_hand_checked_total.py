"""A self-assessment total checked by hand (issue 11, "done means"): a small methodology
mixing the rule kinds a provincial index uses, values entered through the services as a
unit would, and the total and index the services compute equal to numbers worked out by
hand below (4 decimals, ROUND_HALF_UP).

The items, the values entered and their points (max in brackets):

  1    Chỉ đạo, điều hành [10]
  1.1    [5]
  1.1.1  manual, step 0,5 [3]          "2,5"          -> 2,5
  1.1.2  ratio (two counts) [2]        "45/60"        -> 45/60 = 75 %; 75 / 100 x 2 = 1,5
  1.2    [5]
  1.2.1  piecewise, floor 40 [2]       "70"           -> 1 + (70 - 50) / (100 - 50) x (2 - 1)
                                                         = 1 + 0,4 = 1,4
  1.2.2  yes/no, not arising: full [1] "không phát sinh" -> full points: 1
  1.2.3  piecewise, floor 40 [2]       "30"           -> below the floor 40: 0
  2    Thủ tục hành chính [7]
  2.1    [3]  a gate criterion
  2.1.1  yes/no, gate [1]              "không"        -> 0: the gate fails
  2.1.2  manual [2]                    "2"            -> 2, but 2.1 is zeroed by its gate
  2.2    [4]
  2.2.1  proportional, effective from 01/07/2025 in the period 01/01–31/12/2025 [3]
                                       "80"           -> 80 / 100 x 3 = 2,4; effective
                                         184 of 365 days (Jul 31 + Aug 31 + Sep 30 + Oct 31
                                         + Nov 30 + Dec 31 = 184):
                                         points 2,4 x 184 / 365 = 441,6 / 365 = 1,20986… -> 1,2099
                                         max    3 x 184 / 365 = 552 / 365 = 1,51232… -> 1,5123
  2.2.2  yes/no, not arising: exclude [1] "không phát sinh" -> 0 of 0 (leaves the maximum)
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from parindex.assessment import services
from parindex.assessment.models import Cycle

pytestmark = pytest.mark.django_db

YAML = """
format: parindex-methodology/1
code: hand-checked
name: Bộ tiêu chí kiểm tra bằng tay
version: "2025"
not_arising_default: exclude
period_from: 01/01/2025
period_to: 31/12/2025
fields:
  - code: "1"
    name: Chỉ đạo, điều hành
    max: 10
    children:
      - code: "1.1"
        name: Kế hoạch
        max: 5
        children:
          - {code: "1.1.1", name: Chấm tay, max: 3, rule: {kind: manual, step: 0.5}}
          - {code: "1.1.2", name: Tỷ lệ hồ sơ đúng hạn, max: 2, rule: {kind: ratio}}
      - code: "1.2"
        name: Số hóa
        max: 5
        children:
          - code: "1.2.1"
            name: Tỷ lệ số hóa
            max: 2
            rule: {kind: piecewise, floor: 40, breakpoints: [[50, 1], [100, 2]]}
          - code: "1.2.2"
            name: Kiểm tra
            max: 1
            rule: {kind: yes_no}
            not_arising: full_points
          - code: "1.2.3"
            name: Tỷ lệ tái sử dụng
            max: 2
            rule: {kind: piecewise, floor: 40, breakpoints: [[50, 1], [100, 2]]}
  - code: "2"
    name: Thủ tục hành chính
    max: 7
    children:
      - code: "2.1"
        name: Công khai
        max: 3
        children:
          - {code: "2.1.1", name: Điều kiện bắt buộc, max: 1, rule: {kind: yes_no}, gate: true}
          - {code: "2.1.2", name: Công khai đầy đủ, max: 2, rule: {kind: manual}}
      - code: "2.2"
        name: Một cửa
        max: 4
        children:
          - code: "2.2.1"
            name: Tỷ lệ trực tuyến (từ 01/07/2025)
            max: 3
            rule: {kind: proportional}
            valid_from: 01/07/2025
          - {code: "2.2.2", name: Sáp nhập bộ phận, max: 1, rule: {kind: yes_no}}
"""

VALUES = {
    "1.1.1": "2,5",
    "1.1.2": "45/60",
    "1.2.1": "70",
    "1.2.2": "không phát sinh",
    "1.2.3": "30",
    "2.1.1": "không",
    "2.1.2": "2",
    "2.2.1": "80",
    "2.2.2": "không phát sinh",
}


def q4(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def test_the_total_and_index_match_the_hand_computation(cast):
    methodology = services.methodology_install(source=YAML, name="hand-checked.yaml")
    cycle = cast.cycle(Cycle.State.OPEN, units=("a",), methodology=methodology)
    p = cast.part(cycle, "a")
    cast.fill(p, VALUES)  # entry_save_self for each item (notes for not arising), submit

    result = services.unit_result(p, "self")
    points = {code: result.nodes[code].points for code in VALUES}
    assert points == {
        "1.1.1": Decimal("2.5000"),
        "1.1.2": Decimal("1.5000"),  # 45/60 = 75 %; 75 / 100 x 2
        "1.2.1": Decimal("1.4000"),  # 1 + (70 - 50) / 50 x 1
        "1.2.2": Decimal("1.0000"),  # not arising, full points
        "1.2.3": Decimal("0.0000"),  # 30 below the floor 40
        "2.1.1": Decimal("0.0000"),  # the gate fails
        "2.1.2": Decimal("2.0000"),  # its own points; its criterion is zeroed
        "2.2.1": Decimal("1.2099"),  # 2,4 x 184 / 365 = 1,20986…
        "2.2.2": Decimal("0.0000"),  # not arising, excluded
    }
    assert result.nodes["2.1"].points == Decimal("0.0000")  # gated: not 0 + 2
    assert result.nodes["2.1"].max_points == Decimal("3")
    assert result.nodes["2.2.1"].max_points == Decimal("1.5123")  # 3 x 184 / 365 = 1,51232…
    assert result.nodes["2.2.2"].max_points == Decimal("0")

    # Field 1: 2,5 + 1,5 + 1,4 + 1 + 0 = 6,4 of 3 + 2 + 2 + 1 + 2 = 10
    assert (result.nodes["1"].points, result.nodes["1"].max_points) == (
        Decimal("6.4000"),
        Decimal("10"),
    )
    # Field 2: 0 (gated) + 1,2099 + 0 = 1,2099 of 3 + 1,5123 + 0 = 4,5123
    assert (result.nodes["2"].points, result.nodes["2"].max_points) == (
        Decimal("1.2099"),
        Decimal("4.5123"),
    )
    # Total: 6,4 + 1,2099 = 7,6099 of 10 + 4,5123 = 14,5123
    assert result.points == Decimal("7.6099")
    assert result.max_points == Decimal("14.5123")
    # Index: 7,6099 / 14,5123 x 100 = 52,43758… -> 52,4376 (long division:
    # 14,5123 x 0,5 = 7,25615, remainder 0,35375; 14,5123 x 0,024 = 0,3482952, remainder
    # 0,0054548; 14,5123 x 0,000375 = 0,0054421125, remainder 0,0000126875 -> 0,00000087…;
    # 0,5 + 0,024 + 0,000375 + 0,00000087 = 0,52437587…)
    assert result.index == Decimal("52.4376")
    assert result.index == q4(Decimal("7.6099") / Decimal("14.5123") * 100)
    assert result.grade is not None and result.grade.code == "D"  # below 70

    # The same numbers where the unit reads them: its progress and its Word report's data.
    progress = services.participation_progress(p)
    assert (progress.points, progress.max_points) == (Decimal("7.6099"), Decimal("14.5123"))
    report = services.self_report_data(participation=p, user=cast.leader)
    assert (report.points, report.max_points, report.index) == (
        Decimal("7.6099"),
        Decimal("14.5123"),
        Decimal("52.4376"),
    )
