"""The 63 provinces before 01/07/2025 and the 34 after, from the lineage table shipped in
data/provinces-2025.csv (one row per 2025 province: its name, the former province whose
capital it keeps, and its predecessors separated by ";").

Published names are spelt in many ways ("Thừa Thiên-Huế", "TP. Hồ Chí Minh", "Khánh Hoà",
"Bà Rịa-Vũng Tàu"); `province_key` reduces a name to a comparison key so that these match
the lineage spelling. Pure Python: no Django.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

# The first index year whose results concern the 34 provinces (results for the years up to
# 2024 were published for the 63 provinces before 01/07/2025).
FIRST_34_YEAR = 2025

# Old-style tone placement ("hoà", "thuỷ") -> the new style used in the lineage table.
_TONES = {
    "oà": "òa",
    "oá": "óa",
    "oả": "ỏa",
    "oã": "õa",
    "oạ": "ọa",
    "oè": "òe",
    "oé": "óe",
    "oẻ": "ỏe",
    "oẽ": "õe",
    "oẹ": "ọe",
    "uỳ": "ùy",
    "uý": "úy",
    "uỷ": "ủy",
    "uỹ": "ũy",
    "uỵ": "ụy",
}
_PREFIXES = ("thành phố ", "tỉnh ", "tp. ", "tp ", "t.p. ", "ubnd tỉnh ", "ubnd thành phố ")
_ALIASES = {"hcm": "hồ chí minh", "tphcm": "hồ chí minh"}


def province_key(name: str) -> str:
    """A comparison key: NFC, lower case, new-style tone marks, without "tỉnh"/"thành phố",
    hyphens and repeated spaces. "TP. Hồ Chí Minh" and "Hồ Chí Minh" give the same key."""
    text = unicodedata.normalize("NFC", name).casefold().strip()
    for old, new in _TONES.items():
        text = text.replace(old, new)
    for prefix in _PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    text = re.sub(r"[\s\-–—.]+", " ", text).strip()
    return _ALIASES.get(text.replace(" ", ""), text)


@dataclass(frozen=True)
class Province2025:
    name: str
    capital_from: str
    predecessors: tuple[str, ...]

    def continuing(self) -> str | None:
        """The predecessor this province continues (same name, or the only one), whose
        published results are compared with the province's own; None after a merger of
        provinces none of which has its name."""
        if len(self.predecessors) == 1:
            return self.predecessors[0]
        for p in self.predecessors:
            if province_key(p) == province_key(self.name):
                return p
        return None


@dataclass(frozen=True)
class Lineage:
    provinces: tuple[Province2025, ...]

    @property
    def before_2025(self) -> tuple[str, ...]:
        """The 63 provinces before 01/07/2025, in the table's order."""
        return tuple(p for prov in self.provinces for p in prov.predecessors)

    def successor(self, name: str) -> Province2025 | None:
        """The 2025 province that a former province (any spelling) became part of."""
        return self._successors().get(province_key(name))

    def province(self, name: str) -> Province2025 | None:
        """A 2025 province by name (any spelling)."""
        return self._by_name().get(province_key(name))

    def canonical_before(self, name: str) -> str | None:
        """The lineage spelling of a former province's name."""
        return self._canonical().get(province_key(name))

    @cache  # noqa: B019 - Lineage is frozen and lives for the process
    def _successors(self) -> dict[str, Province2025]:
        return {province_key(p): prov for prov in self.provinces for p in prov.predecessors}

    @cache  # noqa: B019
    def _by_name(self) -> dict[str, Province2025]:
        return {province_key(prov.name): prov for prov in self.provinces}

    @cache  # noqa: B019
    def _canonical(self) -> dict[str, str]:
        return {province_key(p): p for p in self.before_2025}


def parse_lineage(text: str) -> Lineage:
    rows = csv.DictReader(text.splitlines())
    return Lineage(
        tuple(
            Province2025(
                name=r["province_2025"].strip(),
                capital_from=(r.get("capital_seat_from") or "").strip(),
                predecessors=tuple(
                    p.strip() for p in r["predecessors_before_2025_07_01"].split(";") if p.strip()
                ),
            )
            for r in rows
        )
    )


@cache
def lineage() -> Lineage:
    """The shipped lineage table (34 provinces from 63)."""
    text = (
        resources.files("parindex.results")
        .joinpath("data/provinces-2025.csv")
        .read_text(encoding="utf-8")
    )
    return parse_lineage(text)
