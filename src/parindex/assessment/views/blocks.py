"""The organiser's page of blocks declared absent for units (a survey not run there): the
declarations per unit, and the form to declare or withdraw one. Views only parse, call the
service (parindex.assessment.services.blocks) and render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from parindex.assessment import lifecycle
from parindex.assessment import services as svc
from parindex.assessment.forms import AbsentBlockForm, errors_text
from parindex.common.collation import vn_key

from .cycle import _managed_cycle


@login_required
def cycle_absent_blocks(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _managed_cycle(request.user, pk)
    if request.method == "POST":
        form = AbsentBlockForm(request.POST, cycle=cycle)
        if not form.is_valid():
            messages.error(request, errors_text(form))
        else:
            data = form.cleaned_data
            p = data["participation"]
            try:
                n = svc.block_set_absent(
                    cycle=cycle,
                    code=data["block"],
                    absent=data["action"] == "declare",
                    reason=data["reason"],
                    user=request.user,
                    participations=None if p is None else [p],
                )
            except svc.ServiceError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(
                    request, _("Đã cập nhật %(n)s đơn vị; kết quả được tính lại.") % {"n": n}
                )
            return redirect("cycle_absent_blocks", cycle.pk)
    else:
        form = AbsentBlockForm(cycle=cycle)
    tree = cycle.methodology.tree
    parts = sorted(
        cycle.participations.select_related("unit"),
        key=lambda p: (p.unit.type, vn_key(p.unit.name)),
    )
    declared = svc.absent_blocks_of(cycle)
    rows = [
        (p, [(b, svc.absent_block_text(tree, b)) for b in declared.get(p.pk, [])]) for p in parts
    ]
    open_, why = lifecycle.absent_blocks_open(cycle)
    return render(
        request,
        "cycle/absent_blocks.html",
        {
            "nav": "cycles",
            "cycle": cycle,
            "blocks": svc.cycle_blocks(cycle),
            "policy": tree.absent_block,
            "rows": rows,
            "form": form if open_ else None,
            "closed": why,
        },
    )
