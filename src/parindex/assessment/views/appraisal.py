"""Appraisal (thẩm định) by the council. Views only parse, call services and render (the
rows and progress: parindex.assessment.presenters.appraisal)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parindex.assessment import lifecycle
from parindex.assessment import permissions as perm
from parindex.assessment import services as svc
from parindex.assessment.forms import AppraisalForm, first_error
from parindex.assessment.models import Entry, Participation
from parindex.assessment.presenters.appraisal import (
    CycleTasks,
    Task,
    _ancestors,
    _appraisable,
    _context_common,
    _entries,
    _leaf_row,
    _progress,
    _round,
    _round_points,
)
from parindex.common.collation import vn_key
from parindex.core import fmt_vn


def _participation(user: Any, pk: int) -> tuple[Participation, perm.Access]:
    try:
        return perm.participation_for_user(user, pk)
    except Participation.DoesNotExist:
        raise Http404 from None


def _appraisal_participation(user: Any, pk: int) -> tuple[Participation, perm.Access, bool]:
    """The participation (404 if not visible), its access, and whether the user manages the
    cycle; 403 for those who see the unit but neither appraise nor manage."""
    p, acc = _participation(user, pk)
    manage = svc.can_manage(user, p.cycle)
    if not (acc.can(perm.APPRAISE) or manage):
        raise PermissionDenied
    return p, acc, manage


@login_required
def appraisal_list(request: HttpRequest) -> HttpResponse:
    """The units the user appraises (submitted ones) in cycles that reached appraisal, with
    the round's progress; cycles with an open round first."""
    cycles = [
        c for c in perm.cycles_visible_to(request.user) if lifecycle.of(c).shown_round is not None
    ]
    parts = Participation.objects.filter(cycle__in=cycles).select_related(
        "unit", "cycle", "cycle__methodology", "cycle__organiser"
    )
    mine = [(p, a) for p in parts if (a := perm.access(request.user, p)).can(perm.APPRAISE)]
    submitted = [(p, a) for p, a in mine if p.status == Participation.Status.SUBMITTED]
    done_codes: dict[tuple[int, int], set[str]] = {}
    ids = [p.pk for p, _a in submitted]
    for number, column in ((1, "r1_points"), (2, "r2_points")):
        rows = Entry.objects.filter(participation_id__in=ids, **{f"{column}__isnull": False})
        for pid, code in rows.values_list("participation_id", "code"):
            done_codes.setdefault((pid, number), set()).add(code)
    groups = {c.pk: CycleTasks(c, [], 0) for c in cycles}
    for p, a in mine:
        group = groups[p.cycle_id]
        if p.status != Participation.Status.SUBMITTED:
            group.waiting += 1
            continue
        facts = lifecycle.of(p.cycle)
        rnd = facts.shown_round or 1
        leaves = [
            n for n in _appraisable(p.cycle.methodology.tree, p.unit.type) if a.covers(n.code)
        ]
        codes = done_codes.get((p.pk, rnd), set())
        done = sum(1 for n in leaves if n.code in codes)
        active = facts.appraisal_round is not None
        group.tasks.append(Task(p, a, rnd, active, done, len(leaves)))
    shown = [g for g in groups.values() if g.tasks or g.waiting]
    for g in shown:  # by unit type, then name in Vietnamese alphabetical order
        g.tasks.sort(key=lambda t: (t.p.unit.type, vn_key(t.p.unit.name)))
    shown.sort(key=lambda g: (lifecycle.of(g.cycle).appraisal_round is None, -g.cycle.year))
    return render(request, "appraisal/list.html", {"nav": "cycles", "groups": shown})


@login_required
def appraisal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    p, acc, manage = _appraisal_participation(request.user, pk)
    tree = p.cycle.methodology.tree
    entries = _entries(p)
    progress = _progress(p, acc, entries)
    rows: list[tuple[str, Any]] = []
    for f in tree.fields:
        for node in f.walk():
            if node.is_leaf:
                rows.append(("leaf", _leaf_row(p, acc, node, entries.get(node.code))))
            else:
                rows.append(("group", node))
    adjustments = [(a, entries.get(a.code)) for a in tree.adjustments if a.applies(p.unit.type)]
    rnd = _round(p.cycle)
    if not rnd:
        notice = _("Kỳ đánh giá đang ở giai đoạn “%(s)s”: trang này chỉ để xem.") % {
            "s": p.cycle.get_state_display()
        }
    elif p.status != Participation.Status.SUBMITTED:
        notice = _("Đơn vị chưa gửi kết quả tự đánh giá: chưa thể thẩm định.")
    elif not acc.can(perm.APPRAISE):
        notice = _("Bạn không phải thành viên Hội đồng thẩm định của đơn vị này: chỉ xem.")
    else:
        notice = ""
    return render(
        request,
        "appraisal/detail.html",
        {
            **_context_common(p, acc),
            "nav": "cycles",
            "acc": acc,
            "manage": manage,
            "rows": rows,
            "adjustments": adjustments,
            "progress": progress,
            "notice": notice,
            "bulk": len(svc.bulk_appraisal_codes(p, acc, entries)) if acc.can(perm.APPRAISE) else 0,
        },
    )


@login_required
@require_POST
def appraisal_bulk(request: HttpRequest, pk: int) -> HttpResponse:
    """One action over a unit: round 1, accept the self-assessment of every remaining item
    the appraiser covers; round 2, keep round 1 for every cut item not explained."""
    p, acc = _participation(request.user, pk)
    if not acc.can(perm.APPRAISE):
        raise PermissionDenied
    try:
        n = svc.appraise_remaining(participation=p, user=request.user)
    except svc.ServiceError as exc:
        messages.error(request, str(exc))
    else:
        if n:
            messages.success(request, _("Đã thẩm định %(n)s mục trong một lần.") % {"n": n})
        else:
            messages.info(request, _("Không còn mục nào để xử lý hàng loạt."))
    return redirect("appraisal_detail", p.pk)


@login_required
def appraisal_entry(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """Accept or adjust one item in the current round (htmx: answers the table row)."""
    if request.method != "POST":
        return redirect("appraisal_detail", pk)
    p, acc = _participation(request.user, pk)
    if not acc.can(perm.APPRAISE):
        raise PermissionDenied
    tree = p.cycle.methodology.tree
    node = tree.nodes.get(code)
    if node is None or not node.is_leaf or code in {a.code for a in tree.adjustments}:
        raise Http404
    form = AppraisalForm(request.POST)
    message, error = "", True
    if not form.is_valid():
        message = first_error(form)
    else:
        data = form.cleaned_data
        try:
            entry = svc.entry_appraise_code(
                participation=p,
                code=code,
                points=data["points"],
                reason=data["reason"],
                comment=data["comment"],
                version=data["version"],
                user=request.user,
                counts=data["counts"],
            )
        except svc.ServiceError as exc:  # a Conflict among them
            message = str(exc)
        else:
            points = _round_points(entry, _round(p.cycle) or 1) or Decimal(0)
            message, error = _("Đã lưu: %(p)s điểm.") % {"p": fmt_vn(points, 2)}, False
            if data["counts"]:
                message += " " + svc.counts_explanation(p, code, data["counts"])
    if not request.headers.get("HX-Request"):
        (messages.error if error else messages.success)(request, f"{code}: {message}")
        return redirect(reverse("appraisal_detail", args=[p.pk]) + f"#m-{code}")
    entries = _entries(p)
    row = _leaf_row(
        p,
        acc,
        node,
        entries.get(code),
        message=message,
        error=error,
        form=form.typed() if error else {},
    )
    return render(
        request,
        "appraisal/_leaf_response.html",
        {
            **_context_common(p, acc),
            "r": row,
            "progress": _progress(p, acc, entries),
            "groups": [tree.nodes[c] for c in _ancestors(code)],
        },
    )
