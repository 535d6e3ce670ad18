"""What a plan's tasks are, from a unit's finished results: pure Python over the result tables
(results/tables.py), so the rule is tested on a known ledger without the database.

- every sub-criterion that lost points (a ledger line) gets a "recover" task: its reason,
  the council's comment, the points lost and those recoverable (results/recovery.py), the
  expected points back = the recoverable points, the lead agency from the cycle's lead
  agency assignments (none: the unit itself);
- every applicable sub-criterion at full points (maximum > 0) gets a "maintain" task, with
  the agency that keeps it there (the same assignments).

The task texts are the plan's own content, in Vietnamese as the document is issued; each
can be edited afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from parindex.core import NodeResult, q4
from parindex.core.aggregate import NOT_APPLICABLE
from parindex.results.recovery import (
    APPRAISAL,
    EVIDENCE,
    MISSING,
    SHORTFALL,
    STRUCTURAL,
)
from parindex.results.tables import Assignment, LedgerEntry, UnitRow, agencies_for, natural_code

RECOVER, MAINTAIN = "recover", "maintain"
ZERO = Decimal(0)

_REASON_TEXT = {
    "evidence_missing": "Bổ sung đầy đủ tài liệu kiểm chứng theo yêu cầu của tiêu chí.",
    "evidence_invalid": "Hoàn thiện tài liệu kiểm chứng hợp lệ (đúng thẩm quyền, thể thức, "
    "nội dung theo yêu cầu).",
    "outside_period": "Ban hành, lưu giữ tài liệu kiểm chứng trong thời gian đánh giá.",
    "not_met": "Tổ chức thực hiện đầy đủ yêu cầu của tiêu chí thành phần.",
    "other": "Khắc phục tồn tại theo ý kiến của Hội đồng thẩm định.",
}
_KIND_TEXT = {
    SHORTFALL: "Tổ chức thực hiện để đạt điểm tối đa của tiêu chí thành phần.",
    MISSING: "Tổ chức thực hiện và tự đánh giá đầy đủ tiêu chí thành phần, kèm tài liệu "
    "kiểm chứng.",
    EVIDENCE: _REASON_TEXT["evidence_missing"],
    APPRAISAL: _REASON_TEXT["not_met"],
}
_SURVEY_TEXT = (
    "Nâng cao chất lượng phục vụ, công khai, minh bạch để cải thiện mức độ hài lòng của "
    "người dân, tổ chức (điều tra xã hội học)."
)
_EXTERNAL_TEXT = "Cải thiện kết quả thực hiện để nâng điểm theo số liệu khách quan."
_MAINTAIN_TEXT = (
    "Duy trì kết quả đạt điểm tối đa; tiếp tục thực hiện và lưu giữ đầy đủ tài liệu kiểm chứng."
)


@dataclass(frozen=True)
class TaskDraft:
    """One task as drafted (plans.models.Task's fields from the results)."""

    kind: str
    code: str
    name: str
    field_code: str
    method: str
    max_points: Decimal
    last_points: Decimal
    lost: Decimal
    recoverable: Decimal
    loss_kind: str
    reason: str
    comment: str
    agency_codes: tuple[str, ...]
    description: str

    @property
    def expected_points(self) -> Decimal:
        return self.recoverable if self.kind == RECOVER else ZERO


def recover_text(e: LedgerEntry) -> str:
    """The proposed action for a lost item, from why it lost points."""
    if e.kind == STRUCTURAL:
        return _SURVEY_TEXT if e.method == "survey" else _EXTERNAL_TEXT
    if e.reason:
        return _REASON_TEXT.get(e.reason, _REASON_TEXT["other"])
    return _KIND_TEXT.get(e.kind, _REASON_TEXT["other"])


def _leaves(node: NodeResult) -> Iterator[NodeResult]:
    if not node.children:
        yield node
    for c in node.children:
        yield from _leaves(c)


def full_items(row: UnitRow) -> Iterator[tuple[str, NodeResult]]:
    """(field code, leaf) of every applicable sub-criterion at its full points."""
    for f in row.result.fields:
        for n in _leaves(f):
            if n.status != NOT_APPLICABLE and n.max_points > 0 and n.lost <= 0:
                yield f.code, n


def draft_tasks(
    row: UnitRow, ledger: Sequence[LedgerEntry], assignments: Sequence[Assignment] = ()
) -> list[TaskDraft]:
    """The tasks of a unit's plan from its final results (`row`) and its ledger lines,
    in the methodology's natural code order (see the module docstring)."""
    out: list[TaskDraft] = []
    lost_codes = set()
    for e in ledger:
        if e.unit.code != row.unit.code:
            continue
        lost_codes.add(e.code)
        codes = e.lead_agency_codes or tuple(a[0] for a in agencies_for(assignments, e.code))
        out.append(
            TaskDraft(
                kind=RECOVER,
                code=e.code,
                name=e.name,
                field_code=e.field_code,
                method=e.method,
                max_points=q4(e.max_points),
                last_points=q4(e.final_points),
                lost=q4(e.lost),
                recoverable=q4(e.recoverable_points),
                loss_kind=e.kind,
                reason=e.reason,
                comment=e.comment,
                agency_codes=codes,
                description=recover_text(e),
            )
        )
    for field_code, n in full_items(row):
        if n.code in lost_codes:
            continue
        out.append(
            TaskDraft(
                kind=MAINTAIN,
                code=n.code,
                name=n.node.name,
                field_code=field_code,
                method=n.node.method,
                max_points=q4(n.max_points),
                last_points=q4(n.points),
                lost=ZERO,
                recoverable=ZERO,
                loss_kind="",
                reason="",
                comment="",
                agency_codes=tuple(a[0] for a in agencies_for(assignments, n.code)),
                description=_MAINTAIN_TEXT,
            )
        )
    out.sort(key=lambda d: (natural_code(d.code), d.code))
    return out
