"""Plausible demo inputs, typed the way officials type them ("95,74", "đúng hạn", "có").

Every function takes a `random.Random` so the demo is the same on every run, and a unit
`quality` in [0, 1]: better units are more often on time, at 100 %, with evidence.
"""

from __future__ import annotations

import csv
import io
import math
import random
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from functools import cache
from importlib import resources

from parindex.core import Methodology, Node, Unit, fmt_vn, parse_value, score_leaf
from parindex.core.model import EXCLUDE, FULL_POINTS
from parindex.core.rules import (
    PERCENT,
    Band,
    Manual,
    Proportional,
    Thresholds,
    TimelinessRule,
    YesNo,
)
from parindex.core.values import NO_TEXT, NOT_ARISING_TEXT, YES_TEXT, Status, Timeliness

NOT_ARISING = NOT_ARISING_TEXT
STATUS_TEXT = {t: str(Status(t)) for t in Timeliness}


@dataclass(frozen=True)
class Input:
    value: str
    note: str = ""


@dataclass(frozen=True)
class Doc:
    """An evidence document: its title (trích yếu), number (số, ký hiệu) and date."""

    title: str
    number: str
    issued: date


def make_doc(
    rng: random.Random,
    tree: Methodology,
    node: Node,
    *,
    year: int,
    symbol: str,
    latest: date,
    title: str = "",
) -> Doc:
    title = title or evidence_title(tree, node, year)
    number = doc_number(rng, doc_kind(title), symbol)
    return Doc(title, number, document_date(rng, title, year, latest))


def num(value: Decimal | int | float, places: int = 2) -> str:
    """A number as typed in Vietnamese: decimal comma, no useless zeros ("95,5", "100")."""
    d = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)
    text = format(d.normalize(), "f")
    return text.replace(".", ",")


def _weighted_band(rng: random.Random, bands: tuple[Band, ...], quality: float) -> Band:
    ranked = sorted(bands, key=lambda b: b.points, reverse=True)
    if len(ranked) == 1 or rng.random() < 0.35 + 0.6 * quality:
        return ranked[0]
    rest = ranked[1:]
    # Mostly one step down; rarely further.
    weights = [0.75**i for i in range(len(rest))]
    return rng.choices(rest, weights=weights)[0]


def _percent_in(rng: random.Random, band: Band) -> tuple[Decimal, int, int]:
    """A ratio a/b whose percentage (2 decimals, rounded down) falls in the band; in a wide
    band, near its top (a unit at 30 % of its plan is not a realistic demo)."""
    hi = band.hi if band.hi is not None else Decimal(100)
    lo = band.lo if band.lo is not None else Decimal(0)
    lo = max(lo, hi - 15)
    for _ in range(40):
        total = rng.randint(12, 160)
        a_min = math.ceil(lo * total / 100)
        a_max = math.floor(hi * total / 100)
        if a_min > a_max:
            continue
        done = rng.randint(a_min, a_max)
        pct = (Decimal(done) * 100 / Decimal(total)).quantize(Decimal("0.01"), ROUND_DOWN)
        if band.contains(pct):
            return pct, done, total
    pct = lo if band.lo_inclusive or band.lo is None else lo + Decimal("0.5")
    return pct, 0, 0


def _count_in(rng: random.Random, band: Band) -> int:
    lo = int(band.lo) if band.lo is not None else 0
    if band.lo is not None and not band.lo_inclusive:
        lo += 1
    if band.hi is None:
        return lo + rng.choice([0, 0, 1, 2, 3])
    hi = int(band.hi) if band.hi_inclusive else int(band.hi) - 1
    return rng.randint(lo, max(lo, hi))


def doc_number(rng: random.Random, kind: str, symbol: str) -> str:
    return f"{rng.randint(3, 480)}/{kind}-{symbol}"


def doc_kind(title: str) -> str:
    for prefix, kind in (
        ("Kế hoạch", "KH"),
        ("Báo cáo", "BC"),
        ("Quyết định", "QĐ"),
        ("Thông báo", "TB"),
        ("Tờ trình", "TTr"),
        ("Chương trình", "CTr"),
        ("Biên bản", "BB"),
    ):
        if title.startswith(prefix):
            return kind
    return "CV"


def a_date(rng: random.Random, year: int, first_month: int = 1, last_month: int = 11) -> date:
    start = date(year, first_month, 2)
    end = date(year, last_month, 28 if last_month != 12 else 20)
    return start + timedelta(days=rng.randint(0, (end - start).days))


def self_input(
    rng: random.Random,
    tree: Methodology,
    node: Node,
    unit: Unit,
    quality: float,
    *,
    doc: Doc | None = None,
) -> Input:
    """A self-assessed value (and sometimes a note citing `doc`) for one leaf."""
    policy = tree.policy(node)
    if policy in (EXCLUDE, FULL_POINTS) and rng.random() < 0.1:
        return Input(NOT_ARISING, "Trong năm đánh giá không phát sinh nội dung này.")
    rule = node.rule
    with_note = rng.random() < 0.6
    if isinstance(rule, TimelinessRule):
        roll = rng.random()
        status = (
            Timeliness.ON_TIME
            if roll < 0.55 + 0.4 * quality
            else (Timeliness.LATE if roll < 0.97 else Timeliness.NOT_DONE)
        )
        note = ""
        if status != Timeliness.NOT_DONE and doc is not None:
            note = f"{doc.title}: số {doc.number} ngày {doc.issued:%d/%m/%Y}."
        return Input(STATUS_TEXT[status], note)
    if isinstance(rule, YesNo):
        yes = rng.random() < 0.6 + 0.38 * quality
        note = (
            "Có văn bản chứng minh, xem tài liệu kiểm chứng kèm theo."
            if yes
            else "Trong năm đơn vị chưa thực hiện."
        )
        return Input(YES_TEXT if yes else NO_TEXT, note if with_note else "")
    if isinstance(rule, Thresholds):
        band = _weighted_band(rng, rule.bands, quality)
        if rule.over == PERCENT:
            pct, done, total = _percent_in(rng, band)
            note = f"Đạt {done}/{total} ({num(pct)}%)." if total and with_note else ""
            return Input(num(pct), note)
        count = _count_in(rng, band)
        return Input(str(count), f"Số lượng: {count}." if with_note else "")
    if isinstance(rule, Proportional):
        full = rule.full_at
        if rng.random() < 0.3 + 0.5 * quality:
            return Input(
                num(full), "Hoàn thành toàn bộ nhiệm vụ theo kế hoạch." if with_note else ""
            )
        low = Decimal(60 + int(30 * quality))
        pct, done, total = _percent_in(rng, Band(Decimal(0), lo=low, hi=full))
        return Input(num(pct), f"Đạt {done}/{total} ({num(pct)}%)." if total and with_note else "")
    if isinstance(rule, Manual):
        step = rule.step if rule.step > 0 else Decimal("0.25")
        frac = min(1.0, max(0.3, rng.gauss(0.6 + 0.4 * quality, 0.12)))
        points = (node.max_points * Decimal(str(frac)) / step).to_integral_value(ROUND_DOWN) * step
        return Input(num(points, 4), "Tự chấm theo hướng dẫn chấm điểm." if with_note else "")
    raise ValueError(f"no demo input for rule kind {rule.kind if rule else None} ({node.code})")


def external_input(
    rng: random.Random, tree: Methodology, node: Node, unit: Unit, quality: float
) -> str:
    """Survey percentages and figures from the provincial systems, entered by the organiser."""
    rule = node.rule
    if rule is not None and rule.kind == "survey":
        low = 70 + 18 * quality
        return num(Decimal(str(rng.uniform(low, min(99.0, low + 12)))), 1)
    if tree.policy(node) == EXCLUDE and rng.random() < 0.05:
        return NOT_ARISING
    if isinstance(rule, Thresholds):
        band = _weighted_band(rng, rule.bands, min(1.0, quality + 0.1))
        if rule.over == PERCENT:
            return num(_percent_in(rng, band)[0])
        return str(_count_in(rng, band))
    if isinstance(rule, YesNo):
        return YES_TEXT if rng.random() < 0.7 + 0.3 * quality else NO_TEXT
    if isinstance(rule, Proportional):
        return num(Decimal(str(rng.uniform(75 + 20 * quality, 100))), 2)
    return self_input(rng, tree, node, unit, quality).value


def check(tree: Methodology, node: Node, unit: Unit, raw: str) -> Decimal:
    """The points a raw input gets (raises InvalidValue: a generator bug)."""
    assert node.rule is not None
    return score_leaf(tree, node, unit, parse_value(raw, node.rule.expects)).points


_PAREN = re.compile(r"\s*\([^)]*\)")
_YEAR_AFTER = re.compile(r"\bnăm\b(?!\s*\d)")


@cache
def _titles() -> dict[tuple[str, str], str]:
    path = resources.files("parindex.demo") / "data" / "evidence-titles.csv"
    rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
    return {(r["methodology"], r["code"]): r["title"] for r in rows}


def evidence_title(tree: Methodology, node: Node, year: int) -> str:
    """A document title (trích yếu) for the evidence of a leaf: from data/evidence-titles.csv,
    else from the first document the leaf's evidence guidance asks for."""
    title = _titles().get((tree.code, node.code))
    if title:
        return title.format(year=year, prev=year - 1)
    text = _PAREN.sub("", node.evidence or node.name).split(";")[0].strip().rstrip(".")
    if len(text) > 100:
        text = text[:100].rsplit(",", 1)[0]
    if _YEAR_AFTER.search(text):
        return _YEAR_AFTER.sub(f"năm {year}", text, count=1)
    return text if re.search(r"\d{4}", text) else f"{text} năm {year}"


def document_date(rng: random.Random, title: str, year: int, latest: date) -> date:
    """Plans early in the year, reports late, other documents any time; never after `latest`."""
    kind = doc_kind(title)
    months = {"KH": (1, 2), "BC": (9, 12), "CTr": (1, 2)}.get(kind, (2, 11))
    day = a_date(rng, year, *months)
    if day > latest:  # the current year: a recent document, not all of them yesterday
        day = latest - timedelta(days=rng.randint(0, 40))
    return day


def lower_points(node: Node, points: Decimal) -> Decimal:
    """A realistic cut: the next lower level the rule can give; on free scales, one step
    (manual) or a fifth less (proportional)."""
    rule = node.rule
    levels: list[Decimal] = []
    if isinstance(rule, Thresholds):
        levels = [b.points for b in rule.bands]
    elif isinstance(rule, TimelinessRule):
        levels = list(rule.points_for(node.max_points).values())
    elif isinstance(rule, YesNo):
        levels = [rule.no]
    elif isinstance(rule, Manual):
        step = rule.step if rule.step >= Decimal("0.05") else Decimal("0.25")
        return max(Decimal(0), points - step)
    below = sorted({lv for lv in levels if lv < points}, reverse=True)
    if below:
        return below[0]
    return (points * Decimal("0.8")).quantize(Decimal("0.01"), ROUND_DOWN)


def fmt(points: Decimal) -> str:
    return fmt_vn(points, 2)
