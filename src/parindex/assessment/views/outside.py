"""Entering back the results of the outside body a cycle reports to (Cycle.reports_to, e.g.
the Bộ Nội vụ): by item on a unit's page, or from the body's spreadsheet for the cycle.
Views only parse (forms), call the services (assessment.services.outside) and render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from parindex.assessment import lifecycle
from parindex.assessment import permissions as perm
from parindex.assessment import services as svc
from parindex.assessment.forms import OutsideEntryForm, OutsideImportForm, first_error
from parindex.assessment.models import Cycle, Entry, Participation
from parindex.assessment.presenters.cycle import outside_rows

from .uploads import run_file_import


@login_required
def outside_results(request: HttpRequest, pk: int) -> HttpResponse:
    """One unit's items with the outside body's appraisal, the explanation and its final
    points; POST saves one item."""
    try:
        p, _acc = perm.participation_for_user(request.user, pk)
    except Participation.DoesNotExist:
        raise Http404 from None
    if not perm.can_enter_outside_results(request.user, p.cycle):
        raise PermissionDenied
    if request.method == "POST":
        form = OutsideEntryForm(request.POST)
        code = ""
        if not form.is_valid():
            messages.error(request, first_error(form))
        else:
            data = form.cleaned_data
            code = data["code"]
            try:
                svc.entry_save_outside(
                    participation=p,
                    code=code,
                    points=data["points"],
                    reason=data["reason"],
                    comment=data["comment"],
                    explanation=data["explanation"],
                    final_points=data["final_points"],
                    version=data["version"],
                    user=request.user,
                )
            except svc.ServiceError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("Đã lưu mục %(c)s.") % {"c": code})
        anchor = f"#m-{code}" if code else ""
        return redirect(reverse("outside_results", args=[p.pk]) + anchor)
    open_, why = lifecycle.outside_results_open(p.cycle)
    return render(
        request,
        "cycle/outside.html",
        {
            "nav": "cycles",
            "p": p,
            "cycle": p.cycle,
            "rows": outside_rows(p),
            "open": open_,
            "why": why,
            "reasons": Entry.Reason.choices,
        },
    )


@login_required
def cycle_outside_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload the outside body's spreadsheet (.xlsx/.csv): all rows valid, or nothing saved."""
    try:
        cycle = perm.cycles_visible_to(request.user).get(pk=pk)
    except Cycle.DoesNotExist:
        raise Http404 from None
    if not perm.can_enter_outside_results(request.user, cycle):
        raise PermissionDenied
    errors: list[svc.RowError] = []
    if request.method == "POST":

        def run(upload: Any) -> int:
            table = svc.outside_read_file(upload.name, upload.read())
            return svc.outside_import(cycle=cycle, table=table, user=request.user)

        done, errors = run_file_import(
            request,
            OutsideImportForm(request.POST, request.FILES),
            run,
            _("Đã nhập %(n)s dòng kết quả."),
            _("Hãy chọn tệp .xlsx hoặc .csv."),
        )
        if done:
            return redirect("cycle_detail", cycle.pk)
    open_, why = lifecycle.outside_results_open(cycle)
    return render(
        request,
        "cycle/outside_import.html",
        {
            "nav": "cycles",
            "cycle": cycle,
            "errors": errors,
            "open": open_,
            "why": why,
            "columns": svc.OUTSIDE_COLUMNS,
            "participations": cycle.participations.select_related("unit"),
        },
    )
