"""One-time links to set a password: Django's PasswordResetTokenGenerator and
PasswordResetConfirmView (the link works once: setting the password changes the hash the
token is made from), sent through Django's e-mail framework."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from parindex.audit.services import log_action


def password_link(account: User, base_url: str = "") -> str:
    """The one-time address at which `account` sets its password."""
    uid = urlsafe_base64_encode(force_bytes(account.pk))
    token = default_token_generator.make_token(account)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return f"{(base_url or settings.SITE_URL).rstrip('/')}{path}"


def send_password_link(account: User, *, actor: Any = None, base_url: str = "") -> bool:
    """E-mail the link to a new account (False when it has no address)."""
    if not account.email:
        return False
    context = {"account": account, "link": password_link(account, base_url)}
    send_mail(
        render_to_string("setup/mail/new_account_subject.txt", context).strip(),
        render_to_string("setup/mail/new_account.txt", context),
        settings.DEFAULT_FROM_EMAIL,
        [account.email],
    )
    log_action("setup.password_link_sent", actor=actor, target=account)
    return True
