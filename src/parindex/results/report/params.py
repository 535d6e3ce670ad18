"""Who issues the report, and defaults for a cycle: organisation names, number, place, date,
signer (`ReportParams`, `report_params_for`)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from django.utils import timezone

from ..tables import (
    type_order,
)

GROUP_NAMES = {
    "ministry": "các bộ, ngành",
    "province": "các tỉnh, thành phố",
    "department": "các sở, ban, ngành",
    "commune": "UBND các xã, phường, đặc khu",
}
BLOCK_NAMES = {
    "ministry": "Khối bộ, ngành",
    "province": "Khối tỉnh, thành phố",
    "department": "Khối sở, ban, ngành",
    "commune": "Khối xã, phường, đặc khu",
}


@dataclass(frozen=True)
class ReportParams:
    """What the report says about who issues it. Defaults: report_params_for(cycle)."""

    authority: str = ""  # "UBND TỈNH LÀO CAI" (the superior body; empty for a ministry)
    issuer: str = "SỞ NỘI VỤ"
    issuer_name: str = "Sở Nội vụ"  # as written inside sentences
    authority_name: str = ""  # "UBND tỉnh", to whom the report is addressed
    number: str = "…/BC-SNV"  # printed after "Số: "
    place: str = ""
    date: date | None = None
    # The decision approving the results, once published: "Quyết định số 15/QĐ-UBND ngày
    # 01/02/2026" (the cycle's decision_number and decision_date).
    decision: str = ""
    title: str = "Kết quả xác định Chỉ số cải cách hành chính"
    signer_authority: str = "KT. GIÁM ĐỐC"
    signer_title: str = "PHÓ GIÁM ĐỐC"
    signer_name: str = ""
    recipients: tuple[str, ...] = ("Lưu: VT, CCHC.",)
    intro: str = ""  # the opening paragraph; default built from the results
    proposals: tuple[str, ...] = ()  # replace the proposals derived from the results
    closing: str = ""
    charts: bool = True


def decision_line(cycle: Any) -> str:
    """ "Quyết định số 15/QĐ-UBND ngày 01/02/2026": the decision approving a published
    cycle's results ("" before publication)."""
    if not cycle.published_at or not cycle.decision_number:
        return ""
    when = cycle.decision_date.strftime("%d/%m/%Y") if cycle.decision_date else "…"
    return f"Quyết định số {cycle.decision_number} ngày {when}"


def vn_date_line(place: str, d: date) -> str:
    """ "Lào Cai, ngày 05 tháng 02 năm 2026": a day below 10 and a month below 3 take a
    leading zero (Decree 30/2020/NĐ-CP, Appendix I)."""
    day = f"{d.day:02d}" if d.day < 10 else str(d.day)
    month = f"{d.month:02d}" if d.month < 3 else str(d.month)
    prefix = f"{place}, ngày" if place else "…, ngày"
    return f"{prefix} {day} tháng {month} năm {d.year}"


def _strip_prefix(name: str) -> str:
    low = name.lower()
    for p in ("tỉnh ", "thành phố ", "ubnd tỉnh ", "ubnd thành phố ", "ủy ban nhân dân tỉnh "):
        if low.startswith(p):
            return name[len(p) :].strip()
    return name.strip()


def _initials(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    ascii_name = folded.encode("ascii", "ignore").decode()
    return "".join(w[0].upper() for w in ascii_name.split() if w[:1].isalpha())


def report_params_for(cycle: Any, **overrides: Any) -> ReportParams:
    """Defaults from the cycle's organiser: the issuer is its name ("Sở Nội vụ"), the
    authority its province ("UBND TỈNH LÀO CAI"), the place the province's name, the number
    "…/BC-" + the organiser's code (or initials), the date the publication date or today."""
    org = cycle.organiser
    name = org.name
    province = ""
    for sep in (" tỉnh ", " thành phố "):
        if sep in name.lower():
            i = name.lower().index(sep)
            name, province = name[:i], name[i + len(sep) :]
            break
    parent = getattr(org, "parent", None)
    if not province and parent is not None and parent.type == "province":
        province = _strip_prefix(parent.name)
    code = org.code if org.code.isalnum() and org.code.isupper() and len(org.code) <= 8 else ""
    abbrev = code or _initials(name)
    kind = (
        "thành phố"
        if province.lower().startswith(
            ("hà nội", "hồ chí minh", "hải phòng", "đà nẵng", "cần thơ", "huế")
        )
        else "tỉnh"
    )
    authority = f"UBND {kind} {province}".upper() if province else ""
    types = sorted(
        {p.unit.type for p in cycle.participations.select_related("unit")}, key=type_order
    )
    groups = " và ".join(GROUP_NAMES.get(t, t) for t in types) or "các cơ quan, đơn vị"
    recipients = []
    if authority:
        recipients.append(f"UBND {kind} (để báo cáo);")
    recipients += [f"{GROUP_NAMES.get(t, t)[0].upper()}{GROUP_NAMES.get(t, t)[1:]};" for t in types]
    recipients.append(f"Lưu: VT, {abbrev}." if not code else "Lưu: VT, CCHC.")
    is_ministry = org.type == "ministry"
    params = ReportParams(
        authority=authority,
        issuer=name.upper(),
        issuer_name=name,
        authority_name=f"UBND {kind}" if authority else "",
        number=f"…/BC-{abbrev}",
        place=province,
        date=(
            timezone.localdate(cycle.published_at)
            if cycle.published_at
            else cycle.publication_date or timezone.localdate()
        ),
        decision=decision_line(cycle),
        title=(f"Kết quả xác định Chỉ số cải cách hành chính năm {cycle.year} của {groups}"),
        signer_authority="KT. BỘ TRƯỞNG" if is_ministry else "KT. GIÁM ĐỐC",
        signer_title="THỨ TRƯỞNG" if is_ministry else "PHÓ GIÁM ĐỐC",
        recipients=tuple(recipients),
    )
    return replace(params, **overrides)
