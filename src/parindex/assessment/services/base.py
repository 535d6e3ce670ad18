"""What every service of the assessment needs: the engine's view of a unit, the organiser's
rights (asked of parindex.assessment.permissions)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from parindex.accounts.models import OrgUnit
from parindex.common.errors import ServiceError
from parindex.core import Unit

from .. import permissions as perm
from ..models import Cycle


def unit_of(org: OrgUnit) -> Unit:
    return Unit(org.code, org.name, org.type)


def _require_manage(user: Any, cycle: Cycle) -> None:
    if not perm.can_manage(user, cycle):
        raise ServiceError(_("Bạn không có quyền quản lý kỳ đánh giá này."))


def _require_plain_text(*texts: str | None) -> None:
    """Refuse a text holding a NUL byte: PostgreSQL stores none (the write would fail with
    DataError, a 500); no value, note or explanation typed by a person holds one."""
    if any(t and "\x00" in t for t in texts):
        raise ServiceError(_("Nội dung có ký tự không hợp lệ (NUL); hãy gõ lại."))


def can_manage(user: Any, cycle: Cycle) -> bool:
    return perm.can_manage(user, cycle)
