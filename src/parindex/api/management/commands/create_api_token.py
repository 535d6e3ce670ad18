"""Create an API token for a user and print its secret (shown once).

manage.py create_api_token USERNAME --name NAME [--days N]
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from parindex.api.services import api_token_create
from parindex.common.errors import ServiceError


class Command(BaseCommand):
    help = "Tạo khóa API cho một tài khoản và in khóa ra (chỉ hiện một lần)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username", help="tên đăng nhập của tài khoản mang khóa")
        parser.add_argument("--name", required=True, help="tên để nhận ra khóa")
        parser.add_argument(
            "--days", type=int, default=None, help="thời hạn (ngày); bỏ trống: không hết hạn"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: opts["username"]})
        except User.DoesNotExist:
            raise CommandError(f"Không có tài khoản “{opts['username']}”.") from None
        try:
            created = api_token_create(user=user, name=opts["name"], days=opts["days"])
        except ServiceError as exc:
            raise CommandError(str(exc)) from None
        token = created.token
        expiry = token.expires_at.strftime("%d/%m/%Y") if token.expires_at else "không hết hạn"
        self.stderr.write(
            f"Khóa “{token.name}” của {opts['username']} ({token.prefix}…, {expiry}). "
            "Cất giữ ngay: khóa chỉ hiện một lần."
        )
        self.stdout.write(created.key)
