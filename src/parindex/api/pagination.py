"""One pagination for every list: `?page=1&page_size=50` in, and out

{"items": [...], "count": 123, "page": 1, "page_size": 50, "pages": 3,
 "next": "/api/v1/...?page=2&page_size=50", "previous": null}
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PaginationBase

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
MAX_PAGE = 100_000


class Pagination(PaginationBase):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE, description="Trang (từ 1)")
        page_size: int = Field(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Số mục mỗi trang")

    class Output(Schema):
        items: list[Any]
        count: int
        page: int
        page_size: int
        pages: int
        next: str | None
        previous: str | None

    def paginate_queryset(
        self, queryset: Any, pagination: Input, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        size = pagination.page_size
        page = pagination.page
        count = self._items_count(queryset)
        pages = max(1, -(-count // size))
        start = (page - 1) * size
        return {
            "items": list(queryset[start : start + size]) if start < count else [],
            "count": count,
            "page": page,
            "page_size": size,
            "pages": pages,
            "next": _page_url(request, page + 1, size) if page < pages else None,
            "previous": _page_url(request, min(page - 1, pages), size) if page > 1 else None,
        }


def _page_url(request: HttpRequest, page: int, size: int) -> str:
    query = request.GET.copy()
    query["page"] = str(page)
    query["page_size"] = str(size)
    return f"{request.path}?{query.urlencode()}"
