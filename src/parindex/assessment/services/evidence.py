"""Evidence documents (tài liệu kiểm chứng): upload, link, unlink, fetch with rights."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
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
    """Check size and type by content, hash, store, and optionally link to one item.

    Every check, the link's included, runs before the file is stored, so a refused upload
    leaves nothing on disk (and a failure after storing removes the file). A file the unit
    already has in the cycle (the same SHA-256) is not stored again: its document is reused
    (and linked), returned with `reused` set."""
    from django.conf import settings

    _require_evidence_rights(
        user, participation, None, _("Bạn không có quyền tải tài liệu cho đơn vị này.")
    )
    _require_evidence_window(participation, user)
    checked = check_upload(file, settings.EVIDENCE_MAX_BYTES)
    if link_code:
        _require_linkable(participation, link_code, user)
    # One upload of a unit at a time: two clicks of the same file make one document.
    list(Participation.objects.select_for_update().filter(pk=participation.pk).values("pk"))
    same = Evidence.objects.filter(
        cycle=participation.cycle, unit=participation.unit, sha256=checked.sha256
    ).first()
    if same is not None:
        same.reused = True
        if link_code:
            evidence_link(
                participation=participation,
                evidence=same,
                code=link_code,
                page_ref=page_ref,
                user=user,
            )
        return same
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
    try:
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
                participation=participation,
                evidence=ev,
                code=link_code,
                page_ref=page_ref,
                user=user,
            )
    except BaseException:
        if ev.file.name:  # the rows roll back: so does the file
            ev.file.storage.delete(ev.file.name)
        raise
    return ev


def _require_linkable(participation: Participation, code: str, user: Any) -> None:
    """The checks of evidence_link that do not need the document: the user's rights on the
    item, and the item being one of the unit's own."""
    _require_evidence_rights(
        user, participation, code, _("Bạn không có quyền gắn tài liệu cho mục này.")
    )
    _unit_item(participation, code)


@transaction.atomic
def evidence_link(
    *,
    participation: Participation,
    evidence: Evidence,
    code: str,
    page_ref: str = "",
    user: Any,
) -> EvidenceLink:
    _require_linkable(participation, code, user)
    if evidence.unit_id != participation.unit_id or evidence.cycle_id != participation.cycle_id:
        raise ServiceError(_("Tài liệu không thuộc đơn vị này."))
    _require_evidence_window(participation, user)
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


# --- files without a document ----------------------------------------------------------------

EVIDENCE_DIR = "evidence"


@dataclass
class Orphans:
    """Files under the evidence storage that no Evidence row names: their names (storage
    paths, sorted) and total size; `deleted` when they were removed."""

    names: list[str] = field(default_factory=list)
    size: int = 0
    deleted: bool = False


def _stored_files(storage: Any, folder: str) -> Iterator[str]:
    """Every file under `folder` of the storage, by its storage name."""
    try:
        dirs, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}/{name}"
    for d in dirs:
        yield from _stored_files(storage, f"{folder}/{d}")


def evidence_orphans(*, delete: bool = False, min_age: timedelta = timedelta(hours=1)) -> Orphans:
    """Find (and with `delete`, remove) the evidence files no document names: left by an
    upload killed between storing its file and committing its row. Files younger than
    `min_age` are left alone (an upload may be storing them right now). Removal is audited."""
    storage = Evidence._meta.get_field("file").storage  # type: ignore[union-attr]
    known = set(Evidence.objects.values_list("file", flat=True))
    cutoff = timezone.now() - min_age
    found = Orphans()
    for name in _stored_files(storage, EVIDENCE_DIR):
        if name in known or storage.get_modified_time(name) > cutoff:
            continue
        found.names.append(name)
        found.size += storage.size(name)
    found.names.sort()
    if delete and found.names:
        for name in found.names:
            storage.delete(name)
        found.deleted = True
        log_action(
            "evidence.orphans_removed",
            files=found.names[:1000],
            count=len(found.names),
            size=found.size,
        )
    return found
