"""The survey design a questionnaire file declares under `design:` (docs/survey-format.md,
"Survey design"): SIPAS sub-indices and their weights, the leaders' survey respondent groups
and their weights, and the design effect to use when responses carry no cluster id. Read into
weighting.Design; every problem is collected. Nothing is assumed: without a declaration the
scores are computed as before and the explanation says so."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from parindex.core.numbers import to_decimal

from .weighting import Design, SubIndex

MAX_DEFF = Decimal(100)


def _number(value: Any, what: str, problems: list[str]) -> Decimal | None:
    try:
        return to_decimal(repr(value) if isinstance(value, float) else value)
    except (ValueError, TypeError):
        problems.append(_("%(w)s: “%(v)s” không phải số.") % {"w": what, "v": value})
        return None


def _weight(value: Any, what: str, problems: list[str]) -> Decimal | None:
    w = _number(value, what, problems)
    if w is not None and w <= 0:
        problems.append(_("%(w)s: trọng số phải lớn hơn 0.") % {"w": what})
        return None
    return w


def _sipas(d: Any, problems: list[str]) -> tuple[tuple[SubIndex, ...], bool]:
    if not isinstance(d, dict):
        problems.append(_("design.sipas phải là một bảng khóa: giá trị."))
        return (), False
    subs: list[SubIndex] = []
    claimed: set[str] = set()
    rest = 0
    raw = d.get("sub_indices") or []
    if not isinstance(raw, list) or not raw:
        problems.append(_("design.sipas.sub_indices phải là một dãy chỉ số thành phần."))
        raw = []
    for i, s in enumerate(raw, 1):
        where = f"design.sipas.sub_indices #{i}"
        if not isinstance(s, dict) or not str(s.get("code", "")).strip():
            problems.append(_("%(w)s: thiếu “code”.") % {"w": where})
            continue
        code = str(s["code"]).strip()
        w = _weight(s.get("weight"), f"{where} ({code})", problems)
        aspects = s.get("aspects")
        names: frozenset[str] | None = None
        if aspects is None:
            rest += 1
        elif isinstance(aspects, list) and aspects:
            names = frozenset(str(a).strip() for a in aspects)
            for a in sorted(names & claimed):
                problems.append(
                    _("%(w)s: yếu tố “%(a)s” đã thuộc chỉ số thành phần khác.")
                    % {"w": where, "a": a}
                )
            claimed |= names
        else:
            problems.append(_("%(w)s: “aspects” phải là một dãy mã yếu tố.") % {"w": where})
        if code in {x.code for x in subs}:
            problems.append(_("%(w)s: mã “%(c)s” bị trùng.") % {"w": where, "c": code})
        if w is not None:
            subs.append(SubIndex(code, str(s.get("name", code)), w, names))
    if rest > 1:
        problems.append(
            _(
                "design.sipas: chỉ một chỉ số thành phần được bỏ trống “aspects” "
                "(các yếu tố còn lại)."
            )
        )
    return tuple(subs), bool(d.get("redistribute", False))


def _groups(d: Any, problems: list[str]) -> tuple[dict[str, Decimal], bool]:
    if not isinstance(d, dict) or not isinstance(d.get("weights"), dict) or not d["weights"]:
        problems.append(_("design.groups.weights phải là bảng mã nhóm → trọng số."))
        return {}, False
    weights: dict[str, Decimal] = {}
    for code, value in d["weights"].items():
        w = _weight(value, f"design.groups.weights.{code}", problems)
        if w is not None:
            weights[str(code).strip()] = w
    return weights, bool(d.get("redistribute", False))


def design_from_dict(d: Any) -> tuple[Design, list[str]]:
    """The declared design and the problems found (empty or missing: the empty design)."""
    problems: list[str] = []
    if not d:
        return Design(), problems
    if not isinstance(d, dict):
        return Design(), [_("“design” phải là một bảng khóa: giá trị.")]
    unknown = set(d) - {"sipas", "groups", "design_effect"}
    for key in sorted(unknown):
        problems.append(_("design: khóa “%(k)s” không được hỗ trợ.") % {"k": key})
    subs, sipas_redistribute = _sipas(d["sipas"], problems) if "sipas" in d else ((), False)
    weights, group_redistribute = _groups(d["groups"], problems) if "groups" in d else ({}, False)
    deff = None
    if d.get("design_effect") not in (None, ""):
        deff = _number(d["design_effect"], "design.design_effect", problems)
        if deff is not None and not (1 <= deff <= MAX_DEFF):
            problems.append(_("design.design_effect phải từ 1 đến 100."))
            deff = None
    design = Design(subs, sipas_redistribute, weights, group_redistribute, deff)
    return design, problems


def _plain(d: Decimal) -> str:
    return format(d.normalize(), "f")


def design_to_dict(design: Design) -> dict[str, Any]:
    """The design as stored (JSON) and exported (YAML); numbers as text, exact."""
    out: dict[str, Any] = {}
    if design.sub_indices:
        subs = []
        for s in design.sub_indices:
            row: dict[str, Any] = {"code": s.code, "name": s.name, "weight": _plain(s.weight)}
            if s.aspects is not None:
                row["aspects"] = sorted(s.aspects)
            subs.append(row)
        out["sipas"] = {"sub_indices": subs, "redistribute": design.sipas_redistribute}
    if design.group_weights:
        out["groups"] = {
            "weights": {g: _plain(w) for g, w in design.group_weights.items()},
            "redistribute": design.group_redistribute,
        }
    if design.design_effect is not None:
        out["design_effect"] = _plain(design.design_effect)
    return out
