"""The "API keys" page (each user creates and revokes their own tokens) and the Swagger UI
assets shipped in django-ninja, served from this site."""

from __future__ import annotations

from pathlib import Path

import ninja
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from parindex.common.errors import ServiceError

from . import selectors, services
from .forms import TokenCreateForm
from .models import ApiToken


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """List the user's tokens; POST creates one and shows its secret once."""
    created = None
    form = TokenCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.api_token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                days=form.cleaned_data["days"],
            )
        except ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            form = TokenCreateForm()
    response = render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "created": created,
            "tokens": selectors.tokens_of(request.user),
            "nav": "api",
        },
        status=400 if request.method == "POST" and created is None else 200,
    )
    return response


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        token = selectors.token_of_user(request.user, pk)
    except ApiToken.DoesNotExist:
        raise Http404 from None
    try:
        services.api_token_revoke(token=token, user=request.user)
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Đã thu hồi khóa “%(n)s”.") % {"n": token.name})
    return redirect("api_tokens")


_ASSETS_DIR = Path(ninja.__file__).resolve().parent / "static" / "ninja"
_ASSETS = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui-init.js": "text/javascript",
}


@require_GET
def docs_asset(request: HttpRequest, name: str) -> FileResponse:
    """One of the Swagger UI files shipped in the django-ninja package (allow-listed)."""
    if name not in _ASSETS or not (_ASSETS_DIR / name).is_file():
        raise Http404
    response = FileResponse((_ASSETS_DIR / name).open("rb"), content_type=_ASSETS[name])
    response["Cache-Control"] = "public, max-age=86400"
    return response
