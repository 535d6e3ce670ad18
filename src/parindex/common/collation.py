"""Vietnamese alphabetical order (a ă â b c d đ e ê ... with the tones as a secondary
difference), as Vietnamese dictionaries sort: ICU's "vi" collation through PyICU.

`vn_key(name)` is the one sort key for names shown to users (units, accounts, provinces):
`sorted(units, key=lambda u: vn_key(u.name))`. Databases sort by code points (SQLite) or
by their own locale, so lists of names are sorted in Python with this key (`unit_key`,
`person_key`: units and accounts as lists show them).
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

import icu

_local = threading.local()  # an ICU collator is not thread-safe: one per thread


def _collator() -> icu.Collator:
    collator = getattr(_local, "collator", None)
    if collator is None:
        collator = icu.Collator.createInstance(icu.Locale("vi"))
        _local.collator = collator
    return collator


@lru_cache(maxsize=65536)
def _key(name: str) -> bytes:
    return bytes(_collator().getSortKey(name))


def vn_key(name: str | None) -> bytes:
    """The sort key of a name in Vietnamese alphabetical order ("Bảo Thắng" < "Bát Xát",
    "Ấp" < "Âu", "Dương" < "Đà Nẵng")."""
    return _key(name or "")


def unit_key(unit: Any) -> tuple[str, bytes]:
    """Units as lists show them: by type (as the models order them), then by name."""
    return (unit.type, vn_key(unit.name))


def person_key(user: Any) -> tuple[bytes, bytes, str]:
    """People as Vietnamese lists order them: by given name (tên, Django's last_name), then
    by family and middle names; an account without a name by its username."""
    return (vn_key(user.last_name or user.username), vn_key(user.first_name), user.username)
