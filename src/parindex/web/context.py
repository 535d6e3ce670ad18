"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from parindex.assessment import selectors as sel


def nav(request: HttpRequest) -> dict[str, Any]:
    """The roles of the signed-in user, for the menu."""
    user = getattr(request, "user", None)
    roles = {m.role for m in sel.memberships(user)}
    if user is not None and sel.is_admin(user):
        roles.add("admin")
    return {"nav_roles": roles}
