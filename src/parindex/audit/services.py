from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models

from .models import LogEntry


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
    return LogEntry.objects.create(
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        action=action,
        cycle=cycle,
        unit=unit,
        code=code,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=target.pk if target is not None else None,
        data=_plain(data),
    )
