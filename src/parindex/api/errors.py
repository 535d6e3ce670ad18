"""One JSON error shape for every error of the API:

    {"error": {"code": "not_found", "message": "...", "details": [...]}}

`code` is stable and meant for programs; `message` is for people (Vietnamese, or the
user's language); `details` lists per-item or per-field problems (may be empty)."""

from __future__ import annotations

import logging
from functools import wraps
from typing import Any

from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from parindex.assessment.services import Conflict
from parindex.common.errors import ServiceError

logger = logging.getLogger("parindex.api")

STATUS_CODES = {
    400: "invalid",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "validation_error",
    429: "throttled",
    500: "server_error",
}


class ApiError(Exception):
    """An error answered in the shape above, raised by the endpoints."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or STATUS_CODES.get(status, "error")
        self.message = message
        self.details = details or []


def error_body(code: str, message: str, details: list[Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or []}}


def error_json(
    status: int, message: str, *, code: str | None = None, details: list[Any] | None = None
) -> JsonResponse:
    """The error shape as a plain Django response (for URLs outside NinjaAPI)."""
    code = code or STATUS_CODES.get(status, "error")
    return JsonResponse(
        error_body(code, message, details), status=status, json_dumps_params={"ensure_ascii": False}
    )


def _plain_loc(loc: Any) -> list[str | int]:
    return [p if isinstance(p, int) else str(p) for p in (loc or ())]


def _validation_details(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # pydantic's "ctx" may hold exception objects: keep only what is plain and useful.
    return [
        {
            "loc": _plain_loc(e.get("loc")),
            "message": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        for e in errors
    ]


def install_handlers(api: NinjaAPI) -> None:
    """Answer every exception the endpoints may raise in the one error shape."""

    def respond(
        request: HttpRequest,
        status: int,
        message: str,
        *,
        code: str | None = None,
        details: list[Any] | None = None,
    ) -> HttpResponse:
        code = code or STATUS_CODES.get(status, "error")
        return api.create_response(request, error_body(code, message, details), status=status)

    def on_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return respond(request, exc.status, exc.message, code=exc.code, details=exc.details)

    def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return respond(
            request,
            422,
            _("Dữ liệu gửi lên không hợp lệ."),
            details=_validation_details(exc.errors),
        )

    def on_authentication(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        message = exc.message if exc.message != "Unauthorized" else ""
        response = respond(
            request,
            401,
            message
            or _(
                "Thiếu khóa API hoặc khóa không hợp lệ: gửi tiêu đề “Authorization: Bearer <khóa>”."
            ),
        )
        response["WWW-Authenticate"] = 'Bearer realm="parindex"'
        return response

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        known = {
            "Cannot parse request body": _("Nội dung yêu cầu không phải JSON hợp lệ."),
            "Too many requests.": _("Quá nhiều yêu cầu; hãy thử lại sau."),
        }
        return respond(request, exc.status_code, known.get(str(exc), str(exc)))

    def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(request, 404, _("Không tìm thấy (hoặc bạn không có quyền xem)."))

    def on_forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(request, 403, str(exc) or _("Bạn không có quyền thực hiện việc này."))

    def on_conflict(request: HttpRequest, exc: Conflict) -> HttpResponse:
        e = exc.entry
        details = [{"code": e.code, "current": {"value": e.value, "version": e.version}}]
        return respond(request, 409, str(exc), details=details)

    def on_service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
        return respond(request, 400, str(exc))

    def on_too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(request, 413, _("Dữ liệu gửi lên quá lớn."))

    def on_suspicious(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(request, 400, _("Yêu cầu không hợp lệ."))

    def on_exception(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("API error on %s %s", request.method, request.path, exc_info=exc)
        return respond(request, 500, _("Lỗi hệ thống; lỗi đã được ghi lại để xử lý."))

    handlers: list[tuple[type[Exception], Any]] = [
        (Exception, on_exception),
        (ApiError, on_api_error),
        (ValidationError, on_validation),
        (HttpError, on_http_error),
        (AuthenticationError, on_authentication),
        (Http404, on_not_found),
        (ObjectDoesNotExist, on_not_found),
        (PermissionDenied, on_forbidden),
        (ServiceError, on_service_error),
        (Conflict, on_conflict),
        (RequestDataTooBig, on_too_big),
        (SuspiciousOperation, on_suspicious),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, handler)


def json_method_not_allowed(view: Any) -> Any:
    """Wrap a NinjaAPI URL view so that its 405 answers come in the error shape too."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            allowed = response.get("Allow", "")
            response = error_json(
                405,
                _("Phương thức %(m)s không được hỗ trợ ở địa chỉ này.") % {"m": request.method},
            )
            if allowed:
                response["Allow"] = allowed
        return response

    return wrapper


__all__ = ["ApiError", "error_body", "error_json", "install_handlers", "json_method_not_allowed"]
