"""Evidence documents (tài liệu kiểm chứng): upload, link, unlink, fetch with rights."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from parindex.assessment import lifecycle
from parindex.audit.services import log_action
from parindex.common.errors import ServiceError
from parindex.common.storage import store
from parindex.common.uploads import check_upload

from .. import permissions as perm
from ..models import Cycle, Entry, Evidence, EvidenceLink, Participation
from .writes import _require_not_arising_justified, _unit_item

State = Cycle.State


# --- evidence -------------------------------------------------------------------------------


def _require_evidence_rights(user: Any, p: Participation, code: str | None, refused: str) -> None:
    """Whoever may enter or explain the unit's items (for `code`, when given) handles evidence."""
    if not perm.access(user, p).handles_evidence(code):
        raise ServiceError(refused)


def _require_evidence_window(p: Participation, user: Any = None) -> None:
    """Evidence changes while the self-assessment is open, and in the explanation round
    (lifecycle.evidence_open; a form handed over: the leader only)."""
    approver = user is not None and perm.may_approve(perm.access(user, p))
    ok, why = lifecycle.evidence_open(p, approver=approver)
    if not ok:
        raise ServiceError(why)


@transaction.atomic
def evidence_upload(
    *,
    participation: Participation,
    file: UploadedFile[Any],
    user: Any,
    title: str = "",
    doc_number: str = "",
    doc_date: Any = None,
    issuer: str = "",
    link_code: str = "",
    page_ref: str = "",
) -> Evidence:
    """Check size and type by content, hash, store, and optionally link to one item."""
    from django.conf import settings

    _require_evidence_rights(
        user, participation, None, _("Bạn không có quyền tải tài liệu cho đơn vị này.")
    )
    _require_evidence_window(participation, user)
    checked = check_upload(file, settings.EVIDENCE_MAX_BYTES)
    name = checked.name
    file.name = name
    ev = Evidence(
        cycle=participation.cycle,
        unit=participation.unit,
        original_name=name,
        size=checked.size,
        sha256=checked.sha256,
        content_type=checked.content_type,
        title=title.strip(),
        doc_number=doc_number.strip(),
        doc_date=doc_date,
        issuer=issuer.strip(),
        uploaded_by=user,
    )
    store(ev.file, name, file)  # the disk full: refused, nothing left stored
    ev.save()
    log_action(
        "evidence.uploaded",
        actor=user,
        target=ev,
        cycle=participation.cycle,
        unit=participation.unit,
        name=name,
        sha256=ev.sha256,
        size=ev.size,
    )
    if link_code:
        evidence_link(
            participation=participation, evidence=ev, code=link_code, page_ref=page_ref, user=user
        )
    return ev


@transaction.atomic
def evidence_link(
    *,
    participation: Participation,
    evidence: Evidence,
    code: str,
    page_ref: str = "",
    user: Any,
) -> EvidenceLink:
    _require_evidence_rights(
        user, participation, code, _("Bạn không có quyền gắn tài liệu cho mục này.")
    )
    if evidence.unit_id != participation.unit_id or evidence.cycle_id != participation.cycle_id:
        raise ServiceError(_("Tài liệu không thuộc đơn vị này."))
    _require_evidence_window(participation, user)
    _unit_item(participation, code)
    entry, _created = Entry.objects.get_or_create(participation=participation, code=code)
    link, created = EvidenceLink.objects.get_or_create(
        evidence=evidence, entry=entry, defaults={"page_ref": page_ref.strip()}
    )
    if created:
        log_action(
            "evidence.linked",
            actor=user,
            target=link,
            cycle=participation.cycle,
            unit=participation.unit,
            code=code,
            evidence=evidence.pk,
            page_ref=page_ref.strip(),
        )
    return link


@transaction.atomic
def evidence_unlink(*, link: EvidenceLink, user: Any) -> None:
    p = link.entry.participation
    _require_evidence_rights(
        user, p, link.entry.code, _("Bạn không có quyền gỡ tài liệu của mục này.")
    )
    _require_evidence_window(p, user)
    entry = link.entry
    if not entry.links.exclude(pk=link.pk).exists():
        # The last document of an item marked "không phát sinh" without a note: it would be
        # left without a justification.
        _require_not_arising_justified(Entry(code=entry.code), entry.value, entry.note)
    log_action(
        "evidence.unlinked",
        actor=user,
        target=link,
        cycle=p.cycle,
        unit=p.unit,
        code=link.entry.code,
        evidence=link.evidence_id,
    )
    link.delete()


def evidence_for_user(user: Any, pk: int) -> Evidence:
    """An evidence file the user may download (anyone who may view its unit's cycle)."""
    ev = Evidence.objects.select_related("cycle").get(pk=pk)
    p = Participation.objects.select_related("cycle", "unit").get(cycle=ev.cycle, unit=ev.unit)
    if not perm.access(user, p).can(perm.VIEW):
        raise Evidence.DoesNotExist
    return ev
