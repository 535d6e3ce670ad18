"""manage.py demo_setup [--reset] [--empty] [--url URL]: build the demo database, print logins."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from parindex.demo.services import DemoInfo, demo_setup


class Command(BaseCommand):
    help = (
        "Tạo dữ liệu mẫu (đơn vị, tài khoản, kỳ đánh giá đang diễn ra) và in thông tin đăng nhập."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset", action="store_true", help="xóa toàn bộ dữ liệu rồi tạo lại dữ liệu mẫu"
        )
        parser.add_argument(
            "--empty",
            action="store_true",
            help="cơ sở dữ liệu trống (bộ tiêu chí, 34 tỉnh) với một tài khoản Sở Nội vụ",
        )
        parser.add_argument(
            "--url", default="", help="địa chỉ sẽ phục vụ bản thử (mặc định http://127.0.0.1:8000/)"
        )

    def handle(
        self, *args: Any, reset: bool = False, empty: bool = False, url: str = "", **options: Any
    ) -> None:
        if empty:
            self._empty(reset, url)
            return
        info = demo_setup(reset=reset)
        if url:
            info.url = url
        self.stdout.write(render_logins(info))
        if info.created:
            c = info.counts
            self.stdout.write(
                self.style.SUCCESS(
                    _(
                        "Đã tạo dữ liệu mẫu trong %(s)s giây: %(p)s tỉnh, thành phố; %(d)s sở, "
                        "ngành; %(x)s xã, phường; %(c)s kỳ đánh giá; %(e)s mục đã nhập; "
                        "%(f)s tài liệu kiểm chứng."
                    )
                    % {
                        "s": str(info.seconds).replace(".", ","),
                        "p": c["provinces"],
                        "d": c["departments"],
                        "x": c["communes"],
                        "c": c["cycles"],
                        "e": c["entries"],
                        "f": c["evidence"],
                    }
                )
            )
        else:
            self.stdout.write(_("Dữ liệu mẫu đã có sẵn (dùng --reset để tạo lại từ đầu)."))

    def _empty(self, reset: bool, url: str = "") -> None:
        from parindex.demo.empty import empty_setup

        info = empty_setup(reset=reset)
        if url:
            info = dataclasses.replace(info, url=url)
        self.stdout.write(
            "\n".join(
                [
                    "",
                    _("Địa chỉ: %(url)s") % {"url": info.url},
                    _("Tài khoản: %(u)s   Mật khẩu: %(p)s   (Quản lý kỳ đánh giá — %(unit)s)")
                    % {"u": info.username, "p": info.password, "unit": info.unit},
                    _("→ Vào “Thiết lập” để tạo đơn vị, tài khoản, phân công và kỳ đánh giá."),
                    "",
                ]
            )
        )
        if info.created:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Đã tạo cơ sở dữ liệu trống: %(m)s bộ tiêu chí, %(p)s tỉnh, thành phố.")
                    % {"m": info.methodologies, "p": info.provinces}
                )
            )
        else:
            self.stdout.write(_("Đã có dữ liệu (dùng --reset để xóa và tạo lại từ đầu)."))


def render_logins(info: DemoInfo) -> str:
    """The table of demo logins: account, password, role and unit, then what to try."""
    rows = [(_("Tài khoản"), _("Mật khẩu"), _("Vai trò"), _("Đơn vị"))]
    rows += [(a.username, info.password, a.role, a.unit or "—") for a in info.accounts]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = ["", _("Địa chỉ: %(url)s") % {"url": info.url}, ""]
    for i, row in enumerate(rows):
        cells = [row[k].ljust(widths[k]) for k in range(3)] + [row[3]]
        lines.append("  ".join(cells))
        if i == 0:
            lines.append("  ".join("-" * w for w in [*widths, 24]))
        else:
            lines.append(f"    → {info.accounts[i - 1].hint}")
    lines.append("")
    return "\n".join(lines)
