"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from parindex.assessment import permissions as perm


def nav(request: HttpRequest) -> dict[str, Any]:
    """The menu entries the signed-in user's roles lead to (permissions.menu)."""
    return {"nav_menu": perm.menu(getattr(request, "user", None))}
