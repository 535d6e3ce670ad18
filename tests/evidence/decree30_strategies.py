"""Hypothesis strategies for Decree 30 sample documents with known facts (tests and bench)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from hypothesis import strategies as st

from parindex.evidence.samples import Sample

ISSUERS = [
    ("UBND TỈNH LÀO CAI", "SỞ NỘI VỤ", "SNV"),
    ("UBND TỈNH LÀO CAI", "SỞ KẾ HOẠCH VÀ ĐẦU TƯ", "SKHĐT"),
    ("UBND HUYỆN BẮC HÀ", "PHÒNG NỘI VỤ", "PNV"),
    ("BỘ NỘI VỤ", "VỤ CẢI CÁCH HÀNH CHÍNH", "CCHC"),
    (None, "ỦY BAN NHÂN DÂN TỈNH LÀO CAI", "UBND"),
    (None, "ỦY BAN NHÂN DÂN HUYỆN SA PA", "UBND"),
    ("UBND TỈNH YÊN BÁI", "VĂN PHÒNG UBND TỈNH", "VP"),
]
TYPES = [
    ("Kế hoạch", "KH"),
    ("Báo cáo", "BC"),
    ("Quyết định", "QĐ"),
    ("Tờ trình", "TTr"),
    ("Thông báo", "TB"),
    ("Chỉ thị", "CT"),
    ("Nghị quyết", "NQ"),
    ("Hướng dẫn", "HD"),
    ("Công văn", ""),
]
PLACES = ["Lào Cai", "Hà Nội", "Sa Pa", "Yên Bái", "Bắc Hà", "Thành phố Hồ Chí Minh"]
TITLES = [
    "Cải cách hành chính năm {y}",
    "Về việc ban hành Quy chế tiếp nhận hồ sơ năm {y}",
    "Kết quả thực hiện công tác cải cách hành chính quý I năm {y}",
    "Về việc kiện toàn Ban Chỉ đạo cải cách hành chính",
    "Tuyên truyền cải cách hành chính giai đoạn {y} - 2030",
]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Giàng"]
MIDDLE = ["Văn", "Thị", "Đức", "Thanh", "Minh", "Hữu", "A"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hà", "Lan", "Sử", "Tuấn", "Yến", "Đạt"]
POSITIONS = [
    ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"),
    ("GIÁM ĐỐC",),
    ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"),
    ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"),
    ("TL. CHỦ TỊCH", "CHÁNH VĂN PHÒNG"),
    ("TRƯỞNG PHÒNG",),
]


def build_sample(pick: Callable[[Sequence[Any]], Any], serial: int, issued: date) -> Sample:
    """A sample from choices made by `pick` (hypothesis's draw or random.choice)."""
    parent, issuer, short = pick(ISSUERS)
    doc_type, abbr = pick(TYPES)
    if doc_type == "Công văn":
        number = f"{serial}/{short}-{pick(['VP', 'CCHC', 'TH'])}"
        subject = pick(TITLES).format(y=issued.year)
        title = "V/v " + subject[0].lower() + subject[1:]
    else:
        year = f"{issued.year}/" if doc_type in ("Quyết định", "Nghị quyết", "Chỉ thị") else ""
        number = f"{serial}/{year}{abbr}-{short}"
        title = pick(TITLES).format(y=issued.year)
    return Sample(
        issuer=issuer,
        issuer_parent=parent,
        number=number,
        place=pick(PLACES),
        issued=issued,
        doc_type=doc_type,
        title=title,
        signer=" ".join([pick(FAMILY), pick(MIDDLE), pick(GIVEN)]),
        position=pick(POSITIONS),
        padded_date=pick([True, False]),
        rough=pick([True, False]),
    )


@st.composite
def samples(draw: st.DrawFn) -> Sample:
    issued = draw(st.dates(date(2019, 1, 1), date(2031, 12, 31)))
    serial = draw(st.integers(1, 2999))
    return build_sample(lambda seq: draw(st.sampled_from(seq)), serial, issued)


def expected(sample: Sample) -> dict[str, object]:
    return {
        "issuer": sample.issuer,
        "issuer_parent": sample.issuer_parent,
        "number": sample.number,
        "date": sample.issued.isoformat(),
        "place": sample.place,
        "doc_type": sample.doc_type,
        "title": sample.title,
        "signer": sample.signer,
    }
