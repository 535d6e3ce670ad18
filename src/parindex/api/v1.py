"""The REST API, version 1: /api/v1/ (OpenAPI schema at /api/v1/openapi.json, interactive
documentation at /api/v1/docs with Swagger UI served from this site, not a CDN)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger
from ninja.renderers import JSONRenderer

from . import plans, reads, stages, survey_imports, writes  # noqa: F401 - operations of reads.router
from .auth import BearerToken
from .errors import install_handlers
from .schemas import ErrorOut

DESCRIPTION = """\
Đọc bộ tiêu chí, kỳ đánh giá, đơn vị, kết quả và sổ điểm bị mất; ghi điểm tự đánh giá và
số liệu của cơ quan tổ chức cho các hệ thống tích hợp.

Xác thực: `Authorization: Bearer <khóa>` (tạo khóa ở trang “Khóa API”). Khóa mang quyền
của người tạo: thấy và làm đúng những gì người đó thấy và làm trên giao diện.

Mọi lỗi có cùng dạng `{"error": {"code", "message", "details"}}`; danh sách phân trang bằng
`page` và `page_size`.
"""


class LocalSwagger(Swagger):
    """Swagger UI with the assets shipped in django-ninja, served by this site (our
    Content-Security-Policy allows no CDN and no inline script)."""

    template = "api/swagger.html"

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        return render(
            request,
            self.template,
            {
                "api": api,
                "swagger_settings": json.dumps(self.settings).replace("<", "\\u003c"),
            },
        )


class Utf8JSON(JSONRenderer):
    """JSON in UTF-8 ("Sở Nội vụ", not "S\\u1edf N\\u1ed9i v\\u1ee5")."""

    media_type = "application/json; charset=utf-8"
    json_dumps_params = {"ensure_ascii": False}


class ParindexAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """Document the error shape as every operation's default response."""
        schema = super().get_openapi_schema(*args, **kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        error_schema = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in error_schema.pop("$defs", {}).items():
            components.setdefault(name, sub)
        components.setdefault("ErrorOut", error_schema)
        default = {
            "description": "Lỗi (mọi mã trạng thái 4xx/5xx có cùng dạng)",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
        }
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                if isinstance(operation, dict) and "responses" in operation:
                    operation["responses"].setdefault("default", default)
        return schema


api = ParindexAPI(
    title="parindex API",
    version="1",
    description=DESCRIPTION,
    auth=BearerToken(),
    urls_namespace="api_v1",
    docs=LocalSwagger(settings={"persistAuthorization": False}),
    docs_url="/docs",
    openapi_url="/openapi.json",
    renderer=Utf8JSON(),
)
install_handlers(api)
api.add_router("", reads.router)  # with the operations of stages, writes, survey_imports
