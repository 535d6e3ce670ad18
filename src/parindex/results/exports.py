"""Exports of a cycle's results, one implementation each, used by the web pages, the API and
the command line alike:

- `workbook_xlsx(results, ledger)`: the Excel workbook (sheets "Xếp hạng", "Chỉ số thành
  phần", "Chi tiết", "Điểm chưa đạt"); `ledger_xlsx(results, ledger)`: the ledger sheet alone;
- `report_docx(results, ledger, params)` (results/report/): the Word report;
- `ranking_csv` / `ranking_json` / `ledger_csv` / `ledger_json`: open data (CSV is
  formula-injection safe; JSON numbers are exact decimal strings).

Each takes precomputed tables (results/tables.py), so a caller that already has them (a page,
the benchmark) pays nothing twice. `render_export(cycle, what=..., fmt=...)` is the one entry
point that fetches them and returns an `Export(filename, content_type, data)`.
"""

from __future__ import annotations

import io
import json
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from parindex.common.cells import SafeCsvWriter
from parindex.core import fmt_vn

from . import xlsx as X
from .models import SYNTHETIC_LABEL
from .tables import (
    KIND_LABELS,
    REASON_LABELS,
    STAGES,
    CycleResults,
    LedgerEntry,
    LedgerFilter,
    UnitRow,
    detail_lines,
    redact_leaves,
    unit_type_label,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CSV = "text/csv; charset=utf-8"
JSON = "application/json"

WHATS = ("ranking", "ledger", "report")
FORMATS = ("xlsx", "docx", "csv", "json")
# what -> formats it can be written in (the report is the Word document or the workbook)
SUPPORTED = {
    "ranking": ("xlsx", "csv", "json"),
    "ledger": ("xlsx", "csv", "json"),
    "report": ("docx", "xlsx"),
}


@dataclass(frozen=True)
class Export:
    filename: str
    content_type: str
    data: bytes

    def write(self, path: str | Path) -> Path:
        p = Path(path)
        p.write_bytes(self.data)
        return p


def ascii_slug(text: str) -> str:
    """ "Chỉ số CCHC 2025 — Lào Cai" -> "chi-so-cchc-2025-lao-cai" (for file names)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    out = "".join(ch.lower() if ch.isalnum() else "-" for ch in text)
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-")[:80] or "ket-qua"


def base_filename(results: CycleResults, what: str) -> str:
    name = {"ranking": "xep-hang", "ledger": "diem-bi-tru", "report": "bao-cao"}.get(what, what)
    slug = ascii_slug(results.cycle_name or "chi-so-cchc")
    year = str(results.year or "")
    parts = [name, slug if year in slug else f"{slug}-{year}"]
    if results.stage != "final":
        parts.append(results.stage)
    if results.unit_type:
        parts.append(results.unit_type)
    return "-".join(p for p in parts if p)


def _today() -> date:
    return timezone.localdate()


# --- Excel ------------------------------------------------------------------------------------


def _title_rows(ws: X.Sheet, results: CycleResults, title: str) -> None:
    year = f" NĂM {results.year}" if results.year else ""
    ws.merged(f"{title}{year}".upper(), X.TITLE, height=24)
    m = results.methodology
    who = f" — {results.organiser}" if results.organiser else ""
    ws.merged(
        _("%(cycle)s%(who)s. Giai đoạn: %(stage)s. Bộ tiêu chí: %(m)s (phiên bản %(v)s).")
        % {
            "cycle": results.cycle_name or m.name,
            "who": who,
            "stage": results.stage_label,
            "m": m.name,
            "v": m.version,
        },
        X.SUBTITLE,
        height=30,
    )
    ws.merged(
        _(
            "Xuất ngày %(d)s. Điểm hiển thị 2 chữ số thập phân (giá trị đầy đủ 4 chữ số trong ô);"
            " hạng bằng nhau khi chỉ số bằng nhau."
        )
        % {"d": _today().strftime("%d/%m/%Y")},
        X.NOTE,
    )


def _change_cells(row: UnitRow) -> list[Any]:
    c = row.change
    if c is None:
        return [None, None, None, None, None]
    return [c.label, c.index, c.index_delta, c.rank, c.rank_delta]


def _ranking_sheet(book: X.XlsxBook, results: CycleResults) -> None:
    has_change = any(r.change for r in results.rows)
    header = [
        _("Hạng"),
        _("Mã đơn vị"),
        _("Tên đơn vị"),
        _("Loại đơn vị"),
        _("Điểm đạt"),
        _("Điểm tối đa"),
        _("Chỉ số (%)"),
        _("Xếp loại"),
        _("Điểm thưởng"),
        _("Điểm trừ"),
    ]
    widths = [7, 12, 36, 19, 10, 10, 10, 11, 10, 10]
    styles = [X.INT, X.TEXT, X.TEXT, X.TEXT, X.NUM2, X.NUM2, X.NUM2, X.CENTER, X.NUM2, X.NUM2]
    if has_change:
        header += [
            _("So sánh với"),
            _("Chỉ số năm trước (%)"),
            _("Tăng/giảm chỉ số"),
            _("Hạng năm trước"),
            _("Tăng/giảm hạng"),
        ]
        widths += [26, 11, 10, 9, 9]
        styles += [X.WRAP, X.NUM2, X.SIGNED2, X.INT, X.SIGNED_INT]
    with book.sheet(_("Xếp hạng"), widths=widths, freeze="D5") as ws:
        _title_rows(ws, results, _("Kết quả xác định Chỉ số cải cách hành chính"))
        ws.header(header, height=45)
        for r in results.rows:
            values = [
                _rank_cell(r),
                r.unit.code,
                r.unit.name,
                unit_type_label(r.unit.type),
                r.points,
                r.max_points,
                r.index,
                r.band_label,
                r.bonus,
                r.deduction,
            ]
            if has_change:
                values += _change_cells(r)
            ws.row(values, styles)


def _components_sheet(book: X.XlsxBook, results: CycleResults) -> None:
    fields = results.methodology.fields
    lead = [_("Hạng"), _("Mã đơn vị"), _("Tên đơn vị"), _("Loại đơn vị"), _("Chỉ số (%)")]
    widths = [7.0, 12.0, 36.0, 19.0, 10.0] + [9.0, 9.0, 7.0] * len(fields)
    styles = [X.INT, X.TEXT, X.TEXT, X.TEXT, X.NUM2] + [X.NUM2, X.NUM2, X.INT] * len(fields)
    with book.sheet(_("Chỉ số thành phần"), widths=widths, freeze="F6") as ws:
        _title_rows(ws, results, _("Chỉ số thành phần theo lĩnh vực"))
        first = ws.header(
            lead
            + [
                x
                for f in fields
                for x in (
                    f"{f.code}. {f.name} ({fmt_vn(f.max_points)} " + _("điểm") + ")",
                    None,
                    None,
                )
            ],
            height=48,
        )
        second = ws.header(
            [None] * len(lead) + [_("Điểm"), _("Chỉ số (%)"), _("Hạng")] * len(fields)
        )
        for c in range(1, len(lead) + 1):
            ws.merge(first, c, second, c)
        for i in range(len(fields)):
            col = len(lead) + 1 + 3 * i
            ws.merge(first, col, first, col + 2)
        for r in results.rows:
            values: list[Any] = [
                _rank_cell(r),
                r.unit.code,
                r.unit.name,
                unit_type_label(r.unit.type),
            ]
            values.append(r.index)
            for f in r.fields:
                values += [f.points, f.index, f.rank]
            ws.row(values, styles)


DETAIL_HEADER = (
    "Mã đơn vị",
    "Tên đơn vị",
    "Mã",
    "Nội dung",
    "Điểm tối đa",
    "Tự đánh giá",
    "Thẩm định vòng 1",
    "Thẩm định vòng 2",
    "Điểm đạt",
    "Lý do điều chỉnh",
    "Giải trình của đơn vị",
    "Ghi chú",
)


def _detail_sheet(book: X.XlsxBook, results: CycleResults) -> None:
    header = [_(h) for h in DETAIL_HEADER]
    header[8] = _("Điểm đạt (%(s)s)") % {"s": results.stage_label.lower()}
    widths = [12, 28, 9, 60, 9, 9, 10, 10, 10, 22, 40, 22]
    leaf = [X.TEXT, X.TEXT, X.TEXT, X.WRAP, X.NUM2, X.NUM2, X.NUM2, X.NUM2, X.NUM2]
    leaf += [X.TEXT, X.WRAP, X.TEXT]
    bold = [X.BOLD, X.BOLD, X.BOLD, X.BOLD_WRAP] + [X.BOLD_NUM2] * 5 + [X.BOLD] * 3
    with book.sheet(_("Chi tiết"), widths=widths, freeze="E5") as ws:
        _title_rows(ws, results, _("Kết quả chi tiết theo tiêu chí"))
        ws.header(header, height=45)
        row = ws.row
        for r in results.rows:
            code, name = r.unit.code, r.unit.name
            for d in detail_lines(r):
                row(
                    (
                        code,
                        name,
                        d.code,
                        d.name,
                        d.max_points,
                        d.self_points,
                        d.r1_points,
                        d.r2_points,
                        d.points,
                        d.reason,
                        d.explanation,
                        d.status,
                    ),
                    leaf if d.is_leaf else bold,
                )


LEDGER_HEADER = (
    "Mã đơn vị",
    "Tên đơn vị",
    "Loại đơn vị",
    "Hạng",
    "Mã",
    "Nội dung",
    "Lĩnh vực",
    "Điểm tối đa",
    "Tự đánh giá",
    "Thẩm định vòng 1",
    "Thẩm định vòng 2",
    "Điểm cuối cùng",
    "Điểm chưa đạt",
    "Lý do thẩm định",
    "Nhận xét của Hội đồng thẩm định",
    "Nguồn điểm chưa đạt",
    "Khắc phục được",
    "Điểm có thể khắc phục",
    "Cơ quan chủ trì",
)


def _ledger_sheet(book: X.XlsxBook, results: CycleResults, ledger: Sequence[LedgerEntry]) -> None:
    widths = [12, 28, 19, 7, 9, 50, 8, 9, 9, 10, 10, 10, 9, 22, 30, 30, 10, 11, 28]
    styles = [X.TEXT, X.TEXT, X.TEXT, X.INT, X.TEXT, X.WRAP, X.CENTER]
    styles += [X.NUM2] * 6 + [X.TEXT, X.WRAP, X.WRAP, X.CENTER, X.NUM2, X.WRAP]
    yes, no = _("Có"), _("Không")
    types = {t: unit_type_label(t) for t in {e.unit.type for e in ledger}}
    reasons = {k: str(v) for k, v in REASON_LABELS.items()}
    kinds = {k: str(v) for k, v in KIND_LABELS.items()}
    outside = results.reports_to
    header = [_(h) for h in LEDGER_HEADER]
    if outside:
        # Four columns and the differences: self, the cycle's own council (its final), the
        # outside body's appraisal, final (the outside body's, when given).
        header[9:12] = [
            _("Hội đồng thẩm định"),
            _("%(b)s thẩm định") % {"b": outside},
            _("Điểm cuối cùng"),
            _("Hội đồng trừ"),
            _("%(b)s trừ") % {"b": outside},
            _("Giải trình lấy lại"),
        ]
        widths = widths[:12] + [10, 10, 10] + widths[12:]
        styles = styles[:13] + [X.NUM2] * 3 + styles[13:]
    with book.sheet(_("Điểm chưa đạt"), widths=widths, freeze="F5") as ws:
        _title_rows(ws, results, _("Tổng hợp điểm chưa đạt"))
        ws.header(header, height=45)
        row = ws.row
        for e in ledger:
            stages: tuple[Any, ...] = (e.r1_points, e.r2_points, e.final_points)
            if outside:
                stages = (
                    e.province_points,
                    e.ministry_points,
                    e.final_points,
                    e.council_cut,
                    e.ministry_cut,
                    e.recovered,
                )
            row(
                (
                    e.unit.code,
                    e.unit.name,
                    types[e.unit.type],
                    e.unit_rank,
                    e.code,
                    e.name,
                    e.field_code,
                    e.max_points,
                    e.self_points,
                    *stages,
                    e.lost,
                    reasons.get(e.reason, e.reason),
                    e.comment,
                    kinds[e.kind],
                    yes if e.recoverable_points > 0 else no,
                    e.recoverable_points,
                    "; ".join(e.lead_agencies),
                ),
                styles,
            )


def workbook_xlsx(
    results: CycleResults,
    ledger: Sequence[LedgerEntry],
    target: str | Path | IO[bytes] | None = None,
) -> bytes | None:
    """The results workbook: ranking, component indices, sub-criterion detail, ledger.
    Returns the bytes, or writes `target` (a path or binary stream) and returns None."""
    book = X.XlsxBook(target, title=_("Kết quả xác định Chỉ số CCHC"))
    _ranking_sheet(book, results)
    _components_sheet(book, results)
    _detail_sheet(book, results)
    _ledger_sheet(book, results, ledger)
    return book.close()


def ledger_xlsx(
    results: CycleResults,
    ledger: Sequence[LedgerEntry],
    target: str | Path | IO[bytes] | None = None,
) -> bytes | None:
    """The ledger sheet alone (e.g. after filtering)."""
    book = X.XlsxBook(target, title=_("Tổng hợp điểm chưa đạt"))
    _ledger_sheet(book, results, ledger)
    return book.close()


# --- open data: CSV and JSON -----------------------------------------------------------------


def _csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buf = io.StringIO()
    w = SafeCsvWriter(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8-sig")


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def ranking_columns(results: CycleResults) -> list[str]:
    cols = [
        "rank",
        "unit_code",
        "unit_name",
        "unit_type",
        "points",
        "max_points",
        "index",
        "band",
        "bonus",
        "deduction",
    ]
    for f in results.methodology.fields:
        cols += [f"field_{f.code}_points", f"field_{f.code}_index", f"field_{f.code}_rank"]
    return cols + [
        "previous_year",
        "previous_index",
        "index_change",
        "previous_rank",
        "rank_change",
        "previous_source",
    ]


def _rank_cell(r: Any) -> Any:
    """The rank in a workbook: "Không nộp" for a unit that never submitted (not ranked)."""
    return _("Không nộp") if r.not_submitted else r.rank


def _ranking_rows(results: CycleResults) -> Iterator[list[Any]]:
    """Open data: a unit that never submitted ("không nộp") has no rank (empty)."""
    for r in results.rows:
        row: list[Any] = [
            None if r.not_submitted else r.rank,
            r.unit.code,
            r.unit.name,
            r.unit.type,
            r.points,
            r.max_points,
            r.index,
            r.band,
            r.bonus,
            r.deduction,
        ]
        for f in r.fields:
            row += [f.points, f.index, f.rank]
        c = r.change
        row += (
            [c.year, c.index, c.index_delta, c.rank, c.rank_delta, c.provenance]
            if c
            else [None] * 6
        )
        yield row


def ranking_csv(results: CycleResults) -> bytes:
    """Ranking with component indices; column codes in ranking_columns(); UTF-8 with BOM,
    decimal point, exact values (4 decimals)."""
    return _csv_bytes(ranking_columns(results), _ranking_rows(results))


def _meta(results: CycleResults) -> dict[str, Any]:
    m = results.methodology
    return {
        "cycle": {
            "id": results.cycle_id,
            "name": results.cycle_name,
            "year": results.year,
            "organiser": results.organiser,
        },
        "methodology": {"code": m.code, "name": m.name, "version": m.version},
        "stage": results.stage,
        "unit_type": results.unit_type,
        "generated_at": timezone.now().isoformat(timespec="seconds"),
    }


def ranking_data(results: CycleResults) -> dict[str, Any]:
    """The ranking as a JSON-ready dict (numbers as exact decimal strings)."""
    return {
        **_meta(results),
        "fields": [
            {"code": f.code, "name": f.name, "max_points": str(f.max_points)}
            for f in results.methodology.fields
        ],
        "compared_with": results.previous_label or None,
        "results": [
            {
                "rank": r.rank,
                "unit": {"code": r.unit.code, "name": r.unit.name, "type": r.unit.type},
                "points": str(r.points),
                "max_points": str(r.max_points),
                "index": str(r.index),
                "band": r.band,
                "band_label": r.band_label,
                "bonus": str(r.bonus),
                "deduction": str(r.deduction),
                "fields": [
                    {
                        "code": f.code,
                        "points": str(f.points),
                        "max_points": str(f.max_points),
                        "index": _s(f.index),
                        "rank": f.rank,
                    }
                    for f in r.fields
                ],
                "change": None
                if r.change is None
                else {
                    "year": r.change.year,
                    "source": r.change.source,
                    "label": r.change.label,
                    "index": _s(r.change.index),
                    "index_change": _s(r.change.index_delta),
                    "rank": r.change.rank,
                    "rank_change": r.change.rank_delta,
                    "basis": r.change.basis or None,
                    "provenance": r.change.provenance,
                    "synthetic_label": str(SYNTHETIC_LABEL) if r.change.synthetic else None,
                    "predecessors": [
                        {
                            "province": p,
                            "total": _s(t),
                            "provenance": "synthetic" if syn else "published",
                        }
                        for p, t, syn in r.change.predecessors
                    ],
                },
            }
            for r in results.rows
        ],
    }


def ranking_json(results: CycleResults) -> bytes:
    return json.dumps(ranking_data(results), ensure_ascii=False, indent=1).encode("utf-8")


LEDGER_COLUMNS = (
    "unit_code",
    "unit_name",
    "unit_type",
    "unit_rank",
    "code",
    "name",
    "field",
    "method",
    "max_points",
    "self_points",
    "r1_points",
    "r2_points",
    "final_points",
    "lost",
    "reason",
    "comment",
    "kind",
    "recoverable",
    "recoverable_points",
    "lead_agencies",
    # a cycle reporting to an outside body (Cycle.reports_to; empty otherwise): the cycle's
    # own final (the provincial pre-appraisal), the outside body's appraisal, the differences
    "province_points",
    "outside_points",
    "council_cut",
    "outside_cut",
    "recovered",
)


def _ledger_values(e: LedgerEntry) -> list[Any]:
    return [
        e.unit.code,
        e.unit.name,
        e.unit.type,
        e.unit_rank,
        e.code,
        e.name,
        e.field_code,
        e.method,
        e.max_points,
        e.self_points,
        e.r1_points,
        e.r2_points,
        e.final_points,
        e.lost,
        e.reason,
        e.comment,
        e.kind,
        e.recoverable,
        e.recoverable_points,
        "; ".join(e.lead_agencies),
        e.province_points,
        e.ministry_points,
        e.council_cut,
        e.ministry_cut,
        e.recovered,
    ]


def ledger_csv(ledger: Sequence[LedgerEntry]) -> bytes:
    return _csv_bytes(LEDGER_COLUMNS, (_ledger_values(e) for e in ledger))


def ledger_data(results: CycleResults, ledger: Sequence[LedgerEntry]) -> dict[str, Any]:
    def value(v: Any) -> Any:
        return str(v) if isinstance(v, Decimal) else v

    return {
        **_meta(results),
        "entries": [
            {
                **{k: value(v) for k, v in zip(LEDGER_COLUMNS, _ledger_values(e), strict=True)},
                "lead_agencies": list(e.lead_agencies),
                "reason_label": e.reason_label,
                "kind_label": e.kind_label,
            }
            for e in ledger
        ],
    }


def ledger_json(results: CycleResults, ledger: Sequence[LedgerEntry]) -> bytes:
    return json.dumps(ledger_data(results, ledger), ensure_ascii=False, indent=1).encode("utf-8")


# --- one entry point ---------------------------------------------------------------------------


class ExportError(ValueError):
    """An export that cannot be made (unknown format, nothing to export)."""


def _check_supported(what: str, fmt: str) -> None:
    if fmt not in SUPPORTED.get(what, ()):
        raise ExportError(
            _("Không hỗ trợ xuất “%(w)s” dạng %(f)s (được: %(ok)s).")
            % {"w": what, "f": fmt, "ok": ", ".join(SUPPORTED.get(what, ())) or "-"}
        )


def export_from_tables(
    results: CycleResults,
    ledger: Sequence[LedgerEntry],
    *,
    what: str,
    fmt: str,
    params: Any = None,
) -> Export:
    """Render precomputed tables (see render_export)."""
    _check_supported(what, fmt)
    name = base_filename(results, what)
    if fmt == "xlsx":
        data = (ledger_xlsx if what == "ledger" else workbook_xlsx)(results, ledger)
        assert data is not None
        return Export(f"{name}.xlsx", XLSX, data)
    if fmt == "docx":
        from .report import report_docx

        return Export(f"{name}.docx", DOCX, report_docx(results, ledger, params))
    if fmt == "csv":
        data = ranking_csv(results) if what == "ranking" else ledger_csv(ledger)
        return Export(f"{name}.csv", CSV, data)
    data = ranking_json(results) if what == "ranking" else ledger_json(results, ledger)
    return Export(f"{name}.json", JSON, data)


def render_export(
    cycle: Any,
    *,
    what: str,
    fmt: str,
    stage: str = "final",
    unit_type: str | None = None,
    ledger_filter: LedgerFilter | None = None,
    params: Any = None,
    unit_codes: frozenset[str] | None = None,
    ledger_codes: frozenset[str] | None = None,
    with_ledger: bool = True,
    stages: Sequence[str] | None = None,
) -> Export:
    """Fetch a cycle's tables and render one export: what = ranking | ledger | report,
    fmt = xlsx | docx | csv | json (SUPPORTED). `unit_codes` limits the ranking's rows and
    `ledger_codes` the ledger's rows to some units (None: all); without `with_ledger` the
    files hold no ledger rows (the workbook's ledger sheet stays empty); `stages` (None:
    all) are the stages whose per-item points the reader may read. `params`
    (ReportParams) for the Word report. The ledger is always computed at the final stage.
    Who may read what is decided by the caller (results.services.export_for_user)."""
    from .selectors import cycle_results, lost_points_ledger

    _check_supported(what, fmt)
    full = cycle_results(cycle, stage, unit_type=unit_type)
    rows = full.rows
    if unit_codes is not None:
        rows = [r for r in rows if r.unit.code in unit_codes]
    lf = ledger_filter or LedgerFilter(unit_type=unit_type)
    if ledger_codes is not None:
        lf = replace(lf, units=(lf.units & ledger_codes) if lf.units else ledger_codes)
    need_ledger = with_ledger and (what in ("ledger", "report") or fmt == "xlsx")
    if need_ledger and ledger_codes is not None and not lf.units:
        need_ledger = False  # no unit of the user's own: no rows (an empty filter means all)
    final = full if stage == "final" else None
    ledger = lost_points_ledger(cycle, lf, results=final) if need_ledger else []
    if ledger_codes is not None or stages is not None:
        # Per-item details (the workbook's detail sheet): only of the units whose
        # appraisal the reader may read, and only at the stages shown to them.
        rows = redact_leaves(rows, ledger_codes, STAGES if stages is None else stages)
    results = replace(full, rows=rows)
    return export_from_tables(results, ledger, what=what, fmt=fmt, params=params)
