"""Blocks declared absent for a unit (khối không thực hiện: e.g. a survey not run there).

A methodology marks the nodes that may be absent (`block: true`); the organiser's managers
declare one absent for a unit, or for every unit of the cycle, with a reason, and may
withdraw the declaration, while lifecycle.absent_blocks_open allows it. A declaration is
stored as the entry of the block's own code holding "không phát sinh" (the engine's input
for an absent block, parindex.core.aggregate.absent_blocks) with the reason as its note,
and written through write_entries: audited, results version bumped. The engine then
removes the block from the unit's maximum or rescales the rest (`absent_block`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from parindex.common.errors import ServiceError
from parindex.core import Methodology, Node, fmt_vn, is_not_arising
from parindex.core.model import RESCALE

from .. import lifecycle
from ..models import Cycle, Entry, Participation
from .base import _require_manage
from .writes import EntryChange, lock_entries, write_entries

ABSENT_VALUE = "không phát sinh"


@dataclass(frozen=True)
class AbsentBlock:
    """A block declared absent for one unit, with the reason, who declared it and when."""

    node: Node
    reason: str
    by: Any
    at: datetime


def cycle_blocks(cycle: Cycle) -> list[Node]:
    """The blocks of the cycle's methodology that may be declared absent, in tree order."""
    tree = cycle.methodology.tree
    return [tree.nodes[c] for c in tree.blocks]


def absent_blocks_of(
    cycle: Cycle, participations: Iterable[Participation] | None = None
) -> dict[int, list[AbsentBlock]]:
    """Participation id -> the blocks declared absent for it (only those with some)."""
    tree = cycle.methodology.tree
    if not tree.blocks:
        return {}
    qs = Entry.objects.filter(participation__cycle=cycle, code__in=tree.blocks)
    if participations is not None:
        qs = qs.filter(participation__in=list(participations))
    out: dict[int, list[AbsentBlock]] = {}
    for e in qs.select_related("updated_by").order_by("participation_id", "code"):
        if is_not_arising(e.value):
            out.setdefault(e.participation_id, []).append(
                AbsentBlock(tree.nodes[e.code], e.note, e.updated_by, e.updated_at)
            )
    return out


def absent_block_texts(participation: Participation) -> list[str]:
    """What the unit's results pages say of the blocks declared absent for it."""
    cycle = participation.cycle
    found = absent_blocks_of(cycle, [participation]).get(participation.pk, [])
    return [absent_block_text(cycle.methodology.tree, b) for b in found]


def absent_block_text(tree: Methodology, block: AbsentBlock) -> str:
    """What the unit's results say of an absent block: "Khối 2.2 Hài lòng không thực hiện:
    <reason>; điểm được quy đổi theo …" (the methodology's `absent_block` policy)."""
    node = block.node
    if tree.absent_block == RESCALE:
        parent = tree.parent_code(node.code)
        whole = (
            _("các mục còn lại của %(c)s %(n)s") % {"c": parent, "n": tree.nodes[parent].name}
            if parent
            else _("các lĩnh vực còn lại")
        )
        how = _("%(w)s được quy đổi lên đủ điểm tối đa (điểm × tổng tối đa / tối đa còn lại)") % {
            "w": whole
        }
    else:
        how = _("loại %(m)s điểm tối đa của khối khỏi điểm tối đa của đơn vị") % {
            "m": fmt_vn(node.max_points, 2)
        }
    return _("Khối %(c)s %(n)s không thực hiện: %(r)s; điểm được quy đổi theo cách: %(h)s.") % {
        "c": node.code,
        "n": node.name,
        "r": block.reason,
        "h": how,
    }


@transaction.atomic
def block_set_absent(
    *,
    cycle: Cycle,
    code: str,
    absent: bool,
    reason: str,
    user: Any,
    participations: Iterable[Participation] | None = None,
) -> int:
    """Declare the block `code` absent (`absent` True) for `participations` (None: every
    unit of the cycle), or withdraw the declaration; the reason is required either way and
    recorded in the audit log ("block.absent_declared" / "block.absent_withdrawn"). Units
    already in the state asked (with the same reason) are left alone. Returns how many
    units changed."""
    cycle = Cycle.objects.select_related("methodology", "organiser").get(pk=cycle.pk)
    _require_manage(user, cycle)
    ok, why = lifecycle.absent_blocks_open(cycle)
    if not ok:
        raise ServiceError(why)
    tree = cycle.methodology.tree
    node = tree.nodes.get(code)
    if node is None or not node.block:
        raise ServiceError(
            _("Mã “%(c)s” không phải là một khối có thể khai báo không thực hiện.") % {"c": code}
        )
    reason = reason.strip()
    if not reason:
        raise ServiceError(_("Cần ghi lý do."))
    parts = list(Participation.objects.filter(cycle=cycle).select_related("unit"))
    if participations is not None:
        wanted = {p.pk for p in participations}
        if not wanted <= {p.pk for p in parts}:
            raise ServiceError(_("Đơn vị không tham gia kỳ đánh giá này."))
        parts = [p for p in parts if p.pk in wanted]
    locked = lock_entries((p, code) for p in parts)
    changes = []
    for p in parts:
        entry = locked[(p.pk, code)]
        was = is_not_arising(entry.value)
        if (absent and was and entry.note == reason) or (not absent and not was):
            continue
        changes.append(
            EntryChange(
                participation=p,
                entry=entry,
                action="block.absent_declared" if absent else "block.absent_withdrawn",
                values={"value": ABSENT_VALUE if absent else "", "note": reason if absent else ""},
                old={"absent": was, "reason": entry.note},
                new={"absent": absent, "reason": reason},
            )
        )
    write_entries(changes, user=user)
    return len(changes)
