"""The facts of an administrative document as Decree 30/2020/NĐ-CP lays it out.

Header: the issuing body upper left (its parent body above it), the national motto upper right,
"Số: 123/KH-UBND" under the body, "Lào Cai, ngày 15 tháng 01 năm 2026" under the motto; then
the type in capitals (KẾ HOẠCH, QUYẾT ĐỊNH …) and the title (trích yếu), or for a công văn the
"V/v …" line under the number; at the end the signature block (TM./KT./TL. …, the position,
the signer's name). The text may come cell by cell (Word) or with both header columns on one
line (PDF), so every rule works on fragments of lines, not whole lines.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

# Decree 30/2020, Appendix III: the abbreviations of the document types
TYPE_ABBREVIATIONS: dict[str, str] = {
    "NQ": "Nghị quyết",
    "QĐ": "Quyết định",
    "CT": "Chỉ thị",
    "QC": "Quy chế",
    "QyĐ": "Quy định",
    "TC": "Thông cáo",
    "TB": "Thông báo",
    "HD": "Hướng dẫn",
    "CTr": "Chương trình",
    "KH": "Kế hoạch",
    "PA": "Phương án",
    "ĐA": "Đề án",
    "DA": "Dự án",
    "BC": "Báo cáo",
    "BB": "Biên bản",
    "TTr": "Tờ trình",
    "HĐ": "Hợp đồng",
    "CĐ": "Công điện",
    "GN": "Bản ghi nhớ",
    "TTh": "Bản thỏa thuận",
    "GUQ": "Giấy ủy quyền",
    "GM": "Giấy mời",
    "GGT": "Giấy giới thiệu",
    "GNP": "Giấy nghỉ phép",
    "PG": "Phiếu gửi",
    "PC": "Phiếu chuyển",
    "PB": "Phiếu báo",
}
TYPE_NAMES = sorted(
    {*TYPE_ABBREVIATIONS.values(), "Công văn", "Thông tư", "Nghị định"}, key=len, reverse=True
)
_TYPE_BY_UPPER = {name.upper(): name for name in TYPE_NAMES}

_MOTTO = re.compile(
    r"C[ỘO]NG\s+H[ÒOÓ]A\s+X[ÃA]\s+H[ỘO]I\s+CH[ỦU]\s+NGH[ĨI]A\s+VI[ỆE]T\s+NAM"
    r"|Độc\s+lập\s*[-–—]\s*Tự\s+do\s*[-–—]\s*Hạnh\s+phúc",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"(?<![\wĐđ])Số\s*:?\s*"
    r"(\d+[a-zA-Z]?(?:\s*/\s*\d{4})?\s*/\s*[A-ZĐ][\wĐđ.]*(?:\s*-\s*[A-ZĐ][\wĐđ.]*)*)",
    re.IGNORECASE,
)
_DATE = re.compile(
    r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})|ngày\s+(\d{1,2})/(\d{1,2})/(\d{4})",
    re.IGNORECASE,
)
_RULE = re.compile(r"^[\s_\-–—=.*]+$")
_BODY_START = re.compile(
    r"^(Căn cứ|Thực hiện|Kính gửi|Theo|Để|Nhằm|Xét|Điều\s+\d|Phần\s|[IVX]+\.\s|\d+\.\s|[a-z]\)\s)"
)
_AUTHORITY = re.compile(
    r"(?:\b(?:TM|KT|TL|TUQ|Q)\.\s*)?(?:PHÓ\s+)?"
    r"(?:CHỦ\s+TỊCH|GIÁM\s+ĐỐC|TRƯỞNG\s+PHÒNG|CHÁNH\s+VĂN\s+PHÒNG|CHÁNH\s+THANH\s+TRA|"
    r"BỘ\s+TRƯỞNG|THỨ\s+TRƯỞNG|TRƯỞNG\s+BAN|CỤC\s+TRƯỞNG|VỤ\s+TRƯỞNG|HIỆU\s+TRƯỞNG|"
    r"BÍ\s+THƯ|THỦ\s+TRƯỞNG|TỔNG\s+CỤC\s+TRƯỞNG|CHI\s+CỤC\s+TRƯỞNG|TRƯỞNG\s+ĐOÀN|"
    r"ỦY\s+BAN\s+NHÂN\s+DÂN|HỘI\s+ĐỒNG\s+NHÂN\s+DÂN)"
)
_ORG_START = re.compile(
    r"^(SỞ|PHÒNG|BAN|VĂN\s+PHÒNG|TRUNG\s+TÂM|CỤC|CHI\s+CỤC|VỤ|THANH\s+TRA|ỦY\s+BAN|UBND|"
    r"HỘI\s+ĐỒNG|TRƯỜNG|BỆNH\s+VIỆN|ĐÀI|BỘ|TỔNG\s+CỤC|BAN\s+QUẢN\s+LÝ|KHO\s+BẠC|CÔNG\s+AN|"
    r"BỘ\s+CHỈ\s+HUY|BÁO|TẠP\s+CHÍ|VIỆN|HỌC\s+VIỆN|QUỸ|ĐOÀN|TỔ)\b"
)


@dataclass
class DocumentFacts:
    issuer: str | None = None
    issuer_parent: str | None = None
    number: str | None = None
    date: date | None = None
    place: str | None = None
    doc_type: str | None = None
    title: str | None = None
    signer: str | None = None
    signer_position: str | None = None
    signature_block: bool = False
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "issuer_parent": self.issuer_parent,
            "number": self.number,
            "date": self.date.isoformat() if self.date else None,
            "place": self.place,
            "doc_type": self.doc_type,
            "title": self.title,
            "signer": self.signer,
            "signer_position": self.signer_position,
            "signature_block": self.signature_block,
        }


def _clean(line: str) -> str:
    return re.sub(r"\s+", " ", line).strip()


def _is_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _title_word(word: str) -> bool:
    core = word.rstrip(".")
    return bool(core) and core.isalpha() and core[0].isupper() and core[1:] == core[1:].lower()


def extract_facts(text: str) -> DocumentFacts:
    facts = DocumentFacts()
    text = unicodedata.normalize("NFC", text)
    lines = [_clean(line) for line in text.split("\n")]
    lines = [line for line in lines if line]
    if not lines:
        facts.problems.append("Tài liệu không có chữ.")
        return facts
    head_end = _find_type_line(lines, facts)
    if head_end is not None:
        head = lines[:head_end]
    else:  # a công văn: no type line, the header ends where "Kính gửi" or the body starts
        cut = next((i for i, ln in enumerate(lines[:14]) if _BODY_START.match(ln)), None)
        head = lines[: cut if cut is not None else min(len(lines), 14)]
    _find_number(lines, head, facts)
    _find_date(lines, head, facts)
    _find_issuer(head, facts)
    if head_end is not None:
        facts.title = _title_after(lines, head_end + 1)
    if facts.title is None:
        facts.title = _vv_title(head or lines[:14])
        if facts.title and facts.doc_type is None:
            facts.doc_type = "Công văn"
    _type_from_symbol(facts)
    body = (head_end + 1) if head_end is not None else len(head)
    _find_signer(lines, body, facts)
    for name, value in (("số, ký hiệu", facts.number), ("ngày ban hành", facts.date)):
        if value is None:
            facts.problems.append(f"Không tìm thấy {name} của văn bản.")
    if not facts.signature_block:
        facts.problems.append("Không thấy phần chữ ký (chức vụ, họ tên người ký).")
    return facts


def _strip_header_bits(line: str) -> str:
    line = _MOTTO.sub(" ", line)
    line = _NUMBER.sub(" ", line)
    line = _cut_date(line)
    line = re.sub(r"[_=]{2,}|-{3,}|—+", " ", line)
    return _clean(line)


def _place_before(before: str) -> tuple[str, str | None]:
    """'Số: 1/KH-UBND Lào Cai,' -> ('Số: 1/KH-UBND', 'Lào Cai'): title-case words before a comma."""
    before = before.rstrip()
    if not before.endswith(","):
        return before, None
    words = before[:-1].split()
    place: list[str] = []
    while words and (_title_word(words[-1]) or words[-1] in ("TP.", "Tp.")) and len(place) < 5:
        place.insert(0, words.pop())
    if place and words[-2:] in (["Thành", "phố"], ["Thị", "xã"], ["Thị", "trấn"]):
        place[:0] = [words.pop(-2), words.pop()]
    return " ".join(words), " ".join(place) or None


def _cut_date(line: str) -> str:
    match = _DATE.search(line)
    if not match:
        return line
    rest, _place = _place_before(line[: match.start()])
    return f"{rest} {line[match.end() :]}"


def _find_type_line(lines: list[str], facts: DocumentFacts) -> int | None:
    for index, line in enumerate(lines[:40]):
        rest = _strip_header_bits(line)
        if rest.rstrip(":") in _TYPE_BY_UPPER and rest == rest.upper():
            facts.doc_type = _TYPE_BY_UPPER[rest.rstrip(":")]
            return index
    return None


def _find_number(lines: list[str], head: list[str], facts: DocumentFacts) -> None:
    for strict, scope in ((False, head), (True, lines[:60]), (False, [" ".join(head)])):
        for line in scope:
            match = _NUMBER.search(line)
            # outside the header only a line starting "Số" (not "… Quyết định số 15/QĐ-UBND")
            if match and not (strict and match.start() > 0):
                facts.number = re.sub(r"\s+", "", match.group(1)).rstrip(".")
                return


def _find_date(lines: list[str], head: list[str], facts: DocumentFacts) -> None:
    for strict, scope in ((False, head), (True, lines[:60]), (True, [" ".join(head)])):
        for line in scope:
            match = _DATE.search(line)
            # outside the header (or broken over lines) only "Place, ngày …", not a citation
            if not match or strict and not _place_before(line[: match.start()])[1]:
                continue
            d, m, y = (
                int(g) for g in (match.groups()[:3] if match.group(1) else match.groups()[3:])
            )
            try:
                facts.date = date(y, m, d)
            except ValueError:
                facts.problems.append(f"Ngày ban hành không hợp lệ: “{match.group(0)}”.")
                return
            facts.place = _place_before(line[: match.start()])[1]
            return


def _find_issuer(head: list[str], facts: DocumentFacts) -> None:
    block: list[str] = []
    for line in head:
        rest = _strip_header_bits(line)
        if re.match(r"^V/v\b", rest, re.I):
            break
        if rest and _is_upper(rest) and rest.rstrip(":") not in _TYPE_BY_UPPER:
            block.append(rest)
    if not block:
        return
    split = next((i for i in range(1, len(block)) if _ORG_START.match(block[i])), None)
    if split is None:
        facts.issuer = " ".join(block)
    else:
        facts.issuer_parent = " ".join(block[:split])
        facts.issuer = " ".join(block[split:])


def _title_after(lines: list[str], start: int) -> str | None:
    parts: list[str] = []
    for line in lines[start : start + 6]:
        if _RULE.match(line) or _BODY_START.match(line) or _is_upper(line) or len(parts) == 4:
            break
        parts.append(line)
    return " ".join(parts) or None


def _vv_title(head: list[str]) -> str | None:
    for index, line in enumerate(head):
        match = re.search(r"\bV/v\b.*", line)
        if not match:
            continue
        parts = [_strip_header_bits(match.group(0))]
        for more in head[index + 1 : index + 4]:
            rest = _strip_header_bits(more)
            if not rest or _RULE.match(more) or _BODY_START.match(rest) or _is_upper(rest):
                break
            parts.append(rest)
        return " ".join(parts)
    return None


def _type_from_symbol(facts: DocumentFacts) -> None:
    if not facts.number:
        return
    segments = [s for s in facts.number.split("/")[1:] if not s.isdigit()]
    if not segments:
        return
    abbreviation = segments[0].split("-")[0]
    from_symbol = TYPE_ABBREVIATIONS.get(abbreviation)
    if from_symbol is None and "-" in segments[0] and len(segments) == 1:
        from_symbol = "Công văn"  # 123/UBND-VP: issuer and unit, no type abbreviation
    if facts.doc_type is None:
        facts.doc_type = from_symbol
    elif from_symbol and from_symbol != facts.doc_type:
        facts.problems.append(
            f"Loại văn bản ở tiêu đề ({facts.doc_type}) khác ký hiệu {facts.number} "
            f"({from_symbol})."
        )


def _find_signer(lines: list[str], body: int, facts: DocumentFacts) -> None:
    start = body
    while body < len(lines) and not _BODY_START.match(lines[body]):
        body += 1  # the title and a Quyết định's authority line are not the signature
    if body >= len(lines):
        body = start
    tail_start = max(body, len(lines) - 60)
    marks = [i for i in range(tail_start, len(lines)) if _AUTHORITY.search(lines[i])]
    if not marks:
        return
    facts.signature_block = True
    for mark in reversed(marks):
        for line in lines[mark + 1 : mark + 10]:
            if line.startswith("(") or _AUTHORITY.search(line):
                continue
            words = line.split()
            name: list[str] = []
            for word in reversed(words):
                if not _title_word(word) or word.endswith("."):
                    break
                name.insert(0, word)
            if 2 <= len(name) <= 6 and (len(name) == len(words) or ":" in line or ";" in line):
                facts.signer = " ".join(name)
                position = _AUTHORITY.search(lines[mark])
                facts.signer_position = position.group(0) if position else None
                return
