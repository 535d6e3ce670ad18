"""Vietnamese alphabetical order (a ă â b c d đ e ê ... with the tones as a secondary
difference), as Vietnamese dictionaries sort: ICU's "vi" collation through PyICU.

`vn_key(name)` is the one sort key for names shown to users (units, accounts, provinces):
`sorted(units, key=lambda u: vn_key(u.name))`. Databases sort by code points (SQLite) or
by their own locale, so lists of names are sorted in Python with this key.
"""

from __future__ import annotations

import threading
from functools import lru_cache

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
