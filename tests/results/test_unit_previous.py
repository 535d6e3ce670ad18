"""The unit profile's "compared with last year" uses what the trend chart shows."""

from __future__ import annotations

from decimal import Decimal

from parindex.results.profile import TrendPoint
from parindex.results.views.unit import _previous


def point(year: int, index: str | None, source: str = "national") -> TrendPoint:
    return TrendPoint(year, f"CCHC {year}", Decimal(index) if index else None, 3, source)


def test_the_latest_earlier_point_of_the_trend_is_last_year():
    trend = [point(2023, "70"), point(2024, "75,5".replace(",", ".")), point(2025, "80", "cycle")]
    assert _previous(trend, 2025) == trend[1]
    assert _previous([point(2025, "80", "cycle")], 2025) is None
    assert _previous([point(2024, None)], 2025) is None
