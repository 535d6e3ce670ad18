"""Django's admin, for repair work by the superuser only, and read-only.

Every write of parindex goes through a service that checks rights and audits it, so the
admin shows every model (to find a row, follow a reference, check what a page shows) and
changes nothing: no add, no change, no delete. Only an active superuser gets in; everybody
else, managers included, is sent to the admin's login page. Repairs that need a write are
made with a service (the command line: `parindex manage shell`) so that they are audited.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

APPS = ("parindex.accounts", "parindex.assessment", "parindex.audit", "parindex.surveys",
        "parindex.results", "parindex.api", "parindex.setup", "django.contrib.auth")  # fmt: skip


class RepairSite(admin.AdminSite):
    site_header = _("parindex — tra cứu dữ liệu (quản trị hệ thống)")
    site_title = _("parindex — quản trị")
    index_title = _("Chỉ xem: mọi thay đổi đi qua các chức năng của hệ thống và được ghi nhật ký")

    def has_permission(self, request: HttpRequest) -> bool:
        user: Any = request.user
        return bool(user.is_active and user.is_superuser)


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Every field shown, nothing changed."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        user: Any = request.user
        return bool(user.is_active and user.is_superuser)


def _admin_for(model: type[Model]) -> type[ReadOnlyAdmin]:
    fields = [f.name for f in model._meta.concrete_fields][:8]
    searchable = [
        f.name for f in model._meta.concrete_fields if f.get_internal_type() == "CharField"
    ][:3]
    return type(
        f"{model.__name__}Admin",
        (ReadOnlyAdmin,),
        {"list_display": fields, "search_fields": searchable, "list_per_page": 50},
    )


site = RepairSite(name="admin")
for config in apps.get_app_configs():
    if config.name in APPS:
        for model in config.get_models():
            site.register(model, _admin_for(model))
