"""Yearly results per province as published, carried onto the 34 provinces of 2025.

Rules (what an official can check by hand):

- Results for the index years before 2025 (`FIRST_34_YEAR`) were published for the 63
  provinces before 01/07/2025; from 2025 for the 34 after. The lineage table
  (parindex.results.lineage, data/provinces-2025.csv) says which former provinces each 2025
  province was formed from (tỉnh trước sắp xếp → tỉnh sau sắp xếp).
- A 2025 province formed from ONE former province (unchanged, or renamed as Thừa Thiên Huế →
  Huế) keeps that province's published values as they are: not pro forma.
- A 2025 province formed by merging several (hợp nhất) has, for the years before 2025, a
  pro forma value (số liệu quy đổi) computed by ONE rule chosen for the whole history:
    * `mean` (bình quân): the arithmetic mean of its former provinces' published indices,
      over those published that year; the ones not published are listed as missing;
    * `continuing` (tỉnh giữ tên): the published index of the former province whose name it
      keeps (Lào Cai + Yên Bái → Lào Cai's own series); when it kept no predecessor's name,
      the one whose provincial seat it keeps (capital_seat_from); without either, no value;
    * `max` / `min` (cao nhất / thấp nhất): the highest / lowest published index among its
      former provinces that year.
  Each pro forma value keeps its rule and its inputs (former province, published index), so
  "88,2650 = bình quân của Lào Cai 89,03 và Yên Bái 87,50" can be shown beside it.
- Values are rounded to 4 decimals, ROUND_HALF_UP (parindex.core.q4).
- A year-on-year change (thay đổi so với năm trước) is the value of a year minus the value of
  the year just before, only when both years have a value (a gap is not bridged); it is pro
  forma when either end is.

Pure Python: no Django (the lineage module is pure too).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from parindex.core import fmt_vn, q4
from parindex.results.lineage import FIRST_34_YEAR, Lineage, Province2025, lineage, province_key

from .errors import PlannerError

MEAN, CONTINUING, MAX, MIN = "mean", "continuing", "max", "min"

# The selectable pro forma rules, with their wording for officials.
RULES: dict[str, str] = {
    MEAN: "bình quân Chỉ số đã công bố của các tỉnh trước sắp xếp (những tỉnh có số liệu)",
    CONTINUING: "Chỉ số đã công bố của tỉnh giữ tên (hoặc giữ trung tâm hành chính)",
    MAX: "Chỉ số cao nhất trong các tỉnh trước sắp xếp",
    MIN: "Chỉ số thấp nhất trong các tỉnh trước sắp xếp",
}


class UnknownProvince(PlannerError):
    """Published rows whose province is not in the lineage table (all of them at once)."""

    def __init__(self, rows: Iterable[tuple[int, str]]) -> None:
        self.rows = tuple(rows)
        listed = "; ".join(f"{year}: {name}" for year, name in self.rows)
        super().__init__(f"không tìm thấy tỉnh, thành phố trong bảng sắp xếp: {listed}")


class DuplicateResult(PlannerError):
    """Two published rows for the same province and year."""

    def __init__(self, rows: Iterable[tuple[int, str]]) -> None:
        self.rows = tuple(rows)
        listed = "; ".join(f"{year}: {name}" for year, name in self.rows)
        super().__init__(f"có hai kết quả cho cùng một tỉnh trong một năm: {listed}")


@dataclass(frozen=True)
class PublishedResult:
    """One province's index for one year, as published (name in any usual spelling)."""

    year: int
    province: str
    index: Decimal
    rank: int | None = None
    source: str = ""


@dataclass(frozen=True)
class SeriesPoint:
    """A 2025 province's value for one year.

    `inputs` are the published (former province, index) pairs it comes from; `missing` the
    former provinces without a published value that year. `rule` is None for a value taken
    as published (a single predecessor, or any year from 2025), else the pro forma rule."""

    year: int
    index: Decimal
    rule: str | None = None
    inputs: tuple[tuple[str, Decimal], ...] = ()
    missing: tuple[str, ...] = ()
    rank: int | None = None  # the published rank, for a value taken as published

    @property
    def pro_forma(self) -> bool:
        return self.rule is not None

    @property
    def explanation(self) -> str:
        """How the value was obtained, in Vietnamese (2 decimals shown)."""
        parts = ", ".join(f"{name} {fmt_vn(value)}" for name, value in self.inputs)
        if self.rule is None:
            return f"Số liệu công bố năm {self.year}: {parts}."
        text = f"Số liệu quy đổi năm {self.year} ({RULES[self.rule]}): {parts}"
        if self.missing:
            text += f"; không có số liệu: {', '.join(self.missing)}"
        return f"{text} → {fmt_vn(self.index)}."


@dataclass(frozen=True)
class Change:
    """The change of a province's value from `year - 1` to `year`."""

    year: int
    change: Decimal
    pro_forma: bool


@dataclass(frozen=True)
class Series:
    """A 2025 province's values by year, oldest first."""

    province: str
    points: tuple[SeriesPoint, ...]

    def at(self, year: int) -> SeriesPoint | None:
        return self._by_year.get(year)

    def value(self, year: int) -> Decimal | None:
        point = self._by_year.get(year)
        return point.index if point is not None else None

    @property
    def latest(self) -> SeriesPoint | None:
        return self.points[-1] if self.points else None

    @cached_property
    def changes(self) -> tuple[Change, ...]:
        """Year-on-year changes, between consecutive years that both have a value."""
        out = []
        for before, after in zip(self.points, self.points[1:], strict=False):
            if after.year == before.year + 1:
                out.append(
                    Change(
                        after.year,
                        q4(after.index - before.index),
                        before.pro_forma or after.pro_forma,
                    )
                )
        return tuple(out)

    @cached_property
    def _by_year(self) -> dict[int, SeriesPoint]:
        return {p.year: p for p in self.points}


@dataclass(frozen=True)
class History:
    """The series of the 34 provinces under one pro forma rule, in the lineage table's order,
    and the published values (by the published province's lineage spelling)."""

    rule: str
    series: tuple[Series, ...]
    published: Mapping[int, Mapping[str, Decimal]]

    @cached_property
    def by_province(self) -> dict[str, Series]:
        return {s.province: s for s in self.series}

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(sorted({p.year for s in self.series for p in s.points}))

    def values(self, year: int) -> dict[str, Decimal]:
        """The 2025 provinces' values for a year (pro forma before 2025), those that have one."""
        return {s.province: v for s in self.series if (v := s.value(year)) is not None}

    def changes(self, province: str) -> tuple[Change, ...]:
        return self.by_province[province].changes

    @cached_property
    def pooled_changes(self) -> tuple[Decimal, ...]:
        """Every province's year-on-year changes together (each change once)."""
        return tuple(c.change for s in self.series for c in s.changes)


def build_history(
    results: Iterable[PublishedResult],
    rule: str = MEAN,
    *,
    table: Lineage | None = None,
    first_34_year: int = FIRST_34_YEAR,
) -> History:
    """The series of every 2025 province from published results, merged provinces' earlier
    years pro forma by `rule` (module docstring). Raises UnknownProvince for names not in
    the lineage table of their year, DuplicateResult for a province published twice in a
    year, ValueError for an unknown rule."""
    if rule not in RULES:
        raise ValueError(f"quy tắc quy đổi không hợp lệ: {rule} (cần: {', '.join(RULES)})")
    lin = table or lineage()
    before: dict[int, dict[str, PublishedResult]] = defaultdict(dict)  # year -> former name
    after: dict[int, dict[str, PublishedResult]] = defaultdict(dict)  # year -> 2025 name
    unknown: list[tuple[int, str]] = []
    twice: list[tuple[int, str]] = []
    for r in results:
        if r.year < first_34_year:
            name = lin.canonical_before(r.province)
            bucket = before[r.year]
        else:
            prov = lin.province(r.province)
            name = prov.name if prov is not None else None
            bucket = after[r.year]
        if name is None:
            unknown.append((r.year, r.province))
        elif name in bucket:
            twice.append((r.year, r.province))
        else:
            bucket[name] = r
    if unknown:
        raise UnknownProvince(unknown)
    if twice:
        raise DuplicateResult(twice)
    series = tuple(_series(prov, rule, before, after) for prov in lin.provinces)
    published = {
        year: {name: r.index for name, r in rows.items()}
        for year, rows in sorted({**before, **after}.items())
    }
    return History(rule, series, published)


def _series(
    prov: Province2025,
    rule: str,
    before: Mapping[int, Mapping[str, PublishedResult]],
    after: Mapping[int, Mapping[str, PublishedResult]],
) -> Series:
    points: list[SeriesPoint] = []
    for year in sorted(before):
        point = pro_forma(prov, rule, year, before[year])
        if point is not None:
            points.append(point)
    for year in sorted(after):
        r = after[year].get(prov.name)
        if r is not None:
            points.append(SeriesPoint(year, q4(r.index), None, ((prov.name, r.index),), (), r.rank))
    return Series(prov.name, tuple(points))


def pro_forma(
    prov: Province2025, rule: str, year: int, published: Mapping[str, PublishedResult]
) -> SeriesPoint | None:
    """A 2025 province's value for a year before 2025 from its former provinces' published
    results of that year (`published` by lineage spelling), or None when the rule finds no
    value. A province with one predecessor takes its value as published."""
    if len(prov.predecessors) == 1:
        r = published.get(prov.predecessors[0])
        if r is None:
            return None
        return SeriesPoint(year, q4(r.index), None, ((prov.predecessors[0], r.index),), (), r.rank)
    found = [(p, published[p].index) for p in prov.predecessors if p in published]
    missing = tuple(p for p in prov.predecessors if p not in published)
    if rule == CONTINUING:
        keeps = province_key(prov.continuing() or prov.capital_from or "\0")
        found = [(p, v) for p, v in found if province_key(p) == keeps]
        missing = () if found else tuple(p for p in prov.predecessors if province_key(p) == keeps)
    if not found:
        return None
    values = [v for _, v in found]
    if rule == MEAN:
        value = sum(values, Decimal(0)) / len(values)
    elif rule == MAX:
        value = max(values)
    elif rule == MIN:
        value = min(values)
    else:  # CONTINUING: the one value kept
        value = values[0]
    return SeriesPoint(year, q4(value), rule, tuple(found), missing)
