"""Input values a leaf can receive, and their parsing from what officials type."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from .errors import InvalidValue
from .numbers import HUNDRED, PLAIN_NUMBER, q4, to_decimal, typed_decimal

# How the engine writes values back (and the form offers them): the canonical words.
YES_TEXT, NO_TEXT = "có", "không"
NOT_ARISING_TEXT = "không phát sinh"


class Timeliness(Enum):
    ON_TIME = "on_time"
    LATE = "late"
    NOT_DONE = "not_done"


@dataclass(frozen=True, slots=True)
class Number:
    value: Decimal

    def __str__(self) -> str:
        return str(self.value)


@dataclass(frozen=True, slots=True)
class Flag:
    value: bool

    def __str__(self) -> str:
        return YES_TEXT if self.value else NO_TEXT


@dataclass(frozen=True, slots=True)
class Status:
    value: Timeliness

    def __str__(self) -> str:
        return _STATUS_LABEL[self.value]


@dataclass(frozen=True, slots=True)
class Ratio:
    """A ratio entered as its two counts, done / total ("45/50"); the percentage is the
    rule's to compute. 0/0 is "not arising" (the leaf's policy decides)."""

    done: Decimal
    total: Decimal

    def __str__(self) -> str:
        return f"{_count_text(self.done)}/{_count_text(self.total)}"

    @property
    def percent(self) -> Decimal | None:
        """done / total x 100, 4 decimals ROUND_HALF_UP; None for 0/0."""
        if self.total == 0:
            return None
        return q4(self.done / self.total * HUNDRED)


@dataclass(frozen=True, slots=True)
class NotArising:
    def __str__(self) -> str:
        return NOT_ARISING_TEXT


Value = Number | Flag | Status | Ratio | NotArising

_STATUS_LABEL = {
    Timeliness.ON_TIME: "đúng hạn",
    Timeliness.LATE: "chậm",
    Timeliness.NOT_DONE: "không thực hiện",
}


def _norm(text: str) -> str:
    folded = unicodedata.normalize("NFC", text).strip().lower()
    return " ".join(folded.replace("_", " ").replace("-", " ").split())


_YES = {"yes", "y", "true", "có", "co", "1", "đạt", "dat", "x", "đúng"}
_NO = {"no", "n", "false", "không", "khong", "0", "không đạt", "khong dat", "sai"}
_NA = {"na", "n/a", "không phát sinh", "khong phat sinh", "kps", "not arising"}
_STATUS = {
    "on time": Timeliness.ON_TIME,
    "đúng hạn": Timeliness.ON_TIME,
    "dung han": Timeliness.ON_TIME,
    "late": Timeliness.LATE,
    "chậm": Timeliness.LATE,
    "cham": Timeliness.LATE,
    "trễ hạn": Timeliness.LATE,
    "chậm hạn": Timeliness.LATE,
    "not done": Timeliness.NOT_DONE,
    "không thực hiện": Timeliness.NOT_DONE,
    "khong thuc hien": Timeliness.NOT_DONE,
    "chưa thực hiện": Timeliness.NOT_DONE,
}

# parse_value returns these shared instances (values are immutable): a national file has
# hundreds of thousands of yes/no and timeliness inputs, and the engine can recognise equal
# inputs by identity (aggregate._score_units).
_NOT_ARISING = NotArising()
_FLAGS = {True: Flag(True), False: Flag(False)}
_STATUSES = {t: Status(t) for t in Timeliness}

_PLAIN_NUMBER = PLAIN_NUMBER.fullmatch  # "85.5", "-3", ".5": what Decimal reads as typed
_new = object.__new__
_set_number = Number.__dict__["value"].__set__  # Number(x) without the frozen __init__

# What kind of input each rule kind takes.
NUMBER, FLAG, STATUS, RATIO = "number", "flag", "status", "ratio"


def is_not_arising(raw: object) -> bool:
    """Whether the text says "not arising" (không phát sinh, KPS, NA, N/A ...): the one test
    every reader of stored inputs uses (the form, the progress summary, the score files)."""
    return isinstance(raw, str) and _norm(raw) in _NA


def parse_yes_no(raw: object) -> bool | None:
    """True/False for the yes/no words officials type (có/không, yes/no, x, 1/0, đạt ...),
    None for anything else (an empty text included)."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        text = _norm(raw)
        if text in _YES:
            return True
        if text in _NO:
            return False
    return None


def parse_value(raw: object, expects: str) -> Value:
    """Parse one raw input (str, number or bool) for a rule that expects `expects`.

    Raises InvalidValue with a Vietnamese message naming what was expected.
    """
    if raw.__class__ is str and expects == NUMBER:  # the most common inputs, as below
        text: str | None = raw
        if "," in raw:  # "85,5": what numbers._from_text makes of it when nothing else is there
            plain = "." not in raw and " " not in raw and "\u00a0" not in raw and "%" not in raw
            text = raw.replace(",", ".") if plain else None
        if text is not None and _PLAIN_NUMBER(text):
            made = _new(Number)
            _set_number(made, Decimal(text))
            return made
    if isinstance(raw, NotArising | Number | Flag | Status | Ratio):
        return raw
    text = None
    if isinstance(raw, str):
        if expects == NUMBER:  # most inputs: no NA word is a number, so try a number first
            try:
                return Number(typed_decimal(raw))
            except ValueError:
                pass
        text = _norm(raw)
        if text in _NA:
            return _NOT_ARISING
    if expects == FLAG:
        if isinstance(raw, bool):
            return _FLAGS[raw]
        if text in _YES or raw == 1:
            return _FLAGS[True]
        if text in _NO or raw == 0:
            return _FLAGS[False]
        raise InvalidValue(f"giá trị '{raw}' không hợp lệ: cần có/không (yes/no)")
    if expects == RATIO:
        return parse_ratio(raw)
    if expects == STATUS:
        if text in _STATUS:
            return _STATUSES[_STATUS[text]]
        raise InvalidValue(
            f"giá trị '{raw}' không hợp lệ: cần đúng hạn / chậm / không thực hiện "
            "(on-time / late / not-done)"
        )
    try:
        return Number(typed_decimal(raw) if isinstance(raw, str) else to_decimal(raw))
    except ValueError:
        raise InvalidValue(
            f"giá trị '{raw}' không hợp lệ: cần một số, viết bằng chữ số 0–9 (ví dụ 7,5)"
        ) from None


def _count_text(count: Decimal) -> str:
    return format(count.normalize(), "f") if count == count.to_integral_value() else str(count)


_THOUSANDS = re.compile(r"^\d{1,3}(?:[.\u00a0 ]\d{3})+$")


def parse_count(raw: object, what: str) -> Decimal:
    """A count officials type: a whole number >= 0, with dots or spaces between thousands
    ("1.234"). Raises InvalidValue naming `what` (tử số / mẫu số)."""
    if isinstance(raw, str):
        text = raw.strip()
        if _THOUSANDS.match(text):
            text = re.sub(r"[.\u00a0 ]", "", text)
    else:
        text = raw  # type: ignore[assignment]
    if text == "" or text is None:
        raise InvalidValue(f"thiếu {what}")
    try:
        count = typed_decimal(text) if isinstance(text, str) else to_decimal(text)
    except ValueError:
        raise InvalidValue(f"{what} '{raw}' không phải là số") from None
    if count < 0:
        raise InvalidValue(f"{what} {raw} âm")
    if count != count.to_integral_value():
        raise InvalidValue(f"{what} {raw} phải là số nguyên")
    return count.quantize(Decimal(1))


def make_ratio(done_raw: object, total_raw: object) -> Ratio:
    """The ratio of two counts as typed (each a whole number >= 0, done <= total).
    Raises InvalidValue with the message shown on the row."""
    done = parse_count(done_raw, "số đã thực hiện (tử số)")
    total = parse_count(total_raw, "tổng số (mẫu số)")
    if done > total:
        raise InvalidValue(
            f"số đã thực hiện {_count_text(done)} lớn hơn tổng số {_count_text(total)}"
        )
    return Ratio(done, total)


def parse_ratio(raw: object) -> Ratio | NotArising:
    """ "45/50" (or "45 / 50", "45 trên 50") as a Ratio; the "not arising" words as NotArising.
    Raises InvalidValue for anything else."""
    if isinstance(raw, str):
        if _norm(raw) in _NA:
            return _NOT_ARISING
        parts = re.split(r"/|\btrên\b", raw)
        if len(parts) == 2:
            return make_ratio(parts[0], parts[1])
    raise InvalidValue(
        f"giá trị '{raw}' không hợp lệ: cần hai số đã thực hiện/tổng số, ví dụ 45/50"
    )
