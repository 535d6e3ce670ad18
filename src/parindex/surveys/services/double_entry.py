"""Double entry of paper forms: two clerks, a discrepancy report, then the batch counts."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parindex.assessment.models import Cycle
from parindex.audit.services import log_action
from parindex.common.errors import ServiceError
from parindex.common.uploads import clean_filename

from ..codes import position_of
from ..models import (
    BatchRow,
    Choice,
    Discrepancy,
    EntryBatch,
    Question,
    Questionnaire,
    Response,
)
from ..responses_io import (
    FileRefused,
)
from .common import SurveyFileRefused, _require_manage, _require_open
from .imports import _insert_responses, _stored_respondents, check_bytes


@transaction.atomic
def batch_create(*, cycle: Cycle, code: str, note: str = "", user: Any) -> EntryBatch:
    _require_manage(user, cycle)
    _require_open(cycle)
    code = code.strip()
    if not code or len(code) > 64:
        raise ServiceError(_("Hãy nhập mã lô (tối đa 64 ký tự)."))
    if EntryBatch.objects.filter(cycle=cycle, code=code).exists():
        raise ServiceError(_("Đã có lô “%(c)s”.") % {"c": code})
    batch = EntryBatch.objects.create(
        cycle=cycle, code=code, note=note.strip()[:300], created_by=user
    )
    log_action("survey.batch_created", actor=user, target=batch, cycle=cycle, batch=code)
    return batch


@transaction.atomic
def batch_upload(*, batch: EntryBatch, clerk: int, data: bytes, name: str, user: Any) -> int:
    """One clerk's typing of the batch (replaces that clerk's earlier upload). A file with
    any wrong row is refused whole; the batch is compared once both clerks have typed it."""
    cycle = batch.cycle
    _require_manage(user, cycle)
    _require_open(cycle)
    if clerk not in (1, 2):
        raise ServiceError(_("Người nhập phải là 1 hoặc 2."))
    if batch.status == EntryBatch.Status.COMMITTED:
        raise ServiceError(_("Lô đã được đưa vào kết quả."))
    try:
        outcome, _plan_used = check_bytes(cycle, data, name)
    except FileRefused as exc:
        raise SurveyFileRefused(_("Không đọc được tệp."), [str(p) for p in exc.problems]) from None
    if outcome.rejected:
        raise SurveyFileRefused(
            _("Tệp của người nhập %(k)s có %(n)s dòng lỗi: chưa lưu dòng nào.")
            % {"k": clerk, "n": outcome.rejected},
            [str(p) for p in outcome.problems],
        )
    if not outcome.valid:
        raise ServiceError(_("Tệp không có dòng nào."))
    batch.rows.filter(clerk=clerk).delete()
    BatchRow.objects.bulk_create(
        BatchRow(
            batch=batch,
            clerk=clerk,
            line=line,
            respondent=r,
            unit_id=u,
            questionnaire_id=q,
            answers=a,
        )
        for r, u, q, a, line in outcome.valid
    )
    setattr(batch, f"clerk{clerk}_rows", len(outcome.valid))
    setattr(batch, f"clerk{clerk}_name", clean_filename(name))
    batch.discrepancies.all().delete()
    batch.status = EntryBatch.Status.OPEN
    if batch.clerk1_rows and batch.clerk2_rows:
        _batch_compare(batch)
        batch.status = EntryBatch.Status.COMPARED
    batch.save()
    log_action(
        "survey.batch_uploaded",
        actor=user,
        target=batch,
        cycle=cycle,
        clerk=clerk,
        rows=len(outcome.valid),
        name=name,
    )
    return len(outcome.valid)


def _labels(
    cycle: Cycle,
) -> tuple[
    dict[int, Questionnaire], dict[int, list[Question]], dict[tuple[int, str], list[Choice]]
]:
    forms = {q.pk: q for q in Questionnaire.objects.filter(cycle=cycle)}
    slots: dict[int, list[Question]] = defaultdict(list)
    for x in Question.objects.filter(questionnaire__cycle=cycle, slot__isnull=False).order_by(
        "questionnaire_id", "slot"
    ):
        slots[x.questionnaire_id].append(x)
    choices: dict[tuple[int, str], list[Choice]] = defaultdict(list)
    for c in Choice.objects.filter(questionnaire__cycle=cycle).order_by("position"):
        choices[(c.questionnaire_id, c.list_name)].append(c)
    return forms, slots, choices


def _option_name(choices: list[Choice], code: str) -> str:
    pos = position_of(code)
    if pos is None or pos >= len(choices):
        return ""
    return choices[pos].name


def _row_summary(row: BatchRow | None, forms: dict[int, Questionnaire]) -> str:
    if row is None:
        return ""
    return f"{row.unit.code} · {forms[row.questionnaire_id].group_code}"


def _batch_compare(batch: EntryBatch) -> int:
    forms, slots, choices = _labels(batch.cycle)
    rows: dict[int, dict[str, BatchRow]] = {1: {}, 2: {}}
    for row in batch.rows.select_related("unit"):
        rows[row.clerk][row.respondent] = row
    found = []
    for respondent in sorted(set(rows[1]) | set(rows[2])):
        a, b = rows[1].get(respondent), rows[2].get(respondent)
        if (
            a is None
            or b is None
            or a.unit_id != b.unit_id
            or a.questionnaire_id != b.questionnaire_id
        ):
            found.append(
                Discrepancy(
                    batch=batch,
                    respondent=respondent,
                    field=Discrepancy.ROW,
                    value1=_row_summary(a, forms),
                    value2=_row_summary(b, forms),
                )
            )
            continue
        for x, c1, c2 in zip(slots[a.questionnaire_id], a.answers, b.answers, strict=False):
            if c1 != c2:
                opts = choices[(a.questionnaire_id, x.list_name)]
                found.append(
                    Discrepancy(
                        batch=batch,
                        respondent=respondent,
                        field=x.name,
                        value1=_option_name(opts, c1),
                        value2=_option_name(opts, c2),
                    )
                )
    Discrepancy.objects.bulk_create(found)
    return len(found)


@transaction.atomic
def discrepancy_resolve(*, discrepancy: Discrepancy, chosen: str, user: Any) -> Discrepancy:
    """Choose which clerk typed the right value."""
    batch = discrepancy.batch
    _require_manage(user, batch.cycle)
    _require_open(batch.cycle)
    if batch.status == EntryBatch.Status.COMMITTED:
        raise ServiceError(_("Lô đã được đưa vào kết quả."))
    if chosen not in ("1", "2"):
        raise ServiceError(_("Hãy chọn giá trị của người nhập 1 hoặc 2."))
    d = Discrepancy.objects.select_for_update().get(pk=discrepancy.pk)
    old = d.chosen
    d.chosen = chosen
    d.resolved_by = user
    d.resolved_at = timezone.now()
    d.save()
    log_action(
        "survey.discrepancy_resolved",
        actor=user,
        target=d,
        cycle=batch.cycle,
        batch=batch.code,
        respondent=d.respondent,
        question=d.field,
        old=old,
        new=chosen,
        value=d.value1 if chosen == "1" else d.value2,
    )
    return d


@transaction.atomic
def batch_commit(*, batch: EntryBatch, user: Any) -> int:
    """Count the batch: the forms as resolved become responses (one transaction)."""
    cycle = batch.cycle
    _require_manage(user, cycle)
    _require_open(cycle)
    batch = EntryBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != EntryBatch.Status.COMPARED:
        raise ServiceError(_("Lô cần được cả hai người nhập và đối chiếu trước."))
    pending = batch.discrepancies.filter(chosen="").count()
    if pending:
        raise ServiceError(
            _("Còn %(n)s chênh lệch chưa xử lý: hãy chọn giá trị đúng trước.") % {"n": pending}
        )
    _forms, slots, _choices = _labels(cycle)
    rows: dict[int, dict[str, BatchRow]] = {1: {}, 2: {}}
    for row in batch.rows.all():
        rows[row.clerk][row.respondent] = row
    decisions: dict[str, dict[str, str]] = defaultdict(dict)
    for d in batch.discrepancies.all():
        decisions[d.respondent][d.field] = d.chosen
    merged = []
    for respondent in sorted(set(rows[1]) | set(rows[2])):
        mine = decisions.get(respondent, {})
        if Discrepancy.ROW in mine:
            kept = rows[int(mine[Discrepancy.ROW])].get(respondent)
            if kept is not None:
                merged.append((respondent, kept.unit_id, kept.questionnaire_id, kept.answers))
            continue
        a, b = rows[1][respondent], rows[2][respondent]
        answers = list(a.answers)
        for i, x in enumerate(slots[a.questionnaire_id]):
            if mine.get(x.name) == "2" and i < len(b.answers):
                answers[i] = b.answers[i]
        merged.append((respondent, a.unit_id, a.questionnaire_id, "".join(answers)))
    stored = _stored_respondents(cycle)
    taken = sorted(r for r, *_rest in merged if r in stored)
    if taken:
        raise ServiceError(
            _("Các mã phiếu sau đã có trong dữ liệu: %(r)s.") % {"r": ", ".join(taken[:10])}
        )
    n = _insert_responses(cycle.pk, merged, Response.Source.BATCH, None)
    batch.status = EntryBatch.Status.COMMITTED
    batch.committed_at = timezone.now()
    batch.committed_rows = n
    batch.save()
    log_action("survey.batch_committed", actor=user, target=batch, cycle=cycle, rows=n)
    return n
