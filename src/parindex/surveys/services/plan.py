"""The sample plan, one-time links and the online form."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parindex.accounts.models import OrgUnit
from parindex.assessment import lifecycle
from parindex.assessment.models import Cycle
from parindex.audit.services import log_action
from parindex.common.errors import ServiceError

from ..codes import NO_ANSWER, code_of
from ..models import (
    Questionnaire,
    RespondentToken,
    Response,
    SampleTarget,
)
from .common import (
    AlreadySubmitted,
    FormInvalid,
    _require_manage,
    _require_open,
    survey_config,
)


@transaction.atomic
def sample_target_set(
    *, cycle: Cycle, unit: OrgUnit, questionnaire: Questionnaire, target: int, user: Any
) -> SampleTarget | None:
    """Set the planned number of forms of one unit and group (0 removes it)."""
    _require_manage(user, cycle)
    if questionnaire.cycle_id != cycle.pk:
        raise ServiceError(_("Phiếu không thuộc kỳ đánh giá này."))
    if not cycle.participations.filter(unit=unit).exists():
        raise ServiceError(_("Đơn vị không tham gia kỳ đánh giá này."))
    if target < 0 or target > 1_000_000:
        raise ServiceError(_("Số phiếu kế hoạch phải từ 0 đến 1.000.000."))
    current = SampleTarget.objects.filter(
        cycle=cycle, unit=unit, questionnaire=questionnaire
    ).first()
    old = current.target if current else 0
    if old == target:
        return current
    if target == 0:
        if current:
            current.delete()
        obj = None
    else:
        obj, _created = SampleTarget.objects.update_or_create(
            cycle=cycle, unit=unit, questionnaire=questionnaire, defaults={"target": target}
        )
    log_action(
        "survey.target_set",
        actor=user,
        target=obj or questionnaire,
        cycle=cycle,
        unit=unit,
        group=questionnaire.group_code,
        old=old,
        new=target,
    )
    return obj


@transaction.atomic
def sample_plan_fill(
    *, cycle: Cycle, questionnaire: Questionnaire, target: int, unit_type: str = "", user: Any
) -> int:
    """Set the same target for every participating unit (of one type, if given)."""
    _require_manage(user, cycle)
    if questionnaire.cycle_id != cycle.pk:
        raise ServiceError(_("Phiếu không thuộc kỳ đánh giá này."))
    if target < 0 or target > 1_000_000:
        raise ServiceError(_("Số phiếu kế hoạch phải từ 0 đến 1.000.000."))
    units = [
        p.unit_id
        for p in cycle.participations.select_related("unit")
        if not unit_type or p.unit.type == unit_type
    ]
    SampleTarget.objects.filter(
        cycle=cycle, questionnaire=questionnaire, unit_id__in=units
    ).delete()
    if target:
        SampleTarget.objects.bulk_create(
            SampleTarget(cycle=cycle, unit_id=u, questionnaire=questionnaire, target=target)
            for u in units
        )
    log_action(
        "survey.plan_filled",
        actor=user,
        target=questionnaire,
        cycle=cycle,
        group=questionnaire.group_code,
        unit_type=unit_type,
        target_value=target,
        units=len(units),
    )
    return len(units)


def form_window(cycle: Cycle, now: Any = None) -> tuple[bool, str]:
    """Whether the online form is open now, and why not."""
    now = now or timezone.now()
    if not lifecycle.of(cycle).organiser_edit:
        return False, _("Đợt khảo sát đã kết thúc.")
    config = survey_config(cycle)
    if config.opens_at and now < config.opens_at:
        return False, _("Đợt khảo sát chưa bắt đầu (mở từ %(d)s).") % {
            "d": timezone.localtime(config.opens_at).strftime("%H:%M %d/%m/%Y")
        }
    if config.closes_at and now > config.closes_at:
        return False, _("Đợt khảo sát đã kết thúc (đóng lúc %(d)s).") % {
            "d": timezone.localtime(config.closes_at).strftime("%H:%M %d/%m/%Y")
        }
    return True, ""


@transaction.atomic
def tokens_generate(*, cycle: Cycle, user: Any, questionnaire: Questionnaire | None = None) -> int:
    """Create one-time links up to each sample target (per unit and group), less the links
    made already and the forms entered from paper."""
    _require_manage(user, cycle)
    _require_open(cycle)
    targets = SampleTarget.objects.filter(cycle=cycle)
    if questionnaire is not None:
        targets = targets.filter(questionnaire=questionnaire)
    have = Counter(
        (u, q)
        for u, q in RespondentToken.objects.filter(cycle=cycle).values_list(
            "unit_id", "questionnaire_id"
        )
    )
    # Forms already entered from paper (or imported) count against the target: no link is
    # made for a respondent who has answered already.
    have.update(
        (u, q)
        for u, q in Response.objects.filter(cycle=cycle)
        .exclude(source=Response.Source.WEB)
        .values_list("unit_id", "questionnaire_id")
    )
    new = []
    for t in targets:
        missing = t.target - have[(t.unit_id, t.questionnaire_id)]
        new += [
            RespondentToken(cycle=cycle, unit_id=t.unit_id, questionnaire_id=t.questionnaire_id)
            for _i in range(max(0, missing))
        ]
    RespondentToken.objects.bulk_create(new, batch_size=5000)
    if new:
        log_action("survey.tokens_generated", actor=user, target=cycle, cycle=cycle, count=len(new))
    return len(new)


def token_get(token: str) -> RespondentToken | None:
    if not token or len(token) > 32:
        return None
    return (
        RespondentToken.objects.select_related("cycle", "unit", "questionnaire")
        .filter(token=token)
        .first()
    )


def web_answers_check(q: Questionnaire, answers: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """Pack the answers of the online form, with a message per wrong question."""
    names: dict[str, dict[str, int]] = defaultdict(dict)
    for c in q.choices.all():
        names[c.list_name][c.name] = c.position
    codes = []
    errors: dict[str, str] = {}
    for x in q.questions.filter(slot__isnull=False).order_by("slot"):
        raw = (answers.get(x.name) or "").strip()
        if not raw:
            if x.required and not x.relevant:
                errors[x.name] = _("Vui lòng chọn một phương án.")
            codes.append(NO_ANSWER)
            continue
        pos = names[x.list_name].get(raw)
        if pos is None:
            errors[x.name] = _("Phương án không hợp lệ.")
            codes.append(NO_ANSWER)
            continue
        codes.append(code_of(pos))
    return "".join(codes), errors


@transaction.atomic
def web_response_submit(*, token: str, answers: Mapping[str, str]) -> Response:
    """A respondent submits the online form: once per token (checked here, and enforced by
    the unique constraints on the response's respondent id and the token's response)."""
    t = RespondentToken.objects.select_for_update().filter(token=token).first()
    if t is None:
        raise ServiceError(_("Đường dẫn phiếu khảo sát không hợp lệ."))
    if t.used_at is not None:
        raise AlreadySubmitted(_("Phiếu này đã được gửi. Xin cảm ơn ông/bà."))
    cycle = Cycle.objects.get(pk=t.cycle_id)
    ok, why = form_window(cycle)
    if not ok:
        raise ServiceError(why)
    q = Questionnaire.objects.get(pk=t.questionnaire_id)
    packed, errors = web_answers_check(q, answers)
    if errors:
        raise FormInvalid(errors)
    try:
        with transaction.atomic():
            r = Response.objects.create(
                cycle=cycle,
                questionnaire=q,
                unit_id=t.unit_id,
                respondent=t.respondent,
                answers=packed,
                source=Response.Source.WEB,
            )
    except IntegrityError:
        raise AlreadySubmitted(_("Phiếu này đã được gửi. Xin cảm ơn ông/bà.")) from None
    t.used_at = timezone.now()
    t.response = r
    t.save(update_fields=["used_at", "response"])
    return r
