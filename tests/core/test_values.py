"""parse_value and to_decimal: what officials type, read the Vietnamese or English way."""

from __future__ import annotations

import unicodedata
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parindex.core import (
    Flag,
    InvalidValue,
    NotArising,
    Number,
    Status,
    Timeliness,
    fmt_vn,
    parse_value,
    q2,
    q4,
    to_decimal,
)
from parindex.core.values import FLAG, NUMBER, STATUS

D = Decimal


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("61,4203", "61.4203"),
        ("61.4203", "61.4203"),
        ("1.234,5", "1234.5"),
        ("1,234.5", "1234.5"),
        ("1 234,5", "1234.5"),
        ("1\u00a0234,5", "1234.5"),
        ("  80 ", "80"),
        ("85,5%", "85.5"),
        ("100", "100"),
        ("0", "0"),
        ("-3", "-3"),
        (7, "7"),
        (0.1, "0.1"),
        (D("2.50"), "2.50"),
    ],
)
def test_parse_number(raw, expected):
    value = parse_value(raw, NUMBER)
    assert value == Number(D(expected))
    assert isinstance(value.value, Decimal)


def test_to_decimal_float_keeps_the_shown_digits():
    assert to_decimal(0.1) == D("0.1")  # not 0.1000000000000000055511151231257827


@pytest.mark.parametrize("raw", ["abc", "", "1,2,3", "12a", "nan", "inf", "-Infinity", "--1"])
def test_not_a_number(raw):
    with pytest.raises(InvalidValue, match="cần một số"):
        parse_value(raw, NUMBER)


@pytest.mark.parametrize("raw", [True, False, None, [1], object()])
def test_wrong_python_types_are_not_numbers(raw):
    with pytest.raises(InvalidValue, match="không hợp lệ: cần một số"):
        parse_value(raw, NUMBER)


@pytest.mark.parametrize(
    "raw", ["yes", "Yes", "Y", "true", "TRUE", "có", "Có", "co", "1", "đạt", "Đạt", "x", True, 1]
)
def test_yes(raw):
    assert parse_value(raw, FLAG) == Flag(True)


@pytest.mark.parametrize(
    "raw",
    ["no", "NO", "n", "false", "không", "Không", "khong", "0", "không đạt", "Không  Đạt", False, 0],
)
def test_no(raw):
    assert parse_value(raw, FLAG) == Flag(False)


def test_decomposed_unicode_is_normalised():
    # Text typed on some systems arrives decomposed (NFD); it means the same.
    assert parse_value(unicodedata.normalize("NFD", "Không"), FLAG) == Flag(False)
    assert parse_value(unicodedata.normalize("NFD", "Đúng hạn"), STATUS) == Status(
        Timeliness.ON_TIME
    )


@pytest.mark.parametrize("raw", ["maybe", "2", "", "đúng hạn", 2, 0.5])
def test_flag_refuses_other_values(raw):
    with pytest.raises(InvalidValue) as exc:
        parse_value(raw, FLAG)
    assert "cần có/không (yes/no)" in str(exc.value)
    assert str(raw) in str(exc.value)


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("đúng hạn", Timeliness.ON_TIME),
        ("Đúng hạn", Timeliness.ON_TIME),
        ("dung han", Timeliness.ON_TIME),
        ("on-time", Timeliness.ON_TIME),
        ("on_time", Timeliness.ON_TIME),
        ("ON TIME", Timeliness.ON_TIME),
        ("On-Time", Timeliness.ON_TIME),
        ("chậm", Timeliness.LATE),
        ("Chậm", Timeliness.LATE),
        ("trễ hạn", Timeliness.LATE),
        ("late", Timeliness.LATE),
        ("LATE", Timeliness.LATE),
        ("không thực hiện", Timeliness.NOT_DONE),
        ("Không thực hiện", Timeliness.NOT_DONE),
        ("chưa thực hiện", Timeliness.NOT_DONE),
        ("not-done", Timeliness.NOT_DONE),
        ("not_done", Timeliness.NOT_DONE),
        ("Not Done", Timeliness.NOT_DONE),
        ("  not   done ", Timeliness.NOT_DONE),
    ],
)
def test_timeliness(raw, status):
    assert parse_value(raw, STATUS) == Status(status)


@pytest.mark.parametrize("raw", ["yes", "1", "sớm", "", 1])
def test_timeliness_refuses_other_values(raw):
    with pytest.raises(InvalidValue) as exc:
        parse_value(raw, STATUS)
    assert "cần đúng hạn / chậm / không thực hiện" in str(exc.value)


@pytest.mark.parametrize(
    "raw",
    [
        "NA",
        "na",
        "N/A",
        "n/a",
        "không phát sinh",
        "Không phát sinh",
        "KHÔNG PHÁT SINH",
        "khong phat sinh",
        "không_phát_sinh",
        "không-phát-sinh",
        "KPS",
        "not arising",
        "not-arising",
    ],
)
@pytest.mark.parametrize("expects", [NUMBER, FLAG, STATUS])
def test_not_arising_for_every_kind(raw, expects):
    assert parse_value(raw, expects) == NotArising()


def test_parsed_values_pass_through():
    for v in (Number(D(1)), Flag(True), Status(Timeliness.LATE), NotArising()):
        assert parse_value(v, NUMBER) is v


def test_value_labels():
    assert str(Flag(True)) == "có"
    assert str(Flag(False)) == "không"
    assert str(Status(Timeliness.ON_TIME)) == "đúng hạn"
    assert str(Status(Timeliness.LATE)) == "chậm"
    assert str(Status(Timeliness.NOT_DONE)) == "không thực hiện"
    assert str(NotArising()) == "không phát sinh"
    assert str(Number(D("1.5"))) == "1.5"


@pytest.mark.parametrize(
    ("raw", "expects", "needle"),
    [
        ("có", NUMBER, "cần một số"),
        ("late", NUMBER, "cần một số"),
        ("85,5", FLAG, "cần có/không"),
        ("late", FLAG, "cần có/không"),
        ("có", STATUS, "cần đúng hạn"),
        ("85", STATUS, "cần đúng hạn"),
    ],
)
def test_wrong_kind_gives_a_vietnamese_message_naming_the_value(raw, expects, needle):
    with pytest.raises(InvalidValue) as exc:
        parse_value(raw, expects)
    message = str(exc.value)
    assert needle in message
    assert f"'{raw}'" in message
    assert "không hợp lệ" in message


def test_rounding_helpers():
    assert q4(D("0.00005")) == D("0.0001")  # half up, not half even
    assert q4(D("2.00045")) == D("2.0005")
    assert q2(D("89.375")) == D("89.38")
    assert q2(D("0.125")) == D("0.13")
    assert str(q4(D(1))) == "1.0000"


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [
        (D("61.4203"), 2, "61,42"),
        (D("1234.5"), 2, "1.234,50"),
        (D("1234567.891"), 2, "1.234.567,89"),
        (D("89.375"), 2, "89,38"),
        (D("0.5"), 4, "0,5000"),
        (D("-0.5"), 2, "-0,50"),
        (D("3"), 0, "3"),
    ],
)
def test_fmt_vn(value, places, text):
    assert fmt_vn(value, places) == text


def test_fmt_vn_does_not_crash_on_huge_numbers():
    # An input such as "1e30" parses; showing it in a message must not raise.
    text = fmt_vn(to_decimal("1e30"))
    assert text


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789.,% -_eE\u00a0naif+", max_size=10))
def test_to_decimal_fast_path_reads_like_the_text_path(text):
    # to_decimal tries Decimal(text) first; the value must be what the text path reads.
    from parindex.core.numbers import _from_text

    try:
        fast = to_decimal(text)
    except ValueError:
        fast = None
    try:
        slow = _from_text(text)
        slow = slow if slow.is_finite() else None
    except ValueError:
        slow = None
    assert (None if fast is None else str(fast)) == (None if slow is None else str(slow))


@pytest.mark.parametrize(
    "raw", ["1e-400", "1E5", "٣", "３", "१२", "1_000", "NaN", "Infinity", "-inf", "0x10", "٣,٥"]
)
def test_numbers_are_typed_in_plain_digits(raw):
    # Decimal() reads each of these; a person's input must not (issue 12, security pass).
    with pytest.raises(InvalidValue, match="cần một số, viết bằng chữ số 0–9"):
        parse_value(raw, NUMBER)


@pytest.mark.parametrize(
    "raw, value",
    [("7,5", "7.5"), ("85.5", "85.5"), (" 1.234,5 ", "1234.5"), ("90 %", "90"), ("-2", "-2")],
)
def test_typed_numbers_still_read(raw, value):
    assert parse_value(raw, NUMBER) == Number(D(value))
