"""The plans' world, from the test cast (tests/cast.py): a finished cycle of 2024 on
tests/data/small.yaml for units A (Sở Tư pháp) and B (Sở Y tế), and the open cycle of 2025.

Unit A enters cast.FILL: 1.1.1, 1.1.2 and 1.2.1 at full points; 1.2.2 loses 0,5 (self
shortfall) and 2.1.1 loses 0,5 (75 %); the survey item 2.2.1 gets nothing (loses 2). The
council cuts 1.1.2 to 0 in round 1 ("thiếu tài liệu kiểm chứng", comment below), so A's ledger
is 1.1.2 (1), 1.2.2 (0,5), 2.1.1 (0,5), 2.2.1 (2), and its full items 1.1.1 and 1.2.1. The
cast's lead agency (Sở Kế hoạch và Đầu tư) fills criterion 1.1 of A.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from parindex.assessment.models import Cycle, Participation

S = Cycle.State
COMMENT = "Chưa có báo cáo kết quả thực hiện kế hoạch."


@dataclass
class PlanWorld:
    cast: Any
    finished: Cycle
    open: Cycle
    p_open: Participation  # A in the open cycle


def build_plan_world(cast: Any) -> PlanWorld:
    finished = cast.cycle(S.APPRAISAL, filled=True, name="Chỉ số CCHC năm 2024", year=2024)
    cast.appraise(cast.part(finished, "a"), "1.1.2", "0", "evidence_missing", COMMENT)
    finished = cast.advance(finished, S.EXPLANATION, S.APPRAISAL_2, S.FINAL)
    opened = cast.cycle(S.OPEN, name="Chỉ số CCHC năm 2025", year=2025)
    return PlanWorld(cast, finished, opened, cast.part(opened, "a"))
