"""Rule kinds over a rate or a count scored continuously: `ratio` (a rate entered as its two
counts, done / total) and `piecewise` (linear between declared breakpoints, 0 below a floor).

ratio: percentage = done / total x 100, rounded to 4 decimals (ROUND_HALF_UP) and shown as
"45/50 = 90,0000 %"; that rounded percentage is then scored either proportionally
(min(pct / full_at, 1) x max, full_at defaults to 100) or by bands (as `thresholds` over a
percent). 0/0 never reaches the rule: the engine treats it as "không phát sinh" and the leaf's
not-arising policy decides (aggregate.score_leaf).

piecewise: breakpoints (x1, p1) < (x2, p2) < ... (x strictly increasing); value < floor -> 0;
floor <= value <= x1 -> p1; xi <= value <= xi+1 -> pi + (value - xi) / (xi+1 - xi) x
(pi+1 - pi); value >= xn -> pn; rounded to 4 decimals. The floor defaults to x1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..errors import InvalidValue
from ..numbers import HUNDRED, ZERO, fmt_vn, q4, to_decimal
from ..values import NUMBER, RATIO, Number, Ratio, Value
from .classic import _ONE, COUNT, PERCENT, Scored, Thresholds, _num, _pts, _val, _within


def _ratio(value: Value) -> tuple[Ratio, Decimal]:
    if not isinstance(value, Ratio):
        raise InvalidValue(
            f"giá trị '{value}' không hợp lệ: cần hai số đã thực hiện/tổng số, ví dụ 45/50"
        )
    pct = value.percent
    if pct is None:  # 0/0: handled as not arising before the rule is asked
        raise InvalidValue("0/0: không phát sinh, không tính được tỷ lệ")
    if value.done > value.total:
        raise InvalidValue(f"số đã thực hiện {value.done} lớn hơn tổng số {value.total}")
    return value, pct


@dataclass(frozen=True)
class RatioRule:
    """A rate entered as done / total; scored proportionally (to `full_at` %) or by bands."""

    full_at: Decimal = HUNDRED
    bands: Thresholds | None = None
    kind: str = field(default="ratio", init=False)
    expects: str = field(default=RATIO, init=False)

    def _points(self, pct: Decimal, max_points: Decimal) -> Decimal:
        if self.bands is not None:
            return self.bands.band_for(Number(pct))[1]
        return q4(min(pct / self.full_at, _ONE) * max_points)

    def points(self, value: Value, max_points: Decimal) -> Decimal:
        return self._points(_ratio(value)[1], max_points)

    def score(self, value: Value, max_points: Decimal) -> Scored:
        ratio, pct = _ratio(value)
        points = self._points(pct, max_points)
        return Scored(points, _explain_ratio, (self, ratio, pct, max_points, points))

    def check(self, max_points: Decimal) -> list[str]:
        if self.bands is not None:
            if self.bands.over != PERCENT:
                return ["các mức của quy tắc ratio là theo tỷ lệ % (over: percent)"]
            return self.bands.check(max_points)
        if not ZERO < self.full_at <= HUNDRED:
            return [f"full_at = {fmt_vn(self.full_at, 2)} phải trong (0; 100]"]
        return []

    def describe(self, max_points: Decimal) -> str:
        head = "Tỷ lệ = số đã thực hiện / tổng số × 100 (4 chữ số thập phân)"
        if self.bands is not None:
            return f"{head}; {self.bands.describe(max_points)}"
        return f"{head}; tỷ lệ / {fmt_vn(self.full_at, 2)} × {_pts(max_points)} điểm"

    def to_dict(self) -> dict[str, Any]:
        if self.bands is not None:
            return {"kind": self.kind, "bands": self.bands.to_dict()["bands"]}
        return {"kind": self.kind, "full_at": self.full_at}


def _explain_ratio(
    rule: RatioRule, ratio: Ratio, pct: Decimal, max_points: Decimal, points: Decimal
) -> str:
    head = f"{ratio} = {fmt_vn(pct, 4)} %"
    if rule.bands is not None:
        band = rule.bands.band_for(Number(pct))[0]
        return f"{head}: mức {band.label('%')} → {_pts(points)} điểm"
    capped = " (đã đạt mức tối đa)" if pct >= rule.full_at else ""
    return (
        f"{head}; {fmt_vn(pct, 4)} / {fmt_vn(rule.full_at, 2)} × {_pts(max_points)}{capped}"
        f" → {fmt_vn(points, 4)} điểm"
    )


@dataclass(frozen=True)
class Breakpoint:
    at: Decimal
    points: Decimal


@dataclass(frozen=True)
class Piecewise:
    """Linear between breakpoints; 0 below `floor` (default: the first breakpoint)."""

    breakpoints: tuple[Breakpoint, ...]
    floor: Decimal | None = None
    over: str = PERCENT
    kind: str = field(default="piecewise", init=False)
    expects: str = field(default=NUMBER, init=False)

    @property
    def _unit(self) -> str:
        return "%" if self.over == PERCENT else ""

    @property
    def lowest(self) -> Decimal:
        """The value below which the item scores 0."""
        return self.breakpoints[0].at if self.floor is None else self.floor

    def _segment(self, v: Decimal) -> tuple[int, Decimal]:
        """(-1 below the floor, 0 before the first breakpoint, i in 1..n-1 on the segment
        i-1..i, n past the last) and the raw points."""
        if v < 0:
            raise InvalidValue(f"giá trị {_val(v)} âm")
        if self.over == PERCENT and v > HUNDRED:
            raise InvalidValue(f"tỷ lệ {_val(v)}% vượt quá 100%")
        bps = self.breakpoints
        if v < self.lowest:
            return -1, ZERO
        if v <= bps[0].at:
            return 0, bps[0].points
        for i in range(1, len(bps)):
            a, b = bps[i - 1], bps[i]
            if v <= b.at:
                return i, a.points + (v - a.at) / (b.at - a.at) * (b.points - a.points)
        return len(bps), bps[-1].points

    def points(self, value: Value, max_points: Decimal) -> Decimal:
        return q4(self._segment(_num(value))[1])

    def score(self, value: Value, max_points: Decimal) -> Scored:
        v = _num(value)
        segment, raw = self._segment(v)
        return Scored(q4(raw), _explain_piecewise, (self, v, segment, q4(raw)))

    def check(self, max_points: Decimal) -> list[str]:
        problems: list[str] = []
        if self.over not in (PERCENT, COUNT):
            problems.append(f"'over' phải là percent hoặc count, không phải '{self.over}'")
        bps = self.breakpoints
        if len(bps) < 2:
            return [*problems, "quy tắc piecewise cần ít nhất hai điểm gãy (breakpoints)"]
        for b in bps:
            problems += _within({f"tại {fmt_vn(b.at, 2)}{self._unit}": b.points}, max_points)
            if b.at < 0 or (self.over == PERCENT and b.at > HUNDRED):
                problems.append(f"điểm gãy {fmt_vn(b.at, 2)}{self._unit} ngoài miền giá trị")
        for a, b in zip(bps, bps[1:], strict=False):
            if b.at <= a.at:
                problems.append(
                    f"các điểm gãy phải tăng dần: {fmt_vn(b.at, 2)} sau {fmt_vn(a.at, 2)}"
                )
        if self.floor is not None and not ZERO <= self.floor <= bps[0].at:
            problems.append(
                f"ngưỡng sàn (floor) {fmt_vn(self.floor, 2)} phải trong [0; "
                f"{fmt_vn(bps[0].at, 2)}] (điểm gãy đầu tiên)"
            )
        return problems

    def describe(self, max_points: Decimal) -> str:
        u = self._unit
        points = "; ".join(f"{fmt_vn(b.at, 2)}{u} → {_pts(b.points)}" for b in self.breakpoints)
        return (
            f"Tuyến tính từng đoạn giữa các điểm gãy ({points} điểm); dưới "
            f"{fmt_vn(self.lowest, 2)}{u}: 0 điểm"
        )

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind, "over": self.over}
        if self.floor is not None:
            d["floor"] = self.floor
        d["breakpoints"] = [{"at": b.at, "points": b.points} for b in self.breakpoints]
        return d


def _explain_piecewise(rule: Piecewise, v: Decimal, segment: int, points: Decimal) -> str:
    u = rule._unit
    bps = rule.breakpoints
    head = f"{_val(v)}{u}"
    if segment == -1:
        return f"{head} dưới ngưỡng sàn {fmt_vn(rule.lowest, 2)}{u} → 0,00 điểm"
    if segment == 0:
        return f"{head} ≤ {fmt_vn(bps[0].at, 2)}{u} → {_pts(bps[0].points)} điểm"
    if segment == len(bps):
        return f"{head} ≥ {fmt_vn(bps[-1].at, 2)}{u} → {_pts(bps[-1].points)} điểm"
    a, b = bps[segment - 1], bps[segment]
    return (
        f"{head} giữa {fmt_vn(a.at, 2)}{u} ({_pts(a.points)}) và {fmt_vn(b.at, 2)}{u} "
        f"({_pts(b.points)}): {_pts(a.points)} + ({_val(v)} − {fmt_vn(a.at, 2)}) / "
        f"({fmt_vn(b.at, 2)} − {fmt_vn(a.at, 2)}) × ({_pts(b.points)} − {_pts(a.points)}) "
        f"→ {fmt_vn(points, 4)} điểm"
    )


def _breakpoint(spec: Any) -> Breakpoint:
    if isinstance(spec, list | tuple) and len(spec) == 2:
        spec = {"at": spec[0], "points": spec[1]}
    if not isinstance(spec, Mapping) or "at" not in spec or "points" not in spec:
        raise ValueError(f"mỗi điểm gãy cần 'at' và 'points', không phải '{spec}'")
    return Breakpoint(to_decimal(spec["at"]), to_decimal(spec["points"]))


def piecewise_from_dict(spec: Mapping[str, Any]) -> Piecewise:
    raw = spec.get("breakpoints")
    if not isinstance(raw, list):
        raise ValueError("quy tắc 'piecewise' cần 'breakpoints': danh sách {at, points}")
    floor = spec.get("floor")
    return Piecewise(
        breakpoints=tuple(_breakpoint(b) for b in raw),
        floor=None if floor is None else to_decimal(floor),
        over=str(spec.get("over", PERCENT)),
    )


def ratio_from_dict(spec: Mapping[str, Any], band: Any) -> RatioRule:
    bands = spec.get("bands")
    if bands is not None:
        if not isinstance(bands, list):
            raise ValueError("'bands' của quy tắc ratio phải là một danh sách")
        if spec.get("full_at") is not None:
            raise ValueError(
                "quy tắc ratio: chọn 'full_at' (tỷ lệ thuận) hoặc 'bands', không cả hai"
            )
        return RatioRule(bands=Thresholds(bands=tuple(band(b) for b in bands), over=PERCENT))
    full_at = spec.get("full_at")
    return RatioRule(full_at=HUNDRED if full_at is None else to_decimal(full_at))
