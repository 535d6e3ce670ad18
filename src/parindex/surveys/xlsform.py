"""Questionnaires as XLSForm workbooks (ODK, KoboToolbox), read tolerantly and written cleanly.

An XLSForm is an .xlsx with the sheets `survey` (type, name, label, hint, required, relevant,
...), `choices` (list_name, name, label) and `settings` (form_title, form_id, version).
parindex's own data sits in extra columns that XLSForm tools leave alone: `parindex_leaf`,
`parindex_weight`, `parindex_aspect` on `survey`, `parindex_score`, `parindex_satisfied` on
`choices`, `parindex_group`, `parindex_group_label`, `parindex_kind`, `parindex_description`
on `settings`. No `::` in them: XLSForm reads `column::X` as column in language X. Files
written with the older `parindex::…` names are still read.

Reading accepts what XLSForm allows: `list name`/`list_name`, any header case, type aliases
(`select one x`, `select_one x or_other`, `int`, `string`...), no `form_id` (the file name),
no choices sheet when no question needs one, translated labels (`label::Tiếng Việt (vi)`,
`label::vi`, `label:English`; Vietnamese first, then `label`). Questions parindex does not
score are kept; groups, repeats, calculations and metadata rows are reported, never refused.
Every problem names the sheet, row and column.
"""

from __future__ import annotations

import io
import re
import unicodedata
from decimal import Decimal
from pathlib import PurePath
from typing import Any
from zipfile import BadZipFile

from django.utils.translation import gettext as _

from parindex.common.cells import as_text
from parindex.common.office_zip import DEFAULT, OfficeFileRefused, capped, load_workbook_checked
from parindex.core.numbers import to_decimal

from .definitions import (
    LIST_TYPES,
    RESERVED_NAMES,
    SELECT_ONE,
    TYPES,
    ChoiceDef,
    DefinitionError,
    FormDef,
    QuestionDef,
    _cell_text,
    _plain_number,
    _yes,
    check_form,
)

UNIT_LIST = "parindex_units"
PARINDEX_COLUMNS = (
    "score",
    "satisfied",
    "leaf",
    "weight",
    "aspect",
    "group",
    "group_label",
    "kind",
    "description",
)
SURVEY_COLUMNS = [
    "type",
    "name",
    "label",
    "hint",
    "required",
    "relevant",
    "calculation",
    "parindex_leaf",
    "parindex_weight",
    "parindex_aspect",
]
CHOICE_COLUMNS = ["list_name", "name", "label", "parindex_score", "parindex_satisfied"]
SETTINGS_COLUMNS = [
    "form_title",
    "form_id",
    "version",
    "parindex_group",
    "parindex_group_label",
    "parindex_kind",
    "parindex_description",
]
# Type words XLSForm accepts for the same question type (longest first when matching).
TYPE_ALIASES = {
    "add select one prompt using": SELECT_ONE,
    "select one from": SELECT_ONE,
    "select one": SELECT_ONE,
    "select1": SELECT_ONE,
    "add select multiple prompt using": "select_multiple",
    "select all that apply from": "select_multiple",
    "select all that apply": "select_multiple",
    "select multiple": "select_multiple",
    "int": "integer",
    "add integer prompt": "integer",
    "string": "text",
    "add text prompt": "text",
    "add decimal prompt": "decimal",
    "add date prompt": "date",
    "add time prompt": "time",
    "datetime": "dateTime",
    "add datetime prompt": "dateTime",
    "add note prompt": "note",
    "trigger": "acknowledge",
    "add acknowledge prompt": "acknowledge",
    "photo": "image",
    "add image prompt": "image",
    "add photo prompt": "image",
    "add audio prompt": "audio",
    "add video prompt": "video",
    "add file prompt": "file",
    "add barcode prompt": "barcode",
    "add location prompt": "geopoint",
    "location": "geopoint",
    "gps": "geopoint",
    "begin group": "begin_group",
    "end group": "end_group",
    "begin repeat": "begin_repeat",
    "end repeat": "end_repeat",
    "begin lgroup": "begin_repeat",
    "end lgroup": "end_repeat",
    "begin looped group": "begin_repeat",
    "end looped group": "end_repeat",
}
# Rows that are not questions: metadata, structure, computed values.
META_TYPES = {
    "start",
    "end",
    "today",
    "deviceid",
    "imei",
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
    "background-geopoint",
    "xml-external",
    "csv-external",
}
EXTERNAL_SELECTS = {
    "select_one_from_file",
    "select_multiple_from_file",
    "select one from file",
    "select multiple from file",
    "select_one_external",
}
VI_LANGS = ("vi", "vietnamese", "tiếng việt", "tieng viet", "việt", "viet")


def _norm_header(raw: str) -> str:
    """A header as parindex looks it up: lower case, `list name` → `list_name`, the old
    `parindex::x` → `parindex_x`, `label:English` → `label::English`."""
    h = " ".join(raw.split())
    low = h.lower()
    if low.startswith("parindex:"):
        return "parindex_" + low.split(":")[-1].strip()
    for sep in ("::", ":"):
        if sep in h and not low.startswith("jr:"):
            base, lang = h.split(sep, 1)
            return base.strip().lower().replace(" ", "_") + "::" + lang.strip()
    return low.replace(" ", "_")


class _Sheet:
    """One sheet: normalised header → column, original header text, numbered rows."""

    def __init__(self, ws: Any, file: str, title: str) -> None:
        rows = list(capped(ws.iter_rows(values_only=True), file, ws.title, DEFAULT))
        self.title = title
        self.header: dict[str, int] = {}
        self.shown: dict[str, str] = {}
        for i, h in enumerate(rows[0] if rows else []):
            text = _cell_text(h)
            key = _norm_header(text) if text else ""
            if key and key not in self.header:
                self.header[key] = i
                self.shown[key] = text
        self.rows = [(n, list(r)) for n, r in enumerate(rows[1:], 2)]

    def get(self, row: list[Any], *names: str) -> str:
        for name in names:
            i = self.header.get(name)
            if i is not None and i < len(row):
                text = _cell_text(row[i])
                if text:
                    return text
        return ""

    def col(self, key: str) -> str:
        return self.shown.get(key, key)

    def languages(self, base: str, default_language: str = "") -> list[str]:
        """`base` columns, best first: Vietnamese, `base`, the default language, the rest."""
        langs = [h for h in self.header if h.startswith(base + "::")]

        def rank(h: str) -> tuple[int, int]:
            lang = h.split("::", 1)[1].strip().lower()
            code = lang.rsplit("(", 1)[-1].rstrip(")").strip() if "(" in lang else lang
            if code in VI_LANGS or lang.startswith(VI_LANGS[1:]):
                return (0, self.header[h])
            if default_language and lang == default_language.strip().lower():
                return (2, self.header[h])
            return (3, self.header[h])

        cols = sorted(langs, key=rank)
        vi = [h for h in cols if rank(h)[0] == 0]
        rest = [h for h in cols if rank(h)[0] != 0]
        return vi + ([base] if base in self.header else []) + rest


def _split_type(raw: str) -> tuple[str, str, str]:
    """(type, list name, rest) of a `type` cell, aliases resolved."""
    text = " ".join(raw.split())
    low = text.lower()
    for alias in sorted(TYPE_ALIASES, key=len, reverse=True):
        if low == alias or low.startswith(alias + " "):
            words = text[len(alias) :].split()
            return TYPE_ALIASES[alias], (words[0] if words else ""), " ".join(words[1:])
    words = text.split()
    base = words[0] if words else ""
    base = base if base in TYPES else base.lower()
    base = TYPE_ALIASES.get(base, base)
    return base, (words[1] if len(words) > 1 else ""), " ".join(words[2:])


def _default_form_id(name: str) -> str:
    """XLSForm's default form_id: the file name without extension (made a valid name)."""
    stem = PurePath(name).stem
    ascii_stem = unicodedata.normalize("NFKD", stem.replace("đ", "d").replace("Đ", "D"))
    ascii_stem = ascii_stem.encode("ascii", "ignore").decode()
    out = re.sub(r"[^A-Za-z0-9_.\-]+", "_", ascii_stem).strip("_") or "phieu"
    return ("_" + out if not re.match(r"[A-Za-z_]", out) else out)[:64]


def _number(sheet: _Sheet, row: list[Any], key: str, where: str, problems: list[str]) -> Any:
    raw = sheet.get(row, key)
    if not raw:
        return None
    try:
        return to_decimal(raw)
    except ValueError:
        problems.append(
            where + _("cột “%(c)s”: “%(v)s” không phải số.") % {"c": sheet.col(key), "v": raw}
        )
        return None


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
        return _read(wb, name)
    finally:
        wb.close()


def _read(wb: Any, name: str) -> FormDef:
    sheets = {ws.title.strip().lower(): ws for ws in wb.worksheets}
    if "survey" not in sheets:
        raise DefinitionError([f"{name}: " + _("thiếu trang tính “%(s)s”.") % {"s": "survey"}])
    settings: dict[str, str] = {}
    if "settings" in sheets:
        st = _Sheet(sheets["settings"], name, "settings")
        if st.rows:
            settings = {key: st.get(st.rows[0][1], key) for key in st.header}
    form_id = settings.get("form_id", "") or settings.get("set_form_id", "")
    form = FormDef(
        form_id=form_id or _default_form_id(name),
        title=settings.get("form_title", "") or settings.get("set_form_title", ""),
        version=settings.get("version", ""),
        group_code=settings.get("parindex_group", ""),
        group_name=settings.get("parindex_group_label", ""),
        kind=settings.get("parindex_kind", "") or "standard",
        description=settings.get("parindex_description", ""),
    )
    form.title = form.title or form.form_id
    form.group_code = form.group_code or form.form_id
    form.group_name = form.group_name or form.group_code
    lang = settings.get("default_language", "")
    problems: list[str] = []
    survey = _Sheet(sheets["survey"], name, "survey")
    choices = _Sheet(sheets["choices"], name, "choices") if "choices" in sheets else None
    # A missing sheet or header is reported alone: the checks after it would only repeat it.
    missing = _missing_columns(survey, name, ("type", "name"))
    if choices is not None:
        missing += _missing_columns(choices, name, ("list_name", "name"))
    if missing:
        raise DefinitionError(missing)
    _read_survey(survey, name, lang, form, problems)
    if choices is not None:
        _read_choices(choices, name, lang, form, problems)
    elif any(q.type in LIST_TYPES for q in form.questions):
        raise DefinitionError([f"{name}: " + _("thiếu trang tính “%(s)s”.") % {"s": "choices"}])
    problems += check_form(form, name)
    if problems:
        raise DefinitionError(problems)
    return form


def _missing_columns(sheet: _Sheet, name: str, columns: tuple[str, ...]) -> list[str]:
    return [
        f"{name}: " + _("trang “%(s)s” thiếu cột “%(c)s”.") % {"s": sheet.title, "c": col}
        for col in columns
        if col not in sheet.header
    ]


def _read_choices(ch: _Sheet, name: str, lang: str, form: FormDef, problems: list[str]) -> None:
    labels = ch.languages("label", lang)
    for line, row in ch.rows:
        list_name = ch.get(row, "list_name")
        opt = ch.get(row, "name")
        if (not list_name and not opt) or list_name == UNIT_LIST:
            continue
        where = f"{name}, choices, " + _("dòng %(l)s, ") % {"l": line}
        if not list_name or not opt:
            col = ch.col("name" if list_name else "list_name")
            problems.append(where + _("cột “%(c)s”: ô trống.") % {"c": col})
            continue
        form.choices.setdefault(list_name, []).append(
            ChoiceDef(
                name=opt,
                label=ch.get(row, *labels) or opt,
                score=_number(ch, row, "parindex_score", where, problems),
                satisfied=_yes(ch.get(row, "parindex_satisfied")),
            )
        )


def _read_survey(sh: _Sheet, name: str, lang: str, form: FormDef, problems: list[str]) -> None:
    labels = sh.languages("label", lang)
    hints = sh.languages("hint", lang)
    repeats = 0
    for line, row in sh.rows:
        raw_type = sh.get(row, "type")
        qname = sh.get(row, "name")
        if not raw_type and not qname:
            continue
        where = f"{name}, survey, " + _("dòng %(l)s, ") % {"l": line}
        qtype, list_name, _rest = _split_type(raw_type)  # `or_other`: its text is not kept
        low = raw_type.lower()
        external = any(low == e or low.startswith(e + " ") for e in EXTERNAL_SELECTS)
        if not raw_type:
            problems.append(where + _("cột “%(c)s”: ô trống.") % {"c": sh.col("type")})
            continue
        if qtype in ("begin_repeat", "end_repeat"):
            repeats += 1 if qtype == "begin_repeat" else -1
        if (
            qtype in META_TYPES
            or qtype in ("begin_group", "end_group", "begin_repeat", "end_repeat")
            or external
            or qname in RESERVED_NAMES
        ):
            form.skipped.append(f"{qname or '-'} ({raw_type})")
            continue
        if qtype not in TYPES:
            problems.append(
                where
                + _("cột “%(c)s”: loại câu hỏi “%(v)s” không có trong XLSForm.")
                % {"c": sh.col("type"), "v": raw_type}
            )
            continue
        if qtype in LIST_TYPES and not list_name:
            problems.append(
                where
                + _("cột “%(c)s”: “%(v)s” thiếu tên danh sách.")
                % {"c": sh.col("type"), "v": raw_type}
            )
            continue
        leaf = sh.get(row, "parindex_leaf")
        if leaf and repeats > 0:
            problems.append(
                where
                + _("cột “%(c)s”: câu hỏi trong nhóm lặp (repeat) không chấm điểm được.")
                % {"c": sh.col("parindex_leaf")}
            )
        weight = _number(sh, row, "parindex_weight", where, problems)
        form.questions.append(
            QuestionDef(
                type=qtype,
                name=qname,
                label=sh.get(row, *labels) or qname,
                hint=sh.get(row, *hints),
                required=_yes(sh.get(row, "required")),
                relevant=sh.get(row, "relevant"),
                list_name=list_name if qtype in LIST_TYPES else "",
                leaf=leaf,
                weight=Decimal(1) if weight is None else weight,
                aspect=sh.get(row, "parindex_aspect"),
            )
        )


def form_to_xlsform(form: FormDef, units: list[tuple[str, str]] | None = None) -> bytes:
    """The form as an XLSForm workbook that KoboToolbox/ODK (pyxform) accept. The respondent's
    unit is a select_one of `units` (code, name) when given, else a text field; the group is a
    calculate field with the group code, so exported submissions carry both."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append(SURVEY_COLUMNS)
    blank = [""] * (len(SURVEY_COLUMNS) - 2)
    ws.append(["start", "start", *blank])
    ws.append(["end", "end", *blank])
    unit_type = f"select_one {UNIT_LIST}" if units else "text"
    ws.append([unit_type, "unit", _("Đơn vị được đánh giá"), "", "yes", "", "", "", "", ""])
    ws.append(["calculate", "group", "", "", "", "", f"'{form.group_code}'", "", "", ""])
    for q in form.questions:
        qtype = f"{q.type} {q.list_name}" if q.type in LIST_TYPES else q.type
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
