"""Use cases of the results area that write: importing the national results (published ones,
and for the demo a synthetic table around them), exports for a user.

National results CSV (UTF-8, comma or semicolon, header names as below, any order): either
the columns of the shipped sample (data/national-results-sample.csv)
  year, province, rank, total, appraisal, sipas, leader_survey, socio_economic,
  field_1 .. field_8, source
or those of the reference list of published results (data/published-results.csv)
  year, province, index_pct, rank, sipas_pct, sipas_rank, notes, source_url
(index_pct is another name of total, source_url of source), and optionally `provenance`
(published, the default, or synthetic), and `code`: the province's official code (mã đơn vị
hành chính cấp tỉnh, read with the row's year: before 2025 the 63 provinces' codes, from 2025
the 34's), instead of the province's name or beside it (then they must name the same province).
year and province (or code) are required, and at least one column of figures; an empty
cell is not published, and stays empty: a top-10 list gives ranks without indices, an article
an index without a rank. A row must hold a figure or a note.

Numbers take a decimal point or comma ("91,04"). The province is matched, in any of its
usual spellings, against the lineage table (the 63 provinces before 2025, the 34 from 2025)
and mapped to its 2025 province. Rows of one province and year are merged (the first value
of a column wins; a different one is kept in the notes and reported as a warning). When the
four blocks and the total are given, they must add up (within 0,01). The import is all or
nothing: every row is checked first and one wrong row refuses the file, with a message per
file, row and column. A published row replaces the stored one; a synthetic row never
replaces a published one (it is skipped and counted).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from parindex.assessment import permissions as perm
from parindex.audit.services import log_action
from parindex.common.csvio import CsvUnreadable, read_table
from parindex.common.errors import ImportRefused, RowError, ServiceError
from parindex.core import fmt_vn, to_decimal

from .lineage import FIRST_34_YEAR, lineage
from .models import BLOCKS, FIELDS, NationalResult, Provenance
from .synthetic import DEMO_YEARS, HISTORY_YEARS, InconsistentFigures, Known, synthetic_table

REQUIRED = ("year", "province")  # "code" may stand for "province"
FIGURES = ("total", "rank", "sipas_pct", "sipas_rank", *BLOCKS, *FIELDS)
OPTIONAL = ("code", *FIGURES, "notes", "source", "provenance")
ALIASES = {"index_pct": "total", "source_url": "source"}  # the reference list's names
BLOCK_TOLERANCE = Decimal("0.01")
PUBLISHED_FILE = "data/published-results.csv"  # the reference list shipped with parindex
SAMPLE_FILE = "data/national-results-sample.csv"
SYNTHETIC_SEED = 2025
SYNTHETIC_SOURCE = (
    "Số liệu minh họa do parindex tạo (hạt giống %(seed)s) quanh các số liệu đã công bố; "
    "không phải số liệu chính thức."
)
_PROVENANCES = {
    "published": Provenance.PUBLISHED,
    "công bố": Provenance.PUBLISHED,
    "đã công bố": Provenance.PUBLISHED,
    "synthetic": Provenance.SYNTHETIC,
    "minh họa": Provenance.SYNTHETIC,
    "số liệu minh họa": Provenance.SYNTHETIC,
}


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    years: tuple[int, ...]
    kept_published: int = 0  # synthetic rows not stored: a published row was there
    warnings: tuple[str, ...] = field(default_factory=tuple)


def can_import_national(user: Any) -> bool:
    """Administrators and the Ministry's managers import the published national results."""
    return perm.can_import_national(user)


def national_results_read_csv(
    data: bytes, *, filename: str = ""
) -> list[tuple[int, dict[str, str]]]:
    """Rows of a national results CSV with their line numbers, the reference list's column
    names read as the sample's (index_pct -> total, source_url -> source). Raises
    ImportRefused when the file is not UTF-8 text, lacks a required column or has none of
    the figures."""
    try:
        header, rows = read_table(data)
    except CsvUnreadable as exc:
        refused = ImportRefused.unreadable(exc)
        raise ImportRefused([_with_file(e, filename) for e in refused.errors]) from None
    errors = [
        RowError(1, c, _("thiếu cột này ở dòng tiêu đề (cần: year, province)."), filename)
        for c in REQUIRED
        if c not in header and not (c == "province" and "code" in header)
    ]
    names = [ALIASES.get(h, h) for h in header]
    for h, name in zip(header, names, strict=True):
        if h and name not in REQUIRED + OPTIONAL:
            errors.append(
                RowError(
                    1,
                    h,
                    _("cột không được hỗ trợ; các cột hợp lệ: %(c)s.")
                    % {"c": ", ".join((*REQUIRED, *OPTIONAL, *ALIASES))},
                    filename,
                )
            )
        elif h in ALIASES and name in header:
            errors.append(
                RowError(
                    1, h, _("trùng với cột “%(c)s” (hai tên của một cột).") % {"c": name}, filename
                )
            )
    if not any(n in FIGURES for n in names):
        errors.append(
            RowError(
                1,
                "total",
                _("cần ít nhất một cột số liệu: total (hoặc index_pct), rank, sipas_pct, …"),
                filename,
            )
        )
    if errors:
        raise ImportRefused(errors)
    return [(line, {ALIASES.get(k, k): v for k, v in row.items()}) for line, row in rows]


def _with_file(error: RowError, filename: str) -> RowError:
    return RowError(error.line, error.column, error.message, filename)


def _points(raw: str, line: int, column: str, errors: list[RowError], file: str) -> Decimal | None:
    if raw == "":
        return None
    try:
        value = to_decimal(raw)
    except ValueError:
        errors.append(RowError(line, column, _("“%(v)s” không phải là số.") % {"v": raw}, file))
        return None
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -4:
        errors.append(RowError(line, column, _("tối đa 4 chữ số thập phân."), file))
        return None
    if value < 0 or value > 100:
        errors.append(
            RowError(
                line, column, _("%(v)s ngoài khoảng [0; 100].") % {"v": fmt_vn(value, 2)}, file
            )
        )
        return None
    return value


def _rank(
    raw: str, line: int, column: str, errors: list[RowError], file: str, n: int
) -> int | None:
    if raw == "":
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= n:
        errors.append(
            RowError(
                line,
                column,
                _("“%(v)s” không phải là thứ hạng (1 đến %(n)s).") % {"v": raw, "n": n},
                file,
            )
        )
        return None
    return int(raw)


def _province(
    year: int | None, province: str, line: int, errors: list[RowError], file: str, code: str = ""
) -> tuple[str | None, str | None]:
    """(lineage spelling, its 2025 province) of a province named as published, or given by
    its official code (read with the row's year), or both when they agree."""
    if not province and not code:
        errors.append(RowError(line, "province", _("thiếu tên tỉnh, thành phố (hoặc mã)."), file))
        return None, None
    if year is None:
        return None, None
    by_code = _by_code(year, code, line, errors, file) if code else None
    if code and by_code is None:
        return None, None
    if not province:
        return by_code or (None, None)
    found = _by_name(year, province, line, errors, file)
    if by_code is not None and found is not None and by_code[0] != found[0]:
        errors.append(
            RowError(
                line,
                "code",
                _("mã %(c)s là của %(n)s, không phải của “%(p)s” (năm %(y)s).")
                % {"c": code, "n": by_code[0], "p": province, "y": year},
                file,
            )
        )
        return None, None
    return found or (None, None)


def _by_code(
    year: int, code: str, line: int, errors: list[RowError], file: str
) -> tuple[str, str] | None:
    """(lineage spelling, 2025 province) of an official code in `year`: the 63 provinces'
    codes before FIRST_34_YEAR, the 34's from then on."""
    found = lineage().by_code(code, year)
    if found is not None:
        return found[0], found[1].name
    if year < FIRST_34_YEAR:
        message = _("“%(c)s” không phải là mã của một trong 63 tỉnh, thành phố trước 01/07/2025.")
    else:
        message = _("“%(c)s” không phải là mã của một trong 34 tỉnh, thành phố từ 01/07/2025.")
    other = lineage().by_code(code, FIRST_34_YEAR - 1 if year >= FIRST_34_YEAR else FIRST_34_YEAR)
    hint = ""
    if other is not None:
        hint = " " + _("(Mã %(c)s là của %(n)s %(when)s.)") % {
            "c": code,
            "n": other[0],
            "when": _("trước 01/07/2025") if year >= FIRST_34_YEAR else _("từ 01/07/2025"),
        }
    errors.append(RowError(line, "code", message % {"c": code} + hint, file))
    return None


def _by_name(
    year: int, province: str, line: int, errors: list[RowError], file: str
) -> tuple[str, str] | None:
    lin = lineage()
    if year < FIRST_34_YEAR:
        canonical = lin.canonical_before(province)
        prov = lin.successor(province)
        if canonical is None or prov is None:
            errors.append(
                RowError(
                    line,
                    "province",
                    _("“%(p)s” không phải là một trong 63 tỉnh, thành phố trước 01/07/2025.")
                    % {"p": province},
                    file,
                )
            )
            return None
        return canonical, prov.name
    prov = lin.province(province)
    if prov is None:
        errors.append(
            RowError(
                line,
                "province",
                _("“%(p)s” không phải là một trong 34 tỉnh, thành phố từ 01/07/2025.")
                % {"p": province},
                file,
            )
        )
        return None
    return prov.name, prov.name


def _check_row(
    line: int, row: dict[str, str], errors: list[RowError], default_source: str, file: str
) -> dict[str, Any] | None:
    before = len(errors)
    year: int | None = None
    raw_year = row.get("year", "")
    if not raw_year:
        errors.append(RowError(line, "year", _("thiếu năm."), file))
    elif not raw_year.isdigit() or not 2000 <= int(raw_year) <= 2100:
        errors.append(
            RowError(line, "year", _("“%(v)s” không phải là năm.") % {"v": raw_year}, file)
        )
    else:
        year = int(raw_year)
    province = row.get("province", "")
    code = row.get("code", "")
    canonical, successor = _province(year, province, line, errors, file, code)
    n = 34 if year is not None and year >= FIRST_34_YEAR else 63
    values: dict[str, Any] = {
        c: _points(row.get(c, ""), line, c, errors, file)
        for c in ("total", "sipas_pct", *BLOCKS, *FIELDS)
    }
    values["rank"] = _rank(row.get("rank", ""), line, "rank", errors, file, n)
    values["sipas_rank"] = _rank(row.get("sipas_rank", ""), line, "sipas_rank", errors, file, n)
    provenance = _PROVENANCES.get(row.get("provenance", "").casefold() or "published")
    if provenance is None:
        errors.append(
            RowError(
                line,
                "provenance",
                _("“%(v)s”: ghi published (đã công bố) hoặc synthetic (số liệu minh họa).")
                % {"v": row["provenance"]},
                file,
            )
        )
    notes = row.get("notes", "")
    if len(errors) == before and not notes and all(v is None for v in values.values()):
        errors.append(
            RowError(
                line,
                "total",
                _("dòng không có số liệu nào (Chỉ số, hạng, SIPAS, điểm các khối) hay ghi chú."),
                file,
            )
        )
    out = {
        "year": year,
        "province": province or canonical or code,
        "province_canonical": canonical,
        "province_2025": successor,
        **values,
        "notes": notes,
        "source": row.get("source", "") or default_source,
        "provenance": provenance,
    }
    _blocks_add_up(out, line, errors, file)
    return out if len(errors) == before else None


def _blocks_add_up(values: dict[str, Any], line: int, errors: list[RowError], file: str) -> bool:
    """The four blocks, when all are given with the total, add up to it (within 0,01)."""
    blocks = [values[b] for b in BLOCKS]
    if values["total"] is None or any(b is None for b in blocks):
        return True
    diff = sum(blocks, Decimal(0)) - values["total"]
    if abs(diff) <= BLOCK_TOLERANCE:
        return True
    errors.append(
        RowError(
            line,
            "total",
            _("bốn khối điểm cộng lại được %(s)s, khác Chỉ số %(t)s (chênh %(d)s).")
            % {
                "s": fmt_vn(sum(blocks, Decimal(0)), 2),
                "t": fmt_vn(values["total"], 2),
                "d": fmt_vn(diff, 2),
            },
            file,
        )
    )
    return False


def _merge(
    first: dict[str, Any], line: int, other: dict[str, Any], first_line: int, warnings: list[str]
) -> None:
    """Merge a later row of the same province and year into the first one (in place): empty
    cells take the later value; a different later value stays in the notes and is reported."""
    for c in FIGURES:
        if other[c] is None:
            continue
        if first[c] is None:
            first[c] = other[c]
        elif first[c] != other[c]:
            note = _("dòng %(l)s ghi %(c)s = %(v)s (khác dòng %(f)s: %(w)s)") % {
                "l": line,
                "c": c,
                "v": other[c],
                "f": first_line,
                "w": first[c],
            }
            first["notes"] = " | ".join(n for n in (first["notes"], note) if n)
            warnings.append(
                _("%(p)s %(y)s: %(n)s; giữ giá trị của dòng %(f)s.")
                % {"p": first["province"], "y": first["year"], "n": note, "f": first_line}
            )
    for c in ("notes", "source"):
        if other[c] and other[c] not in first[c]:
            first[c] = " | ".join(n for n in (first[c], other[c]) if n)


def _store(values: dict[str, Any], user: Any) -> str:
    """Write one row: "created", "updated", or "kept" when it is synthetic and a published
    row of that year and province is stored (a published row is never replaced by one)."""
    existing = NationalResult.objects.filter(
        year=values["year"], province_canonical=values["province_canonical"]
    ).first()
    if (
        values["provenance"] == Provenance.SYNTHETIC
        and existing is not None
        and existing.provenance == Provenance.PUBLISHED
    ):
        return "kept"
    defaults = {
        **values,
        "imported_by": user if getattr(user, "is_authenticated", False) else None,
    }
    if existing is None:
        NationalResult.objects.create(**defaults)
        return "created"
    for name, value in defaults.items():
        setattr(existing, name, value)
    existing.save()
    return "updated"


@transaction.atomic
def national_results_import(
    *,
    rows: list[tuple[int, dict[str, str]]],
    user: Any,
    source: str = "",
    filename: str = "",
    methodology: Any = None,
    methodology_file: str = "",
) -> ImportSummary:
    """Import national results, all or nothing (see the module docstring). `source` is
    used for rows whose "source" cell is empty; `filename` names the file in the messages.
    `user` None: the command line (an operator of the server). `methodology` (a core
    Methodology, read from `methodology_file`): the one the table is read with; each year of
    the file outside its years of validity gives a warning (not a refusal)."""
    if user is not None and not can_import_national(user):
        raise ServiceError(_("Bạn không có quyền nhập kết quả Chỉ số CCHC đã công bố."))
    if not rows:
        raise ImportRefused([RowError(2, "", _("tệp không có dòng số liệu nào."), filename)])
    errors: list[RowError] = []
    warnings: list[str] = []
    merged: dict[tuple[int, str], tuple[int, dict[str, Any]]] = {}
    for line, row in rows:
        checked = _check_row(line, row, errors, source.strip(), filename)
        if checked is None:
            continue
        key = (checked["year"], checked["province_canonical"])
        if key not in merged:
            merged[key] = (line, checked)
            continue
        first_line, first = merged[key]
        if first["provenance"] != checked["provenance"]:
            errors.append(
                RowError(
                    line,
                    "provenance",
                    _("cùng tỉnh và năm với dòng %(l)s nhưng khác nguồn gốc số liệu.")
                    % {"l": first_line},
                    filename,
                )
            )
            continue
        _merge(first, line, checked, first_line, warnings)
        _blocks_add_up(first, line, errors, filename)
    if errors:
        raise ImportRefused(errors)
    counts = {"created": 0, "updated": 0, "kept": 0}
    for _line, values in merged.values():
        counts[_store(values, user)] += 1
    years = tuple(sorted({year for year, _p in merged}))
    if methodology is not None:
        warnings.extend(_validity_warnings(methodology, methodology_file, years, filename))
    log_action(
        "results.national_imported",
        actor=user,
        rows=len(merged),
        created=counts["created"],
        updated=counts["updated"],
        kept_published=counts["kept"],
        years=list(years),
        file=filename,
    )
    return ImportSummary(
        counts["created"], counts["updated"], years, counts["kept"], tuple(warnings)
    )


def _validity_warnings(
    methodology: Any, methodology_file: str, years: Sequence[int], filename: str
) -> list[str]:
    """A warning per year of the file outside the methodology's years of validity."""
    from parindex.assessment.services import methodology_year_warning

    name = f"“{methodology_file or methodology.code}”"
    found = [methodology_year_warning(methodology, y, name) for y in years]
    prefix = f"{filename}: " if filename else ""
    return [prefix + w for w in found if w]


def national_results_import_file(
    *,
    data: bytes,
    user: Any,
    source: str = "",
    filename: str = "",
    methodology: Any = None,
    methodology_file: str = "",
) -> ImportSummary:
    """Read a CSV file's bytes and import it (both steps all or nothing)."""
    return national_results_import(
        rows=national_results_read_csv(data, filename=filename),
        user=user,
        source=source,
        filename=filename,
        methodology=methodology,
        methodology_file=methodology_file,
    )


def shipped_file(name: str) -> bytes:
    """A data file shipped with parindex (PUBLISHED_FILE, SAMPLE_FILE)."""
    return resources.files("parindex.results").joinpath(name).read_bytes()


@transaction.atomic
def national_synthetic_load(
    *, years: Sequence[int] = DEMO_YEARS, seed: int = SYNTHETIC_SEED, user: Any = None
) -> ImportSummary:
    """Store the synthetic national table of `years` (results/synthetic.py), built around
    the published rows stored: the synthetic rows of those years are replaced; a province
    and year with a published row keep that row as published (never filled in). Raises
    ServiceError when the published rows contradict each other."""
    if user is not None and not can_import_national(user):
        raise ServiceError(_("Bạn không có quyền nhập kết quả Chỉ số CCHC đã công bố."))
    published = list(NationalResult.objects.filter(year__in=years, provenance=Provenance.PUBLISHED))
    known = [
        Known(nr.year, nr.province_canonical, nr.total, nr.rank, nr.sipas_pct, nr.sipas_rank)
        for nr in published
    ]
    try:
        table = synthetic_table(known, years=years, seed=seed)
    except InconsistentFigures as exc:
        raise ServiceError(
            _("Các số liệu đã công bố mâu thuẫn nhau, không tạo được bảng minh họa: %(e)s")
            % {"e": exc}
        ) from None
    NationalResult.objects.filter(year__in=years, provenance=Provenance.SYNTHETIC).delete()
    lin = lineage()
    counts = {"created": 0, "updated": 0, "kept": 0}
    for row in table:
        if row.published:  # a published row of this province and year is stored
            counts["kept"] += 1
            continue
        successor = lin.successor(row.province) if row.year < FIRST_34_YEAR else None
        values = {
            "year": row.year,
            "province": row.province,
            "province_canonical": row.province,
            "province_2025": successor.name if successor else row.province,
            "rank": row.rank,
            "total": row.total,
            "sipas_pct": row.sipas_pct,
            "sipas_rank": row.sipas_rank,
            **{b: getattr(row, b) for b in BLOCKS},
            **dict.fromkeys(FIELDS),
            "notes": "",
            "source": SYNTHETIC_SOURCE % {"seed": seed},
            "provenance": Provenance.SYNTHETIC,
        }
        counts[_store(values, user)] += 1
    years_done = tuple(sorted(set(years)))
    log_action(
        "results.national_synthetic_loaded",
        actor=user,
        years=list(years_done),
        seed=seed,
        created=counts["created"] + counts["updated"],
        kept_published=counts["kept"],
    )
    return ImportSummary(counts["created"], counts["updated"], years_done, counts["kept"])


def national_demo_load(*, history: bool = False, seed: int = SYNTHETIC_SEED) -> ImportSummary:
    """The demo's national results: the shipped list of published results (as published),
    then the synthetic table around them, 2023-2025 (with `history`, 2016-2025)."""
    national_results_import_file(
        data=shipped_file(PUBLISHED_FILE), user=None, filename="published-results.csv"
    )
    return national_synthetic_load(years=HISTORY_YEARS if history else DEMO_YEARS, seed=seed)


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
