"""The unit's self-assessment report (Báo cáo kết quả tự đánh giá, chấm điểm xác định Chỉ số
CCHC) and its evidence bundle: what they hold (`self_report_data`), the closing sections the
unit writes before submitting (`participation_save_report`), the Word file
(`self_report_docx`, laid out by parindex.results.report.self_assessment) and the zip of
evidence files with its index sheet (`evidence_bundle`, streamed).

Who may download them: permissions.SELF_REPORT (the unit's own staff, the organiser's
managers). Who may write the closing sections: permissions.may_write_report, while the
self-assessment is open (lifecycle.self_entry_open).
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from parindex.assessment import lifecycle
from parindex.audit.services import log_action
from parindex.common.errors import ServiceError
from parindex.core import NotArising, is_not_arising
from parindex.core.model import EXTERNAL, SURVEY

from .. import permissions as perm
from ..models import Entry, Evidence, EvidenceLink, Participation
from .scoring import unit_result

# --- what the report holds ------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceDoc:
    """One evidence document as the report lists it."""

    pk: int
    number: str
    date: date | None
    issuer: str
    title: str
    original_name: str
    page_ref: str = ""


@dataclass(frozen=True)
class ReportRow:
    """One row of the summary table: a field (depth 1), a criterion (2) or a sub-criterion
    (a leaf), with its maximum for this unit and its self-assessed points."""

    code: str
    name: str
    depth: int
    leaf: bool
    max_points: Decimal
    points: Decimal | None
    value: str = ""  # the input as typed (leaves)
    note: str = ""  # the unit's explanation (thuyết minh)
    not_arising: bool = False
    organiser: bool = False  # survey, external data: entered by the organiser
    evidence: tuple[EvidenceDoc, ...] = ()
    absent: bool = False  # inside a block declared absent for the unit (not carried out)

    @property
    def below_max(self) -> bool:
        return self.points is not None and self.points < self.max_points

    @property
    def needs_explanation(self) -> bool:
        """A unit's own item without evidence or scored below its maximum."""
        if not self.leaf or self.organiser or self.not_arising or self.absent:
            return False
        return not self.evidence or self.points is None or self.below_max


@dataclass(frozen=True)
class SelfReportData:
    participation: Participation
    year: int
    rows: tuple[ReportRow, ...]
    points: Decimal
    max_points: Decimal
    index: Decimal
    bonus: Decimal
    deduction: Decimal
    difficulties: str
    recommendations: str
    signer_name: str
    # The blocks declared absent for the unit, as its results pages say them.
    absent_texts: tuple[str, ...] = ()

    @property
    def leaves(self) -> list[ReportRow]:
        return [r for r in self.rows if r.leaf]

    @property
    def to_explain(self) -> list[ReportRow]:
        return [r for r in self.leaves if r.needs_explanation]

    @property
    def not_arising(self) -> list[ReportRow]:
        return [r for r in self.leaves if r.not_arising]


def _require_report(user: Any, p: Participation) -> None:
    if not perm.on_participation(user, p).can(perm.SELF_REPORT):
        raise ServiceError(_("Bạn không có quyền tải báo cáo tự đánh giá của đơn vị này."))


def _documents(p: Participation) -> dict[str, list[EvidenceDoc]]:
    """The unit's documents linked to each item, by number then date."""
    out: dict[str, list[EvidenceDoc]] = {}
    links = (
        EvidenceLink.objects.filter(entry__participation=p)
        .select_related("evidence", "entry")
        .order_by("entry__code", "evidence__doc_date", "evidence__doc_number", "evidence__pk")
    )
    for link in links:
        ev = link.evidence
        out.setdefault(link.entry.code, []).append(
            EvidenceDoc(
                pk=ev.pk,
                number=ev.doc_number,
                date=ev.doc_date,
                issuer=ev.issuer,
                title=ev.title,
                original_name=ev.original_name,
                page_ref=link.page_ref,
            )
        )
    return out


def _signer_name(p: Participation) -> str:
    """The leader who submitted the form, else the unit's first leader ("" if none)."""
    if p.submitted_by is not None and perm.may_approve(perm.on_participation(p.submitted_by, p)):
        return p.submitted_by.get_full_name()
    leader = perm.approvers(p).order_by("pk").first()
    return leader.get_full_name() if leader is not None else ""


def self_report_data(*, participation: Participation, user: Any) -> SelfReportData:
    """What the self-assessment report shows of one unit in one cycle (the self-assessed
    stage), checked against the user's rights."""
    p = participation
    _require_report(user, p)
    entries = {e.code: e for e in Entry.objects.filter(participation=p)}
    result = unit_result(p, "self", list(entries.values()))
    docs = _documents(p)
    from .blocks import absent_block_text, absent_blocks_of

    tree = p.cycle.methodology.tree
    absent = absent_blocks_of(p.cycle, [p]).get(p.pk, [])
    inside = {n.code for b in absent for n in b.node.walk()}
    rows: list[ReportRow] = []
    for field_result in result.fields:
        for nr in field_result.walk():
            node = nr.node
            if not node.applies(p.unit.type):
                continue
            entry = entries.get(node.code)
            value = entry.value if entry else ""
            rows.append(
                ReportRow(
                    code=node.code,
                    name=node.name,
                    depth=node.depth,
                    leaf=node.is_leaf,
                    max_points=node.max_points,
                    points=(nr.points if not node.is_leaf or value else None),
                    value=value,
                    note=entry.note if entry else "",
                    not_arising=node.is_leaf
                    and (isinstance(nr.value, NotArising) or is_not_arising(value)),
                    organiser=node.is_leaf and node.method in (SURVEY, EXTERNAL),
                    evidence=tuple(docs.get(node.code, ())),
                    absent=node.code in inside,
                )
            )
    return SelfReportData(
        participation=p,
        year=p.cycle.year,
        rows=tuple(rows),
        points=result.points,
        max_points=result.max_points,
        index=result.index,
        bonus=result.bonus,
        deduction=result.deduction,
        difficulties=p.difficulties,
        recommendations=p.recommendations,
        signer_name=_signer_name(p),
        absent_texts=tuple(absent_block_text(tree, b) for b in absent),
    )


def _slug(text: str) -> str:
    """ASCII, lower case, words joined by "-" (file names inside the downloads)."""
    folded = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = folded.encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def self_report_filename(p: Participation, ext: str) -> str:
    return f"bao-cao-tu-danh-gia-{p.cycle.year}-{_slug(p.unit.code)}.{ext}"


def self_report_docx(*, participation: Participation, user: Any) -> tuple[str, bytes]:
    """The Word report of one unit's self-assessment: (file name, content)."""
    from parindex.results.report.self_assessment import self_assessment_docx

    data = self_report_data(participation=participation, user=user)
    return self_report_filename(participation, "docx"), self_assessment_docx(data)


# --- the closing sections, written by the unit ---------------------------------------------


@transaction.atomic
def participation_save_report(
    *, participation: Participation, difficulties: str, recommendations: str, user: Any
) -> Participation:
    """Save the report's "Khó khăn, vướng mắc" and "Đề xuất, kiến nghị" (the unit's own
    staff, while its self-assessment may be entered)."""
    acc = perm.on_participation(user, participation)
    if not perm.may_write_report(acc):
        raise ServiceError(_("Bạn không có quyền sửa báo cáo tự đánh giá của đơn vị này."))
    locked = Participation.objects.select_for_update().select_related("cycle", "unit")
    p = locked.get(pk=participation.pk)
    ok, why = lifecycle.self_entry_open(p, approver=perm.may_approve(acc))
    if not ok:
        raise ServiceError(why)
    new = {"difficulties": difficulties.strip(), "recommendations": recommendations.strip()}
    old = {"difficulties": p.difficulties, "recommendations": p.recommendations}
    if new == old:
        return p
    p.difficulties, p.recommendations = new["difficulties"], new["recommendations"]
    p.save(update_fields=["difficulties", "recommendations"])
    log_action(
        "participation.report_saved",
        actor=user,
        target=p,
        cycle=p.cycle,
        unit=p.unit,
        old=old,
        new=new,
    )
    return p


# --- the evidence bundle -------------------------------------------------------------------

INDEX_NAME = "danh-muc-tai-lieu-kiem-chung.xlsx"
CHUNK = 1 << 16
_NAME_MAX = 80


def _safe_part(text: str, fallback: str) -> str:
    """A file or folder name any system accepts: ASCII letters, digits, "-" and "_"."""
    return _slug(text)[:_NAME_MAX].strip("-") or fallback


def _folder(row: ReportRow) -> str:
    name = " ".join(row.name.split()[:8])
    return f"{row.code}_{_safe_part(name, 'muc')}"


def _file_name(doc: EvidenceDoc, taken: set[str]) -> str:
    """The document's number (sanitised: 12/KH-UBND -> 12-kh-ubnd) and the original
    extension; "-2", "-3" … when two documents of a folder share a number."""
    ext = ""
    if "." in doc.original_name:
        ext = "." + _safe_part(doc.original_name.rsplit(".", 1)[-1], "")[:8]
    stem = _safe_part(doc.number, "") or _safe_part(doc.original_name.rsplit(".", 1)[0], "")
    stem = stem or f"tai-lieu-{doc.pk}"
    name, n = f"{stem}{ext}", 1
    while name.lower() in taken:
        n += 1
        name = f"{stem}-{n}{ext}"
    taken.add(name.lower())
    return name


@dataclass(frozen=True)
class BundleItem:
    row: ReportRow
    doc: EvidenceDoc
    path: str  # inside the zip


def bundle_items(data: SelfReportData) -> list[BundleItem]:
    """Every (item, document) pair of the bundle with its path: one folder per
    sub-criterion; a document backing two items is in both folders."""
    out = []
    for row in data.leaves:
        taken: set[str] = set()
        folder = _folder(row)
        for doc in row.evidence:
            out.append(BundleItem(row, doc, f"{folder}/{_file_name(doc, taken)}"))
    return out


def index_sheet(data: SelfReportData, items: list[BundleItem]) -> bytes:
    """The index of the bundle (.xlsx): code, item, document number, date, issuer, title,
    file name; text typed as text (common.cells), so nothing typed runs as a formula."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from parindex.common.cells import append_text_safe

    p = data.participation
    book = Workbook()
    ws = book.active
    ws.title = "Danh mục"
    append_text_safe(
        ws, [f"Danh mục tài liệu kiểm chứng — {p.unit.name} — Chỉ số CCHC năm {data.year}"]
    )
    ws["A1"].font = Font(bold=True, size=13)
    header = [
        "Mã",
        "Tiêu chí thành phần",
        "Số, ký hiệu",
        "Ngày ban hành",
        "Cơ quan ban hành",
        "Trích yếu",
        "Tên tệp trong bộ hồ sơ",
    ]
    append_text_safe(ws, header)
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for it in items:
        append_text_safe(
            ws,
            [
                it.row.code,
                it.row.name,
                it.doc.number,
                it.doc.date.strftime("%d/%m/%Y") if it.doc.date else "",
                it.doc.issuer,
                it.doc.title,
                it.path,
            ],
        )
    for col, width in zip("ABCDEFG", (9, 40, 18, 13, 28, 45, 45), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A3"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


class _Pipe:
    """A write-only stream zipfile writes into; `take` hands over what was written."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        out = b"".join(self._parts)
        self._parts.clear()
        return out


def _zip_stream(data: SelfReportData, items: list[BundleItem]) -> Iterator[bytes]:
    """The zip, produced piece by piece: each evidence file is read in chunks of CHUNK
    bytes, so no more than one chunk of a file is in memory at a time."""
    pipe = _Pipe()
    files = {
        ev.pk: ev for ev in Evidence.objects.filter(pk__in={it.doc.pk for it in items}).only("file")
    }
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED) as zf:  # type: ignore[call-overload]
        zf.writestr(INDEX_NAME, index_sheet(data, items))
        yield pipe.take()
        for it in items:
            ev = files[it.doc.pk]
            with ev.file.open("rb") as src, zf.open(it.path, "w", force_zip64=True) as dst:
                while chunk := src.read(CHUNK):
                    dst.write(chunk)
                    if out := pipe.take():
                        yield out
            yield pipe.take()
    yield pipe.take()


def evidence_bundle_filename(p: Participation) -> str:
    return f"tai-lieu-kiem-chung-{p.cycle.year}-{_slug(p.unit.code)}.zip"


def evidence_bundle(*, participation: Participation, user: Any) -> tuple[str, Iterator[bytes]]:
    """The unit's evidence as one zip: a folder per sub-criterion ("1.1.2_ty-le-hoan-thanh…"),
    each file named by its document number, and the index sheet INDEX_NAME. Returns (file
    name, the zip's bytes as an iterator, for a streaming response or a file)."""
    data = self_report_data(participation=participation, user=user)
    items = bundle_items(data)
    return evidence_bundle_filename(participation), _zip_stream(data, items)
