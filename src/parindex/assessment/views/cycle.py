"""The organiser's side of a cycle: the list of cycles, overview with per-stage results and
ranks, state transitions, schedule, late-entry exceptions, survey/external data. Views only
parse, call services and render (the rows and tables: parindex.assessment.presenters.cycle)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parindex.assessment import lifecycle
from parindex.assessment import permissions as perm
from parindex.assessment import services as svc
from parindex.assessment.forms import (
    CsvUploadForm,
    ExternalValuesForm,
    LateGrantForm,
    ScheduleForm,
    TransitionForm,
)
from parindex.assessment.models import Cycle, Participation
from parindex.assessment.presenters.cycle import (
    CONFIRM,
    STAGE_SHORT,
    _external_rows,
    _timeline,
    cycle_rows,
)
from parindex.common.collation import vn_key

from .uploads import run_file_import

State = Cycle.State


def _cycle_for_user(user: Any, pk: int) -> Cycle:
    try:
        return perm.cycles_visible_to(user).get(pk=pk)
    except Cycle.DoesNotExist:
        raise Http404 from None


def _managed_cycle(user: Any, pk: int) -> Cycle:
    """A cycle the user may see (404 otherwise) and manage (403 otherwise)."""
    cycle = _cycle_for_user(user, pk)
    if not svc.can_manage(user, cycle):
        raise PermissionDenied
    return cycle


@login_required
def cycle_list(request: HttpRequest) -> HttpResponse:
    cycles = perm.cycles_visible_to(request.user)
    return render(request, "web/cycle_list.html", {"cycles": cycles, "nav": "cycles"})


def _transitions(cycle: Cycle) -> list[dict[str, Any]]:
    """The moves offered on the cycle page, each with its checklist of open points."""
    facts = lifecycle.of(cycle)
    out = []
    for s in facts.next_states:
        items = svc.transition_checklist(cycle, s)
        out.append(
            {
                "value": s,
                "label": State(s).label,
                "confirm": CONFIRM[State(s)],
                "items": items,
                "open": sum(i.count for i in items),
                "publish": lifecycle.facts(s).published,
                "form": TransitionForm(auto_id=f"t-{s}-%s"),
            }
        )
    return out


def _back_transitions(cycle: Cycle) -> list[dict[str, Any]]:
    return [
        {"value": s, "label": State(s).label, "form": TransitionForm(auto_id=f"b-{s}-%s")}
        for s in lifecycle.of(cycle).prev_states
    ]


@login_required
def cycle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle_for_user(request.user, pk)
    parts = perm.participations_visible_to(request.user, cycle)
    available = list(
        lifecycle.stages_shown(cycle.state, staff=perm.cycle_staff(request.user, cycle))
    )
    rows = cycle_rows(cycle, parts, available)
    types = sorted({(r.p.unit.type, r.p.unit.get_type_display()) for r in rows})
    f_type = request.GET.get("type", "")
    f_status = request.GET.get("status", "")
    shown = [
        r
        for r in rows
        if (not f_type or r.p.unit.type == f_type) and (not f_status or r.p.status == f_status)
    ]
    sort = request.GET.get("sort", "")
    if sort == "rank":
        shown.sort(key=lambda r: (r.p.unit.type, r.rank or 10**9, vn_key(r.p.unit.name)))
    manage = svc.can_manage(request.user, cycle)
    appraise = {r.p.pk for r in rows if perm.access(request.user, r.p).can(perm.APPRAISE)}
    facts = lifecycle.of(cycle)
    finished = facts.finished
    summary = []
    if finished:
        for t, label in types:
            group = sorted((r for r in rows if r.p.unit.type == t), key=lambda r: r.rank or 10**9)
            summary.append((label, group))
    transitions = _transitions(cycle) if manage else []
    back = _back_transitions(cycle) if manage else []
    late_form = LateGrantForm(cycle=cycle) if manage and facts.late_grant else None
    return render(
        request,
        "cycle/detail.html",
        {
            "nav": "cycles",
            "cycle": cycle,
            "timeline": _timeline(cycle),
            "rows": shown,
            "total_rows": len(rows),
            "stages": [(s, STAGE_SHORT[s]) for s in svc.STAGES],
            "available": available,
            "types": types,
            "f_type": f_type,
            "f_status": f_status,
            "sort": sort,
            "statuses": Participation.Status.choices,
            "manage": manage,
            "has_blocks": bool(cycle.methodology.tree.blocks),
            "appraise": appraise,
            "finished": finished,
            "plans": perm.may_draft_plans_in(request.user, cycle),
            "summary": summary,
            "transitions": transitions,
            "back": back,
            "late_form": late_form,
            "ranked_by": STAGE_SHORT[available[-1]],
        },
    )


@login_required
@require_POST
def cycle_transition(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _managed_cycle(request.user, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Trạng thái không hợp lệ."))
        return redirect("cycle_detail", cycle.pk)
    data = form.cleaned_data
    try:
        cycle = svc.cycle_transition(
            cycle=cycle,
            to_state=data["to_state"],
            user=request.user,
            reason=data["reason"],
            decision_number=data["decision_number"],
            decision_date=data["decision_date"],
        )
    except svc.ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Kỳ đánh giá đã chuyển sang “%(s)s”.") % {"s": cycle.get_state_display()},
        )
    return redirect("cycle_detail", cycle.pk)


@login_required
@require_POST
def cycle_late_grant(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _managed_cycle(request.user, pk)
    form = LateGrantForm(request.POST, cycle=cycle)
    if not form.is_valid():
        messages.error(
            request,
            _("Cần chọn đơn vị, thời hạn (ngày giờ) và lý do gia hạn."),
        )
        return redirect("cycle_detail", cycle.pk)
    p = form.cleaned_data["participation"]
    try:
        svc.late_entry_grant(
            participation=p,
            until=form.cleaned_data["until"],
            reason=form.cleaned_data["reason"],
            user=request.user,
        )
    except svc.ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Đã gia hạn cho %(u)s đến %(d)s.")
            % {"u": p.unit.name, "d": form.cleaned_data["until"].strftime("%d/%m/%Y %H:%M")},
        )
    return redirect("cycle_detail", cycle.pk)


@login_required
def cycle_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _managed_cycle(request.user, pk)
    if request.method == "POST":
        form = ScheduleForm(request.POST)
        if form.is_valid():
            try:
                svc.cycle_update_schedule(cycle=cycle, user=request.user, **form.cleaned_data)
            except svc.ServiceError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("Đã lưu lịch của kỳ đánh giá."))
                return redirect("cycle_detail", cycle.pk)
    else:
        form = ScheduleForm(initial={f: getattr(cycle, f) for f in svc.SCHEDULE_FIELDS})
    pairs = [
        (label, form[a], form[b])
        for label, a, b in (
            (_("Tự đánh giá"), "self_start", "self_end"),
            (_("Thẩm định"), "appraisal_start", "appraisal_end"),
            (_("Giải trình"), "explanation_start", "explanation_end"),
        )
    ]
    return render(
        request,
        "cycle/schedule.html",
        {"nav": "cycles", "cycle": cycle, "form": form, "pairs": pairs},
    )


@login_required
def participation_external(request: HttpRequest, pk: int) -> HttpResponse:
    """The organiser enters one unit's survey/external data and bonus/deduction values."""
    try:
        p, _acc = perm.participation_for_user(request.user, pk)
    except Participation.DoesNotExist:
        raise Http404 from None
    if not svc.can_manage(request.user, p.cycle):
        raise PermissionDenied
    readonly = not lifecycle.organiser_edit_open(p.cycle)[0]
    if request.method == "POST" and not readonly:
        form = ExternalValuesForm(request.POST, rows=_external_rows(p))
        form.is_valid()  # each item is saved, or refused with its message, on its own
        saved, failed = 0, 0
        for item in form.changed():
            try:
                if item.error:
                    raise svc.ServiceError(item.error)
                svc.entry_set_external(
                    participation=p,
                    code=item.code,
                    value=item.value,
                    user=request.user,
                    version=item.version,
                )
                saved += 1
            except svc.ServiceError as exc:
                failed += 1
                messages.error(request, str(exc))
        if saved:
            messages.success(request, _("Đã lưu %(n)s mục.") % {"n": saved})
        elif not failed:
            messages.info(request, _("Không có thay đổi."))
        return redirect("participation_external", p.pk)
    return render(
        request,
        "cycle/external.html",
        {
            "nav": "cycles",
            "p": p,
            "cycle": p.cycle,
            "rows": _external_rows(p),
            "readonly": readonly,
        },
    )


@login_required
def cycle_external_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload "unit,code,value" for every unit at once: all rows valid, or nothing saved."""
    cycle = _managed_cycle(request.user, pk)
    errors: list[svc.RowError] = []
    if request.method == "POST":

        def run(upload: Any) -> int:
            if upload.size > 2 * 1024 * 1024:
                raise svc.ServiceError(_("Tệp quá lớn (tối đa 2 MB)."))
            rows = svc.external_values_read_csv(upload.read(), upload.name)
            return svc.external_values_import(
                cycle=cycle, rows=rows, user=request.user, filename=upload.name
            )

        done, errors = run_file_import(
            request,
            CsvUploadForm(request.POST, request.FILES),
            run,
            _("Đã nhập %(n)s dòng số liệu."),
            _("Hãy chọn tệp CSV."),
        )
        if done:
            return redirect("cycle_detail", cycle.pk)
    tree = cycle.methodology.tree
    sample_unit = cycle.participations.select_related("unit").first()
    return render(
        request,
        "cycle/external_import.html",
        {
            "nav": "cycles",
            "cycle": cycle,
            "errors": errors,
            "codes": svc.external_codes(tree),
            "sample_unit": sample_unit.unit.code if sample_unit else "SNV",
            "readonly": not lifecycle.organiser_edit_open(cycle)[0],
        },
    )
