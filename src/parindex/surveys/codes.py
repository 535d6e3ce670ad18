"""Packed answers: one character per select_one question (in slot order), the option's
position in its list as a base-62 digit, NO_ANSWER for an unanswered question.

A million respondents x 20 questions is 20 MB of answers instead of hundreds of MB of JSON,
and scoring reads a column of short strings."""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
NO_ANSWER = "."
MAX_OPTIONS = len(ALPHABET)
INDEX = {c: i for i, c in enumerate(ALPHABET)}


def code_of(position: int) -> str:
    return ALPHABET[position]


def position_of(code: str) -> int | None:
    return INDEX.get(code)
