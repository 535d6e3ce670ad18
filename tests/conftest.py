"""Fixtures for every test under tests/.

Automatic (autouse):
- passwords are hashed with MD5 (Argon2 is deliberately slow; a test that checks the real
  hasher sets settings.PASSWORD_HASHERS itself);
- uploaded files go to one temporary MEDIA_ROOT for the session, never to ./var/media.
- every test starts (and ends) in the site's language (Vietnamese).

On request:
- `cast`: the test cast (tests/cast.py): one set of units, one user per role, and the ways
  to make a cycle in any state (`cast.cycle(state=..., filled=...)`) and to log in
  (`cast.client(role)`). Every world below is built from it.
- `small_cycle`: the cast's open cycle for unit A (the department) and the commune, seen
  as a cast.SmallCycle.
"""

from __future__ import annotations

from pathlib import Path

import pytest

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def media_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings) -> None:
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, media_root: Path) -> None:
    settings.MEDIA_ROOT = media_root


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Each test starts with empty caches (the cached rankings among them)."""
    from django.core.cache import cache

    from parindex.results.selectors import ranking_cache_clear

    cache.clear()
    ranking_cache_clear()
    yield


@pytest.fixture
def cast(db):
    from cast import Cast

    return Cast()


@pytest.fixture
def small_cycle(cast):
    from cast import small_cycle_of

    return small_cycle_of(cast)


@pytest.fixture(autouse=True)
def _vietnamese_first():
    """Each test starts in the site's language: a request in English (the locale middleware
    activates it for the thread) must not leak English into the next test."""
    from django.conf import settings as django_settings
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)
