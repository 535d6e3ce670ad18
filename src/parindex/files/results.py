"""The ranked results table and its writers (terminal, CSV, XLSX, JSON)."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from parindex.common.cells import SafeCsvWriter, append_text_safe
from parindex.core import Methodology, UnitResult, competition_ranks, fmt_vn, q4


@dataclass(frozen=True)
class RankedResult:
    rank: int
    result: UnitResult


def rank_results(results: list[UnitResult]) -> list[RankedResult]:
    """Rank by index (ties share a rank; equal ranks keep unit code order)."""
    ranks = competition_ranks(results, lambda r: (r.index,))
    pairs = sorted(zip(ranks, results, strict=True), key=lambda p: (p[0], p[1].unit.code))
    return [RankedResult(rank, r) for rank, r in pairs]


def _s(d: Decimal | None) -> str | None:
    return None if d is None else str(d)


def results_json(m: Methodology, ranked: list[RankedResult]) -> list[dict[str, Any]]:
    """Per unit: unit, rank, points, max_points, index, band, fields (numbers as strings)."""
    out = []
    for rr in ranked:
        r = rr.result
        out.append(
            {
                "unit": r.unit.code,
                "unit_name": r.unit.name,
                "unit_type": r.unit.type,
                "rank": rr.rank,
                "points": str(r.points),
                "max_points": str(r.max_points),
                "index": str(r.index),
                "band": r.grade.code if r.grade else None,
                "bonus": str(r.bonus),
                "deduction": str(r.deduction),
                "missing": list(r.missing),
                "fields": {
                    f.code: {
                        "name": f.node.name,
                        "points": str(f.points),
                        "max": str(q4(f.max_points)),
                        "index": _s(f.index),
                    }
                    for f in r.fields
                },
            }
        )
    return out


def table_header(m: Methodology) -> list[str]:
    return ["Hạng", "Đơn vị", "Tên đơn vị", "Điểm", "Tối đa", "Chỉ số (%)", "Xếp loại"] + [
        f"LV {f.code} (%)" for f in m.fields
    ]


def table_rows(ranked: list[RankedResult]) -> list[list[Any]]:
    rows = []
    for rr in ranked:
        r = rr.result
        rows.append(
            [
                rr.rank,
                r.unit.code,
                r.unit.name,
                r.points,
                r.max_points,
                r.index,
                r.grade.code if r.grade else "",
            ]
            + [f.index for f in r.fields]
        )
    return rows


def format_table(m: Methodology, ranked: list[RankedResult]) -> str:
    """A plain-text table for the terminal, numbers with 2 decimals and a decimal comma."""
    header = ["Hạng", "Đơn vị", "Điểm", "Chỉ số %", "Loại"] + [f"LV{f.code}" for f in m.fields]
    lines = [header]
    for rr in ranked:
        r = rr.result
        lines.append(
            [
                str(rr.rank),
                r.unit.label[:32],
                fmt_vn(r.points),
                fmt_vn(r.index),
                r.grade.code if r.grade else "-",
            ]
            + ["-" if f.index is None else fmt_vn(f.index) for f in r.fields]
        )
    widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
    out = []
    for n, row in enumerate(lines):
        cells = [c.ljust(widths[i]) if i == 1 else c.rjust(widths[i]) for i, c in enumerate(row)]
        out.append("  ".join(cells))
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def write_results(m: Methodology, ranked: list[RankedResult], path: str | Path) -> None:
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".json":
        payload = {
            "methodology": {"code": m.code, "name": m.name, "version": m.version},
            "results": results_json(m, ranked),
        }
        p.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
    elif suffix == ".csv":
        buf = io.StringIO()
        w = SafeCsvWriter(buf)
        w.writerow(table_header(m))
        w.writerows(table_rows(ranked))
        p.write_text(buf.getvalue(), encoding="utf-8-sig")
    elif suffix == ".xlsx":
        write_results_xlsx(m, ranked, p)
    else:
        raise ValueError(f"định dạng không hỗ trợ: {suffix} (cần .xlsx, .csv hoặc .json)")


def write_results_xlsx(m: Methodology, ranked: list[RankedResult], path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = "Xếp hạng"
    append_text_safe(ws, [f"KẾT QUẢ XÁC ĐỊNH CHỈ SỐ CẢI CÁCH HÀNH CHÍNH — {m.name}"])
    ws["A1"].font = Font(bold=True, size=13)
    append_text_safe(ws, [f"Bộ tiêu chí: {m.code}, phiên bản {m.version}"])
    ws.append([])
    header = table_header(m)
    append_text_safe(ws, header)
    for cell in ws[4]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for row in table_rows(ranked):
        append_text_safe(ws, [float(c) if isinstance(c, Decimal) else c for c in row])
        r = ws.max_row
        for col in range(4, len(header) + 1):
            if col != 7:
                ws.cell(r, col).number_format = "0.00"
    ws.freeze_panes = "D5"
    for letter, width in zip("ABCDEFG", (7, 14, 36, 10, 10, 11, 9), strict=True):
        ws.column_dimensions[letter].width = width
    ws2 = wb.create_sheet("Chi tiết")
    ws2.append(["Đơn vị", "Mã", "Nội dung", "Điểm tối đa", "Điểm đạt", "Trạng thái", "Giải thích"])
    for cell in ws2[1]:
        cell.font = Font(bold=True)
    for rr in ranked:
        for f in rr.result.fields:
            for n in f.walk():
                append_text_safe(
                    ws2,
                    [
                        rr.result.unit.code,
                        n.code,
                        n.node.name,
                        float(n.max_points),
                        float(n.points),
                        n.status,
                        n.explanation,
                    ],
                )
    for letter, width in zip("ABCDEFG", (14, 10, 50, 10, 10, 16, 80), strict=True):
        ws2.column_dimensions[letter].width = width
    wb.save(path)
