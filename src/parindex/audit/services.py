from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import models

from .models import LogEntry
from .registry import is_registered


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _pk(value: Any) -> Any:
    """A model's primary key, or the id given as is (None stays None)."""
    return value.pk if isinstance(value, models.Model) else value


def audit_record(
    action: str,
    *,
    actor: Any = None,
    target: models.Model | None = None,
    cycle: Any = None,
    unit: Any = None,
    code: str = "",
    **data: Any,
) -> LogEntry:
    """One unsaved audit row (`cycle` and `unit`: objects or ids). Raises ValueError for an
    action code missing from parindex.audit.registry."""
    if not is_registered(action):
        raise ValueError(f"audit action {action!r} is not registered in parindex.audit.registry")
    return LogEntry(
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        action=action,
        cycle_id=_pk(cycle),
        unit_id=_pk(unit),
        code=code,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=target.pk if target is not None else None,
        data=_plain(data),
    )


def log_action(
    action: str,
    *,
    actor: Any = None,
    target: models.Model | None = None,
    cycle: Any = None,
    unit: Any = None,
    code: str = "",
    **data: Any,
) -> LogEntry:
    """Record one change: who, when, what, and `old`/`new` values in `data`."""
    record = audit_record(
        action, actor=actor, target=target, cycle=cycle, unit=unit, code=code, **data
    )
    record.save()
    return record


def log_actions(records: Iterable[LogEntry]) -> list[LogEntry]:
    """Record many changes at once (rows built by `audit_record`), in bulk."""
    rows = list(records)
    for row in rows:
        if not is_registered(row.action):
            raise ValueError(f"audit action {row.action!r} is not registered")
    return LogEntry.objects.bulk_create(rows, batch_size=1000)
