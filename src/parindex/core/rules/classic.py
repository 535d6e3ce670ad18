"""The classic rule kinds (manual, yes/no, thresholds, proportional, timeliness, survey,
bonus, deduction): how one leaf turns its input into points.

Each rule is a frozen dataclass with `score(value, max_points) -> Scored`, which returns the
points and the branch of the rule that was taken, so every score can explain itself, and
`points(value, max_points)`, the same points without the explanation (the engine's hot path;
`score` is `points` plus an explanation built only when asked). Both raise InvalidValue.
`check(max_points)` lists what is wrong with the rule itself (for the validator).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..errors import InvalidValue
from ..numbers import HUNDRED, ZERO, fmt_vn, q4, to_decimal
from ..values import FLAG, NUMBER, STATUS, Flag, Number, Status, Timeliness, Value


@dataclass(frozen=True, slots=True)
class Scored:
    """Points of a leaf and, computed only when asked, the branch of the rule taken:
    `explain(*args)`. Rules pass a module-level function and its arguments rather than a
    closure, so scoring a national workload allocates little (see docs/benchmarks.md)."""

    points: Decimal
    explain: Callable[..., str]
    args: tuple[Any, ...] = ()

    @property
    def branch(self) -> str:
        return self.explain(*self.args)


def _num(value: Value) -> Decimal:
    if not isinstance(value, Number):
        raise InvalidValue(f"giá trị '{value}' không hợp lệ: cần một số")
    return value.value


def _pts(value: Decimal) -> str:
    return fmt_vn(value, 2)


def _val(value: Decimal, at_least: int = 2) -> str:
    """An input as typed: `at_least` decimals, more (up to 4) when it has them, so 79.9999
    is not shown as 80,00 next to the band "< 80"."""
    exponent = value.normalize().as_tuple().exponent
    places = min(4, max(at_least, -exponent)) if isinstance(exponent, int) else at_least
    return fmt_vn(value, places)


@dataclass(frozen=True)
class Manual:
    """Points typed directly, in [0, max], on a step (e.g. 0.25)."""

    step: Decimal = Decimal("0.25")
    kind: str = field(default="manual", init=False)
    expects: str = field(default=NUMBER, init=False)

    def points(self, value: Value, max_points: Decimal) -> Decimal:
        points = _num(value)
        if points < 0 or points > max_points:
            raise InvalidValue(f"điểm {_pts(points)} ngoài khoảng cho phép [0; {_pts(max_points)}]")
        if self.step > 0 and points % self.step != 0:
            raise InvalidValue(f"điểm {points} không theo bước {self.step}")
        return q4(points)

    def score(self, value: Value, max_points: Decimal) -> Scored:
        return Scored(self.points(value, max_points), _explain_manual, (_num(value),))

    def check(self, max_points: Decimal) -> list[str]:
        return [] if self.step >= 0 else ["bước chấm (step) phải ≥ 0"]

    def describe(self, max_points: Decimal) -> str:
        return f"Chấm trực tiếp từ 0 đến {_pts(max_points)}, bước {self.step}"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "step": self.step}


@dataclass(frozen=True)
class YesNo:
    """Yes -> `yes` points (default max), no -> `no` points (default 0)."""

    yes: Decimal | None = None
    no: Decimal = ZERO
    kind: str = field(default="yes_no", init=False)
    expects: str = field(default=FLAG, init=False)

    def points(self, value: Value, max_points: Decimal) -> Decimal:
        if not isinstance(value, Flag):
            raise InvalidValue(f"giá trị '{value}' không hợp lệ: cần có/không (yes/no)")
        if value.value:
            return q4(max_points if self.yes is None else self.yes)
        return q4(self.no)

    def score(self, value: Value, max_points: Decimal) -> Scored:
        return Scored(self.points(value, max_points), _explain_yes_no, (self, value, max_points))

    def check(self, max_points: Decimal) -> list[str]:
        yes = max_points if self.yes is None else self.yes
        return _within({"yes": yes, "no": self.no}, max_points)

    def describe(self, max_points: Decimal) -> str:
        yes = max_points if self.yes is None else self.yes
        return f"Có/đạt: {_pts(yes)} điểm; không: {_pts(self.no)} điểm"

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind}
        if self.yes is not None:
            d["yes"] = self.yes
        if self.no:
            d["no"] = self.no
        return d


@dataclass(frozen=True)
class Band:
    """One band of a thresholds rule: lo..hi with explicit inclusive/exclusive bounds."""

    points: Decimal
    lo: Decimal | None = None  # None: from the bottom of the domain
    hi: Decimal | None = None  # None: to the top of the domain
    lo_inclusive: bool = True
    hi_inclusive: bool = False

    def contains(self, v: Decimal) -> bool:
        if self.lo is not None and (v < self.lo or (v == self.lo and not self.lo_inclusive)):
            return False
        if self.hi is not None and (v > self.hi or (v == self.hi and not self.hi_inclusive)):
            return False
        return True

    def label(self, unit: str) -> str:
        parts = []
        if self.lo is not None:
            parts.append(("≥ " if self.lo_inclusive else "> ") + fmt_vn(self.lo, 2) + unit)
        if self.hi is not None:
            parts.append(("≤ " if self.hi_inclusive else "< ") + fmt_vn(self.hi, 2) + unit)
        if self.lo is not None and self.lo == self.hi:
            return f"= {fmt_vn(self.lo, 2)}{unit}"
        return " và ".join(parts) or "mọi giá trị"


PERCENT, COUNT = "percent", "count"


@dataclass(frozen=True)
class Thresholds:
    """Step function over a percentage (0-100) or a count (>= 0)."""

    bands: tuple[Band, ...]
    over: str = PERCENT
    kind: str = field(default="thresholds", init=False)
    expects: str = field(default=NUMBER, init=False)
    _table: tuple[tuple[Any, ...], ...] = field(default=(), init=False, repr=False, compare=False)

    @property
    def _unit(self) -> str:
        return "%" if self.over == PERCENT else ""

    def _domain_error(self, v: Decimal) -> str | None:
        if v < 0:
            return f"giá trị {_val(v)} âm"
        if self.over == PERCENT and v > HUNDRED:
            return f"tỷ lệ {_val(v)}% vượt quá 100%"
        return None

    def __post_init__(self) -> None:
        # (lo, lo_inclusive, hi, hi_inclusive, points rounded, band): Band.contains inlined
        table = tuple(
            (b.lo, b.lo_inclusive, b.hi, b.hi_inclusive, q4(b.points), b) for b in self.bands
        )
        object.__setattr__(self, "_table", table)

    def band_for(self, value: Value) -> tuple[Band, Decimal]:
        """The band the value falls in, and its points rounded to 4 decimals."""
        v = _num(value)
        if v < 0 or (v > HUNDRED and self.over == PERCENT):
            raise InvalidValue(self._domain_error(v) or "")
        for lo, lo_incl, hi, hi_incl, points, band in self._table:
            if lo is not None and (v < lo or (v == lo and not lo_incl)):
                continue
            if hi is not None and (v > hi or (v == hi and not hi_incl)):
                continue
            return band, points
        raise InvalidValue(f"giá trị {_val(v)} không thuộc mức nào của quy tắc")

    def points(self, value: Value, max_points: Decimal) -> Decimal:
        return self.band_for(value)[1]

    def score(self, value: Value, max_points: Decimal) -> Scored:
        return Scored(self.band_for(value)[1], _explain_band, (self, value))

    def check(self, max_points: Decimal) -> list[str]:
        problems = []
        if self.over not in (PERCENT, COUNT):
            problems.append(f"'over' phải là percent hoặc count, không phải '{self.over}'")
        if not self.bands:
            return [*problems, "quy tắc ngưỡng không có mức nào (bands)"]
        for b in self.bands:
            problems += _within({"points": b.points}, max_points)
            if (
                b.lo is not None
                and b.hi is not None
                and (b.lo > b.hi or (b.lo == b.hi and not (b.lo_inclusive and b.hi_inclusive)))
            ):
                problems.append(f"mức {b.label(self._unit)}: cận dưới lớn hơn cận trên")
        return problems + self._coverage()

    def _coverage(self) -> list[str]:
        """Bands must cover the domain exactly once: report gaps and overlaps."""
        top = HUNDRED if self.over == PERCENT else None

        def start(b: Band) -> tuple[Decimal, bool]:
            return (ZERO, True) if b.lo is None else (b.lo, b.lo_inclusive)

        ordered = sorted(self.bands, key=lambda b: (start(b)[0], not start(b)[1]))
        problems: list[str] = []
        pos: Decimal | None = ZERO  # covered up to pos (None: infinity)
        pos_incl = False  # whether pos itself is covered
        for b in ordered:
            lo, lo_incl = start(b)
            if pos is None or lo < pos or (lo == pos and lo_incl and pos_incl):
                problems.append(f"các mức chồng lấn nhau tại {b.label(self._unit)}")
            elif lo > pos or (lo == pos and not lo_incl and not pos_incl):
                problems.append(
                    f"khoảng trống giữa {fmt_vn(pos, 2)}{self._unit} và {fmt_vn(lo, 2)}"
                    f"{self._unit}: không mức nào chứa các giá trị này"
                )
            hi = b.hi if b.hi is not None else top
            hi_incl = b.hi_inclusive if b.hi is not None else True
            if pos is not None and (hi is None or hi > pos or (hi == pos and hi_incl)):
                pos, pos_incl = hi, hi_incl
        if top is not None and pos is not None and (pos < top or (pos == top and not pos_incl)):
            problems.append(f"không mức nào chứa giá trị {fmt_vn(pos, 2)}{self._unit} trở lên")
        if top is None and pos is not None:
            problems.append(
                f"không mức nào chứa các giá trị từ {fmt_vn(pos, 2)} trở lên "
                "(mức cuối cần chỉ có 'from')"
            )
        return problems

    def describe(self, max_points: Decimal) -> str:
        return "; ".join(f"{b.label(self._unit)}: {_pts(b.points)} điểm" for b in self.bands)

    def to_dict(self) -> dict[str, Any]:
        bands = []
        for b in self.bands:
            d: dict[str, Any] = {}
            if b.lo is not None:
                d["from"] = b.lo
                if not b.lo_inclusive:
                    d["from_inclusive"] = False
            if b.hi is not None:
                d["to"] = b.hi
                if b.hi_inclusive:
                    d["to_inclusive"] = True
            d["points"] = b.points
            bands.append(d)
        return {"kind": self.kind, "over": self.over, "bands": bands}


@dataclass(frozen=True)
class Proportional:
    """min(value / full_at, 1) x max."""

    full_at: Decimal = HUNDRED
    kind: str = field(default="proportional", init=False)
    expects: str = field(default=NUMBER, init=False)

    def points(self, value: Value, max_points: Decimal) -> Decimal:
        v = _num(value)
        if v < 0:
            raise InvalidValue(f"giá trị {_val(v)} âm")
        return q4(min(v / self.full_at, _ONE) * max_points)

    def score(self, value: Value, max_points: Decimal) -> Scored:
        points = self.points(value, max_points)
        return Scored(
            points, _explain_proportional, (self.full_at, _num(value), max_points, points)
        )

    def check(self, max_points: Decimal) -> list[str]:
        return [] if self.full_at > 0 else ["full_at phải > 0"]

    def describe(self, max_points: Decimal) -> str:
        return f"Tỷ lệ thuận: giá trị / {fmt_vn(self.full_at, 2)} × {_pts(max_points)} điểm"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "full_at": self.full_at}


@dataclass(frozen=True)
class TimelinessRule:
    on_time: Decimal | None = None
    late: Decimal | None = None
    not_done: Decimal = ZERO
    kind: str = field(default="timeliness", init=False)
    expects: str = field(default=STATUS, init=False)

    def points_for(self, max_points: Decimal) -> dict[Timeliness, Decimal]:
        return {
            Timeliness.ON_TIME: max_points if self.on_time is None else self.on_time,
            Timeliness.LATE: max_points / 2 if self.late is None else self.late,
            Timeliness.NOT_DONE: self.not_done,
        }

    def _raw(self, value: Value, max_points: Decimal) -> Decimal:
        if not isinstance(value, Status):
            raise InvalidValue(
                f"giá trị '{value}' không hợp lệ: cần đúng hạn / chậm / không thực hiện"
            )
        status = value.value
        if status is Timeliness.ON_TIME:
            return max_points if self.on_time is None else self.on_time
        if status is Timeliness.LATE:
            return max_points / 2 if self.late is None else self.late
        return self.not_done

    def points(self, value: Value, max_points: Decimal) -> Decimal:
        return q4(self._raw(value, max_points))

    def score(self, value: Value, max_points: Decimal) -> Scored:
        raw = self._raw(value, max_points)
        return Scored(q4(raw), _explain_status, (value, raw))

    def check(self, max_points: Decimal) -> list[str]:
        return _within({k.value: v for k, v in self.points_for(max_points).items()}, max_points)

    def describe(self, max_points: Decimal) -> str:
        p = self.points_for(max_points)
        return (
            f"Đúng hạn: {_pts(p[Timeliness.ON_TIME])}; chậm: {_pts(p[Timeliness.LATE])}; "
            f"không thực hiện: {_pts(p[Timeliness.NOT_DONE])} điểm"
        )

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind}
        if self.on_time is not None:
            d["on_time"] = self.on_time
        if self.late is not None:
            d["late"] = self.late
        if self.not_done:
            d["not_done"] = self.not_done
        return d


@dataclass(frozen=True)
class Survey:
    """A survey percentage (0-100) x max / 100."""

    kind: str = field(default="survey", init=False)
    expects: str = field(default=NUMBER, init=False)

    def points(self, value: Value, max_points: Decimal) -> Decimal:
        v = _num(value)
        if v < 0 or v > HUNDRED:
            raise InvalidValue(f"tỷ lệ điều tra {_val(v)}% ngoài khoảng 0–100%")
        return q4(v * max_points / HUNDRED)

    def score(self, value: Value, max_points: Decimal) -> Scored:
        points = self.points(value, max_points)
        return Scored(points, _explain_survey, (_num(value), max_points, points))

    def check(self, max_points: Decimal) -> list[str]:
        return []

    def describe(self, max_points: Decimal) -> str:
        return f"Tỷ lệ điều tra xã hội học (%) × {_pts(max_points)} / 100"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind}


@dataclass(frozen=True)
class Bonus:
    """Bonus points: count x per_unit, or the number itself; capped at the item's max."""

    per_unit: Decimal | None = None
    kind: str = field(default="bonus", init=False)
    expects: str = field(default=NUMBER, init=False)

    def points(self, value: Value, max_points: Decimal) -> Decimal:
        v = _num(value)
        if v < 0:
            raise InvalidValue(f"giá trị {_val(v)} âm")
        return q4(min(v * self.per_unit if self.per_unit is not None else v, max_points))

    def score(self, value: Value, max_points: Decimal) -> Scored:
        return Scored(
            self.points(value, max_points), _explain_bonus, (self, _num(value), max_points)
        )

    def check(self, max_points: Decimal) -> list[str]:
        return ["per_unit phải > 0"] if self.per_unit is not None and self.per_unit <= 0 else []

    def describe(self, max_points: Decimal) -> str:
        if self.per_unit is None:
            return f"Điểm thưởng, tối đa {_pts(max_points)}"
        return f"Mỗi lần +{_pts(self.per_unit)} điểm, tối đa {_pts(max_points)}"

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind}
        if self.per_unit is not None:
            d["per_unit"] = self.per_unit
        return d


@dataclass(frozen=True)
class Deduction:
    """Deduction: -count x per_unit, floored at -max."""

    per_unit: Decimal = Decimal(1)
    kind: str = field(default="deduction", init=False)
    expects: str = field(default=NUMBER, init=False)

    def points(self, value: Value, max_points: Decimal) -> Decimal:
        v = _num(value)
        if v < 0:
            raise InvalidValue(f"số lần {_val(v)} âm")
        return q4(-min(v * self.per_unit, max_points))

    def score(self, value: Value, max_points: Decimal) -> Scored:
        return Scored(
            self.points(value, max_points), _explain_deduction, (self, _num(value), max_points)
        )

    def check(self, max_points: Decimal) -> list[str]:
        return [] if self.per_unit > 0 else ["per_unit phải > 0"]

    def describe(self, max_points: Decimal) -> str:
        return f"Mỗi lần −{_pts(self.per_unit)} điểm, trừ tối đa {_pts(max_points)}"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "per_unit": self.per_unit}


# Explanations, built only when asked (Scored.branch).

_ONE = Decimal(1)


def _explain_manual(points: Decimal) -> str:
    return f"chấm trực tiếp: {_pts(points)} điểm"


def _explain_yes_no(rule: YesNo, value: Flag, max_points: Decimal) -> str:
    if value.value:
        yes = max_points if rule.yes is None else rule.yes
        return f"có / đạt → {_pts(yes)} điểm"
    return f"không / không đạt → {_pts(rule.no)} điểm"


def _explain_band(rule: Thresholds, value: Number) -> str:
    band = rule.band_for(value)[0]
    unit = rule._unit
    return f"{_val(value.value)}{unit}: mức {band.label(unit)} → {_pts(band.points)} điểm"


def _explain_proportional(
    full_at: Decimal, v: Decimal, max_points: Decimal, points: Decimal
) -> str:
    capped = " (đã đạt mức tối đa)" if v >= full_at else ""
    return (
        f"{_val(v)} / {fmt_vn(full_at, 2)} × {_pts(max_points)}{capped} → {fmt_vn(points, 4)} điểm"
    )


def _explain_status(value: Status, points: Decimal) -> str:
    return f"{value} → {_pts(points)} điểm"


def _explain_survey(v: Decimal, max_points: Decimal, points: Decimal) -> str:
    return f"{_val(v)}% × {_pts(max_points)} / 100 → {fmt_vn(points, 4)} điểm"


def _explain_bonus(rule: Bonus, v: Decimal, max_points: Decimal) -> str:
    per_unit = rule.per_unit
    raw = v * per_unit if per_unit is not None else v
    points = min(raw, max_points)
    how = f"{_val(v, 0)} × {_pts(per_unit)}" if per_unit is not None else "điểm"
    cap = f", tối đa {_pts(max_points)}" if raw > max_points else ""
    return f"thưởng: {how}{cap} → +{_pts(points)} điểm"


def _explain_deduction(rule: Deduction, v: Decimal, max_points: Decimal) -> str:
    raw = v * rule.per_unit
    points = -min(raw, max_points)
    cap = f", tối đa {_pts(max_points)}" if raw > max_points else ""
    return f"trừ: {_val(v, 0)} × {_pts(rule.per_unit)}{cap} → {_pts(points)} điểm"


def _within(points: Mapping[str, Decimal], max_points: Decimal) -> list[str]:
    return [
        f"điểm '{name}' = {_pts(p)} ngoài khoảng [0; {_pts(max_points)}]"
        for name, p in points.items()
        if p < 0 or p > max_points
    ]


def _opt(spec: Mapping[str, Any], key: str) -> Decimal | None:
    return None if spec.get(key) is None else to_decimal(spec[key])


def _or(spec: Mapping[str, Any], key: str, default: Decimal) -> Decimal:
    """The value of `key`, or `default` when absent (an explicit 0 stays 0 for check())."""
    value = _opt(spec, key)
    return default if value is None else value


def _required(spec: Mapping[str, Any], key: str, kind: str) -> Decimal:
    value = _opt(spec, key)
    if value is None:
        raise ValueError(f"quy tắc '{kind}' cần '{key}'")
    return value


def _yes_no_keys(spec: Mapping[Any, Any]) -> Mapping[Any, Any]:
    """YAML 1.1 reads unquoted `yes:` / `no:` keys as booleans: accept both spellings."""
    out = dict(spec)
    for flag, name in ((True, "yes"), (False, "no")):
        if flag in out and name not in out:
            out[name] = out.pop(flag)
    return out


def _band(spec: Any) -> Band:
    if not isinstance(spec, Mapping):
        raise ValueError(f"mỗi mức (band) phải là một bảng khóa/giá trị, không phải '{spec}'")
    if "points" not in spec:
        raise ValueError("mỗi mức (band) cần có 'points'")
    return Band(
        points=to_decimal(spec["points"]),
        lo=_opt(spec, "from"),
        hi=_opt(spec, "to"),
        lo_inclusive=bool(spec.get("from_inclusive", True)),
        hi_inclusive=bool(spec.get("to_inclusive", False)),
    )
