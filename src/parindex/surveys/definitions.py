"""Questionnaire definitions as data, read from and written to YAML and XLSForm.

XLSForm is the format of ODK and KoboToolbox: an .xlsx with the sheets `survey` (type, name,
label, hint, required, relevant, ...), `choices` (list_name, name, label) and `settings`
(form_title, form_id, version). parindex's own data sits in extra columns, which XLSForm
tools ignore: `parindex::leaf`, `parindex::weight`, `parindex::aspect` on `survey`,
`parindex::score`, `parindex::satisfied` on `choices`, and `parindex::group`,
`parindex::group_label`, `parindex::kind`, `parindex::description` on `settings`. The YAML
format is documented in docs/survey-format.md.

Reading checks the form on its own (names, lists, scores, weights) and collects every problem
with its sheet, row and column; checks against a cycle's methodology (leaf codes) are done by
the service that installs the form.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zipfile import BadZipFile

import yaml
from django.utils.translation import gettext as _

from parindex.common import safe_yaml
from parindex.common.cells import as_text
from parindex.common.office_zip import DEFAULT, OfficeFileRefused, capped, load_workbook_checked
from parindex.core.numbers import to_decimal
from parindex.core.values import parse_yes_no

from .codes import MAX_OPTIONS

YAML_FORMAT = "parindex-questionnaire/1"
SELECT_ONE = "select_one"
NOTE = "note"
# Kept in the form (shown online, round-tripped) but neither stored nor scored.
UNSCORED_TYPES = {"text", "integer", "decimal", "date"}
TYPES = {SELECT_ONE, NOTE} | UNSCORED_TYPES
# XLSForm metadata and structure rows: skipped on reading.
META_TYPES = {
    "start",
    "end",
    "today",
    "deviceid",
    "subscriberid",
    "simserial",
    "phonenumber",
    "username",
    "email",
    "audit",
    "calculate",
    "hidden",
    "start-geopoint",
    "background-audio",
    "begin_group",
    "end_group",
    "begin group",
    "end group",
}
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

    def select_questions(self) -> list[QuestionDef]:
        return [q for q in self.questions if q.type == SELECT_ONE]


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
    for list_name, options in form.choices.items():
        names = [o.name for o in options]
        for dup in sorted({n for n in names if names.count(n) > 1}):
            p.append(
                at
                + _("danh sách “%(l)s”: phương án “%(n)s” bị trùng.") % {"l": list_name, "n": dup}
            )
        if len(options) > MAX_OPTIONS:
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
        if q.type == SELECT_ONE:
            if q.list_name not in form.choices:
                p.append(
                    at
                    + _("câu hỏi “%(n)s”: không có danh sách phương án “%(l)s”.")
                    % {"n": q.name, "l": q.list_name}
                )
            elif not form.choices[q.list_name]:
                p.append(at + _("danh sách “%(l)s” không có phương án.") % {"l": q.list_name})
        elif q.leaf:
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
                        "“hài lòng” (parindex::satisfied)."
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


# --- XLSForm --------------------------------------------------------------------------------

SURVEY_COLUMNS = [
    "type",
    "name",
    "label",
    "hint",
    "required",
    "relevant",
    "calculation",
    "parindex::leaf",
    "parindex::weight",
    "parindex::aspect",
]
CHOICE_COLUMNS = ["list_name", "name", "label", "parindex::score", "parindex::satisfied"]
SETTINGS_COLUMNS = [
    "form_title",
    "form_id",
    "version",
    "parindex::group",
    "parindex::group_label",
    "parindex::kind",
    "parindex::description",
]


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _sheet_rows(ws: Any, name: str) -> tuple[dict[str, int], list[tuple[int, list[Any]]]]:
    rows = list(capped(ws.iter_rows(values_only=True), name, ws.title, DEFAULT))
    if not rows:
        return {}, []
    header: dict[str, int] = {}
    for i, h in enumerate(rows[0]):
        key = _cell_text(h)
        if key and key not in header:
            header[key] = i
    return header, [(n, list(r)) for n, r in enumerate(rows[1:], 2)]


def _get(row: list[Any], header: dict[str, int], *names: str) -> str:
    for name in names:
        i = header.get(name)
        if i is not None and i < len(row):
            text = _cell_text(row[i])
            if text:
                return text
    return ""


def _label_columns(header: dict[str, int], base: str) -> list[str]:
    """ "label", else the first "label::Language (xx)" column (Vietnamese preferred)."""
    if base in header:
        return [base]
    langs = [h for h in header if h.startswith(base + "::")]
    langs.sort(key=lambda h: (0 if "(vi)" in h or "Viet" in h else 1, header[h]))
    return langs


def form_from_xlsform(data: bytes, name: str = "phieu.xlsx") -> FormDef:
    """Read one XLSForm workbook. Raises DefinitionError naming sheets, rows and columns."""
    try:
        wb = load_workbook_checked(data, name)
    except OfficeFileRefused as exc:
        raise DefinitionError([str(exc)]) from None
    except (BadZipFile, KeyError, OSError, ValueError, TypeError, IndexError, EOFError):
        raise DefinitionError([f"{name}: " + _("không đọc được tệp Excel (.xlsx).")]) from None
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds of errors on broken files
        raise DefinitionError([f"{name}: " + _("không đọc được tệp Excel (.xlsx).")]) from None
    try:
        sheets = {ws.title.strip().lower(): ws for ws in wb.worksheets}
        problems: list[str] = []
        for sheet in ("survey", "choices"):
            if sheet not in sheets:
                problems.append(f"{name}: " + _("thiếu trang tính “%(s)s”.") % {"s": sheet})
        if problems:
            raise DefinitionError(problems)
        settings: dict[str, str] = {}
        if "settings" in sheets:
            sh, srows = _sheet_rows(sheets["settings"], name)
            if srows:
                row = srows[0][1]
                for key in sh:
                    settings[key] = _get(row, sh, key)
        form = FormDef(
            form_id=settings.get("form_id", ""),
            title=settings.get("form_title", "") or settings.get("form_id", ""),
            version=settings.get("version", ""),
            group_code=settings.get("parindex::group", "") or settings.get("form_id", ""),
            group_name=settings.get("parindex::group_label", ""),
            kind=settings.get("parindex::kind", "") or "standard",
            description=settings.get("parindex::description", ""),
        )
        form.group_name = form.group_name or form.group_code
        ch, crows = _sheet_rows(sheets["choices"], name)
        clabel = _label_columns(ch, "label")
        for col in ("list_name", "name"):
            if col not in ch:
                problems.append(f"{name}: " + _("trang “choices” thiếu cột “%(c)s”.") % {"c": col})
        for line, row in crows:
            if "list_name" not in ch or "name" not in ch:
                break
            list_name = _get(row, ch, "list_name")
            opt = _get(row, ch, "name")
            if (not list_name and not opt) or list_name == UNIT_LIST:
                continue
            if not list_name or not opt:
                problems.append(
                    f"{name}, choices, " + _("dòng %(l)s: thiếu list_name hoặc name.") % {"l": line}
                )
                continue
            raw_score = _get(row, ch, "parindex::score")
            score = None
            if raw_score:
                try:
                    score = to_decimal(raw_score)
                except ValueError:
                    problems.append(
                        f"{name}, choices, "
                        + _("dòng %(l)s, cột “parindex::score”: “%(v)s” không phải số.")
                        % {"l": line, "v": raw_score}
                    )
            form.choices.setdefault(list_name, []).append(
                ChoiceDef(
                    name=opt,
                    label=_get(row, ch, *clabel) or opt,
                    score=score,
                    satisfied=_yes(_get(row, ch, "parindex::satisfied")),
                )
            )
        sh, srows = _sheet_rows(sheets["survey"], name)
        slabel = _label_columns(sh, "label")
        shint = _label_columns(sh, "hint")
        for col in ("type", "name"):
            if col not in sh:
                problems.append(f"{name}: " + _("trang “survey” thiếu cột “%(c)s”.") % {"c": col})
        for line, row in srows:
            if "type" not in sh or "name" not in sh:
                break
            raw_type = " ".join(_get(row, sh, "type").split())
            qname = _get(row, sh, "name")
            if not raw_type and not qname:
                continue
            base = raw_type.split(" ")[0]
            if base in META_TYPES or raw_type in META_TYPES or qname in RESERVED_NAMES:
                continue
            if base == "begin_repeat" or raw_type == "begin repeat":
                problems.append(
                    f"{name}, survey, "
                    + _("dòng %(l)s: nhóm lặp (repeat) không được hỗ trợ.") % {"l": line}
                )
                continue
            if base in ("end_repeat",) or raw_type == "end repeat":
                continue
            list_name = ""
            if base == SELECT_ONE:
                parts = raw_type.split(" ")
                list_name = parts[1] if len(parts) > 1 else ""
                if not list_name:
                    problems.append(
                        f"{name}, survey, "
                        + _("dòng %(l)s: “select_one” thiếu tên danh sách.") % {"l": line}
                    )
            weight = Decimal(1)
            raw_weight = _get(row, sh, "parindex::weight")
            if raw_weight:
                try:
                    weight = to_decimal(raw_weight)
                except ValueError:
                    problems.append(
                        f"{name}, survey, "
                        + _("dòng %(l)s, cột “parindex::weight”: “%(v)s” không phải số.")
                        % {"l": line, "v": raw_weight}
                    )
            form.questions.append(
                QuestionDef(
                    type=base,
                    name=qname,
                    label=_get(row, sh, *slabel) or qname,
                    hint=_get(row, sh, *shint),
                    required=_yes(_get(row, sh, "required")),
                    relevant=_get(row, sh, "relevant"),
                    list_name=list_name,
                    leaf=_get(row, sh, "parindex::leaf"),
                    weight=weight,
                    aspect=_get(row, sh, "parindex::aspect"),
                )
            )
        problems += check_form(form, name)
        if problems:
            raise DefinitionError(problems)
        return form
    finally:
        wb.close()


def form_to_xlsform(form: FormDef, units: list[tuple[str, str]] | None = None) -> bytes:
    """The form as an XLSForm workbook that KoboToolbox/ODK accept. The respondent's unit is
    a select_one of `units` (code, name) when given, else a text field; the group is a
    calculate field with the group code, so exported submissions carry both."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append(SURVEY_COLUMNS)
    ws.append(["start", "start", "", "", "", "", "", "", "", ""])
    ws.append(["end", "end", "", "", "", "", "", "", "", ""])
    unit_type = f"select_one {UNIT_LIST}" if units else "text"
    ws.append([unit_type, "unit", _("Đơn vị được đánh giá"), "", "yes", "", "", "", "", ""])
    ws.append(["calculate", "group", "", "", "", "", f"'{form.group_code}'", "", "", ""])
    for q in form.questions:
        qtype = f"{q.type} {q.list_name}" if q.type == SELECT_ONE else q.type
        ws.append(
            [
                qtype,
                q.name,
                q.label,
                q.hint,
                "yes" if q.required else "",
                q.relevant,
                "",
                q.leaf,
                _plain_number(q.weight) if q.leaf or q.weight != 1 else "",
                q.aspect,
            ]
        )
    cs = wb.create_sheet("choices")
    cs.append(CHOICE_COLUMNS)
    for list_name, options in form.choices.items():
        for o in options:
            cs.append(
                [
                    list_name,
                    o.name,
                    o.label,
                    _plain_number(o.score) if o.score is not None else "",
                    "yes" if o.satisfied else "",
                ]
            )
    for code, unit_name in units or []:
        cs.append([UNIT_LIST, code, unit_name, "", ""])
    ss = wb.create_sheet("settings")
    ss.append(SETTINGS_COLUMNS)
    ss.append(
        [
            form.title,
            form.form_id,
            form.version,
            form.group_code,
            form.group_name,
            form.kind,
            form.description,
        ]
    )
    for sheet in (ws, cs, ss):
        as_text(cell for row in sheet.iter_rows() for cell in row)  # labels never run as formulas
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    ws.column_dimensions["C"].width = 70
    ws.column_dimensions["A"].width = 24
    cs.column_dimensions["C"].width = 40
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
