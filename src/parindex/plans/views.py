"""The plan pages: the list of plans, a finished cycle's plans (drafting, recoverability), a
plan's dashboard and tasks, a task (edit, progress reports, evidence), downloads. Views only
parse (Django forms), call one service or selector and render (presenters.py builds the
page data)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from parindex.accounts.models import OrgUnit
from parindex.assessment import permissions as perm
from parindex.assessment.models import Cycle
from parindex.common.errors import ServiceError
from parindex.results import services as results_services

from . import presenters
from . import selectors as sel
from . import services as svc
from .forms import DraftForm, PlanForm, RecoverabilityForm, ReportForm, TaskForm
from .models import Attachment, Plan, Task


def _plan(request: HttpRequest, pk: int) -> tuple[Plan, perm.PlanAccess]:
    try:
        return sel.plan_for_user(request.user, pk)
    except Plan.DoesNotExist:
        raise Http404 from None


def _task(request: HttpRequest, pk: int) -> tuple[Task, perm.PlanAccess]:
    try:
        return sel.task_for_user(request.user, pk)
    except Task.DoesNotExist:
        raise Http404 from None


def _cycle(request: HttpRequest, pk: int) -> Cycle:
    try:
        return perm.cycles_visible_to(request.user).get(pk=pk)
    except Cycle.DoesNotExist:
        raise Http404 from None


@login_required
@require_GET
def plans_index(request: HttpRequest) -> HttpResponse:
    """Every plan the user reads, the tasks its agencies lead, the finished cycles whose
    units' plans it may draft."""
    return render(request, "plans/index.html", {"nav": "plans", **presenters.index(request.user)})


@login_required
def plans_cycle(request: HttpRequest, pk: int) -> HttpResponse:
    """A finished cycle's units, their plan for the next year or a button to draft it."""
    cycle = _cycle(request, pk)
    rows = sel.draftable(request.user, cycle)
    if not rows and not perm.can_manage(request.user, cycle):
        raise PermissionDenied
    return render(
        request,
        "plans/cycle.html",
        {
            "nav": "plans",
            "cycle": cycle,
            "rows": rows,
            "manage": perm.can_manage(request.user, cycle),
        },
    )


@login_required
@require_POST
def plan_draft(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle(request, pk)
    form = DraftForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Yêu cầu không hợp lệ."))
        return redirect("plans_cycle", cycle.pk)
    unit = OrgUnit.objects.filter(pk=form.cleaned_data["unit"]).first()
    if unit is None:
        raise Http404
    try:
        done = svc.plan_draft(
            cycle=cycle, unit=unit, user=request.user, refresh=form.cleaned_data["refresh"]
        )
    except ServiceError as exc:
        messages.error(request, str(exc))
        return redirect("plans_cycle", cycle.pk)
    if done.created:
        messages.success(
            request,
            _("Đã lập dự thảo kế hoạch năm %(y)s của %(u)s: %(n)s nhiệm vụ.")
            % {"y": done.plan.year, "u": unit.name, "n": done.added},
        )
    else:
        messages.success(
            request,
            _("Đã cập nhật kế hoạch từ kết quả: thêm %(a)s, cập nhật %(u)s nhiệm vụ.")
            % {"a": done.added, "u": done.updated},
        )
    return redirect("plan_detail", done.plan.pk)


@login_required
def recoverability(request: HttpRequest, pk: int) -> HttpResponse:
    """The organiser's setting of which lost points are recoverable, for one cycle."""
    cycle = _cycle(request, pk)
    if not perm.can_manage(request.user, cycle):
        raise PermissionDenied
    leaves, initial = presenters.recoverability_initial(cycle)
    form = RecoverabilityForm(request.POST or None, initial=initial, leaves=leaves)
    if request.method == "POST" and form.is_valid():
        try:
            results_services.recoverability_set(
                cycle=cycle,
                user=request.user,
                methods={"survey": form.cleaned_data["survey"]}
                | {"external": form.cleaned_data["external"]},
                items=form.items(),
            )
        except ServiceError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Đã lưu cài đặt khả năng khắc phục."))
            return redirect("plans_recoverability", cycle.pk)
    return render(
        request,
        "plans/recoverability.html",
        {"nav": "plans", "cycle": cycle, "form": form, "groups": presenters.leaf_groups(form)},
    )


@login_required
@require_GET
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan, acc = _plan(request, pk)
    return render(
        request,
        "plans/detail.html",
        {"nav": "plans", **presenters.plan_page(plan, acc, request.GET)},
    )


@login_required
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan, acc = _plan(request, pk)
    if not acc.edit:
        raise PermissionDenied
    initial = {f: getattr(plan, f) for f in svc.PLAN_FIELDS} | {"version": plan.version}
    form = PlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            svc.plan_update(
                plan=plan,
                user=request.user,
                version=data["version"],
                **{f: data[f] for f in svc.PLAN_FIELDS},
            )
        except ServiceError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Đã lưu thông tin kế hoạch."))
            return redirect("plan_detail", plan.pk)
    return render(request, "plans/edit.html", {"nav": "plans", "plan": plan, "form": form})


@login_required
@require_GET
def plan_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    plan, _acc = _plan(request, pk)
    if fmt not in ("docx", "xlsx"):
        raise Http404
    try:
        export = svc.plan_export(plan=plan, user=request.user, fmt=fmt)
    except ServiceError:
        raise PermissionDenied from None
    response = HttpResponse(export.data, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _task_forms(request: HttpRequest, task: Task, acc: perm.PlanAccess, post: Any = None) -> Any:
    initial = presenters.task_initial(task)
    agencies = sel.assignable_agencies(request.user, task.plan) if acc.edit else set()
    edit = TaskForm(post, initial=initial, agencies=agencies)
    report = ReportForm(initial=initial)
    return (edit if acc.edit else None), (report if acc.reports_on(task.lead_agency_id) else None)


@login_required
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A task: its figures, the edit form (the plan's editors), the progress reports."""
    task, acc = _task(request, pk)
    edit, report = _task_forms(request, task, acc)
    if request.method == "POST":
        if not acc.edit:
            raise PermissionDenied
        edit, report = _task_forms(request, task, acc, request.POST)
        assert edit is not None
        if edit.is_valid():
            data = edit.cleaned_data
            try:
                svc.task_update(
                    task=task,
                    user=request.user,
                    version=data["version"],
                    cooperating=list(data["cooperating"]),
                    **{f: data[f] for f in (*svc.TASK_FIELDS, *svc.STATUS_FIELDS)},
                )
            except ServiceError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("Đã lưu nhiệm vụ."))
                return redirect("plan_task", task.pk)
        report = ReportForm(initial=presenters.task_initial(task)) if report else None
    return render(
        request,
        "plans/task.html",
        {"nav": "plans", **presenters.task_page(task, acc), "edit": edit, "report": report},
    )


@login_required
@require_POST
def task_report(request: HttpRequest, pk: int) -> HttpResponse:
    task, acc = _task(request, pk)
    if not acc.reports_on(task.lead_agency_id):
        raise PermissionDenied
    form = ReportForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(str(e) for e in errors))
        return redirect("plan_task", task.pk)
    data = form.cleaned_data
    try:
        svc.task_report(
            task=task,
            user=request.user,
            version=data["version"],
            note=data["note"],
            status=data["status"],
            progress=data["progress"],
            files=data["files"],
        )
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Đã ghi báo cáo tiến độ."))
    return redirect("plan_task", task.pk)


@login_required
@require_POST
def task_link_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    task, acc = _task(request, pk)
    if not acc.reports_on(task.lead_agency_id):
        raise PermissionDenied
    try:
        made = svc.task_link_evidence(task=task, user=request.user)
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Đã gắn %(n)s tệp làm tài liệu kiểm chứng của mục %(c)s.")
            % {"n": len(made), "c": task.code},
        )
    return redirect("plan_task", task.pk)


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    att = Attachment.objects.select_related("report__task").filter(pk=pk).first()
    if att is None:
        raise Http404
    _task(request, att.report.task_id)  # 404 unless the user sees the task
    response = FileResponse(att.file.open("rb"), as_attachment=True, filename=att.original_name)
    response["Content-Type"] = att.content_type
    response["X-Content-Type-Options"] = "nosniff"
    return response
