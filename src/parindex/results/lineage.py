"""The 63 provinces before 01/07/2025 and the 34 after, from the lineage table shipped in
data/provinces-2025.csv (one row per 2025 province: its name, its administrative code, the
former province whose seat (trụ sở, tỉnh lỵ) it keeps, its predecessors separated by ";" and
their codes in the same order).

Codes are the official two-digit codes of the provinces (mã đơn vị hành chính cấp tỉnh): the
63 of QĐ 124/2004/QĐ-TTg before 01/07/2025 and the 34 after, where a merged province keeps the
code of the former province whose seat it keeps (Lào Cai, seated in Yên Bái, has 15, Yên
Bái's; the former Lào Cai's 10 is not a 2025 code). A code means a different province before
and after 01/07/2025, so a code is read with the year of the row (`by_code`). A province
whose code the table leaves empty has no known code: nothing is guessed.

Published names are spelt in many ways ("Thừa Thiên-Huế", "TP. Hồ Chí Minh", "Khánh Hoà",
"Bà Rịa-Vũng Tàu", "Đăk Nông", "Kontum", "BR-VT", English "Lao Cai Province"); `province_key`
reduces a name to a comparison key so that these match the lineage spelling, and a name
without its diacritics ("Lao Cai", "Thua Thien Hue") matches when it fits one province only.
A province that continues a single former one answers to both names: "Huế" for a 2024 row
of Thừa Thiên Huế (renamed on 01/01/2025), "Thừa Thiên Huế" for a 2025 row of Huế.
Pure Python: no Django.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TypeVar

_T = TypeVar("_T")

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
_PREFIXES = (
    "ubnd thành phố ",
    "ubnd tỉnh ",
    "thành phố ",
    "tỉnh ",
    "tp. ",
    "tp.",
    "tp ",
    "t.p. ",
)
_SUFFIXES = (" province", " city")  # English sources: "Lao Cai Province", "Hue City"
# Keys (without spaces) of other usual spellings -> the key of the lineage spelling.
_ALIASES = {
    "hcm": "hồ chí minh",
    "tphcm": "hồ chí minh",
    "sàigòn": "hồ chí minh",
    "brvt": "bà rịa vũng tàu",
    "bàrịavt": "bà rịa vũng tàu",
    "kontum": "kon tum",
    "đăknông": "đắk nông",
    "đắcnông": "đắk nông",
    "đăklăk": "đắk lắk",
    "đắclắc": "đắk lắk",
    "đắklăk": "đắk lắk",
    "đăklắk": "đắk lắk",
    "daklak": "đắk lắk",
    "daknong": "đắk nông",
    "tthuế": "thừa thiên huế",
}


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
    for suffix in _SUFFIXES:
        if text.endswith(suffix):
            text = text[: -len(suffix)]
    text = re.sub(r"[\s\-–—.]+", " ", text).strip()
    return _ALIASES.get(text.replace(" ", ""), text)


def folded_key(name: str) -> str:
    """province_key without diacritics (đ -> d): "Lao Cai" for "Lào Cai"."""
    text = unicodedata.normalize("NFD", province_key(name).replace("đ", "d"))
    return "".join(c for c in text if not unicodedata.combining(c))


@dataclass(frozen=True)
class Province2025:
    name: str
    capital_from: str  # the former province whose seat it keeps ("" when not known)
    predecessors: tuple[str, ...]
    code: str = ""  # its official code from 01/07/2025 ("" when not known)
    predecessor_codes: tuple[str, ...] = ()  # the predecessors' codes, same order ("" unknown)

    @property
    def seat(self) -> str:
        """The former province whose seat it keeps: the table's, else the one it continues."""
        return self.capital_from or self.continuing() or ""

    def code_before(self, predecessor: str) -> str:
        """The code (before 01/07/2025) of one of its predecessors, "" when not known."""
        for name, code in zip(self.predecessors, self.predecessor_codes, strict=False):
            if province_key(name) == province_key(predecessor):
                return code
        return ""

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
        canonical = self.canonical_before(name)
        return self._successors().get(province_key(canonical)) if canonical else None

    def province(self, name: str) -> Province2025 | None:
        """A 2025 province by name (any spelling; the former name of a province that
        continues a single one, "Thừa Thiên Huế" for Huế)."""
        return _lookup(self._by_name(), name)

    def canonical_before(self, name: str) -> str | None:
        """The lineage spelling of a former province's name (any spelling; the 2025 name
        of a province that continues a single one, "Huế" for Thừa Thiên Huế)."""
        return _lookup(self._canonical(), name)

    def by_code(self, code: str, year: int) -> tuple[str, Province2025] | None:
        """(name, 2025 province) of an official code read in `year`: before FIRST_34_YEAR the
        former province's lineage spelling and its successor, from then the 2025 province's
        name and itself. "1" and "01" are the same code. None when no province has it."""
        return self._codes(year >= FIRST_34_YEAR).get(normal_code(code))

    @cache  # noqa: B019
    def _codes(self, after: bool) -> dict[str, tuple[str, Province2025]]:
        if after:
            return {prov.code: (prov.name, prov) for prov in self.provinces if prov.code}
        return {
            code: (name, prov)
            for prov in self.provinces
            for name, code in zip(prov.predecessors, prov.predecessor_codes, strict=False)
            if code
        }

    @cache  # noqa: B019 - Lineage is frozen and lives for the process
    def _successors(self) -> dict[str, Province2025]:
        return {province_key(p): prov for prov in self.provinces for p in prov.predecessors}

    @cache  # noqa: B019
    def _by_name(self) -> dict[str, Province2025]:
        found = {province_key(prov.name): prov for prov in self.provinces}
        for prov in self.provinces:
            if len(prov.predecessors) == 1:
                found.setdefault(province_key(prov.predecessors[0]), prov)
        return found

    @cache  # noqa: B019
    def _canonical(self) -> dict[str, str]:
        found = {province_key(p): p for p in self.before_2025}
        for prov in self.provinces:
            if len(prov.predecessors) == 1:
                found.setdefault(province_key(prov.name), prov.predecessors[0])
        return found


def _lookup(table: dict[str, _T], name: str) -> _T | None:
    """The entry of `table` (by province_key) for `name`; else the only entry whose key
    matches without diacritics ("Ha Noi"), None when none or several do."""
    key = province_key(name)
    if key in table:
        return table[key]
    folded = folded_key(name)
    found = [v for k, v in table.items() if folded_key(k) == folded]
    return found[0] if len(found) == 1 else None


def normal_code(code: str) -> str:
    """A province code as the table writes it: two digits ("1" -> "01"); other text as is."""
    code = code.strip()
    return code.zfill(2) if code.isdigit() else code


def _split(cell: str | None) -> tuple[str, ...]:
    return tuple(p.strip() for p in (cell or "").split(";") if p.strip())


def parse_lineage(text: str) -> Lineage:
    """The table from its CSV text; the code columns are optional (no codes known)."""
    rows = csv.DictReader(text.splitlines())
    return Lineage(
        tuple(
            Province2025(
                name=r["province_2025"].strip(),
                capital_from=(r.get("capital_seat_from") or "").strip(),
                predecessors=_split(r["predecessors_before_2025_07_01"]),
                code=normal_code(r.get("code") or ""),
                predecessor_codes=tuple(
                    normal_code(c) for c in (r.get("predecessor_codes") or "").split(";")
                )
                if r.get("predecessor_codes")
                else (),
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
