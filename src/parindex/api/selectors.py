"""Reads of API tokens."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db.models import QuerySet

from .models import ApiToken


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def token_for_key(key: str) -> ApiToken | None:
    """The token with this secret, whatever its state (check .active and the user's)."""
    if not key or len(key) > 200:
        return None
    return ApiToken.objects.select_related("user").filter(key_hash=key_hash(key)).first()


def tokens_of(user: Any) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def token_of_user(user: Any, pk: int) -> ApiToken:
    """One of the user's own tokens; raises ApiToken.DoesNotExist otherwise (404)."""
    return ApiToken.objects.get(user=user, pk=pk)
