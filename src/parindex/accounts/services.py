"""A user's own settings: one service function each, audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from parindex.audit.services import log_action

from .models import Profile


def profile_of(user: Any) -> Profile:
    """The user's profile (its defaults until they change a setting)."""
    try:
        profile: Profile = user.parindex_profile
        return profile
    except Profile.DoesNotExist:
        return Profile(user=user)


@transaction.atomic
def notifications_set(*, user: Any, notify_by_email: bool) -> Profile:
    """Turn the user's e-mail notifications on or off."""
    profile = profile_of(user)
    old = profile.notify_by_email
    profile.notify_by_email = notify_by_email
    profile.save()
    user.parindex_profile = profile
    if old != notify_by_email or profile.pk is None:
        log_action(
            "account.notifications_set", actor=user, target=profile, old=old, new=notify_by_email
        )
    return profile
