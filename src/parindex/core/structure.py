"""What is known of an official text's structure, number by number: a methodology's optional
`structure` section (docs/methodology-format.md, "What is known of an official structure").

The national files ship what is public and nothing more. Their scoring tree holds only what
can be scored from sourced numbers (e.g. the four blocks of the published provincial results);
the `structure` says how the official text is built: how many fields, criteria and
sub-criteria, each field's maximum where a source gives it, and `null` (unknown, shown as
"chưa công bố") where none does: never an even split or a guess."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .errors import Issue
from .numbers import ZERO, fmt_vn, to_decimal

COUNTS = ("fields", "criteria", "sub_criteria")
WEB_ADDRESS = ("http://", "https://")


@dataclass(frozen=True)
class StructureField:
    code: str
    name: str
    name_en: str = ""
    max: Decimal | None = None  # None: not public
    criteria: int | None = None
    sub_criteria: int | None = None
    source: str = ""


@dataclass(frozen=True)
class Structure:
    total: Decimal | None = None
    survey_points: Decimal | None = None
    fields_count: int | None = None
    criteria: int | None = None
    sub_criteria: int | None = None
    fields: tuple[StructureField, ...] = ()
    sources: tuple[str, ...] = ()

    @property
    def known_max(self) -> Decimal:
        return sum((f.max for f in self.fields if f.max is not None), ZERO)

    @property
    def unknown_fields(self) -> tuple[StructureField, ...]:
        return tuple(f for f in self.fields if f.max is None)

    @property
    def unknown_together(self) -> Decimal | None:
        """What the fields of unknown maximum have together (total - known), when the total is
        known and some are unknown."""
        if self.total is None or not self.unknown_fields:
            return None
        return self.total - self.known_max


def _int(value: Any, key: str, code: str, issues: list[Issue], source: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not str(value).isdigit():
        issues.append(
            Issue(f"structure: '{key}' = '{value}' không phải số nguyên", source, code=code)
        )
        return None
    return int(value)


def _dec(value: Any, key: str, code: str, issues: list[Issue], source: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return to_decimal(value)
    except (ValueError, ArithmeticError):
        issues.append(Issue(f"structure: '{key}' = '{value}' không phải là số", source, code=code))
        return None


def structure_from_dict(
    data: Any, issues: list[Issue], source: str = "", scored_total: Decimal | None = None
) -> Structure | None:
    """The `structure` section, checked: the fields' counts add up to the stated counts, the
    known maxima stay within the total (and equal it when none is unknown). `scored_total`:
    the scoring tree's maximum, which a stated total must equal."""
    if data is None:
        return None
    if not isinstance(data, Mapping):
        issues.append(Issue("structure phải là một bảng khóa/giá trị", source))
        return None
    fields: list[StructureField] = []
    for spec in data.get("fields") or []:
        if not isinstance(spec, Mapping) or not str(spec.get("code") or "").strip():
            issues.append(Issue("structure: mỗi lĩnh vực cần 'code' và 'name'", source))
            continue
        code = str(spec["code"]).strip()
        fields.append(
            StructureField(
                code=code,
                name=str(spec.get("name") or "").strip(),
                name_en=str(spec.get("name_en") or ""),
                max=_dec(spec.get("max"), "max", code, issues, source),
                criteria=_int(spec.get("criteria"), "criteria", code, issues, source),
                sub_criteria=_int(spec.get("sub_criteria"), "sub_criteria", code, issues, source),
                source=str(spec.get("source") or ""),
            )
        )
    counts = data.get("counts") or {}
    s = Structure(
        total=_dec(data.get("total"), "total", "", issues, source),
        survey_points=_dec(data.get("survey_points"), "survey_points", "", issues, source),
        fields_count=_int(counts.get("fields"), "fields", "", issues, source),
        criteria=_int(counts.get("criteria"), "criteria", "", issues, source),
        sub_criteria=_int(counts.get("sub_criteria"), "sub_criteria", "", issues, source),
        fields=tuple(fields),
        sources=tuple(str(x) for x in data.get("sources") or ()),
    )
    _check(s, issues, source, scored_total)
    return s


def _check(s: Structure, issues: list[Issue], source: str, scored_total: Decimal | None) -> None:
    def issue(message: str) -> None:
        issues.append(Issue(f"structure: {message}", source))

    # Sources are shown as links (a public page): web addresses only, never `javascript:`.
    for where, url in [("sources", x) for x in s.sources] + [
        (f"lĩnh vực {f.code}", f.source) for f in s.fields if f.source
    ]:
        if not url.strip().lower().startswith(WEB_ADDRESS):
            issue(f"nguồn '{url}' ({where}) không phải địa chỉ web (http:// hoặc https://)")
    if s.fields and s.fields_count is not None and len(s.fields) != s.fields_count:
        issue(f"ghi {s.fields_count} lĩnh vực nhưng liệt kê {len(s.fields)}")
    for key, stated in (("criteria", s.criteria), ("sub_criteria", s.sub_criteria)):
        per_field = [getattr(f, key) for f in s.fields]
        if stated is not None and per_field and None not in per_field:
            if sum(per_field) != stated:
                issue(f"tổng {key} của các lĩnh vực là {sum(per_field)}, khác {stated}")
    if s.total is not None:
        if s.known_max > s.total:
            issue(f"tổng điểm tối đa đã biết {fmt_vn(s.known_max)} vượt tổng {fmt_vn(s.total)}")
        elif s.fields and not s.unknown_fields and s.known_max != s.total:
            issue(f"tổng điểm tối đa các lĩnh vực {fmt_vn(s.known_max)} khác {fmt_vn(s.total)}")
        if scored_total is not None and scored_total > 0 and scored_total != s.total:
            issue(
                f"tổng {fmt_vn(s.total)} khác tổng điểm tối đa của cây chấm điểm "
                f"{fmt_vn(scored_total)}"
            )
        if s.survey_points is not None and s.survey_points > s.total:
            issue(f"điểm điều tra {fmt_vn(s.survey_points)} vượt tổng {fmt_vn(s.total)}")


def structure_to_dict(s: Structure) -> dict[str, Any]:
    d: dict[str, Any] = {}
    if s.total is not None:
        d["total"] = s.total
    if s.survey_points is not None:
        d["survey_points"] = s.survey_points
    counts = {
        k: v
        for k, v in zip(COUNTS, (s.fields_count, s.criteria, s.sub_criteria), strict=True)
        if v is not None
    }
    if counts:
        d["counts"] = counts
    if s.fields:
        d["fields"] = []
        for f in s.fields:
            fd: dict[str, Any] = {"code": f.code, "name": f.name}
            if f.name_en:
                fd["name_en"] = f.name_en
            fd["max"] = f.max
            for key in ("criteria", "sub_criteria", "source"):
                if getattr(f, key) not in (None, ""):
                    fd[key] = getattr(f, key)
            d["fields"].append(fd)
    if s.sources:
        d["sources"] = list(s.sources)
    return d
