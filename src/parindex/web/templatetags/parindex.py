"""Template filters: numbers the Vietnamese way (61,42), in the active language."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.translation import get_language, gettext, gettext_noop

from parindex.core import fmt_vn

register = template.Library()


def _format(value: Any, places: int) -> str:
    if value is None or value == "":
        return "–"
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value))
    except ArithmeticError:
        return str(value)
    text = fmt_vn(d, places)
    if (get_language() or "vi").startswith("en"):
        text = text.replace(".", "\u0000").replace(",", ".").replace("\u0000", ",")
    return text


@register.filter
def pts(value: Any) -> str:
    """Points with 2 decimals: 61,42."""
    return _format(value, 2)


@register.filter
def pct(value: Any) -> str:
    """An index (a percentage of the maximum) with its sign: 68,15 % ("–" when none)."""
    if value is None or value == "":
        return "–"
    return f"{_format(value, 2)}\u00a0%"


@register.filter
def index(value: Any) -> str:
    """The index, shown one way everywhere: "Chỉ số 68,15 %" (points are shown apart, as
    points of a maximum, so the index never reads as points above the maximum)."""
    return f"{gettext('Chỉ số')} {pct(value)}"


# The band labels of the shipped methodologies, so the English catalog translates them (a
# methodology is data in Vietnamese; other labels are shown as written).
BAND_LABELS = (
    gettext_noop("Xuất sắc"),
    gettext_noop("Tốt"),
    gettext_noop("Khá"),
    gettext_noop("Trung bình"),
    gettext_noop("Yếu"),
    gettext_noop("Kém"),
)


@register.filter
def band(label: Any) -> str:
    """A band (grade) label in the UI language when the catalog knows it."""
    return gettext(str(label)) if label else ""


@register.filter
def pts4(value: Any) -> str:
    """Points with 4 decimals, as stored: 61,4203."""
    return _format(value, 4)


@register.filter
def signed(value: Any) -> str:
    """A difference with its sign: +0,50 / −1,25."""
    if value is None:
        return "–"
    d = Decimal(str(value))
    text = _format(abs(d), 2)
    return ("+" if d > 0 else "−" if d < 0 else "") + text


@register.filter
def neg(value: Any) -> Any:
    """The value with its sign turned (a cut shown as a negative difference)."""
    if value is None or value == "":
        return value
    return -Decimal(str(value))


@register.filter
def get(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def indent(code: str) -> int:
    return str(code).count(".")


@register.filter
def describe(rule: Any, max_points: Any) -> str:
    """The rule in words, for the methodology table."""
    return str(rule.describe(max_points)) if rule is not None else ""


def value_label(raw: str, node: Any) -> str:
    """A stored input in the reader's language: Có / Đúng hạn / Không phát sinh / 82,5%."""
    from django.utils.translation import gettext as _

    from parindex.core import InvalidValue, parse_value
    from parindex.core.values import Flag, NotArising, Number, Status, Timeliness

    rule = getattr(node, "rule", None)
    if not raw or rule is None:
        return raw or "–"
    try:
        value = parse_value(raw, rule.expects)
    except InvalidValue:
        return raw
    if isinstance(value, NotArising):
        return _("Không phát sinh")
    if isinstance(value, Flag):
        return _("Có") if value.value else _("Không")
    if isinstance(value, Status):
        return {
            Timeliness.ON_TIME: _("Đúng hạn"),
            Timeliness.LATE: _("Chậm"),
            Timeliness.NOT_DONE: _("Không thực hiện"),
        }[value.value]
    if isinstance(value, Number):
        places = 0 if value.value == value.value.to_integral_value() else 2
        unit = (
            "%"
            if getattr(rule, "over", "") == "percent"
            or rule.kind
            in (
                "survey",
                "proportional",
            )
            else ""
        )
        return _format(value.value, places) + unit
    return raw


@register.filter
def entry_value(raw: str, node: Any) -> str:
    """{{ entry.value|entry_value:node }}: the stored input, readable and translated."""
    return value_label(raw, node)
