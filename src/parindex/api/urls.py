from django.urls import URLPattern, URLResolver, path, re_path
from django.utils.translation import gettext as _

from . import views
from .errors import error_json, json_method_not_allowed
from .v1 import api


def _ninja_patterns() -> list[URLPattern | URLResolver]:
    patterns, _app, _namespace = api.urls
    return [
        URLPattern(p.pattern, json_method_not_allowed(p.callback), p.default_args, p.name)
        if isinstance(p, URLPattern)
        else p
        for p in patterns
    ]


def _not_found(request, rest=""):  # type: ignore[no-untyped-def]
    return error_json(404, _("Không có địa chỉ API này."))


_not_found.csrf_exempt = True  # type: ignore[attr-defined]

urlpatterns = [
    path("v1/", (_ninja_patterns(), "api_v1", "api_v1")),
    re_path(r"^v1/(?P<rest>.*)$", _not_found),
    path("tokens/", views.tokens, name="api_tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="api_token_revoke"),
    path("docs/assets/<str:name>", views.docs_asset, name="api_docs_asset"),
]
