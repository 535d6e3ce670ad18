"""Results pages: the published national results and their import."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from parindex.assessment.models import MethodologyVersion
from parindex.assessment.services import ServiceError, methodology_name
from parindex.core import fmt_vn
from parindex.results import selectors as rsel
from parindex.results import services as rsvc
from parindex.results.models import BLOCKS, FIELDS, SYNTHETIC_LABEL
from parindex.results.presenters import (
    NATIONAL_COLUMNS,
    NationalLine,
    _basis,
    _merged_in,
    _national_key,
    tiles_from,
)

MAX_IMPORT_BYTES = 2 * 1024 * 1024
NATIONAL_ORDER = ("sipas_pct", "sipas_rank", *BLOCKS, *FIELDS)
RANK_COLUMNS = ("sipas_rank",)


@login_required
@require_GET
def results_national(request: HttpRequest) -> HttpResponse:
    """The published national results of a year, grouped under the 34 provinces (a former
    province's row under the province it became part of), and the tile grid map."""
    years = rsel.national_years()
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = 0
    if year not in years:
        year = years[0] if years else 0
    table = rsel.national_results_table(year) if year else []
    found = [nr for _p, rows in table for nr in rows]
    columns = [c for c in NATIONAL_ORDER if any(getattr(nr, c) is not None for nr in found)]
    order = request.GET.get("order", "rank")
    if order == "rank":
        table.sort(key=lambda item: _national_key(item[0], item[1]))
    lines = []
    tile_values: dict[str, tuple[Decimal | None, int | None, str]] = {}
    synthetic_tiles = set()
    for province, rows in table:
        basis = _basis(province, rows)
        if basis is not None:
            note = basis.province if basis.province_canonical != province else ""
            if basis.synthetic:
                note = "; ".join(n for n in (note, str(SYNTHETIC_LABEL)) if n)
                synthetic_tiles.add(province)
            tile_values[province] = (basis.total, basis.rank, note)
        elif rows:
            others = "; ".join(
                f"{nr.province} {fmt_vn(nr.total, 2) if nr.total is not None else '–'}"
                + (f" ({SYNTHETIC_LABEL})" if nr.synthetic else "")
                for nr in rows
            )
            tile_values[province] = (None, None, _("trước sắp xếp: %(p)s") % {"p": others})
        if not rows:
            lines.append(NationalLine(province, None, True, 1, False, []))
            continue
        rows = sorted(rows, key=lambda nr: _merged_in(province, nr))  # its own row first
        for i, nr in enumerate(rows):
            lines.append(
                NationalLine(
                    province,
                    nr,
                    i == 0,
                    len(rows),
                    _merged_in(province, nr),
                    [(getattr(nr, c), c in RANK_COLUMNS) for c in columns],
                )
            )
    return render(
        request,
        "results_pages/national.html",
        {
            "nav": "results",
            "years": years,
            "year": year,
            "before_2025": bool(year) and year < rsvc.FIRST_34_YEAR,
            "order": order,
            "lines": lines,
            "columns": [(c, *NATIONAL_COLUMNS[c]) for c in columns],
            "published": sum(1 for nr in found if not nr.synthetic),
            "synthetic": sum(1 for nr in found if nr.synthetic),
            "synthetic_label": SYNTHETIC_LABEL,
            "tiles": tiles_from(tile_values, synthetic=frozenset(synthetic_tiles)),
            "tiles_synthetic": bool(synthetic_tiles),
            "can_import": rsvc.can_import_national(request.user),
        },
    )


class NationalImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Tệp CSV (UTF-8)"))
    source = forms.CharField(
        label=gettext_lazy("Nguồn (cho các dòng không ghi nguồn)"),
        max_length=500,
        required=False,
    )
    methodology = forms.ModelChoiceField(
        label=gettext_lazy("Bộ tiêu chí của bảng (để cảnh báo năm ngoài thời gian áp dụng)"),
        queryset=MethodologyVersion.objects.order_by("code", "version"),
        required=False,
    )


@login_required
def results_national_import(request: HttpRequest) -> HttpResponse:
    """Upload published national results (CSV): every row checked, all or nothing."""
    if not rsvc.can_import_national(request.user):
        raise PermissionDenied
    errors: list[rsvc.RowError] = []
    form = NationalImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size > MAX_IMPORT_BYTES:
                    raise ServiceError(_("Tệp quá lớn (tối đa 2 MB)."))
                summary = rsvc.national_results_import_file(
                    data=upload.read(),
                    user=request.user,
                    source=form.cleaned_data["source"],
                    filename=upload.name,
                    **_read_with(form.cleaned_data["methodology"]),
                )
            except rsvc.ImportRefused as exc:
                messages.error(request, str(exc))
                errors = exc.errors
            except ServiceError as exc:
                messages.error(request, str(exc))
            else:
                for warning in summary.warnings:
                    messages.warning(request, warning)
                if summary.kept_published:
                    messages.warning(
                        request,
                        _(
                            "%(n)s dòng số liệu minh họa không được lưu: đã có số liệu đã công "
                            "bố của tỉnh và năm đó."
                        )
                        % {"n": summary.kept_published},
                    )
                messages.success(
                    request,
                    _("Đã nhập %(c)s dòng mới, cập nhật %(u)s dòng (năm %(y)s).")
                    % {
                        "c": summary.created,
                        "u": summary.updated,
                        "y": ", ".join(str(y) for y in summary.years),
                    },
                )
                url = f"{_reverse('results_national')}?year={max(summary.years)}"
                return redirect(url)
        else:
            messages.error(request, _("Hãy chọn tệp CSV."))
    return render(
        request,
        "results_pages/national_import.html",
        {
            "nav": "results",
            "form": form,
            "errors": errors,
            "required": rsvc.REQUIRED,
            "optional": rsvc.OPTIONAL,
            "aliases": rsvc.ALIASES,
        },
        status=400 if errors else 200,
    )


def _read_with(mv: MethodologyVersion | None) -> dict[str, Any]:
    """The methodology arguments of the import for the one chosen, if any."""
    if mv is None:
        return {}
    return {"methodology": mv.tree, "methodology_file": methodology_name(mv)}


def _reverse(name: str, *args: Any) -> str:
    from django.urls import reverse

    return reverse(name, args=args)
