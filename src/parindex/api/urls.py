from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, URLResolver, path, re_path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from . import views
from .errors import error_json, json_method_not_allowed
from .v1 import api


def _ninja_patterns() -> list[URLPattern | URLResolver]:
    patterns, _app, _namespace = api.urls
    out: list[URLPattern | URLResolver] = []
    for p in patterns:
        if isinstance(p, URLPattern) and p.name == "api-root":
            out.append(URLPattern(p.pattern, _index, name=p.name))
        elif isinstance(p, URLPattern):
            view = json_method_not_allowed(p.callback)
            out.append(URLPattern(p.pattern, view, p.default_args, p.name))
        else:
            out.append(p)
    return out


@csrf_exempt
def _index(request: HttpRequest) -> JsonResponse:
    """/api/v1/: where the schema and the documentation are."""
    return JsonResponse(
        {
            "title": api.title,
            "version": api.version,
            "openapi": reverse("api_v1:openapi-json"),
            "docs": reverse("api_v1:openapi-view"),
            "tokens": reverse("api_tokens"),
        }
    )


@csrf_exempt
def _not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Unknown addresses under /api/v1/ answer in the error shape too."""
    return error_json(404, _("Không có địa chỉ API này."))


urlpatterns = [
    path("v1/", (_ninja_patterns(), "api_v1", "api_v1")),
    re_path(r"^v1/(?P<rest>.*)$", _not_found),
    path("tokens/", views.tokens, name="api_tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="api_token_revoke"),
    path("docs/assets/<str:name>", views.docs_asset, name="api_docs_asset"),
]
