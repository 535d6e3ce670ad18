"""The read-only audit log pages of a unit and of one item."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from parindex.assessment import permissions as perm
from parindex.assessment.models import Participation
from parindex.assessment.presenters.audit import LogRow, _changes, _details, action_label
from parindex.assessment.views.appraisal import _participation
from parindex.audit.models import LogEntry
from parindex.core import Node


def _audit_page(
    request: HttpRequest,
    p: Participation,
    acc: perm.Access,
    code: str | None,
    node: Node | None,
) -> HttpResponse:
    """The unit's audit records, without those of an appraisal stage the user may not read
    yet (permissions.audit_actions_hidden)."""
    qs = (
        LogEntry.objects.filter(cycle=p.cycle, unit=p.unit)
        .exclude(action__in=perm.audit_actions_hidden(acc, p.cycle))
        .select_related("actor")
    )
    if code:
        qs = qs.filter(Q(code=code) | Q(code__startswith=f"{code}."))
    page = Paginator(qs.order_by("-at", "-id"), 50).get_page(request.GET.get("page"))
    rows = [LogRow(log, action_label(log.action), _changes(log), _details(log)) for log in page]
    return render(
        request,
        "audit/log.html",
        {
            "nav": "cycles",
            "p": p,
            "cycle": p.cycle,
            "code": code,
            "node": node,
            "page": page,
            "rows": rows,
            "can_appraise_page": acc.can(perm.APPRAISE) or acc.can(perm.MANAGE),
        },
    )


@login_required
def audit_participation(request: HttpRequest, pk: int) -> HttpResponse:
    p, acc = _participation(request.user, pk)
    return _audit_page(request, p, acc, None, None)


@login_required
def audit_item(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    p, acc = _participation(request.user, pk)
    node = p.cycle.methodology.tree.nodes.get(code)
    if node is None:
        raise Http404
    return _audit_page(request, p, acc, code, node)
