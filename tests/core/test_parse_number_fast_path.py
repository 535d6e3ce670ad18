"""parse_value's fast path for typed numbers ("85.5", "85,5") gives what the general path
(numbers.typed_decimal, then "không phát sinh", then an error) gives, digit for digit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parindex.core import InvalidValue, Number, parse_value
from parindex.core.numbers import typed_decimal
from parindex.core.values import _NA, NUMBER, NotArising, _norm


def general(raw: str) -> tuple[str, str]:
    try:
        return ("number", str(Number(typed_decimal(raw)).value))
    except ValueError:
        pass
    if _norm(raw) in _NA:
        return ("na", "")
    return ("invalid", "")


def fast(raw: str) -> tuple[str, str]:
    try:
        value = parse_value(raw, NUMBER)
    except InvalidValue:
        return ("invalid", "")
    if isinstance(value, NotArising):
        return ("na", "")
    assert isinstance(value, Number)
    return ("number", str(value.value))


@given(st.text(alphabet="0123456789,.-+ _%eE\u00a0\tna٣３", max_size=12))
def test_the_same_as_the_general_path(raw):
    assert fast(raw) == general(raw)


@pytest.mark.parametrize(
    "raw", ["85,5", "85.5", "1.234,5", "1,234.5", " 7,25 ", "7,25%", "1_0,5", "NaN", "1e3", "na"]
)
def test_examples(raw):
    assert fast(raw) == general(raw)
