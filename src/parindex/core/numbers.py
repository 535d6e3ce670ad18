"""Decimal helpers: 4 decimals internally with ROUND_HALF_UP, 2 shown."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

Q4 = Decimal("0.0001")
Q2 = Decimal("0.01")
ZERO = Decimal("0")
HUNDRED = Decimal("100")


def q4(value: Decimal) -> Decimal:
    """Round to 4 decimals, half up (the stored precision)."""
    return value.quantize(Q4, rounding=ROUND_HALF_UP)


def q2(value: Decimal) -> Decimal:
    """Round to 2 decimals, half up (the displayed precision)."""
    return value.quantize(Q2, rounding=ROUND_HALF_UP)


def to_decimal(raw: object) -> Decimal:
    """Convert a number or a string with a decimal point or comma to Decimal.

    "61,4203" and "61.4203" both give Decimal("61.4203"). A string holding both separators is
    read with the last one as the decimal mark ("1.234,5" -> 1234.5). Raises ValueError.
    """
    if isinstance(raw, bool):
        raise ValueError("không phải số")
    if isinstance(raw, Decimal):
        result = raw
    elif isinstance(raw, int):
        result = Decimal(raw)
    elif isinstance(raw, float):
        result = Decimal(repr(raw))
    elif isinstance(raw, str):
        try:
            result = Decimal(raw)  # the common case, "85.5": the same value as below
        except InvalidOperation:
            result = _from_text(raw)
    else:
        raise ValueError(f"'{raw}' không phải là số")
    if not result.is_finite():
        raise ValueError(f"'{raw}' không phải là số hữu hạn")
    return result


# What a typed number may hold: ASCII digits, a sign, decimal/thousands marks, spaces and a
# trailing percent. No exponent (1e-400), no other script's digits (٣, ３), no underscores,
# no NaN/Infinity: Decimal() reads all of those, officials never type them.
_TYPED = re.compile(r"[+-]?[0-9.,\u00a0 ]*[0-9][0-9.,\u00a0 ]*%?")
PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)")
NOT_TYPED = "'{raw}' không phải là số viết bằng chữ số 0–9 (ví dụ 7,5)"


def typed_decimal(raw: str) -> Decimal:
    """A number a person typed (a form, an API value, a score or survey file), read as
    to_decimal reads it ("7,5", "1.234,5", "85 %") but in plain digits only: an exponent,
    non-ASCII digits (Arabic-Indic, full-width ...), underscores, NaN and Infinity are
    refused. Raises ValueError."""
    text = raw.strip()
    if not _TYPED.fullmatch(text):
        raise ValueError(NOT_TYPED.format(raw=raw))
    return to_decimal(text)


def _from_text(raw: str) -> Decimal:
    """A number as officials type it: decimal comma, spaces, a trailing %. Raises ValueError."""
    text = raw.strip().replace(" ", "").replace("\u00a0", "")
    if text.endswith("%"):
        text = text[:-1]
    if "," in text and "." in text:
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    else:
        text = text.replace(",", ".")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(f"'{raw}' không phải là số") from None


def fmt_vn(value: Decimal, places: int = 2) -> str:
    """Format a Decimal the Vietnamese way: 61,42 (decimal comma, dot for thousands)."""
    quantum = Decimal(1).scaleb(-places)
    try:
        rounded = value.quantize(quantum, rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more digits than the context holds (e.g. 1e30): show as is
        return str(value)
    text = f"{rounded:,.{places}f}"
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")
