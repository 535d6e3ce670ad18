"""Questionnaires: install from XLSForm or YAML, replace, delete, export."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from parindex.assessment.models import Cycle
from parindex.audit.services import log_action
from parindex.common import safe_yaml
from parindex.common.collation import unit_key
from parindex.common.errors import ServiceError
from parindex.common.uploads import is_zip

from ..definitions import (
    SELECT_ONE,
    ChoiceDef,
    DefinitionError,
    FormDef,
    QuestionDef,
    form_from_xlsform,
    form_to_xlsform,
    forms_from_yaml,
    forms_to_yaml,
)
from ..models import (
    BatchRow,
    Choice,
    Question,
    Questionnaire,
    RespondentToken,
    Response,
)
from .common import (
    SurveyFileRefused,
    _require_manage,
    _require_open,
    survey_config,
    survey_design_set,
    survey_leaves,
)


def _check_against_cycle(cycle: Cycle, form: FormDef) -> list[str]:
    leaves = {n.code for n in survey_leaves(cycle.methodology.tree)}
    problems = []
    for q in form.questions:
        if q.leaf and q.leaf not in leaves:
            problems.append(
                _(
                    "%(f)s, câu hỏi “%(n)s”: “%(c)s” không phải tiêu chí chấm bằng điều tra "
                    "trong bộ tiêu chí của kỳ đánh giá."
                )
                % {"f": form.form_id, "n": q.name, "c": q.leaf}
            )
    # A leaf is scored either as SIPAS or with the standard formula, not both.
    other_kind = Questionnaire.objects.filter(cycle=cycle).exclude(group_code=form.group_code)
    other_kind = other_kind.exclude(kind=form.kind)
    mine = {q.leaf for q in form.questions if q.leaf}
    clash = set(
        Question.objects.filter(questionnaire__in=other_kind, leaf__in=mine).values_list(
            "leaf", flat=True
        )
    )
    for code in sorted(clash):
        problems.append(
            _("%(f)s: tiêu chí %(c)s đã được chấm bằng một phiếu loại khác (SIPAS/thường).")
            % {"f": form.form_id, "c": code}
        )
    return problems


def _has_data(q: Questionnaire) -> bool:
    return (
        Response.objects.filter(cycle_id=q.cycle_id, questionnaire=q).exists()
        or BatchRow.objects.filter(questionnaire=q).exists()
        or RespondentToken.objects.filter(questionnaire=q).exists()
    )


def _compatible(q: Questionnaire, form: FormDef) -> str:
    """Why a form with answers cannot take this new definition ("" if it can): the packed
    answers need the same select_one questions in the same order, and each list's options
    unchanged in order (new options may be added at the end)."""
    old_slots = list(
        q.questions.filter(slot__isnull=False).order_by("slot").values_list("name", "list_name")
    )
    new_slots = [(x.name, x.list_name) for x in form.select_questions()]
    if [n for n, _l in old_slots] != [n for n, _l in new_slots]:
        return _("danh sách câu hỏi chọn phương án đã thay đổi")
    old_lists: dict[str, list[str]] = defaultdict(list)
    for c in q.choices.order_by("list_name", "position"):
        old_lists[c.list_name].append(c.name)
    for (_n, old_list), (_m, new_list) in zip(old_slots, new_slots, strict=True):
        old_names = old_lists.get(old_list, [])
        new_names = [o.name for o in form.choices.get(new_list, [])]
        if new_names[: len(old_names)] != old_names:
            return _("phương án của danh sách “%(l)s” đã thay đổi thứ tự hoặc bị xóa") % {
                "l": new_list
            }
    return ""


def _write_form(q: Questionnaire, form: FormDef) -> None:
    q.questions.all().delete()
    q.choices.all().delete()
    Choice.objects.bulk_create(
        Choice(
            questionnaire=q,
            list_name=list_name,
            name=o.name,
            label=o.label[:300],
            position=pos,
            score=o.score,
            satisfied=o.satisfied,
        )
        for list_name, options in form.choices.items()
        for pos, o in enumerate(options)
    )
    slot = 0
    rows = []
    for pos, qd in enumerate(form.questions):
        rows.append(
            Question(
                questionnaire=q,
                position=pos,
                slot=slot if qd.type == SELECT_ONE else None,
                type=qd.type,
                name=qd.name,
                label=qd.label,
                hint=qd.hint,
                list_name=qd.list_name,
                required=qd.required,
                relevant=qd.relevant[:500],
                leaf=qd.leaf if qd.type == SELECT_ONE else "",
                weight=qd.weight,
                aspect=qd.aspect,
            )
        )
        if qd.type == SELECT_ONE:
            slot += 1
    Question.objects.bulk_create(rows)


@transaction.atomic
def questionnaire_install(*, cycle: Cycle, form: FormDef, user: Any) -> Questionnaire:
    """Add a questionnaire to the cycle, or replace the one of the same respondent group.
    A questionnaire that already has answers only takes a compatible definition (labels,
    scores, weights, leaves may change; questions and options keep their order)."""
    _require_manage(user, cycle)
    _require_open(cycle)
    problems = _check_against_cycle(cycle, form)
    if problems:
        raise SurveyFileRefused(_("Phiếu không hợp lệ với bộ tiêu chí của kỳ đánh giá."), problems)
    clash = (
        Questionnaire.objects.filter(cycle=cycle, form_id=form.form_id)
        .exclude(group_code=form.group_code)
        .first()
    )
    if clash is not None:
        raise ServiceError(
            _("Mã biểu mẫu “%(f)s” đã dùng cho nhóm “%(g)s”.")
            % {"f": form.form_id, "g": clash.group_name}
        )
    q = Questionnaire.objects.filter(cycle=cycle, group_code=form.group_code).first()
    created = q is None
    if q is not None and _has_data(q):
        why = _compatible(q, form)
        if why:
            raise ServiceError(
                _(
                    "Phiếu “%(t)s” đã có dữ liệu trả lời nên không thể thay bằng định nghĩa mới: "
                    "%(w)s."
                )
                % {"t": q.title, "w": why}
            )
    if q is None:
        q = Questionnaire(cycle=cycle, group_code=form.group_code)
    q.form_id = form.form_id
    q.title = form.title[:300]
    q.version = form.version[:32]
    q.kind = form.kind
    q.group_name = form.group_name[:200]
    q.description = form.description
    q.save()
    _write_form(q, form)
    log_action(
        "survey.questionnaire_installed" if created else "survey.questionnaire_replaced",
        actor=user,
        target=q,
        cycle=cycle,
        form_id=form.form_id,
        group=form.group_code,
        questions=len(form.questions),
    )
    return q


def forms_read(data: bytes, name: str) -> list[FormDef]:
    """Questionnaire definitions from an XLSForm (.xlsx) or YAML file. Raises
    SurveyFileRefused listing every problem."""
    try:
        if is_zip(data):
            return [form_from_xlsform(data, name)]
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DefinitionError(
                [_("%(n)s: tệp không phải XLSForm (.xlsx) hay YAML (UTF-8).") % {"n": name}]
            ) from None
        return forms_from_yaml(text, name)
    except DefinitionError as exc:
        raise SurveyFileRefused(
            _("Không đọc được tệp phiếu “%(n)s”: %(k)s lỗi.") % {"n": name, "k": len(exc.problems)},
            exc.problems,
        ) from None


@transaction.atomic
def questionnaires_import(
    *, cycle: Cycle, data: bytes, name: str, user: Any
) -> list[Questionnaire]:
    """Install every questionnaire of an XLSForm or YAML file, all or nothing; a YAML file's
    `design:` (the survey design: weights, design effect) is declared for the cycle too."""
    _require_manage(user, cycle)
    forms = forms_read(data, name)
    design = _yaml_design(data, name)
    if design is not None:
        survey_design_set(cycle=cycle, user=user, design=design, name=name)
    return [questionnaire_install(cycle=cycle, form=f, user=user) for f in forms]


def _yaml_design(data: bytes, name: str) -> Any:
    """The `design:` of a YAML questionnaire file (None: not YAML or none declared)."""
    if is_zip(data):
        return None
    doc = safe_yaml.load(data.decode("utf-8-sig"), name)  # forms_read has read it already
    return doc.get("design") if isinstance(doc, dict) else None


@transaction.atomic
def questionnaire_delete(*, questionnaire: Questionnaire, user: Any) -> None:
    cycle = questionnaire.cycle
    _require_manage(user, cycle)
    _require_open(cycle)
    if Response.objects.filter(cycle=cycle, questionnaire=questionnaire).exists():
        raise ServiceError(_("Phiếu đã có dữ liệu trả lời nên không xóa được."))
    log_action(
        "survey.questionnaire_deleted",
        actor=user,
        target=questionnaire,
        cycle=cycle,
        form_id=questionnaire.form_id,
    )
    questionnaire.delete()


def questionnaire_to_def(q: Questionnaire) -> FormDef:
    form = FormDef(
        form_id=q.form_id,
        title=q.title,
        version=q.version,
        kind=q.kind,
        group_code=q.group_code,
        group_name=q.group_name,
        description=q.description,
    )
    for c in q.choices.order_by("list_name", "position"):
        form.choices.setdefault(c.list_name, []).append(
            ChoiceDef(c.name, c.label, c.score, c.satisfied)
        )
    for x in q.questions.order_by("position"):
        form.questions.append(
            QuestionDef(
                type=x.type,
                name=x.name,
                label=x.label,
                hint=x.hint,
                required=x.required,
                relevant=x.relevant,
                list_name=x.list_name,
                leaf=x.leaf,
                weight=x.weight,
                aspect=x.aspect,
            )
        )
    return form


def questionnaires_yaml(questionnaires: Iterable[Questionnaire]) -> str:
    return forms_to_yaml([questionnaire_to_def(q) for q in questionnaires])


def cycle_questionnaires_yaml(cycle: Cycle) -> str:
    """Every questionnaire of the cycle with its declared survey design: the file that
    installs them again as they are."""
    forms = [questionnaire_to_def(q) for q in Questionnaire.objects.filter(cycle=cycle)]
    return forms_to_yaml(forms, survey_config(cycle).design)


def questionnaire_xlsform(q: Questionnaire) -> bytes:
    parts = q.cycle.participations.select_related("unit")
    units = [(p.unit.code, p.unit.name) for p in sorted(parts, key=lambda p: unit_key(p.unit))]
    return form_to_xlsform(questionnaire_to_def(q), units)
