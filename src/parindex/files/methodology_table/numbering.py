"""The numbering of an appendix table's rows: 1 / 1.1 / 1.1.1, I / 1 / a, A / I / 1 / a) ...

A label is read from the STT cell, or from the start of the name ("1.2. Tên", "II - TÊN",
"a) Tên"). Its style says nothing of its depth by itself: depth comes from the order the
styles appear in (as in nested lists), so I / 1 / a and 1 / 1.1 / 1.1.1 both give fields,
criteria and sub-criteria. Dotted labels carry their parent ("1.2.3" under "1.2").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50}
_LOWER_ROMAN = ("ii", "iii", "iv", "vi", "vii", "viii", "ix")
_WORDS = re.compile(
    r"^(?:lĩnh vực|linh vuc|tiêu chí thành phần|tiêu chí|tieu chi|nội dung|mục|phần|chỉ số)\s+",
    re.IGNORECASE,
)
_LABEL = re.compile(
    r"""^(?:
        (?P<dotted>\d+(?:\.\d+)+)\.?
      | (?P<arabic>\d+)\.?
      | (?P<roman>[IVXL]+)\.?
      | (?P<upper>[A-ZĐ])\.?
      | (?P<lower>[a-zđ]|ii|iii|iv|vi|vii|viii|ix)[.)]?
    )$""",
    re.VERBOSE,
)
_LEADING = re.compile(
    r"""^(?P<label>\d+(?:\.\d+)+\.?|\d+[.)]?|[IVXL]+[.)]|[A-ZĐ][.)]|[a-zđ][.)]
        |(?:ii|iii|iv|vi|vii|viii|ix)[.)])
        (?:\s*[-–:]\s*|\s+)(?P<rest>\S.*)$""",
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Label:
    text: str  # as written, without a trailing "." or ")"
    style: str  # dotted<N> | arabic | roman | upper | lower | lower_roman
    value: int  # its number among siblings (I -> 1, c -> 3, 1.2.3 -> 3)

    @property
    def parent_prefix(self) -> str | None:
        return self.text.rsplit(".", 1)[0] if self.style.startswith("dotted") else None


def _roman(text: str) -> int | None:
    total, prev = 0, 0
    for ch in reversed(text.upper()):
        v = _ROMAN.get(ch) or {"C": 100}.get(ch)
        if v is None:
            return None
        total = total - v if v < prev else total + v
        prev = max(prev, v)
    return total if _to_roman(total) == text.upper() else None


def _to_roman(n: int) -> str:
    out = ""
    for v, s in ((50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= v:
            out, n = out + s, n - v
    return out


def _letter(ch: str) -> int:
    alphabet = "abcdđefghijklmnopqrstuvwxyz"  # Vietnamese order: đ after d
    return alphabet.index(ch.lower()) + 1


def parse_label(text: str, previous: str | None = None) -> Label | None:
    """The label written in an STT cell, or None when it is not one. `previous` is the style
    of the last label, to read "I" after "H" as a letter and "v" after "iv" as a numeral."""
    text = _WORDS.sub("", text.strip()).strip()
    m = _LABEL.match(text)
    if not m:
        return None
    kind = m.lastgroup or ""
    raw = m.group(kind)
    if kind == "dotted":
        parts = raw.split(".")
        return Label(raw, f"dotted{len(parts)}", int(parts[-1]))
    if kind == "arabic":
        return Label(raw, "arabic", int(raw))
    if kind == "roman":
        value = _roman(raw)
        if value is None or (len(raw) == 1 and previous == "upper" and raw == "I"):
            return Label(raw, "upper", _letter(raw)) if len(raw) == 1 else None
        return Label(raw, "roman", value)
    if kind == "upper":
        return Label(raw, "upper", _letter(raw))
    if raw in _LOWER_ROMAN or (raw in ("i", "v", "x") and previous == "lower_roman"):
        return Label(raw, "lower_roman", _roman(raw.upper()) or 0)
    if len(raw) > 1:
        return None
    return Label(raw, "lower", _letter(raw))


def split_leading(text: str, previous: str | None = None) -> tuple[Label, str] | None:
    """A label written at the start of a name: "1.2. Kế hoạch" -> (1.2, "Kế hoạch")."""
    text = _WORDS.sub("", text)
    m = _LEADING.match(text)
    if not m:
        return None
    raw = m.group("label").rstrip(".)")
    rest = m.group("rest").strip()
    label = parse_label(raw, previous)
    if label is None or not rest:
        return None
    if label.style in ("upper", "roman") and not m.group("label").endswith((".", ")")):
        return None  # "A Lưới" is a word, "A. Lưới" a label
    return label, rest
