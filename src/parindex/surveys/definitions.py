"""Questionnaire definitions as data, read from and written to YAML and XLSForm.

XLSForm (the format of ODK and KoboToolbox) is read and written in `xlsform.py`; the YAML
format is documented in docs/survey-format.md.

Reading checks the form on its own (names, lists, scores, weights) and collects every problem
with its place; checks against a cycle's methodology (leaf codes) are done by the service that
installs the form. Only select_one questions with a leaf are scored; every other question is
kept (shown, round-tripped) and reported as not scored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import yaml
from django.utils.translation import gettext as _

from parindex.common import safe_yaml
from parindex.core.numbers import to_decimal
from parindex.core.values import parse_yes_no

from .codes import MAX_OPTIONS

YAML_FORMAT = "parindex-questionnaire/1"
SELECT_ONE = "select_one"
NOTE = "note"
# Questions that take their options from a choices list.
LIST_TYPES = {SELECT_ONE, "select_multiple", "rank"}
# Kept in the form (shown online, round-tripped) but neither stored nor scored.
UNSCORED_TYPES = {
    "select_multiple",
    "rank",
    "text",
    "integer",
    "decimal",
    "range",
    "date",
    "time",
    "dateTime",
    "geopoint",
    "geotrace",
    "geoshape",
    "image",
    "audio",
    "video",
    "file",
    "barcode",
    "acknowledge",
}
TYPES = {SELECT_ONE, NOTE} | UNSCORED_TYPES
# Structural fields of a response (which form, unit, group): not questions.
RESERVED_NAMES = {"respondent", "respondent_id", "unit", "unit_code", "group", "instanceID"}
KINDS = ("standard", "sipas")
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,63}$")
GROUP_RE = re.compile(r"^[A-Za-z0-9_\-]{1,32}$")
UNIT_LIST = "parindex_units"


@dataclass
class ChoiceDef:
    name: str
    label: str
    score: Decimal | None = None
    satisfied: bool = False


@dataclass
class QuestionDef:
    type: str
    name: str
    label: str
    hint: str = ""
    required: bool = False
    relevant: str = ""
    list_name: str = ""
    leaf: str = ""
    weight: Decimal = Decimal(1)
    aspect: str = ""


@dataclass
class FormDef:
    form_id: str
    title: str
    group_code: str
    group_name: str
    kind: str = "standard"
    version: str = ""
    description: str = ""
    questions: list[QuestionDef] = field(default_factory=list)
    choices: dict[str, list[ChoiceDef]] = field(default_factory=dict)
    # Rows of the file that are not questions (metadata, groups, calculations): reported only.
    skipped: list[str] = field(default_factory=list, compare=False)

    def select_questions(self) -> list[QuestionDef]:
        return [q for q in self.questions if q.type == SELECT_ONE]

    def scored_questions(self) -> list[QuestionDef]:
        return [q for q in self.questions if q.type == SELECT_ONE and q.leaf]


class DefinitionError(Exception):
    """A questionnaire file that cannot be read; `problems` lists where and why."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems[:5]))
        self.problems = problems


# --- checks shared by both formats -----------------------------------------------------------


def _yes(value: Any) -> bool:
    """An XLSForm yes: the yes words of parindex.core, or XLSForm's expression true()."""
    text = str(value if value is not None else "").strip()
    return text.lower() == "true()" or parse_yes_no(text) is True


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _decimal(value: Any) -> Decimal:
    if isinstance(value, float):
        value = repr(value)
    return to_decimal(value)


def check_form(form: FormDef, where: str = "") -> list[str]:
    """Problems of a form on its own (empty when it is fine)."""
    p: list[str] = []
    at = f"{where}: " if where else ""
    if not form.form_id or not NAME_RE.match(form.form_id):
        p.append(at + _("mã biểu mẫu (form_id) “%(v)s” không hợp lệ.") % {"v": form.form_id})
    if not form.title.strip():
        p.append(at + _("thiếu tên phiếu (form_title)."))
    if not GROUP_RE.match(form.group_code or ""):
        p.append(
            at
            + _("mã nhóm đối tượng “%(v)s” không hợp lệ (chữ, số, “_”, “-”; tối đa 32 ký tự).")
            % {"v": form.group_code}
        )
    if form.kind not in KINDS:
        p.append(
            at + _("loại phiếu “%(v)s” không hợp lệ (standard hoặc sipas).") % {"v": form.kind}
        )
    # Options of stored (select_one) lists are coded A, B, ...: those lists have a maximum.
    coded = {q.list_name for q in form.questions if q.type == SELECT_ONE}
    for list_name, options in form.choices.items():
        names = [o.name for o in options]
        for dup in sorted({n for n in names if names.count(n) > 1}):
            p.append(
                at
                + _("danh sách “%(l)s”: phương án “%(n)s” bị trùng.") % {"l": list_name, "n": dup}
            )
        if list_name in coded and len(options) > MAX_OPTIONS:
            p.append(
                at
                + _("danh sách “%(l)s” có quá %(m)s phương án.")
                % {"l": list_name, "m": MAX_OPTIONS}
            )
        for o in options:
            if o.score is not None and not (0 <= o.score <= 100):
                p.append(
                    at
                    + _("danh sách “%(l)s”, phương án “%(n)s”: điểm %(s)s ngoài khoảng 0–100.")
                    % {"l": list_name, "n": o.name, "s": o.score}
                )
    seen: set[str] = set()
    scored = 0
    for q in form.questions:
        if q.name in seen:
            p.append(at + _("câu hỏi “%(n)s” bị trùng tên.") % {"n": q.name})
        seen.add(q.name)
        if not NAME_RE.match(q.name):
            p.append(at + _("tên câu hỏi “%(n)s” không hợp lệ.") % {"n": q.name})
        if q.name in RESERVED_NAMES:
            p.append(at + _("tên “%(n)s” dành cho thông tin của phiếu.") % {"n": q.name})
        if q.type not in TYPES:
            p.append(
                at
                + _("câu hỏi “%(n)s”: loại “%(t)s” không được hỗ trợ.") % {"n": q.name, "t": q.type}
            )
        if q.type in LIST_TYPES:
            if q.list_name not in form.choices:
                p.append(
                    at
                    + _("câu hỏi “%(n)s”: không có danh sách phương án “%(l)s”.")
                    % {"n": q.name, "l": q.list_name}
                )
            elif not form.choices[q.list_name]:
                p.append(at + _("danh sách “%(l)s” không có phương án.") % {"l": q.list_name})
        if q.type != SELECT_ONE and q.leaf:
            p.append(
                at
                + _(
                    "câu hỏi “%(n)s”: chỉ câu hỏi chọn một phương án (select_one) mới được "
                    "chấm điểm."
                )
                % {"n": q.name}
            )
        if q.weight < 0:
            p.append(at + _("câu hỏi “%(n)s”: trọng số âm.") % {"n": q.name})
        if q.type == SELECT_ONE and q.leaf:
            scored += 1
            options = form.choices.get(q.list_name, [])
            if options and all(o.score is None for o in options) and form.kind != "sipas":
                p.append(
                    at
                    + _(
                        "câu hỏi “%(n)s” chấm cho tiêu chí %(c)s nhưng danh sách “%(l)s” "
                        "không có điểm."
                    )
                    % {"n": q.name, "c": q.leaf, "l": q.list_name}
                )
            if form.kind == "sipas" and options and not any(o.satisfied for o in options):
                p.append(
                    at
                    + _(
                        "câu hỏi “%(n)s”: danh sách “%(l)s” chưa đánh dấu phương án nào là "
                        "“hài lòng” (parindex_satisfied)."
                    )
                    % {"n": q.name, "l": q.list_name}
                )
    if not form.questions:
        p.append(at + _("phiếu không có câu hỏi nào."))
    return p


# --- YAML ---------------------------------------------------------------------------------


def _form_to_dict(form: FormDef) -> dict[str, Any]:
    questions = []
    for q in form.questions:
        d: dict[str, Any] = {"name": q.name, "type": q.type, "label": q.label}
        if q.list_name:
            d["choices"] = q.list_name
        if q.hint:
            d["hint"] = q.hint
        if q.required:
            d["required"] = True
        if q.relevant:
            d["relevant"] = q.relevant
        if q.leaf:
            d["leaf"] = q.leaf
        if q.weight != 1:
            d["weight"] = _plain_number(q.weight)
        if q.aspect:
            d["aspect"] = q.aspect
        questions.append(d)
    choices: dict[str, list[dict[str, Any]]] = {}
    for list_name, options in form.choices.items():
        rows = []
        for o in options:
            c: dict[str, Any] = {"name": o.name, "label": o.label}
            if o.score is not None:
                c["score"] = _plain_number(o.score)
            if o.satisfied:
                c["satisfied"] = True
            rows.append(c)
        choices[list_name] = rows
    out: dict[str, Any] = {
        "form_id": form.form_id,
        "title": form.title,
        "version": form.version,
        "kind": form.kind,
        "group": {"code": form.group_code, "name": form.group_name},
    }
    if form.description:
        out["description"] = form.description
    out["questions"] = questions
    out["choices"] = choices
    return out


def _plain_number(d: Decimal) -> int | float:
    return int(d) if d == d.to_integral_value() else float(d)


def forms_to_yaml(forms: list[FormDef], design: dict[str, Any] | None = None) -> str:
    """The forms as one YAML file, with the cycle's declared survey design when given."""
    doc: dict[str, Any] = {"format": YAML_FORMAT}
    if design:
        doc["design"] = design
    doc["questionnaires"] = [_form_to_dict(f) for f in forms]
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100)


def _form_from_dict(d: Any, where: str, problems: list[str]) -> FormDef | None:
    if not isinstance(d, dict):
        problems.append(where + ": " + _("mỗi phiếu phải là một bảng khóa: giá trị."))
        return None
    group = d.get("group") or {}
    if isinstance(group, str):
        group = {"code": group, "name": group}
    if not isinstance(group, dict):
        group = {}
    form = FormDef(
        form_id=str(d.get("form_id", "")).strip(),
        title=str(d.get("title", "")).strip(),
        version=str(d.get("version", "") or "").strip(),
        kind=str(d.get("kind", "standard")).strip(),
        group_code=str(group.get("code", "") or "").strip(),
        group_name=str(group.get("name", "") or "").strip(),
        description=str(d.get("description", "") or "").strip(),
    )
    form.group_name = form.group_name or form.group_code
    raw_choices = d.get("choices") or {}
    if not isinstance(raw_choices, dict):
        problems.append(where + ": " + _("“choices” phải là bảng tên danh sách → phương án."))
        raw_choices = {}
    for list_name, options in raw_choices.items():
        if not isinstance(options, list):
            problems.append(
                where + ": " + _("danh sách “%(l)s” phải là một dãy phương án.") % {"l": list_name}
            )
            continue
        out = []
        for i, o in enumerate(options, 1):
            if not isinstance(o, dict) or "name" not in o:
                problems.append(
                    where
                    + ": "
                    + _("danh sách “%(l)s”, phương án thứ %(i)s: thiếu “name”.")
                    % {"l": list_name, "i": i}
                )
                continue
            try:
                score = None if o.get("score") in (None, "") else _decimal(o["score"])
            except ValueError:
                problems.append(
                    where
                    + ": "
                    + _("danh sách “%(l)s”, phương án “%(n)s”: điểm “%(s)s” không phải số.")
                    % {"l": list_name, "n": o["name"], "s": o.get("score")}
                )
                score = None
            out.append(
                ChoiceDef(
                    name=_cell_text(o["name"]),
                    label=str(o.get("label", o["name"])),
                    score=score,
                    satisfied=bool(o.get("satisfied", False)),
                )
            )
        form.choices[str(list_name)] = out
    raw_questions = d.get("questions") or []
    if not isinstance(raw_questions, list):
        problems.append(where + ": " + _("“questions” phải là một dãy câu hỏi."))
        raw_questions = []
    for i, q in enumerate(raw_questions, 1):
        if not isinstance(q, dict) or "name" not in q:
            problems.append(where + ": " + _("câu hỏi thứ %(i)s: thiếu “name”.") % {"i": i})
            continue
        qtype = str(q.get("type", SELECT_ONE if q.get("choices") else NOTE)).strip()
        try:
            weight = _decimal(q.get("weight", 1))
        except ValueError:
            problems.append(
                where
                + ": "
                + _("câu hỏi “%(n)s”: trọng số “%(w)s” không phải số.")
                % {"n": q["name"], "w": q.get("weight")}
            )
            weight = Decimal(1)
        form.questions.append(
            QuestionDef(
                type=qtype,
                name=str(q["name"]).strip(),
                label=str(q.get("label", "")),
                hint=str(q.get("hint", "") or ""),
                required=bool(q.get("required", False)),
                relevant=str(q.get("relevant", "") or ""),
                list_name=str(q.get("choices", "") or ""),
                leaf=str(q.get("leaf", "") or "").strip(),
                weight=weight,
                aspect=str(q.get("aspect", "") or "").strip(),
            )
        )
    return form


def forms_from_yaml(text: str, name: str = "phieu.yaml") -> list[FormDef]:
    """One questionnaire, or several under `questionnaires:`. Raises DefinitionError."""
    try:
        doc = safe_yaml.load(text, name)
    except safe_yaml.YamlRefused as exc:
        raise DefinitionError([exc.message]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" ({_('dòng')} {mark.line + 1})" if mark is not None else ""
        raise DefinitionError([f"{name}{line}: " + _("không đọc được YAML.")]) from None
    if not isinstance(doc, dict):
        raise DefinitionError([f"{name}: " + _("tệp YAML phải là một bảng khóa: giá trị.")])
    fmt = doc.get("format")
    if fmt not in (None, YAML_FORMAT):
        raise DefinitionError(
            [f"{name}: " + _("định dạng “%(f)s” không được hỗ trợ.") % {"f": fmt}]
        )
    items = doc["questionnaires"] if "questionnaires" in doc else [doc]
    if not isinstance(items, list) or not items:
        raise DefinitionError([f"{name}: " + _("không có phiếu nào.")])
    problems: list[str] = []
    forms = []
    for i, item in enumerate(items, 1):
        where = f"{name} #{i}"
        form = _form_from_dict(item, where, problems)
        if form is not None:
            problems += check_form(form, f"{name} [{form.form_id or i}]")
            forms.append(form)
    if problems:
        raise DefinitionError(problems)
    return forms


def form_report(form: FormDef) -> tuple[list[str], list[str]]:
    """What will be scored (one line per scored question) and what will not."""
    scored = [
        _("%(n)s → tiêu chí %(c)s (trọng số %(w)s)") % {"n": q.name, "c": q.leaf, "w": q.weight}
        for q in form.scored_questions()
    ]
    unscored = [
        _("%(n)s (%(t)s)") % {"n": q.name, "t": q.type}
        for q in form.questions
        if not (q.type == SELECT_ONE and q.leaf)
    ]
    return scored, unscored + form.skipped


# The XLSForm reader and writer (xlsform.py), importable from here as before.


def form_from_xlsform(data: bytes, name: str = "phieu.xlsx") -> FormDef:
    from .xlsform import form_from_xlsform as read

    return read(data, name)


def form_to_xlsform(form: FormDef, units: list[tuple[str, str]] | None = None) -> bytes:
    from .xlsform import form_to_xlsform as write

    return write(form, units)


__all__ = [
    "ChoiceDef",
    "DefinitionError",
    "FormDef",
    "QuestionDef",
    "check_form",
    "form_from_xlsform",
    "form_report",
    "form_to_xlsform",
    "forms_from_yaml",
    "forms_to_yaml",
]
