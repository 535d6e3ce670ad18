"""Methodology <-> plain data (the dicts of the YAML file and Excel rows).

`methodology_from_dict` validates while it builds and raises ValidationFailed with every
problem found, each naming the file, the line (when the reader recorded one under the key
`__line__`) and the code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .errors import Issue, ValidationFailed
from .model import (
    ABSENT_BLOCK_POLICIES,
    DEFAULT_GRADES,
    METHODS,
    NOT_ARISING_POLICIES,
    SKELETON,
    Grade,
    Methodology,
    Node,
    Prorate,
)
from .numbers import ZERO, fmt_vn, to_decimal
from .rules import ADJUSTMENT_KINDS, rule_from_dict
from .structure import structure_from_dict, structure_to_dict

FORMAT = "parindex-methodology/1"
LINE = "__line__"


class _Builder:
    def __init__(self, source: str) -> None:
        self.source = source
        self.issues: list[Issue] = []
        self.seen: dict[str, int | None] = {}
        self.period: tuple[date, date] | None = None

    def date(self, spec: Mapping[str, Any], key: str, code: str = "") -> date | None:
        if spec.get(key) is None or spec.get(key) == "":
            return None
        parsed = parse_date(spec[key])
        if parsed is None:
            self.error(f"'{key}' = '{spec[key]}' không phải là ngày (dd/mm/yyyy)", spec, code)
        return parsed

    def prorate(self, spec: Mapping[str, Any], code: str) -> dict[str, Any]:
        """valid_from / valid_to of a leaf and the pro-rating they give in the period."""
        start, end = self.date(spec, "valid_from", code), self.date(spec, "valid_to", code)
        if start is None and end is None:
            return {}
        out: dict[str, Any] = {"valid_from": start, "valid_to": end}
        if self.period is None:
            self.error(
                "mục có valid_from/valid_to cần kỳ đánh giá period_from và period_to "
                "của bộ tiêu chí",
                spec,
                code,
            )
            return out
        p_from, p_to = self.period
        lo, hi = start or p_from, end or p_to
        if lo > hi:
            self.error(f"valid_from {_vn_date(lo)} sau valid_to {_vn_date(hi)}", spec, code)
            return out
        if lo < p_from or hi > p_to:
            self.error(
                f"thời gian hiệu lực {_vn_date(lo)}–{_vn_date(hi)} phải nằm trong kỳ đánh giá "
                f"{_vn_date(p_from)}–{_vn_date(p_to)}",
                spec,
                code,
            )
            return out
        out["prorate"] = Prorate(lo, hi, (hi - lo).days + 1, (p_to - p_from).days + 1)
        return out

    def error(self, message: str, spec: Mapping[str, Any] | None = None, code: str = "") -> None:
        line = spec.get(LINE) if isinstance(spec, Mapping) else None
        self.issues.append(Issue(message, source=self.source, row=line, code=code))

    def year(self, spec: Mapping[str, Any], key: str) -> int | None:
        raw = spec.get(key)
        if raw is None or raw == "":
            return None
        text = str(raw).strip()
        text = text[:-2] if text.endswith(".0") else text  # a year typed in a spreadsheet
        if not text.isdigit() or not 2000 <= int(text) <= 2100:
            self.error(f"'{key}' = '{raw}' không phải là năm (2000–2100)", spec)
            return None
        return int(text)

    def decimal(self, spec: Mapping[str, Any], key: str, code: str) -> Decimal | None:
        if spec.get(key) is None:
            return None
        try:
            return to_decimal(spec[key])
        except ValueError:
            self.error(f"'{key}' = '{spec[key]}' không phải là số", spec, code)
            return None

    def node(
        self, spec: Any, parent: str | None, adjustment: bool, unit_types: tuple[str, ...]
    ) -> Node | None:
        if not isinstance(spec, Mapping):
            self.error(f"mục phải là một bảng khóa/giá trị, không phải '{spec}'")
            return None
        code = str(spec.get("code") or "").strip()
        if not code:
            self.error("thiếu mã (code)", spec)
            return None
        if code in self.seen:
            where = f" (đã có ở dòng {self.seen[code]})" if self.seen[code] else ""
            self.error(f"mã trùng lặp{where}", spec, code)
        self.seen[code] = spec.get(LINE)
        if parent is not None and not code.startswith(parent + "."):
            self.error(f"mã phải bắt đầu bằng mã của mục cha '{parent}.'", spec, code)
        if parent is None and not adjustment and "." in code:
            self.error("mã của lĩnh vực không được chứa dấu chấm", spec, code)
        name = str(spec.get("name") or "").strip()
        if not name:
            self.error("thiếu tên (name)", spec, code)
        max_points = self.decimal(spec, "max", code)
        if max_points is None:
            if "max" not in spec:
                self.error("thiếu điểm tối đa (max)", spec, code)
            max_points = ZERO
        elif max_points < 0:
            self.error(f"điểm tối đa {max_points} âm", spec, code)
        children_spec = spec.get("children") or []
        if not isinstance(children_spec, list):
            self.error("'children' phải là một danh sách", spec, code)
            children_spec = []
        children = tuple(
            n
            for n in (self.node(c, code, adjustment, unit_types) for c in children_spec)
            if n is not None
        )
        applies = spec.get("applies_to")
        applies_to = None
        if applies is not None:
            items = _as_list(applies)
            if items is None:
                self.error("'applies_to' phải là một danh sách loại đơn vị", spec, code)
                items = []
            applies_to = frozenset(str(a).strip() for a in items)
            unknown_types = sorted(applies_to - set(unit_types)) if unit_types else []
            if unknown_types:
                self.error(
                    f"loại đơn vị không có trong unit_types: {', '.join(unknown_types)}",
                    spec,
                    code,
                )
        not_arising = spec.get("not_arising")
        if not_arising is not None and not_arising not in NOT_ARISING_POLICIES:
            self.error(
                f"not_arising '{not_arising}' không hợp lệ "
                f"(các giá trị: {', '.join(NOT_ARISING_POLICIES)})",
                spec,
                code,
            )
        base: dict[str, Any] = {
            "code": code,
            "name": name,
            "max_points": max_points,
            "name_en": str(spec.get("name_en") or ""),
            "guidance": str(spec.get("guidance") or ""),
            "evidence": str(spec.get("evidence") or ""),
            "applies_to": applies_to,
            "not_arising": not_arising,
            "unknown": bool(spec.get("unknown", False)),
            "gate": bool(spec.get("gate", False)),
            "block": bool(spec.get("block", False)),
        }
        if base["block"] and adjustment:
            self.error("mục điểm thưởng/điểm trừ không thể là một khối (block)", spec, code)
        dated = spec.get("valid_from") is not None or spec.get("valid_to") is not None
        if dated and (children or adjustment):
            self.error(
                "valid_from/valid_to chỉ đặt ở tiêu chí thành phần (mục cuối), không ở mục có "
                "mục con hay mục điểm thưởng/điểm trừ",
                spec,
                code,
            )
        elif dated:
            base.update(self.prorate(spec, code))
        if base["gate"] and (children or parent is None or adjustment):
            self.error(
                "'gate' chỉ đặt ở tiêu chí thành phần (mục cuối) có mục cha, không ở lĩnh vực, "
                "mục có mục con hay mục điểm thưởng/điểm trừ",
                spec,
                code,
            )
        if children:
            if spec.get("rule"):
                self.error("mục có mục con không được có quy tắc chấm (rule)", spec, code)
            for key in ("applies_to", "not_arising"):
                if spec.get(key) is not None:
                    self.error(
                        f"'{key}' chỉ đặt ở tiêu chí thành phần (mục cuối), không ở mục có mục con",
                        spec,
                        code,
                    )
            total = sum((c.max_points for c in children), ZERO)
            if total != max_points:
                self.error(
                    f"tổng điểm tối đa của các mục con ({fmt_vn(total, 4)}) khác điểm tối đa "
                    f"của mục ({fmt_vn(max_points, 4)})",
                    spec,
                    code,
                )
            return Node(children=children, **base)
        if parent is None and not adjustment:
            self.error("lĩnh vực phải có ít nhất một tiêu chí (children)", spec, code)
        return self.leaf(spec, base, adjustment)

    def leaf(self, spec: Mapping[str, Any], base: dict[str, Any], adjustment: bool) -> Node:
        code = base["code"]
        method = str(spec.get("method") or "self")
        if method not in METHODS:
            self.error(
                f"phương thức '{method}' không hợp lệ (các giá trị: {', '.join(METHODS)})",
                spec,
                code,
            )
        rule_spec = spec.get("rule")
        if isinstance(rule_spec, str):
            rule_spec = {"kind": rule_spec}
        if not isinstance(rule_spec, Mapping):
            self.error("tiêu chí thành phần thiếu quy tắc chấm (rule)", spec, code)
            return Node(method=method, **base)
        try:
            rule = rule_from_dict(rule_spec)
        except ValueError as exc:
            self.error(str(exc), spec, code)
            return Node(method=method, **base)
        for problem in rule.check(base["max_points"]):
            self.error(f"quy tắc: {problem}", spec, code)
        if adjustment and rule.kind not in ADJUSTMENT_KINDS:
            self.error(
                "mục điểm thưởng/điểm trừ phải dùng quy tắc bonus hoặc deduction", spec, code
            )
        if not adjustment and rule.kind in ADJUSTMENT_KINDS:
            self.error(
                f"quy tắc '{rule.kind}' chỉ dùng trong mục điểm thưởng/điểm trừ (adjustments)",
                spec,
                code,
            )
        return Node(method=method, rule=rule, **base)

    def grades(self, spec: Any) -> tuple[Grade, ...]:
        if spec is None:
            return DEFAULT_GRADES
        grades = []
        for g in spec if isinstance(spec, list) else []:
            if not isinstance(g, Mapping):
                self.error(f"mỗi mức xếp loại (bands) cần 'code' và 'min', không phải '{g}'")
                continue
            minimum = self.decimal(g, "min", str(g.get("code", "")))
            if not g.get("code") or minimum is None:
                self.error("mỗi mức xếp loại (bands) cần 'code' và 'min'", g)
                continue
            grades.append(Grade(str(g["code"]), minimum, str(g.get("label") or g["code"])))
        if not grades:
            self.error("'bands' phải là danh sách các mức xếp loại")
            return DEFAULT_GRADES
        if len({g.min_index for g in grades}) != len(grades):
            self.error("các mức xếp loại có 'min' trùng nhau")
        return tuple(sorted(grades, key=lambda g: g.min_index, reverse=True))


NOT_SUBMITTED_POLICIES = ("exclude", "zero")
_VN_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def parse_date(raw: Any) -> date | None:
    """A date as YAML (a date), Excel (a datetime), ISO text (2025-07-01) or as officials
    write it (01/07/2025) gives it; None when it is none of these."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = str(raw).strip()
    try:
        match = _VN_DATE.match(text)
        if match:
            return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        return date.fromisoformat(text[:10]) if re.match(r"^\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:
        return None


def _vn_date(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def _as_list(value: Any) -> list[Any] | None:
    """A YAML list, or a single string taken as a list of one; None for anything else."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)
    return None


def methodology_from_dict(data: Any, source: str = "") -> Methodology:
    """Build and validate a methodology from its plain-data form (see docs)."""
    b = _Builder(source)
    if not isinstance(data, Mapping):
        raise ValidationFailed(
            [Issue("tệp không chứa một bộ tiêu chí (cần một bảng khóa/giá trị)", source)]
        )
    if data.get("format") != FORMAT:
        b.error(f"thiếu hoặc sai 'format' (cần '{FORMAT}')", data)
    for key in ("code", "name", "version"):
        if not str(data.get(key) or "").strip():
            b.error(f"thiếu '{key}'", data)
    unit_types = tuple(str(t) for t in _as_list(data.get("unit_types") or []) or [])
    period_from, period_to = b.date(data, "period_from"), b.date(data, "period_to")
    if (period_from is None) != (period_to is None) and not b.issues:
        b.error("kỳ đánh giá cần cả period_from và period_to", data)
    elif period_from is not None and period_to is not None:
        if period_from > period_to:
            b.error(
                f"period_from {_vn_date(period_from)} sau period_to {_vn_date(period_to)}", data
            )
        else:
            b.period = (period_from, period_to)
    valid_from_year, valid_to_year = b.year(data, "valid_from_year"), b.year(data, "valid_to_year")
    if valid_from_year and valid_to_year and valid_from_year > valid_to_year:
        b.error(f"valid_from_year {valid_from_year} sau valid_to_year {valid_to_year}", data)
    default_policy = str(data.get("not_arising_default") or "exclude")
    if default_policy not in NOT_ARISING_POLICIES:
        b.error(f"not_arising_default '{default_policy}' không hợp lệ", data)
    absent_block = str(data.get("absent_block") or "exclude")
    if absent_block not in ABSENT_BLOCK_POLICIES:
        b.error(
            f"absent_block '{absent_block}' không hợp lệ ({' | '.join(ABSENT_BLOCK_POLICIES)})",
            data,
        )
    not_submitted = str(data.get("not_submitted") or "exclude")
    if not_submitted not in NOT_SUBMITTED_POLICIES:
        b.error(f"not_submitted '{not_submitted}' không hợp lệ (exclude | zero)", data)
    fields_spec = data.get("fields")
    skeleton = data.get("status") == SKELETON
    if skeleton and fields_spec in (None, []):
        fields_spec = []  # a skeleton: what is known, no scoring tree
    elif not isinstance(fields_spec, list) or not fields_spec:
        b.error("thiếu danh sách lĩnh vực (fields)", data)
        fields_spec = []
    fields = tuple(n for n in (b.node(f, None, False, unit_types) for f in fields_spec) if n)
    adjustments_spec = data.get("adjustments") or []
    if not isinstance(adjustments_spec, list):
        b.error("'adjustments' phải là một danh sách", data)
        adjustments_spec = []
    adjustments = tuple(
        n for n in (b.node(a, None, True, unit_types) for a in adjustments_spec) if n
    )
    for a in adjustments:
        if a.children:
            b.error("mục điểm thưởng/điểm trừ không có mục con", None, a.code)
    grades = b.grades(data.get("bands"))
    bonus_cap = b.decimal(data, "bonus_cap", "")
    floor = b.decimal(data, "deduction_floor", "")
    if floor is not None and floor > 0:
        b.error("deduction_floor phải ≤ 0", data)
    if fields and sum((f.max_points for f in fields), ZERO) <= 0:
        b.error("tổng điểm tối đa phải lớn hơn 0", data)
    structure = structure_from_dict(
        data.get("structure"), b.issues, source, sum((f.max_points for f in fields), ZERO)
    )
    for f in fields:
        for node in f.walk():
            inner = [c.code for c in node.walk() if c.block and c is not node]
            if node.block and inner:
                b.error(f"khối (block) không chứa khối khác: {', '.join(inner)}", None, node.code)
    if b.issues:
        raise ValidationFailed(b.issues)
    return Methodology(
        code=str(data["code"]).strip(),
        name=str(data["name"]).strip(),
        version=str(data["version"]).strip(),
        fields=fields,
        adjustments=adjustments,
        name_en=str(data.get("name_en") or ""),
        level=str(data.get("level") or ""),
        decision=str(data.get("decision") or ""),
        status=str(data.get("status") or ""),
        description=str(data.get("description") or ""),
        unit_types=unit_types,
        not_arising_default=default_policy,
        not_submitted=not_submitted,
        grades=grades,
        bonus_cap=bonus_cap,
        deduction_floor=floor,
        period_from=period_from,
        period_to=period_to,
        absent_block=absent_block,
        valid_from_year=valid_from_year,
        valid_to_year=valid_to_year,
        structure=structure,
    )


def _node_to_dict(node: Node) -> dict[str, Any]:
    d: dict[str, Any] = {"code": node.code, "name": node.name}
    if node.name_en:
        d["name_en"] = node.name_en
    d["max"] = node.max_points
    for key in ("guidance", "evidence"):
        if getattr(node, key):
            d[key] = getattr(node, key)
    if node.unknown:
        d["unknown"] = True
    if node.gate:
        d["gate"] = True
    if node.block:
        d["block"] = True
    for key in ("valid_from", "valid_to"):
        if getattr(node, key) is not None:
            d[key] = getattr(node, key).isoformat()
    if node.children:
        d["children"] = [_node_to_dict(c) for c in node.children]
        return d
    d["method"] = node.method
    if node.rule is not None:
        d["rule"] = node.rule.to_dict()
    if node.not_arising:
        d["not_arising"] = node.not_arising
    if node.applies_to is not None:
        d["applies_to"] = sorted(node.applies_to)
    return d


def methodology_to_dict(m: Methodology) -> dict[str, Any]:
    """The plain-data form of a methodology; `methodology_from_dict` reads it back."""
    d: dict[str, Any] = {"format": FORMAT, "code": m.code, "name": m.name}
    for key in ("name_en", "version", "level", "decision", "status", "description"):
        if getattr(m, key):
            d[key] = getattr(m, key)
    if m.unit_types:
        d["unit_types"] = list(m.unit_types)
    for key in ("valid_from_year", "valid_to_year"):
        if getattr(m, key) is not None:
            d[key] = getattr(m, key)
    if m.period_from is not None and m.period_to is not None:
        d["period_from"], d["period_to"] = m.period_from.isoformat(), m.period_to.isoformat()
    d["not_arising_default"] = m.not_arising_default
    if m.absent_block != "exclude":
        d["absent_block"] = m.absent_block
    if m.not_submitted != "exclude":
        d["not_submitted"] = m.not_submitted
    d["bands"] = [{"code": g.code, "label": g.label, "min": g.min_index} for g in m.grades]
    if m.bonus_cap is not None:
        d["bonus_cap"] = m.bonus_cap
    if m.deduction_floor is not None:
        d["deduction_floor"] = m.deduction_floor
    if m.structure is not None:
        d["structure"] = structure_to_dict(m.structure)
    d["fields"] = [_node_to_dict(f) for f in m.fields]
    if m.adjustments:
        d["adjustments"] = [_node_to_dict(a) for a in m.adjustments]
    return d
