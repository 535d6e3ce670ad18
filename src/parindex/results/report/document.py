"""The report itself: heading block, sections I-IV with tables and charts, recipients and
signature blocks (`report_docx`)."""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from django.utils import timezone
from docx.document import Document as DocumentType
from docx.enum.text import WD_ALIGN_PARAGRAPH

from parindex.common.collation import vn_key
from parindex.core import fmt_vn, q4

from .. import charts
from ..tables import (
    EVIDENCE,
    KIND_LABELS,
    CycleResults,
    LedgerEntry,
    UnitRow,
    node_stats,
    unit_type_label,
)
from .layout import (
    TEXT_WIDTH_MM,
    caption,
    closing_block,
    data_table,
    fmt_points,
    fmt_signed,
    heading_block,
    new_document,
    page_numbers,
    para,
    picture,
    rule,
    shown,
)
from .params import BLOCK_NAMES, GROUP_NAMES, ReportParams


def _title(doc: DocumentType, p: ReportParams) -> None:
    para(doc, "BÁO CÁO", size=14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, before=18, after=0)
    para(doc, p.title, size=14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    rule(doc, 40, TEXT_WIDTH_MM, after=12)


def _heading(doc: DocumentType, text: str, level: int = 1) -> None:
    para(
        doc,
        text,
        size=14,
        bold=True,
        before=6 if level == 1 else 3,
        after=6,
        indent=True,
        keep_next=True,
    )


def _groups(results: CycleResults) -> list[tuple[str, list[UnitRow]]]:
    return [(t, results.of_type(t)) for t in results.unit_types]


def _band_counts(rows: Sequence[UnitRow]) -> list[tuple[str, int]]:
    counts: dict[str, int] = defaultdict(int)
    labels: dict[str, str] = {}
    for r in rows:
        counts[r.band] += 1
        labels[r.band] = r.band_label or r.band
    return [(labels[b], counts[b]) for b in sorted(counts)]


def _average(values: Sequence[Decimal]) -> Decimal:
    return q4(sum(values, Decimal(0)) / len(values)) if values else Decimal(0)


def _summary_paragraph(doc: DocumentType, rows: Sequence[UnitRow], group: str) -> None:
    if not rows:
        return
    avg = _average([r.index for r in rows])
    best, worst = rows[0], rows[-1]
    bands = "; ".join(f"{label}: {n} đơn vị" for label, n in _band_counts(rows))
    text = (
        f"Có {len(rows)} {GROUP_NAMES.get(group, group).replace('các ', '').replace('UBND ', '')}"
        f" được xác định Chỉ số. Chỉ số bình quân đạt {fmt_vn(avg)}%; cao nhất là "
        f"{best.unit.name} ({fmt_vn(best.index)}%), thấp nhất là {worst.unit.name} "
        f"({fmt_vn(worst.index)}%). Xếp loại: {bands}."
    )
    para(doc, text, indent=True)
    changed = [r for r in rows if r.change and r.change.index_delta is not None]
    if changed:
        up = sum(
            1 for r in changed if r.change and r.change.index_delta and r.change.index_delta > 0
        )
        down = sum(
            1 for r in changed if r.change and r.change.index_delta and r.change.index_delta < 0
        )
        # A comparison with demo figures says so (national_label(synthetic=True)).
        first = next((r for r in changed if r.change and r.change.synthetic), changed[0])
        label = first.change.label if first.change else ""
        para(
            doc,
            f"So với {label}: {up} đơn vị tăng chỉ số, {down} đơn vị giảm chỉ số, "
            f"{len(changed) - up - down} đơn vị giữ nguyên.",
            indent=True,
        )


def _ranking_table(doc: DocumentType, rows: Sequence[UnitRow]) -> None:
    has_change = any(r.change and r.change.index_delta is not None for r in rows)
    header = ["Hạng", "Đơn vị", "Điểm đạt", "Điểm tối đa", "Chỉ số (%)", "Xếp loại"]
    widths = [15.0, 62.0, 20.0, 20.0, 20.0, 28.0]
    if has_change:
        header.append("Tăng/giảm chỉ số")
        widths = [15.0, 53.0, 18.0, 18.0, 18.0, 23.0, 20.0]
    body = []
    for r in rows:
        values = [
            str(r.rank),
            r.unit.name,
            fmt_points(r.points),
            fmt_points(r.max_points),
            fmt_points(r.index),
            r.band_label,
        ]
        if has_change:
            text = fmt_signed(r.change.index_delta) if r.change else ""
            values.append(text + "*" if text and r.change and r.change.synthetic else text)
        body.append(values)
    data_table(doc, header, body, widths, numeric=(2, 3, 4, 6))
    if has_change and any(r.change and r.change.synthetic for r in rows):
        para(doc, "(*) So với số liệu minh họa, không phải số liệu chính thức.", indent=True)


def _field_stats_table(
    doc: DocumentType, results: CycleResults, rows: Sequence[UnitRow]
) -> list[tuple[str, str, Decimal | None, Decimal | None, Decimal | None]]:
    stats = []
    body = []
    for i, f in enumerate(results.methodology.fields, 1):
        st = node_stats(rows, f.code)
        indices = [x for r in rows if (x := r.fields[i - 1].index) is not None]
        low = min(indices) if indices else None
        stats.append((f.code, f.name, st.average, st.best, low))
        body.append(
            [
                str(i),
                f.name,
                fmt_points(f.max_points),
                fmt_points(st.average),
                fmt_points(st.best),
                fmt_points(low),
            ]
        )
    data_table(
        doc,
        ["TT", "Lĩnh vực", "Điểm tối đa", "Chỉ số bình quân (%)", "Cao nhất (%)", "Thấp nhất (%)"],
        body,
        [11.0, 74.0, 20.0, 20.0, 20.0, 20.0],
        numeric=(2, 3, 4, 5),
    )
    return stats


def _components_table(doc: DocumentType, results: CycleResults, rows: Sequence[UnitRow]) -> None:
    fields = results.methodology.fields
    header = ["Hạng", "Đơn vị"] + [f"LV {f.code}" for f in fields] + ["Chỉ số"]
    n = len(fields)
    size = 10.5 if n <= 5 else 9.0
    rank_w, total_w = 13.0, 16.0
    col = max(12.5, min(20.0, (TEXT_WIDTH_MM - rank_w - total_w - 45.0) / max(n, 1)))
    name_w = TEXT_WIDTH_MM - rank_w - total_w - col * n
    widths = [rank_w, name_w] + [col] * n + [total_w]
    body = [
        [str(r.rank), r.unit.name]
        + [fmt_points(f.index) if f.index is not None else "-" for f in r.fields]
        + [fmt_points(r.index)]
        for r in rows
    ]
    data_table(doc, header, body, widths, numeric=tuple(range(2, n + 3)), size=size)
    legend = "; ".join(f"LV {f.code}: {f.name}" for f in fields)
    para(doc, f"Ghi chú: {legend}.", size=11, italic=True, before=2, after=8)


def _outside_section(
    doc: DocumentType, body: str, ledger: Sequence[LedgerEntry], table_no: int
) -> None:
    """A cycle reporting to an outside body: the items that lost points compared in four
    columns (self-assessed, the cycle's own council, the outside body's appraisal, final)
    with the points cut by each and won back by the explanation."""
    if not ledger:
        return
    from parindex.results.outside import outside_totals

    t = outside_totals(ledger)
    para(
        doc,
        f"Đối chiếu kết quả: trên các mục chưa đạt, Hội đồng thẩm định của tỉnh trừ "
        f"{fmt_vn(t.council_cut)} điểm so với tự đánh giá; {body} thẩm định trừ thêm "
        f"{fmt_vn(t.ministry_cut)} điểm; sau giải trình lấy lại {fmt_vn(t.recovered)} điểm.",
        indent=True,
    )
    rows = [
        [
            f"{e.unit.name}: {e.code}" if len({x.unit.code for x in ledger}) > 1 else e.code,
            e.name,
            *(
                fmt_points(v) if v is not None else "–"
                for v in (e.max_points, e.self_points, e.province_points, e.ministry_points)
            ),
            fmt_points(e.final_points),
        ]
        for e in ledger
    ]
    caption(
        doc,
        f"Bảng {table_no}. Đối chiếu điểm tự đánh giá, Hội đồng thẩm định, {body} thẩm định "
        "và điểm cuối cùng",
        above=True,
    )
    data_table(
        doc,
        ["Mã", "Tiêu chí thành phần", "Tối đa", "Tự đánh giá", "Hội đồng", body, "Cuối cùng"],
        rows,
        [16.0, 66.0, 16.0, 19.0, 19.0, 19.0, 19.0],
        numeric=(2, 3, 4, 5, 6),
        size=11,
    )
    para(doc, "", after=4)


def _ledger_section(
    doc: DocumentType, ledger: Sequence[LedgerEntry], table_no: int
) -> list[tuple[str, str, int, Decimal, Decimal, tuple[str, ...]]]:
    if not ledger:
        para(doc, "Không có đơn vị nào có điểm chưa đạt.", indent=True)
        return []
    total = sum((e.lost for e in ledger), Decimal(0))
    recoverable = sum((e.recoverable_points for e in ledger), Decimal(0))
    by_kind: dict[str, Decimal] = defaultdict(Decimal)
    for e in ledger:
        by_kind[e.kind] += e.lost
    kinds = "; ".join(
        f"{str(KIND_LABELS[k]).lower()}: {fmt_vn(v)} điểm"
        for k, v in sorted(by_kind.items(), key=lambda kv: -kv[1])
    )
    share = fmt_vn(q4(recoverable / total * 100)) if total else "0"
    para(
        doc,
        f"Tổng số điểm chưa đạt của các đơn vị là {fmt_vn(total)} điểm, trong đó "
        f"{fmt_vn(recoverable)} điểm ({share}%) có thể khắc phục bằng việc hoàn thiện tài liệu "
        f"kiểm chứng và nâng cao kết quả thực hiện nhiệm vụ. Theo nguồn: {kinds}.",
        indent=True,
    )
    per_leaf: dict[str, list[LedgerEntry]] = defaultdict(list)
    for e in ledger:
        per_leaf[e.code].append(e)
    top = sorted(per_leaf.items(), key=lambda kv: -sum(e.lost for e in kv[1]))[:10]
    rows = []
    summary = []
    for code, entries in top:
        lost = sum((e.lost for e in entries), Decimal(0))
        rec = sum((e.recoverable_points for e in entries), Decimal(0))
        agencies = tuple(sorted({a for e in entries for a in e.lead_agencies}, key=vn_key))
        summary.append((code, entries[0].name, len(entries), lost, rec, agencies))
        rows.append(
            [
                code,
                entries[0].name,
                str(len(entries)),
                fmt_points(lost),
                fmt_points(rec),
                "; ".join(agencies),
            ]
        )
    caption(doc, f"Bảng {table_no}. Các tiêu chí thành phần chưa đạt nhiều điểm nhất", above=True)
    data_table(
        doc,
        [
            "Mã",
            "Tiêu chí thành phần",
            "Số đơn vị chưa đạt",
            "Tổng điểm chưa đạt",
            "Khắc phục được",
            "Cơ quan chủ trì",
        ],
        rows,
        [14.0, 64.0, 17.0, 19.0, 19.0, 32.0],
        numeric=(2, 3, 4),
        size=11,
    )
    para(doc, "", after=4)
    per_unit: dict[str, Decimal] = defaultdict(Decimal)
    names = {}
    for e in ledger:
        per_unit[e.unit.code] += e.recoverable_points
        names[e.unit.code] = e.unit.name
    most = [(c, v) for c, v in sorted(per_unit.items(), key=lambda kv: -kv[1]) if v > 0][:5]
    if most:
        listed = ", ".join(f"{names[c]} ({fmt_vn(v)} điểm)" for c, v in most)
        para(doc, f"Các đơn vị có nhiều điểm có thể khắc phục nhất: {listed}.", indent=True)
    return summary


def _proposals(
    results: CycleResults,
    ledger: Sequence[LedgerEntry],
    top_items: Sequence[tuple[str, str, int, Decimal, Decimal, tuple[str, ...]]],
    weakest_fields: Sequence[tuple[str, str, Decimal | None]],
) -> list[str]:
    out = []
    low_units = [
        r for r in results.rows if r.band == (results.rows[-1].band if results.rows else "")
    ]
    if low_units:
        names = ", ".join(r.unit.name for r in low_units[:6])
        more = f" và {len(low_units) - 6} đơn vị khác" if len(low_units) > 6 else ""
        out.append(
            f"Các đơn vị xếp loại {low_units[0].band_label or low_units[0].band} ({names}{more}) "
            "rà soát những tiêu chí bị trừ điểm, xây dựng kế hoạch khắc phục cụ thể và báo cáo "
            "kết quả thực hiện về Sở Nội vụ."
        )
    evidence = [e for e in ledger if e.kind == EVIDENCE]
    if evidence:
        pts = sum((e.lost for e in evidence), Decimal(0))
        out.append(
            f"Có {fmt_vn(pts)} điểm chưa đạt do tài liệu kiểm chứng thiếu, không hợp lệ hoặc "
            f"ngoài thời gian đánh giá ({len(evidence)} lượt tiêu chí thành phần). Đề nghị các "
            "đơn vị chú trọng việc ban hành văn bản đúng thời hạn và lưu trữ, cập nhật đầy đủ "
            "tài liệu kiểm chứng ngay trong năm đánh giá."
        )
    if weakest_fields:
        names = "; ".join(
            (f"{block.lower()}: " if block else "") + f"“{name}” (bình quân {fmt_vn(avg)}%)"
            for block, name, avg in weakest_fields
            if avg is not None
        )
        out.append(f"Tập trung cải thiện lĩnh vực có chỉ số bình quân thấp nhất ({names}).")
    agencies: dict[str, Decimal] = defaultdict(Decimal)
    for e in ledger:
        for a in e.lead_agencies:
            agencies[a] += e.lost
    if agencies:
        top = sorted(agencies.items(), key=lambda kv: -kv[1])[:4]
        listed = "; ".join(f"{a} ({fmt_vn(v)} điểm)" for a, v in top)
        out.append(
            "Các cơ quan chủ trì theo dõi, hướng dẫn các tiêu chí được giao có nhiều điểm bị "
            f"trừ: {listed}."
        )
    elif top_items:
        codes = ", ".join(c for c, *_rest in top_items[:5])
        out.append(
            f"Các cơ quan được giao chủ trì các tiêu chí thành phần {codes} hướng dẫn, "
            "đôn đốc các đơn vị thực hiện."
        )
    return out


def report_docx(
    results: CycleResults, ledger: Sequence[LedgerEntry], params: ReportParams | None = None
) -> bytes:
    """The Word report of a cycle's results (see the module docstring)."""
    p = params or ReportParams()
    when = p.date or timezone.localdate()
    doc = new_document()
    page_numbers(doc)
    heading_block(doc, p, when)
    _title(doc, p)
    m = results.methodology
    groups = _groups(results)
    year = results.year or when.year
    intro = p.intro or (
        f"Căn cứ {m.name}"
        + (f" ({m.decision})" if m.decision else "")
        + (f"; căn cứ {p.decision} phê duyệt kết quả" if p.decision else "")
        + ", trên cơ sở kết quả tự đánh giá của các cơ quan, đơn vị, kết quả thẩm định của Hội "
        f"đồng thẩm định và kết quả điều tra xã hội học, {p.issuer_name} báo cáo kết quả xác "
        f"định Chỉ số cải cách hành chính năm {year} như sau:"
    )
    para(doc, intro, indent=True)

    fig = table_no = 0
    _heading(doc, "I. KẾT QUẢ CHUNG")
    for gi, (group, rows) in enumerate(groups, 1):
        if len(groups) > 1:
            _heading(doc, f"{gi}. {BLOCK_NAMES.get(group, unit_type_label(group))}", 2)
        _summary_paragraph(doc, rows, group)
        table_no += 1
        caption(
            doc, f"Bảng {table_no}. Kết quả xếp hạng {GROUP_NAMES.get(group, group)}", above=True
        )
        _ranking_table(doc, rows)
        if p.charts and rows:
            fig += 1
            picture(doc, charts.ranking_chart(rows), 150)
            caption(
                doc,
                f"Hình {fig}. Chỉ số CCHC năm {year} của {GROUP_NAMES.get(group, group)}"
                + shown(len(rows), charts.MAX_BARS),
                above=False,
            )

    _heading(doc, "II. KẾT QUẢ THEO LĨNH VỰC")
    weakest: list[tuple[str, str, Decimal | None]] = []
    for gi, (group, rows) in enumerate(groups, 1):
        if len(groups) > 1:
            _heading(doc, f"{gi}. {BLOCK_NAMES.get(group, unit_type_label(group))}", 2)
        table_no += 1
        caption(
            doc,
            f"Bảng {table_no}. Chỉ số thành phần bình quân, cao nhất và thấp nhất theo lĩnh vực",
            above=True,
        )
        stats = _field_stats_table(doc, results, rows)
        ranked = sorted((s for s in stats if s[2] is not None), key=lambda s: s[2] or 0)
        if ranked:
            hi, lo = ranked[-1], ranked[0]
            para(
                doc,
                f"Lĩnh vực có chỉ số bình quân cao nhất là “{hi[1]}” ({fmt_points(hi[2])}%); "
                f"thấp nhất là “{lo[1]}” ({fmt_points(lo[2])}%).",
                indent=True,
                before=6,
            )
            block = BLOCK_NAMES.get(group, unit_type_label(group)) if len(groups) > 1 else ""
            weakest.append((block, lo[1], lo[2]))
        if p.charts and rows:
            fig += 1
            picture(
                doc,
                charts.field_profile_chart(
                    [(s[0], s[1]) for s in stats],
                    [
                        ("Bình quân", [s[2] for s in stats]),
                        ("Cao nhất", [s[3] for s in stats]),
                        ("Thấp nhất", [s[4] for s in stats]),
                    ],
                ),
                150,
            )
            caption(
                doc,
                f"Hình {fig}. Chỉ số thành phần theo lĩnh vực: bình quân, cao nhất và thấp nhất",
                above=False,
            )
        table_no += 1
        caption(doc, f"Bảng {table_no}. Chỉ số thành phần (%) của từng đơn vị", above=True)
        _components_table(doc, results, rows)
        if p.charts and rows:
            fig += 1
            picture(doc, charts.heatmap_chart(rows), 150)
            caption(
                doc,
                f"Hình {fig}. Bản đồ nhiệt chỉ số thành phần theo đơn vị và lĩnh vực"
                + shown(len(rows), charts.MAX_HEAT_ROWS),
                above=False,
            )

    _heading(doc, "III. NHỮNG ĐIỂM CHƯA ĐẠT CHỦ YẾU")
    top_items = _ledger_section(doc, ledger, table_no + 1)
    if results.reports_to:
        _outside_section(doc, results.reports_to, ledger, table_no + 2)

    _heading(doc, "IV. ĐỀ XUẤT")
    proposals = list(p.proposals) or _proposals(results, ledger, top_items, weakest)
    for i, text in enumerate(proposals, 1):
        para(doc, f"{i}. {text}", indent=True)
    closing = p.closing or (
        f"Trên đây là báo cáo kết quả xác định Chỉ số cải cách hành chính năm {year} của "
        f"{p.issuer_name}"
        + (f", kính trình {p.authority_name} xem xét, chỉ đạo./." if p.authority_name else "./.")
    )
    para(doc, closing, indent=True, keep_next=True)
    closing_block(doc, p)
    doc.core_properties.title = f"Báo cáo {p.title}"
    doc.core_properties.author = p.issuer
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
