"""Bearer tokens: `Authorization: Bearer <token>`. The token acts as its user; nothing else
(no session cookie) authenticates API requests, so CSRF does not apply to them."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from .models import ApiToken
from .selectors import token_for_key
from .services import api_token_touch


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = token_for_key(token.strip())
        if found is None:
            raise AuthenticationError(message=_("Khóa API không hợp lệ."))
        if found.revoked:
            raise AuthenticationError(message=_("Khóa API đã bị thu hồi."))
        if found.expired:
            raise AuthenticationError(message=_("Khóa API đã hết hạn."))
        if not found.user.is_active:
            raise AuthenticationError(message=_("Tài khoản của khóa API không hoạt động."))
        api_token_touch(found)
        # Services and selectors take the user; the request carries it like a page's.
        request.user = found.user
        return found


def user_of(request: HttpRequest) -> Any:
    """The user a request acts as (the token's)."""
    auth: ApiToken = request.auth  # type: ignore[attr-defined]
    return auth.user
