"""Vietnamese first: the interface language is Vietnamese unless the user chose another one.

Django's LocaleMiddleware would follow the browser's Accept-Language, and many officials'
browsers are set to English; so only the language cookie (set by the language picker) counts.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _


class LanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _label in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class RefuseNulMiddleware:
    """A NUL byte (\\x00) in the address or its query is refused with 400, before any view
    runs: PostgreSQL cannot store or compare text holding one (a query with it raises
    DataError, a 500), and no code, name or search term of the site contains one. Under
    /api/ the answer is the API's error shape. (Form fields are refused by Django's forms,
    JSON bodies by the API's schemas.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if has_nul(request):
            message = _("Địa chỉ có ký tự không hợp lệ (NUL).")
            if request.path_info.startswith("/api/"):
                from parindex.api.errors import error_json

                return error_json(400, message)
            raise SuspiciousOperation(message)
        return self.get_response(request)


def has_nul(request: HttpRequest) -> bool:
    """Whether the request's path or any name or value of its query holds a NUL byte."""
    if "\x00" in request.path_info:
        return True
    return any("\x00" in k or any("\x00" in v for v in vs) for k, vs in request.GET.lists())
