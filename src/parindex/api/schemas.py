"""Request and response bodies. Every published number is a Decimal written as a string
("61.4200"), never a float, so nothing is rounded on the way."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import field_validator

Stage = Literal["self", "r1", "r2", "final"]
UnitType = Literal["ministry", "province", "department", "commune", "other"]
CycleState = Literal[
    "draft", "open", "self_closed", "appraisal", "explanation", "appraisal_2", "final", "published"
]
LedgerKind = Literal["evidence", "appraisal", "self_shortfall", "missing", "structural"]
LedgerReason = Literal["evidence_missing", "evidence_invalid", "outside_period", "not_met", "other"]
LedgerSort = Literal["lost", "recoverable", "unit", "code", "rank"]


def holds_nul(value: Any) -> bool:
    """Whether a text anywhere in `value` (texts, lists, dicts' keys and values) holds NUL."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(holds_nul(k) or holds_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(holds_nul(v) for v in value)
    return False


class InSchema(Schema):
    """A request body: no text in it may hold a NUL byte (PostgreSQL can store none; the
    write would fail with a 500). Refused with 422 naming the field."""

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if holds_nul(value):
            raise ValueError(_("không được chứa ký tự NUL (mã 0)"))
        return value


class ErrorDetail(Schema):
    code: str = Field(..., description="Mã lỗi ổn định cho chương trình")
    message: str = Field(..., description="Thông báo cho người đọc")
    details: list[dict[str, Any]] = Field(default_factory=list)


class ErrorOut(Schema):
    error: ErrorDetail


# --- reads ---------------------------------------------------------------------------------


class MethodologyOut(Schema):
    id: int
    code: str
    version: str
    name: str
    status: str
    created_at: datetime


class MethodologyDetailOut(MethodologyOut):
    tree: dict[str, Any] = Field(
        ..., description="Bộ tiêu chí dạng dữ liệu (như tệp YAML); số là chuỗi thập phân"
    )


class UnitRef(Schema):
    code: str
    name: str
    type: str


class CycleOut(Schema):
    id: int
    name: str
    year: int
    state: str
    state_label: str
    methodology: MethodologyOut
    organiser: UnitRef
    self_start: datetime | None
    self_end: datetime | None
    appraisal_start: datetime | None
    appraisal_end: datetime | None
    explanation_start: datetime | None
    explanation_end: datetime | None
    publication_date: date | None
    finalised_at: datetime | None
    published_at: datetime | None = Field(None, description="Thời điểm công bố thực tế")
    decision_number: str = Field("", description="Số quyết định phê duyệt kết quả")
    decision_date: date | None = Field(None, description="Ngày quyết định phê duyệt")


class CycleDetailOut(CycleOut):
    units: int = Field(..., description="Số đơn vị tham gia mà bạn được xem")
    stages: list[str] = Field(..., description="Các giai đoạn kết quả bạn được xem lúc này")


class ParticipationOut(Schema):
    unit: UnitRef
    status: str
    submitted_at: datetime | None
    late_until: datetime | None


class FieldScoreOut(Schema):
    points: str
    max: str
    index: str | None
    rank: int | None


class UnitResultOut(Schema):
    unit: UnitRef
    rank: int | None = Field(
        ...,
        description="Thứ hạng trong cùng loại đơn vị (đồng hạng: 1, 2, 2, 4); "
        "trống với đơn vị không nộp",
    )
    not_submitted: bool = Field(False, description="Đơn vị không nộp: không xếp hạng")
    points: str
    max_points: str
    index: str
    band: str
    band_label: str
    bonus: str
    deduction: str
    fields: dict[str, FieldScoreOut]


class LeafOut(Schema):
    code: str
    name: str
    field: str
    max: str
    points: str
    status: str
    explanation: str


class UnitResultDetailOut(UnitResultOut):
    stage: str
    leaves: list[LeafOut]
    adjustments: list[LeafOut]


class LedgerOut(Schema):
    unit: UnitRef
    unit_rank: int
    code: str
    name: str
    field: str
    method: str
    max: str
    self_points: str | None
    r1_points: str | None
    r2_points: str | None
    final_points: str
    lost: str
    recoverable_points: str
    recoverable: bool
    kind: str
    kind_label: str
    reason: str
    reason_label: str
    comment: str
    lead_agencies: list[str] = Field(..., description="Mã các cơ quan chủ trì")


class EntryOut(Schema):
    code: str
    value: str
    note: str
    points: str | None = Field(..., description="Điểm tự đánh giá theo quy tắc")
    version: int = Field(..., description="Gửi lại khi sửa để phát hiện xung đột")
    updated_at: datetime


# --- writes --------------------------------------------------------------------------------


class ScoreIn(InSchema):
    code: str = Field(..., min_length=1, max_length=32, description="Mã tiêu chí thành phần")
    value: str | int | float = Field(
        ..., description="Giá trị như khi nhập trên trang (ví dụ “95,5”, “có”, “không phát sinh”)"
    )
    note: str | None = Field(None, max_length=10_000, description="Thuyết minh")
    version: int | None = Field(
        None, ge=0, le=2_147_483_647, description="Phiên bản đã đọc (phát hiện xung đột)"
    )


class ExternalIn(InSchema):
    code: str = Field(..., min_length=1, max_length=32)
    value: str | int | float
    version: int | None = Field(None, ge=0, le=2_147_483_647)


class SavedItemOut(Schema):
    code: str
    value: str
    points: str | None
    version: int


class SavedOut(Schema):
    saved: int
    items: list[SavedItemOut]


# --- stages --------------------------------------------------------------------------------


class CheckItemOut(Schema):
    check: str = Field(..., description="unsubmitted, unappraised, unexplained hoặc surveys")
    label: str
    count: int = Field(..., description="Số việc còn tồn đọng (0: xong)")
    consequence: str = Field(..., description="Điều xảy ra với chúng nếu vẫn chuyển tiếp")
    note: str
    units: list[str] = Field(..., description="Tên vài đơn vị đầu tiên liên quan")


class MoveOut(Schema):
    to_state: CycleState
    label: str
    back: bool = Field(..., description="Quay lại giai đoạn trước")
    open: int = Field(..., description="Tổng số việc còn tồn đọng")
    reason_required: bool
    decision_required: bool = Field(..., description="Công bố: cần số và ngày quyết định")
    items: list[CheckItemOut]


class ChecklistOut(Schema):
    cycle: int
    state: CycleState
    state_label: str
    moves: list[MoveOut]


class TransitionIn(InSchema):
    to_state: CycleState
    reason: str = Field("", max_length=1000, description="Cần khi còn việc tồn đọng, khi quay lại")
    decision_number: str = Field("", max_length=100, description="Công bố: số quyết định")
    decision_date: date | None = Field(None, description="Công bố: ngày quyết định (YYYY-MM-DD)")
