"""Ranking with shared ranks for ties (standard competition ranking: 1, 2, 2, 4)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TypeVar

T = TypeVar("T")
Key = tuple[Decimal, ...]


def competition_ranks(items: Sequence[T], key: Callable[[T], Key]) -> list[int]:
    """Rank of each item (same order as `items`), higher key first.

    Items whose keys are equal share a rank, and the next rank skips as many places as were
    shared (1, 2, 2, 4). A tie-break is expressed by a longer key: (index, appraisal points).
    """
    keys = [key(i) for i in items]
    order = sorted(range(len(items)), key=lambda i: keys[i], reverse=True)
    ranks = [0] * len(items)
    for pos, i in enumerate(order):
        if pos > 0 and keys[i] == keys[order[pos - 1]]:
            ranks[i] = ranks[order[pos - 1]]
        else:
            ranks[i] = pos + 1
    return ranks


def ranked(items: Sequence[T], key: Callable[[T], Key]) -> list[tuple[int, T]]:
    """(rank, item) pairs sorted by rank, then by input order for equal ranks."""
    ranks = competition_ranks(items, key)
    return sorted(zip(ranks, items, strict=True), key=lambda p: p[0])
