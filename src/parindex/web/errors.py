"""The site's 500 handler: a database out of reach (PostgreSQL restarting, the network to it
cut) answers 503 "tạm thời gián đoạn" with Retry-After, any other failure the 500 page. Both
pages are rendered without the request context or the database (they may be what failed)."""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token
from django.views.defaults import server_error as django_server_error

RETRY_AFTER_SECONDS = 30


def database_unreachable(exc: BaseException | None) -> bool:
    """The exception (or one it was raised from) is the database failing to answer."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OperationalError | InterfaceError):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: called while the uncaught exception is being handled (sys.exc_info)."""
    if not database_unreachable(sys.exc_info()[1]):
        return django_server_error(request)
    body = loader.get_template("503.html").render()
    response = HttpResponseServerError(body)
    response.status_code = 503
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
