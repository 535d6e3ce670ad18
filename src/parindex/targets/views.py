"""The target planner's pages: the units one may plan for, a unit's target page, and its
what-if fragment (htmx). Views only parse (forms.py), call the service and render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from parindex.assessment import permissions as perm
from parindex.assessment.models import Participation

from . import forecasting, presenters, robustness
from . import services as svc
from .forms import RobustnessForm, TargetForm, WhatIfForm


def _participation(request: HttpRequest, pk: int) -> Participation:
    try:
        p, _acc = perm.participation_for_user(request.user, pk)
    except Participation.DoesNotExist:
        raise Http404 from None
    if not perm.may_plan_target(request.user, p):
        raise Http404
    return p


@login_required
@require_GET
def targets_index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "targets/index.html",
        {"nav": "targets", "groups": presenters.units_for(request.user)},
    )


@login_required
@require_GET
def target_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A unit's "what does rank <= k take?", with the plan tasks to get there and what-if."""
    p = _participation(request, pk)
    form = TargetForm(request.GET)
    settings = form.settings()
    try:
        ans = svc.answer(request.user, p, settings)
    except svc.TargetError as exc:
        return render(
            request,
            "targets/page.html",
            {"nav": "targets", "p": p, "form": form, "error": str(exc)},
        )
    whatif = WhatIfForm(result=ans.basis.result)
    return render(
        request,
        "targets/page.html",
        {"nav": "targets", "p": p, "form": form, "a": ans, "whatif": whatif,
         "fc": forecasting.forecast_for(request.user, ans), **presenters.page(ans, request.GET)},
    )  # fmt: skip


@login_required
@require_GET
def target_whatif(request: HttpRequest, pk: int) -> HttpResponse:
    """The what-if result (htmx fragment; the whole page without htmx)."""
    p = _participation(request, pk)
    settings = TargetForm(request.GET).settings()
    basis = svc.basis_of(request.user, p)
    form = WhatIfForm(request.GET, result=basis.result)
    context = {"p": p, "settings": settings, "form": form}
    if form.is_valid():
        try:
            context["w"] = svc.what_if_answer(request.user, p, settings, form.changes())
        except svc.TargetError as exc:
            context["error"] = str(exc)
    else:
        context["error"] = presenters.form_errors(form)
    return render(request, "targets/_whatif.html", context)


@login_required
@require_GET
def target_robustness(request: HttpRequest, pk: int) -> HttpResponse:
    """A finished cycle's ranking with each unit's 90 % rank interval."""
    form = RobustnessForm(request.GET)
    unit_type, seed, spread = form.question()
    try:
        view = robustness.robustness_of(request.user, pk, unit_type, seed=seed, spread=spread)
    except svc.TargetError:
        raise Http404 from None
    cycle = robustness.cycle_for(request.user, pk)
    return render(
        request,
        "targets/robustness.html",
        {"nav": "results", "cycle": cycle, "form": form, "v": view, "seed": seed,
         **presenters.robustness_page(cycle, view)},
    )  # fmt: skip
