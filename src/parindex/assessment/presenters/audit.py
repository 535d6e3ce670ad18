"""The audit log for people: action labels and the changed values of each log entry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy

from parindex.assessment import services as svc
from parindex.assessment.models import Cycle, Entry
from parindex.audit import registry
from parindex.audit.models import LogEntry
from parindex.core import fmt_vn

State = Cycle.State


KEY_LABELS = {
    "value": gettext_lazy("giá trị"),
    "points": gettext_lazy("điểm"),
    "note": gettext_lazy("thuyết minh"),
    "reason": gettext_lazy("lý do"),
    "comment": gettext_lazy("nhận xét"),
    "explanation": gettext_lazy("giải trình"),
}


DETAIL_LABELS = {
    "reason": gettext_lazy("lý do"),
    "name": gettext_lazy("tệp"),
    "page_ref": gettext_lazy("trang/mục"),
    "rows": gettext_lazy("số dòng"),
    "units": gettext_lazy("số đơn vị"),
}


def action_label(action: str) -> str:
    """What people read for an action code: the audit registry's label."""
    return registry.label(action)


def _short(text: str, limit: int = 240) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fmt_value(key: str, v: Any) -> str:
    """One logged value for people: points with a decimal comma, reasons and states by
    their labels, dates as dd/mm/yyyy HH:MM."""
    if v is None or v == "":
        return "–"
    if key == "points":
        try:
            d = Decimal(str(v))
        except InvalidOperation:
            return str(v)
        return fmt_vn(d, 2 if d == d.quantize(Decimal("0.01")) else 4)
    if key == "reason" and v in Entry.Reason.values:
        return str(Entry.Reason(v).label)
    if key == "state" and v in State.values:
        return str(State(v).label)
    if isinstance(v, str) and len(v) >= 10 and v[4:5] == "-" and v[7:8] == "-":
        try:
            dt = datetime.fromisoformat(v)
        except ValueError:
            return _short(v)
        if len(v) == 10:
            return dt.strftime("%d/%m/%Y")
        if timezone.is_aware(dt):
            dt = timezone.localtime(dt)
        return dt.strftime("%d/%m/%Y %H:%M")
    return _short(str(v))


def _changes(log: LogEntry) -> list[tuple[str, str, str]]:
    """(what, old, new) for each changed value of a log entry."""
    data = log.data or {}
    if "old" not in data and "new" not in data:
        return []
    old, new = data.get("old"), data.get("new")
    if isinstance(old, dict) or isinstance(new, dict):
        old, new = old or {}, new or {}
        out = []
        for k in list(dict.fromkeys([*new, *old])):
            if old.get(k) == new.get(k):
                continue
            if k in svc.SCHEDULE_FIELDS:
                label = svc.schedule_label(k)
            else:
                label = str(KEY_LABELS.get(k, k))
            out.append((label, _fmt_value(k, old.get(k)), _fmt_value(k, new.get(k))))
        return out
    key = "state" if log.action == "cycle.state_changed" else ""
    if log.action == "entry.explained":
        key = "explanation"
    return [(str(KEY_LABELS.get(key, "")), _fmt_value(key, old), _fmt_value(key, new))]


def _details(log: LogEntry) -> list[tuple[str, str]]:
    data = log.data or {}
    return [(str(label), _short(str(data[k]))) for k, label in DETAIL_LABELS.items() if data.get(k)]


@dataclass
class LogRow:
    log: LogEntry
    label: str
    changes: list[tuple[str, str, str]]
    details: list[tuple[str, str]]
