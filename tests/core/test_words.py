"""The words officials type for yes/no and "not arising" live in parindex.core only."""

from __future__ import annotations

import pytest

from parindex.core import (
    NO_TEXT,
    NOT_ARISING_TEXT,
    YES_TEXT,
    Flag,
    NotArising,
    is_not_arising,
    parse_value,
    parse_yes_no,
)


@pytest.mark.parametrize("raw", ["có", "Có", "x", "yes", "TRUE", "1", "đạt", "đúng", True])
def test_yes_words(raw):
    assert parse_yes_no(raw) is True
    assert parse_value(raw, "flag") == Flag(True)


@pytest.mark.parametrize("raw", ["không", "Khong", "no", "0", "không đạt", "sai", False])
def test_no_words(raw):
    assert parse_yes_no(raw) is False
    assert parse_value(raw, "flag") == Flag(False)


@pytest.mark.parametrize("raw", ["", "maybe", "đúng hạn", None, 2])
def test_neither(raw):
    assert parse_yes_no(raw) is None


@pytest.mark.parametrize("raw", ["KPS", "kps", "N/A", "na", "Không phát sinh", "not-arising"])
def test_not_arising_words(raw):
    assert is_not_arising(raw)
    assert isinstance(parse_value(raw, "number"), NotArising)


def test_canonical_words_are_what_values_print():
    assert str(Flag(True)) == YES_TEXT and str(Flag(False)) == NO_TEXT
    assert str(NotArising()) == NOT_ARISING_TEXT
    assert not is_not_arising("0") and not is_not_arising(None)
