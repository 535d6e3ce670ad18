"""Use cases of API tokens: create (the secret is returned once), revoke, record use."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parindex.audit.services import log_action
from parindex.common.errors import ServiceError

from .models import ApiToken
from .selectors import key_hash

TOKEN_PREFIX = "pxi_"  # noqa: S105 - a public marker, not a secret
PREFIX_LENGTH = 12  # "pxi_" + 8 characters, shown to tell tokens apart
MAX_DAYS = 3650
# last_used_at is written at most once per this interval, not on every request.
TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    key: str  # the plain secret: shown once, never stored


@transaction.atomic
def api_token_create(
    *, user: Any, name: str, days: int | None = None, actor: Any = None
) -> NewToken:
    """A new token for `user` (by `actor`, default the user). `days`: lifetime, None for
    no expiry. The plain secret is only in the returned value."""
    name = name.strip()
    if not name:
        raise ServiceError(_("Cần đặt tên cho khóa API."))
    if len(name) > 100:
        raise ServiceError(_("Tên khóa API tối đa 100 ký tự."))
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise ServiceError(_("Thời hạn phải từ 1 đến %(m)s ngày.") % {"m": MAX_DAYS})
    if not getattr(user, "is_active", False):
        raise ServiceError(_("Tài khoản không hoạt động."))
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=key[:PREFIX_LENGTH],
        key_hash=key_hash(key),
        expires_at=timezone.now() + timedelta(days=days) if days else None,
    )
    log_action(
        "api_token.created",
        actor=actor or user,
        target=token,
        name=name,
        prefix=token.prefix,
        owner=user.get_username(),
        expires_at=token.expires_at,
    )
    return NewToken(token, key)


@transaction.atomic
def api_token_revoke(*, token: ApiToken, user: Any) -> ApiToken:
    """Revoke a token: its owner (or an administrator) only. Idempotent."""
    from parindex.assessment.permissions import is_admin

    if token.user_id != user.pk and not is_admin(user):
        raise ServiceError(_("Bạn không có quyền thu hồi khóa API này."))
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked:
        return token
    token.revoked = True
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked", "revoked_at"])
    log_action(
        "api_token.revoked",
        actor=user,
        target=token,
        name=token.name,
        prefix=token.prefix,
        owner=token.user.get_username(),
    )
    return token


def api_token_touch(token: ApiToken) -> None:
    """Record that the token was used (at most once per TOUCH_INTERVAL; not audited)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
