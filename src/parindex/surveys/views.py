"""Survey pages of a cycle for its manager, and the online form for respondents. Views only
parse input, call a service or selector and render; htmx requests get fragments."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parindex.assessment import permissions as perm
from parindex.assessment.models import Cycle, Participation
from parindex.common.cells import SafeCsvWriter
from parindex.common.errors import ServiceError

from . import selectors as sel
from . import services as svc
from .forms import (
    UNIT_TYPES,
    AnswersForm,
    BatchForm,
    ClerkFileForm,
    ConfigForm,
    DiscrepancyForm,
    FileForm,
    ModeForm,
    PlanFillForm,
    PlanRowForm,
)
from .models import Discrepancy, EntryBatch, ImportJob, Questionnaire, RespondentToken, SampleTarget


def _cycle(request: HttpRequest, pk: int) -> Cycle:
    try:
        return sel.managed_cycle(request.user, pk)
    except Cycle.DoesNotExist:
        raise Http404 from None
    except sel.NotAllowed:
        raise PermissionDenied from None


def _page(
    request: HttpRequest, template: str, cycle: Cycle, tab: str, **context: Any
) -> HttpResponse:
    context.update(
        {
            "cycle": cycle,
            "tab": tab,
            "nav": "cycles",
            "closed": not cycle.facts.organiser_edit,
        }
    )
    return render(request, template, context)


def _problems(request: HttpRequest, exc: ServiceError) -> list[str]:
    messages.error(request, str(exc))
    return [str(p) for p in getattr(exc, "problems", [])]


# --- overview and settings ------------------------------------------


@login_required
def home(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle(request, pk)
    table = sel.fill_table(cycle)
    return _page(
        request,
        "surveys/home.html",
        cycle,
        "home",
        table=table,
        config=svc.survey_config(cycle),
        window=svc.form_window(cycle),
        jobs=[svc.import_job_refresh(j) for j in sel.import_jobs(cycle, 5)],
        batches=sel.batches(cycle),
        questionnaires=sel.questionnaires_of(cycle),
    )


@login_required
def config(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle(request, pk)
    current = svc.survey_config(cycle)
    form = ConfigForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            svc.survey_config_update(
                cycle=cycle,
                user=request.user,
                **{f: form.cleaned_data[f] for f in svc.CONFIG_FIELDS},
            )
        except ServiceError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Đã lưu cấu hình điều tra."))
            return redirect("surveys:config", cycle.pk)
    return _page(request, "surveys/config.html", cycle, "config", form=form)


# --- questionnaires ------------------------------------------


@login_required
def questionnaires(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle(request, pk)
    problems: list[str] = []
    form = FileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            installed = svc.questionnaires_import(
                cycle=cycle, data=upload.read(), name=upload.name, user=request.user
            )
        except ServiceError as exc:
            problems = _problems(request, exc)
        else:
            messages.success(
                request,
                _("Đã nhập %(n)s phiếu: %(t)s.")
                % {"n": len(installed), "t": ", ".join(q.title for q in installed)},
            )
            return redirect("surveys:questionnaires", cycle.pk)
    leaves = svc.survey_leaves(cycle.methodology.tree)
    return _page(
        request,
        "surveys/questionnaires.html",
        cycle,
        "questionnaires",
        questionnaires=sel.questionnaires_of(cycle),
        form=form,
        problems=problems,
        leaves=leaves,
    )


def _questionnaire(cycle: Cycle, qpk: int) -> Questionnaire:
    try:
        return Questionnaire.objects.get(cycle=cycle, pk=qpk)
    except Questionnaire.DoesNotExist:
        raise Http404 from None


@login_required
def questionnaire(request: HttpRequest, pk: int, qpk: int) -> HttpResponse:
    cycle = _cycle(request, pk)
    q = _questionnaire(cycle, qpk)
    return _page(
        request,
        "surveys/questionnaire.html",
        cycle,
        "questionnaires",
        q=q,
        rows=sel.questionnaire_detail(q),
    )


@login_required
def questionnaire_export(request: HttpRequest, pk: int, qpk: int, fmt: str) -> HttpResponse:
    cycle = _cycle(request, pk)
    q = _questionnaire(cycle, qpk)
    if fmt == "xlsx":
        response = HttpResponse(
            svc.questionnaire_xlsform(q),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{q.form_id}.xlsx"'
        return response
    response = HttpResponse(svc.questionnaires_yaml([q]), content_type="text/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{q.form_id}.yaml"'
    return response


@login_required
def questionnaires_export(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle(request, pk)
    text = svc.cycle_questionnaires_yaml(cycle)
    response = HttpResponse(text, content_type="text/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="phieu-khao-sat-{cycle.year}.yaml"'
    return response


@login_required
@require_POST
def questionnaire_delete(request: HttpRequest, pk: int, qpk: int) -> HttpResponse:
    cycle = _cycle(request, pk)
    q = _questionnaire(cycle, qpk)
    try:
        svc.questionnaire_delete(questionnaire=q, user=request.user)
    except ServiceError as exc:
        messages.error(request, str(exc))
        return redirect("surveys:questionnaire", cycle.pk, q.pk)
    messages.success(request, _("Đã xóa phiếu."))
    return redirect("surveys:questionnaires", cycle.pk)


# --- sample plan, fill rate and one-time links ---------------------------------------------------


def _unit_type(request: HttpRequest) -> str:
    value = request.GET.get("type", "")
    return value if value in dict(UNIT_TYPES) else ""


@login_required
def plan(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle(request, pk)
    forms = [(q.pk, q.group_name) for q in Questionnaire.objects.filter(cycle=cycle)]
    form = PlanFillForm(request.POST or None, questionnaires=forms)
    if request.method == "POST" and form.is_valid():
        q = _questionnaire(cycle, form.cleaned_data["questionnaire"])
        try:
            n = svc.sample_plan_fill(
                cycle=cycle,
                questionnaire=q,
                target=form.cleaned_data["target"],
                unit_type=form.cleaned_data["unit_type"],
                user=request.user,
            )
        except ServiceError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Đã đặt kế hoạch cho %(n)s đơn vị.") % {"n": n})
            return redirect("surveys:plan", cycle.pk)
    unit_type = _unit_type(request)
    return _page(
        request,
        "surveys/plan.html",
        cycle,
        "plan",
        table=sel.fill_table(cycle, unit_type),
        form=form,
        unit_type=unit_type,
        unit_types=UNIT_TYPES,
    )


@login_required
def plan_table(request: HttpRequest, pk: int) -> HttpResponse:
    """The fill-rate table alone (htmx polling)."""
    cycle = _cycle(request, pk)
    unit_type = _unit_type(request)
    return render(
        request,
        "surveys/_fill_table.html",
        {
            "cycle": cycle,
            "table": sel.fill_table(cycle, unit_type),
            "unit_type": unit_type,
            "poll": request.GET.get("poll") == "1",
            "closed": not cycle.facts.organiser_edit,
        },
    )


def _fill_row(cycle: Cycle, ppk: int) -> sel.FillRow:
    table = sel.fill_table(cycle)
    for row in table.rows:
        if row.participation.pk == ppk:
            return row
    raise Http404


@login_required
def plan_row(request: HttpRequest, pk: int, ppk: int) -> HttpResponse:
    """One unit's row: shown, or edited (GET ?edit=1), or saved (POST)."""
    cycle = _cycle(request, pk)
    row = _fill_row(cycle, ppk)
    error = ""
    if request.method == "POST":
        form = PlanRowForm(request.POST, questionnaires=[c.questionnaire for c in row.cells])
        form.is_valid()  # the groups are saved in order, up to the first refused one
        try:
            for questionnaire, target, refused in form.targets():
                if refused:
                    raise ServiceError(refused)
                svc.sample_target_set(
                    cycle=cycle,
                    unit=row.participation.unit,
                    questionnaire=questionnaire,
                    target=target,
                    user=request.user,
                )
        except ServiceError as exc:
            error = str(exc)
        row = _fill_row(cycle, ppk)
    editing = request.method == "GET" and request.GET.get("edit") == "1" or bool(error)
    return render(
        request,
        "surveys/_plan_row.html",
        {
            "cycle": cycle,
            "row": row,
            "editing": editing,
            "error": error,
            "closed": not cycle.facts.organiser_edit,
        },
    )


@login_required
def tokens(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle(request, pk)
    if request.method == "POST":
        try:
            n = svc.tokens_generate(cycle=cycle, user=request.user)
        except ServiceError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Đã tạo %(n)s đường dẫn phiếu trực tuyến.") % {"n": n})
        return redirect("surveys:tokens", cycle.pk)
    return _page(
        request,
        "surveys/tokens.html",
        cycle,
        "tokens",
        table=sel.fill_table(cycle, with_tokens=True),
        window=svc.form_window(cycle),
        config=svc.survey_config(cycle),
        planned=SampleTarget.objects.filter(cycle=cycle).exists(),
    )


@login_required
def tokens_csv(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle(request, pk)
    buf = io.StringIO()
    w = SafeCsvWriter(buf)
    w.writerow(["ma_don_vi", "ten_don_vi", "nhom", "ma_phieu", "duong_dan", "da_tra_loi"])
    qs = RespondentToken.objects.filter(cycle=cycle).select_related("unit", "questionnaire")
    for t in qs.order_by("unit__code", "questionnaire__group_code", "pk"):
        url = request.build_absolute_uri(reverse("surveys:public_form", args=[t.token]))
        w.writerow(
            [
                t.unit.code,
                t.unit.name,
                t.questionnaire.group_code,
                t.respondent,
                url,
                "x" if t.used_at else "",
            ]
        )
    response = HttpResponse(buf.getvalue().encode("utf-8-sig"), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="duong-dan-phieu-{cycle.year}.csv"'
    return response


# --- response import ------------------------------------------


@login_required
def imports(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle(request, pk)
    form = FileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = svc.import_job_create(
                cycle=cycle, file=form.cleaned_data["file"], user=request.user
            )
        except ServiceError as exc:
            messages.error(request, str(exc))
        else:
            return redirect("surveys:job", cycle.pk, job.pk)
    return _page(
        request,
        "surveys/imports.html",
        cycle,
        "imports",
        form=form,
        jobs=[svc.import_job_refresh(j) for j in sel.import_jobs(cycle)],
        questionnaires=sel.questionnaires_of(cycle),
        sample=svc.SAMPLE_RESPONSES.name,
    )


@login_required
def sample_file(request: HttpRequest, pk: int) -> HttpResponseBase:
    _cycle(request, pk)
    return FileResponse(
        svc.SAMPLE_RESPONSES.open("rb"),
        as_attachment=True,
        filename=svc.SAMPLE_RESPONSES.name,
        content_type="text/csv",
    )


def _job(cycle: Cycle, jpk: int) -> ImportJob:
    try:
        return sel.import_job(cycle, jpk)
    except ImportJob.DoesNotExist:
        raise Http404 from None


def _job_context(job: ImportJob) -> dict[str, Any]:
    kinds = {
        "respondent_missing": _("Thiếu mã phiếu"),
        "respondent_long": _("Mã phiếu quá dài"),
        "respondent_reserved": _("Mã phiếu dành cho phiếu trực tuyến"),
        "cluster_long": _("Mã cụm quá dài"),
        "duplicate_file": _("Mã phiếu trùng trong tệp"),
        "duplicate_stored": _("Mã phiếu đã có trong dữ liệu"),
        "unit_missing": _("Thiếu mã đơn vị"),
        "unit_unknown": _("Đơn vị không tham gia kỳ đánh giá"),
        "group_missing": _("Thiếu nhóm đối tượng"),
        "group_unknown": _("Nhóm không có phiếu"),
        "required_missing": _("Câu hỏi bắt buộc bị bỏ trống"),
        "option_invalid": _("Phương án không hợp lệ"),
        "too_many_cells": _("Dòng thừa ô"),
    }
    summary = job.summary or {}
    return {
        "job": job,
        "kinds": [(kinds.get(k, k), n) for k, n in (summary.get("kinds") or {}).items()],
        "per_group": sorted((summary.get("per_group") or {}).items()),
        "scored": summary.get("scored"),
        "notes": summary.get("notes") or [],
        "shown": job.errors[:200],
    }


@login_required
def job(request: HttpRequest, pk: int, jpk: int) -> HttpResponse:
    cycle = _cycle(request, pk)
    j = svc.import_job_refresh(_job(cycle, jpk))
    context = _job_context(j)
    if request.headers.get("HX-Request"):
        closed = not cycle.facts.organiser_edit
        return render(request, "surveys/_job.html", {"cycle": cycle, "closed": closed, **context})
    return _page(request, "surveys/job.html", cycle, "imports", **context)


@login_required
@require_POST
def job_start(request: HttpRequest, pk: int, jpk: int) -> HttpResponse:
    cycle = _cycle(request, pk)
    j = _job(cycle, jpk)
    form = ModeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Cách nhập không hợp lệ."))
    else:
        try:
            svc.import_job_start(job=j, mode=form.cleaned_data["mode"], user=request.user)
        except ServiceError as exc:
            messages.error(request, str(exc))
    return redirect("surveys:job", cycle.pk, j.pk)


@login_required
@require_POST
def job_restart(request: HttpRequest, pk: int, jpk: int) -> HttpResponse:
    cycle = _cycle(request, pk)
    j = _job(cycle, jpk)
    try:
        svc.import_job_restart(job=j, user=request.user)
    except ServiceError as exc:
        messages.error(request, str(exc))
    return redirect("surveys:job", cycle.pk, j.pk)


@login_required
def job_rejected(request: HttpRequest, pk: int, jpk: int) -> HttpResponseBase:
    cycle = _cycle(request, pk)
    j = _job(cycle, jpk)
    if not j.rejected_file:
        raise Http404
    return FileResponse(
        j.rejected_file.open("rb"),
        as_attachment=True,
        filename=f"{j.original_name.rsplit('.', 1)[0]}-dong-bi-loai.csv",
        content_type="text/csv",
    )


# --- double entry ------------------------------------------


@login_required
def batches(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle(request, pk)
    form = BatchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            b = svc.batch_create(
                cycle=cycle,
                code=form.cleaned_data["code"],
                note=form.cleaned_data["note"],
                user=request.user,
            )
        except ServiceError as exc:
            messages.error(request, str(exc))
        else:
            return redirect("surveys:batch", cycle.pk, b.pk)
    return _page(
        request, "surveys/batches.html", cycle, "batches", form=form, batches=sel.batches(cycle)
    )


def _batch(cycle: Cycle, bpk: int) -> EntryBatch:
    try:
        return sel.batch(cycle, bpk)
    except EntryBatch.DoesNotExist:
        raise Http404 from None


@login_required
def batch(request: HttpRequest, pk: int, bpk: int) -> HttpResponse:
    cycle = _cycle(request, pk)
    b = _batch(cycle, bpk)
    form = ClerkFileForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            n = svc.batch_upload(
                batch=b,
                clerk=form.cleaned_data["clerk"],
                data=upload.read(),
                name=upload.name,
                user=request.user,
            )
        except ServiceError as exc:
            problems = _problems(request, exc)
        else:
            messages.success(
                request,
                _("Đã lưu %(n)s phiếu của người nhập %(k)s.")
                % {"n": n, "k": form.cleaned_data["clerk"]},
            )
            return redirect("surveys:batch", cycle.pk, b.pk)
    items = sel.discrepancies(b)
    return _page(
        request,
        "surveys/batch.html",
        cycle,
        "batches",
        batch=b,
        form=form,
        problems=problems,
        items=items,
        pending=sum(1 for d in items if not d.chosen),
    )


@login_required
@require_POST
def discrepancy(request: HttpRequest, pk: int, bpk: int, dpk: int) -> HttpResponse:
    cycle = _cycle(request, pk)
    b = _batch(cycle, bpk)
    try:
        d = Discrepancy.objects.get(batch=b, pk=dpk)
    except Discrepancy.DoesNotExist:
        raise Http404 from None
    error = ""
    form = DiscrepancyForm(request.POST)
    try:
        if not form.is_valid():
            raise ServiceError(str(form.errors["chosen"][0]))
        svc.discrepancy_resolve(
            discrepancy=d, chosen=form.cleaned_data["chosen"], user=request.user
        )
    except ServiceError as exc:
        error = str(exc)
    item = next(x for x in sel.discrepancies(b) if x.pk == d.pk)
    if request.headers.get("HX-Request"):
        return render(
            request,
            "surveys/_discrepancy_row.html",
            {"cycle": cycle, "batch": b, "d": item, "error": error},
        )
    if error:
        messages.error(request, error)
    return redirect("surveys:batch", cycle.pk, b.pk)


@login_required
@require_POST
def batch_commit(request: HttpRequest, pk: int, bpk: int) -> HttpResponse:
    cycle = _cycle(request, pk)
    b = _batch(cycle, bpk)
    try:
        n = svc.batch_commit(batch=b, user=request.user)
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Đã đưa %(n)s phiếu của lô vào kết quả. Bấm “Tính điểm điều tra” để cập nhật điểm.")
            % {"n": n},
        )
    return redirect("surveys:batch", cycle.pk, b.pk)


# --- results ------------------------------------------


@login_required
def results(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle(request, pk)
    unit_type = _unit_type(request)
    leaves, rows = sel.results_table(cycle, unit_type)
    return _page(
        request,
        "surveys/results.html",
        cycle,
        "results",
        leaves=leaves,
        rows=rows,
        unit_type=unit_type,
        unit_types=UNIT_TYPES,
        config=svc.survey_config(cycle),
    )


@login_required
@require_POST
def recompute(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle(request, pk)
    try:
        summary = svc.survey_points_write(cycle=cycle, user=request.user)
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _(
                "Đã tính điểm điều tra cho %(u)s đơn vị: %(w)s mục được cập nhật, %(s)s mục "
                "không đổi, %(f)s mục chưa đủ mẫu."
            )
            % {
                "u": summary.units,
                "w": summary.written,
                "s": summary.unchanged,
                "f": summary.flagged,
            },
        )
    return redirect("surveys:results", cycle.pk)


@login_required
def unit_results(request: HttpRequest, ppk: int) -> HttpResponse:
    """One unit's survey scores, for anyone who may see the unit's results."""
    try:
        p, acc = perm.participation_for_user(request.user, ppk)
    except Participation.DoesNotExist:
        raise Http404 from None
    manage = acc.can(perm.MANAGE)
    return render(
        request,
        "surveys/unit.html",
        {
            "p": p,
            "cycle": p.cycle,
            "manage": manage,
            "tab": "results",
            "nav": "cycles",
            "config": svc.survey_config(p.cycle),
            **sel.unit_detail(p),
        },
    )


# --- the online form (no login) ------------------------------------------

RATE_LIMIT = 30  # unknown links per address and window (guessing), and posts per link
RATE_WINDOW = 600  # seconds


def _limited(kind: str, who: str) -> bool:
    """A small rate limit (cache-based) on what an attacker repeats: unknown links per
    address, and posts per link (a flood of one form). A valid one-time link is never counted
    against its address, so every respondent behind one address (a commune office, a
    reverse proxy) can answer."""
    key = f"surveys:rl:{kind}:{who}"
    if cache.add(key, 1, RATE_WINDOW):
        return False
    try:
        n = cache.incr(key)
    except ValueError:
        cache.set(key, 1, RATE_WINDOW)
        return False
    return n > RATE_LIMIT


def public_form(request: HttpRequest, token: str) -> HttpResponse:
    t = svc.token_get(token)
    if t is None:
        if _limited("miss", request.META.get("REMOTE_ADDR", "")):
            return render(request, "surveys/public_message.html", {"limited": True}, status=429)
        return render(request, "surveys/public_message.html", {"invalid": True}, status=404)
    q = t.questionnaire
    open_now, why = svc.form_window(t.cycle)
    context: dict[str, Any] = {"t": t, "q": q, "unit": t.unit, "why": why}
    if t.used_at is not None:
        return render(request, "surveys/public_message.html", {**context, "used": True})
    if not open_now:
        return render(request, "surveys/public_message.html", {**context, "closed": True})
    errors: dict[str, str] = {}
    answers: dict[str, str] = {}
    if request.method == "POST":
        if _limited("post", t.token):
            return render(request, "surveys/public_message.html", {"limited": True}, status=429)
        form = AnswersForm(request.POST, questionnaire=q)
        form.is_valid()  # every answer is optional here: the service checks them
        answers = form.answers()
        try:
            svc.web_response_submit(token=t.token, answers=answers)
        except svc.FormInvalid as exc:
            errors = exc.errors
        except svc.AlreadySubmitted:
            return render(request, "surveys/public_message.html", {**context, "used": True})
        except ServiceError as exc:
            return render(
                request, "surveys/public_message.html", {**context, "closed": True, "why": str(exc)}
            )
        else:
            return render(request, "surveys/public_message.html", {**context, "thanks": True})
    rows = sel.questionnaire_detail(q)
    return render(
        request,
        "surveys/public_form.html",
        {
            **context,
            "rows": rows,
            "errors": errors,
            "answers": answers,
            "now": timezone.now(),
        },
    )
