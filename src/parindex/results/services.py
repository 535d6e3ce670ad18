"""Use cases of the results area that write: importing the published national results.

CSV columns (UTF-8, comma or semicolon, header names as below, any order):
  year, province, total                        required
  rank, appraisal, sipas, leader_survey, socio_economic, field_1 .. field_8, source
                                               optional (empty cell = not published)
Numbers take a decimal point or comma ("91,04"). Values are kept as published; the province
is matched against the lineage table (the 63 provinces before 2025, the 34 from 2025) and
mapped to its 2025 province. The import is all or nothing: every row is checked first and
one wrong row refuses the file, with a message per row and column.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from parindex.assessment import permissions as perm
from parindex.audit.services import log_action
from parindex.common.csvio import CsvUnreadable, read_table
from parindex.common.errors import ImportRefused, RowError, ServiceError
from parindex.core import fmt_vn, to_decimal

from .lineage import FIRST_34_YEAR, lineage
from .models import BLOCKS, FIELDS, NationalResult

REQUIRED = ("year", "province", "total")
OPTIONAL = ("rank", *BLOCKS, *FIELDS, "source")


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    years: tuple[int, ...]


def can_import_national(user: Any) -> bool:
    """Administrators and the Ministry's managers import the published national results."""
    return perm.can_import_national(user)


def national_results_read_csv(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """Rows of a national results CSV with their line numbers. Raises ImportRefused when the
    file is not UTF-8 text or lacks a required column."""
    try:
        header, rows = read_table(data)
    except CsvUnreadable as exc:
        raise ImportRefused.unreadable(exc) from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ImportRefused(
            [
                RowError(1, c, _("thiếu cột này ở dòng tiêu đề (cần: year, province, total)."))
                for c in missing
            ]
        )
    unknown = [h for h in header if h and h not in REQUIRED + OPTIONAL]
    if unknown:
        raise ImportRefused(
            [
                RowError(
                    1,
                    h,
                    _("cột không được hỗ trợ; các cột hợp lệ: %(c)s.")
                    % {"c": ", ".join(REQUIRED + OPTIONAL)},
                )
                for h in unknown
            ]
        )
    return rows


def _points(raw: str, line: int, column: str, errors: list[RowError]) -> Decimal | None:
    if raw == "":
        return None
    try:
        value = to_decimal(raw)
    except ValueError:
        errors.append(RowError(line, column, _("“%(v)s” không phải là số.") % {"v": raw}))
        return None
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -4:
        errors.append(RowError(line, column, _("tối đa 4 chữ số thập phân.")))
        return None
    if value < 0 or value > 100:
        errors.append(
            RowError(line, column, _("%(v)s ngoài khoảng [0; 100].") % {"v": fmt_vn(value, 2)})
        )
        return None
    return value


def _check_row(
    line: int, row: dict[str, str], errors: list[RowError], default_source: str
) -> dict[str, Any] | None:
    before = len(errors)
    lin = lineage()
    year: int | None = None
    raw_year = row.get("year", "")
    if not raw_year:
        errors.append(RowError(line, "year", _("thiếu năm.")))
    elif not raw_year.isdigit() or not 2000 <= int(raw_year) <= 2100:
        errors.append(RowError(line, "year", _("“%(v)s” không phải là năm.") % {"v": raw_year}))
    else:
        year = int(raw_year)
    province = row.get("province", "")
    canonical = successor = None
    if not province:
        errors.append(RowError(line, "province", _("thiếu tên tỉnh, thành phố.")))
    elif year is not None and year < FIRST_34_YEAR:
        canonical = lin.canonical_before(province)
        prov = lin.successor(province)
        successor = prov.name if prov else None
        if canonical is None:
            errors.append(
                RowError(
                    line,
                    "province",
                    _("“%(p)s” không phải là một trong 63 tỉnh, thành phố trước 01/07/2025.")
                    % {"p": province},
                )
            )
    elif year is not None:
        prov = lin.province(province)
        canonical = successor = prov.name if prov else None
        if prov is None:
            errors.append(
                RowError(
                    line,
                    "province",
                    _("“%(p)s” không phải là một trong 34 tỉnh, thành phố từ 01/07/2025.")
                    % {"p": province},
                )
            )
    total = None
    if not row.get("total", ""):
        errors.append(RowError(line, "total", _("thiếu Chỉ số (tổng điểm).")))
    else:
        total = _points(row["total"], line, "total", errors)
    rank = None
    raw_rank = row.get("rank", "")
    if raw_rank:
        if not raw_rank.isdigit() or not 1 <= int(raw_rank) <= 100:
            errors.append(
                RowError(line, "rank", _("“%(v)s” không phải là thứ hạng.") % {"v": raw_rank})
            )
        else:
            rank = int(raw_rank)
    parts = {c: _points(row.get(c, ""), line, c, errors) for c in (*BLOCKS, *FIELDS)}
    if len(errors) > before:
        return None
    return {
        "year": year,
        "province": province,
        "province_canonical": canonical,
        "province_2025": successor,
        "rank": rank,
        "total": total,
        **parts,
        "source": row.get("source", "") or default_source,
    }


@transaction.atomic
def national_results_import(
    *, rows: list[tuple[int, dict[str, str]]], user: Any, source: str = ""
) -> ImportSummary:
    """Import published national results, all or nothing. A row for a year and province
    already stored replaces it (values as published). `source` is used for rows whose
    "source" cell is empty. `user` None: the command line (an operator of the server)."""
    if user is not None and not can_import_national(user):
        raise ServiceError(_("Bạn không có quyền nhập kết quả Chỉ số CCHC đã công bố."))
    if not rows:
        raise ImportRefused([RowError(2, "", _("tệp không có dòng số liệu nào."))])
    errors: list[RowError] = []
    valid: list[dict[str, Any]] = []
    seen: dict[tuple[int, str], int] = {}
    for line, row in rows:
        checked = _check_row(line, row, errors, source.strip())
        if checked is None:
            continue
        key = (checked["year"], checked["province_canonical"])
        if key in seen:
            errors.append(RowError(line, "province", _("trùng với dòng %(l)s.") % {"l": seen[key]}))
            continue
        seen[key] = line
        valid.append(checked)
    if errors:
        raise ImportRefused(errors)
    created = updated = 0
    for values in valid:
        _obj, was_created = NationalResult.objects.update_or_create(
            year=values["year"],
            province_canonical=values["province_canonical"],
            defaults={
                **values,
                "imported_by": user if getattr(user, "is_authenticated", False) else None,
            },
        )
        created += was_created
        updated += not was_created
    years = tuple(sorted({v["year"] for v in valid}))
    log_action(
        "results.national_imported",
        actor=user,
        rows=len(valid),
        created=created,
        updated=updated,
        years=list(years),
    )
    return ImportSummary(created, updated, years)


def national_results_import_file(*, data: bytes, user: Any, source: str = "") -> ImportSummary:
    """Read a CSV file's bytes and import it (both steps all or nothing)."""
    return national_results_import(rows=national_results_read_csv(data), user=user, source=source)


# --- exports for a user (web, API) ---------------------------------------------------------------


def export_for_user(
    *,
    user: Any,
    cycle: Any,
    what: str,
    fmt: str,
    stage: str = "final",
    unit_type: str | None = None,
    ledger_filter: Any = None,
    params: Any = None,
) -> Any:
    """Render an export of the results the user may read (permissions.results_access):
    the ranking's rows and the ledger's rows of the units they may read, at a stage they
    may read; the whole-cycle report only for those who read every unit's ledger. Logged.
    Raises ServiceError (no access, stage not shown yet, unsupported combination)."""
    from .exports import ExportError, render_export
    from .report import report_params_for

    seen = perm.results_access(user, cycle)
    if not seen.any:
        raise ServiceError(_("Bạn không có quyền xem kết quả của kỳ đánh giá này."))
    if not seen.sees_stage(stage):
        raise ServiceError(
            _("Kết quả giai đoạn này chưa được công bố (kỳ đánh giá đang ở “%(s)s”).")
            % {"s": cycle.get_state_display()}
        )
    if what == "report" and not seen.report:
        raise ServiceError(_("Chỉ cơ quan tổ chức đánh giá được xuất báo cáo tổng hợp."))
    if what == "ledger" and not seen.ledger_readable:
        raise ServiceError(_("Bảng điểm bị trừ chỉ có khi kết quả đã được chốt."))
    if fmt == "docx" and params is None:
        params = report_params_for(cycle)
    try:
        export = render_export(
            cycle,
            what=what,
            fmt=fmt,
            stage=stage,
            unit_type=unit_type,
            ledger_filter=ledger_filter,
            params=params,
            unit_codes=seen.codes(seen.ranking),
            ledger_codes=seen.codes(seen.ledger),
            with_ledger=seen.ledger_readable,
            stages=seen.stages,
        )
    except (ExportError, ValueError) as exc:
        raise ServiceError(str(exc)) from None
    log_action(
        "results.exported",
        actor=user,
        target=cycle,
        cycle=cycle,
        what=what,
        format=fmt,
        stage=stage,
        unit_type=unit_type or "",
        size=len(export.data),
    )
    return export


# --- recoverability of lost points (results/recovery.py) ------------------------------------


def recoverability_set(
    *,
    cycle: Any,
    user: Any,
    methods: dict[str, bool],
    items: dict[str, bool | None],
) -> Any:
    """Set which lost points of `cycle` count as recoverable: per structural type of item
    (`methods`: survey, external -> recoverable) and per sub-criterion (`items`: code ->
    recoverable, not recoverable, or None for the rules' default). Replaces the whole
    setting; the cycle's managers only, in any state (it changes no points, only what the
    ledger and the plans count as recoverable). Audited; the results version moves so that
    every ledger is computed again. Returns the new setting (recovery.Recovery)."""
    from parindex.assessment.services import results_changed

    from .computation import recovery_of
    from .models import Recoverability
    from .recovery import STRUCTURAL_METHODS

    if not perm.can_manage(user, cycle):
        raise ServiceError(_("Bạn không có quyền quản lý kỳ đánh giá này."))
    tree = cycle.methodology.tree
    unknown = sorted(set(methods) - set(STRUCTURAL_METHODS))
    if unknown:
        raise ServiceError(_("Loại mục không hợp lệ: %(m)s.") % {"m": ", ".join(unknown)})
    leaves = {n.code for n in tree.leaves}
    wrong = sorted(c for c in items if c not in leaves)
    if wrong:
        raise ServiceError(
            _("Không có tiêu chí thành phần %(c)s trong bộ tiêu chí.") % {"c": ", ".join(wrong)}
        )
    with transaction.atomic():
        before = recovery_of(cycle.pk)
        Recoverability.objects.filter(cycle=cycle).delete()
        rows = [
            Recoverability(cycle=cycle, method=m, recoverable=True, updated_by=user)
            for m in STRUCTURAL_METHODS
            if methods.get(m)
        ]
        rows += [
            Recoverability(cycle=cycle, code=c, recoverable=v, updated_by=user)
            for c, v in sorted(items.items())
            if v is not None
        ]
        Recoverability.objects.bulk_create(rows)
        after = recovery_of(cycle.pk)
        if after != before:
            log_action(
                "results.recoverability_set",
                actor=user,
                target=cycle,
                cycle=cycle,
                old=_recovery_data(before),
                new=_recovery_data(after),
            )
            results_changed(cycle.pk)
    return after


def _recovery_data(r: Any) -> dict[str, Any]:
    return {"methods": sorted(r.methods), "items": dict(r.items)}
