"""Survey scores per unit and leaf, written into the units' entries."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from parindex.assessment.models import Cycle, Entry, Participation
from parindex.assessment.services import (  # the internals of entry_set_external
    _leaf,
    _self_points,
    results_changed,
)
from parindex.audit.models import LogEntry
from parindex.audit.services import log_action

from .. import scoring
from ..codes import code_of
from ..models import (
    Choice,
    Question,
    Questionnaire,
    SurveyScore,
)
from .common import _require_manage, _require_open, survey_config, survey_leaves


@dataclass
class LeafResult:
    code: str
    name: str
    max_points: Decimal
    sipas: bool
    stat: scoring.Stat | None
    points: Decimal | None
    flagged: bool
    per_group: dict[str, int] = field(default_factory=dict)
    aspects: dict[str, scoring.Stat] = field(default_factory=dict)


@dataclass
class UnitSurvey:
    participation: Participation
    leaves: dict[str, LeafResult]
    aspects: dict[str, scoring.Stat]
    overall: scoring.Stat | None
    respondents: int


@dataclass(frozen=True)
class _LeafFeed:
    """How one questionnaire feeds one leaf: the slots to read and their items."""

    qid: int
    getter: Any
    items: tuple[scoring.Item, ...]


def _feeds(cycle: Cycle) -> tuple[dict[str, list[_LeafFeed]], dict[str, bool], dict[int, str]]:
    """Per leaf: its feeds; whether it is SIPAS; per questionnaire: its group code."""
    forms = {q.pk: q for q in Questionnaire.objects.filter(cycle=cycle)}
    choices: dict[tuple[int, str], list[Choice]] = defaultdict(list)
    for c in Choice.objects.filter(questionnaire__cycle=cycle).order_by("position"):
        choices[(c.questionnaire_id, c.list_name)].append(c)
    by_leaf: dict[tuple[str, int], list[Question]] = defaultdict(list)
    for x in (
        Question.objects.filter(questionnaire__cycle=cycle, slot__isnull=False)
        .exclude(leaf="")
        .order_by("questionnaire_id", "slot")
    ):
        by_leaf[(x.leaf, x.questionnaire_id)].append(x)
    feeds: dict[str, list[_LeafFeed]] = defaultdict(list)
    sipas: dict[str, bool] = {}
    for (leaf, qid), questions in by_leaf.items():
        items = []
        for i, x in enumerate(questions):
            opts = choices[(qid, x.list_name)]
            items.append(
                scoring.Item(
                    index=i,
                    weight=x.weight,
                    scores={code_of(c.position): c.score for c in opts if c.score is not None},
                    satisfied=frozenset(code_of(c.position) for c in opts if c.satisfied),
                    aspect=x.aspect or leaf,
                    key=f"{qid}:{x.name}",
                )
            )
        slots = [x.slot for x in questions]
        getter = itemgetter(*slots) if len(slots) > 1 else itemgetter(slots[0])
        feeds[leaf].append(_LeafFeed(qid, getter, tuple(items)))
        sipas[leaf] = sipas.get(leaf, False) or forms[qid].kind == Questionnaire.Kind.SIPAS
    return feeds, sipas, {pk: q.group_code for pk, q in forms.items()}


def _answers_by_unit(cycle: Cycle) -> dict[int, dict[int, list[str]]]:
    """unit id -> questionnaire id -> packed answers, straight from the database."""
    out: dict[int, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    with connection.cursor() as cur:
        cur.execute(
            "SELECT unit_id, questionnaire_id, answers FROM surveys_response WHERE cycle_id = %s",
            [cycle.pk],
        )
        while True:
            chunk = cur.fetchmany(200_000)
            if not chunk:
                break
            for unit_id, qid, answers in chunk:
                out[unit_id][qid].append(answers)
    return out


def survey_compute(cycle: Cycle) -> list[UnitSurvey]:
    """Every unit's survey scores from the stored responses (nothing is written)."""
    config = survey_config(cycle)
    tree = cycle.methodology.tree
    feeds, sipas, groups = _feeds(cycle)
    answers = _answers_by_unit(cycle)
    results = []
    parts = cycle.participations.select_related("unit", "cycle", "cycle__methodology")
    for p in parts:
        mine = answers.get(p.unit_id, {})
        leaves: dict[str, LeafResult] = {}
        sipas_sources: list[scoring.Source] = []
        sipas_forms: set[int] = set()
        all_aspects: dict[str, scoring.Stat] = {}
        for node in survey_leaves(tree):
            if not node.applies(p.unit.type):
                continue
            sources = []
            per_group: dict[str, int] = {}
            for feed in feeds.get(node.code, []):
                rows = mine.get(feed.qid)
                if not rows:
                    continue
                sources.append(scoring.Source(feed.items, Counter(map(feed.getter, rows))))
                per_group[groups[feed.qid]] = len(rows)
            is_sipas = sipas.get(node.code, False)
            aspects: dict[str, scoring.Stat] = {}
            if is_sipas:
                stat, aspects = scoring.sipas_leaf(sources, config.sipas_method)
                sipas_sources += sources
                sipas_forms |= {f.qid for f in feeds.get(node.code, []) if mine.get(f.qid)}
                all_aspects.update(aspects)
            else:
                stat = scoring.score_mean(sources)
            points = scoring.points(stat.mean, node.max_points) if stat else None
            leaves[node.code] = LeafResult(
                code=node.code,
                name=node.name,
                max_points=node.max_points,
                sipas=is_sipas,
                stat=stat,
                points=points,
                flagged=stat is not None and stat.n < config.min_respondents,
                per_group=per_group,
                aspects=aspects,
            )
        overall = (
            scoring.sipas_overall(
                sipas_sources,
                all_aspects,
                sum(len(mine[q]) for q in sipas_forms),
                config.sipas_method,
                config.sipas_overall,
            )
            if sipas_sources
            else None
        )
        results.append(
            UnitSurvey(
                participation=p,
                leaves=leaves,
                aspects=all_aspects,
                overall=overall,
                respondents=sum(len(v) for v in mine.values()),
            )
        )
    return results


@dataclass
class WriteSummary:
    units: int = 0
    written: int = 0
    unchanged: int = 0
    cleared: int = 0
    flagged: int = 0

    def as_dict(self) -> dict[str, int]:
        return self.__dict__.copy()


def _value_text(percent: Decimal) -> str:
    return format(percent.normalize() if percent == percent.to_integral() else percent, "f")


# The five SIPAS factors of QĐ 2640/QĐ-BNV, for aspects coded by these names.
ASPECT_LABELS = {
    "tiep_can": gettext_lazy("Tiếp cận dịch vụ hành chính công"),
    "thu_tuc": gettext_lazy("Thủ tục hành chính"),
    "cong_chuc": gettext_lazy("Công chức trực tiếp giải quyết công việc"),
    "ket_qua": gettext_lazy("Kết quả cung ứng dịch vụ hành chính công"),
    "gop_y": gettext_lazy("Tiếp nhận, giải quyết góp ý, phản ánh, kiến nghị"),
}


def aspect_label(aspect: str, tree: Any) -> str:
    node = tree.nodes.get(aspect)
    if node is not None:
        return node.name
    return str(ASPECT_LABELS.get(aspect, aspect))


def _stat_row(
    p: Participation, kind: str, code: str, stat: scoring.Stat, **extra: Any
) -> SurveyScore:
    return SurveyScore(
        participation=p,
        kind=kind,
        code=code,
        n=stat.n,
        mean=stat.mean,
        ci_low=stat.low,
        ci_high=stat.high,
        ci_method=stat.method,
        **extra,
    )


def entries_set_survey(
    *, cycle: Cycle, values: dict[tuple[Participation, str], str], user: Any
) -> tuple[int, int]:
    """Set the survey leaves' input values of many units at once: the same checks, points
    (`_self_points`, the engine's survey rule), versioning and audit entry
    ("entry.external_set", old/new value and points) as assessment's entry_set_external, in
    a few queries instead of eight per entry. Unchanged values are left alone. Returns
    (entries written, entries cleared). The caller holds the transaction and the rights."""
    tree = cycle.methodology.tree
    current = {
        (e.participation_id, e.code): e
        for e in Entry.objects.select_for_update().filter(
            participation__cycle=cycle, code__in={code for _p, code in values}
        )
    }
    now = timezone.now()
    changed: list[tuple[Participation, Entry, dict[str, Any]]] = []
    new: list[Entry] = []
    for (p, code), value in values.items():
        points = _self_points(tree, p.unit, _leaf(tree, code), value)
        entry = current.get((p.pk, code))
        if entry is None:
            if value == "":
                continue
            entry = Entry(participation=p, code=code)
            new.append(entry)
        elif entry.value == value and entry.self_points == points:
            continue
        old = {"value": entry.value, "points": entry.self_points}
        entry.value = value
        entry.self_points = points
        entry.version += 1
        entry.updated_at = now
        entry.updated_by = user
        changed.append((p, entry, old))
    Entry.objects.bulk_create(new, batch_size=1000)
    created = {id(e) for e in new}
    Entry.objects.bulk_update(
        [e for _p, e, _o in changed if id(e) not in created],
        ["value", "self_points", "version", "updated_at", "updated_by"],
        batch_size=1000,
    )
    actor = user if getattr(user, "is_authenticated", False) else None
    LogEntry.objects.bulk_create(
        (
            LogEntry(
                actor=actor,
                action="entry.external_set",
                cycle=cycle,
                unit_id=p.unit_id,
                code=e.code,
                target_type=Entry._meta.label_lower,
                target_id=e.pk,
                data={
                    "old": {"value": o["value"], "points": _text(o["points"])},
                    "new": {"value": e.value, "points": _text(e.self_points)},
                },
            )
            for p, e, o in changed
        ),
        batch_size=1000,
    )
    if changed:
        results_changed(cycle.pk, {p.pk for p, _e, _o in changed})
    cleared = sum(1 for _p, e, _o in changed if e.value == "")
    return len(changed) - cleared, cleared


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


@transaction.atomic
def survey_points_write(*, cycle: Cycle, user: Any) -> WriteSummary:
    """Recompute every unit's survey scores, write each survey leaf's percentage into the
    unit's entry (entries_set_survey: audited like entry_set_external) and keep the
    explanations (SurveyScore). A leaf that had a score and now has no respondent is
    cleared."""
    _require_manage(user, cycle)
    _require_open(cycle)
    results = survey_compute(cycle)
    tree = cycle.methodology.tree
    previous = set(
        SurveyScore.objects.filter(
            participation__cycle=cycle, kind=SurveyScore.Kind.LEAF
        ).values_list("participation_id", "code")
    )
    SurveyScore.objects.filter(participation__cycle=cycle).delete()
    summary = WriteSummary()
    rows: list[SurveyScore] = []
    values: dict[tuple[Participation, str], str] = {}
    for unit in results:
        p = unit.participation
        summary.units += 1
        for leaf in unit.leaves.values():
            if leaf.stat is None:
                if (p.pk, leaf.code) in previous:
                    values[(p, leaf.code)] = ""
                continue
            values[(p, leaf.code)] = _value_text(leaf.stat.mean)
            summary.flagged += leaf.flagged
            rows.append(
                _stat_row(
                    p,
                    SurveyScore.Kind.LEAF,
                    leaf.code,
                    leaf.stat,
                    points=leaf.points,
                    max_points=leaf.max_points,
                    flagged=leaf.flagged,
                    details={
                        "per_group": leaf.per_group,
                        "sipas": leaf.sipas,
                        "aspects": {k: str(s.mean) for k, s in leaf.aspects.items()},
                    },
                )
            )
        for aspect, stat in unit.aspects.items():
            rows.append(
                _stat_row(
                    p,
                    SurveyScore.Kind.ASPECT,
                    aspect,
                    stat,
                    details={"label": aspect_label(aspect, tree)},
                )
            )
        if unit.overall is not None:
            rows.append(_stat_row(p, SurveyScore.Kind.OVERALL, "SIPAS", unit.overall))
    summary.written, summary.cleared = entries_set_survey(cycle=cycle, values=values, user=user)
    summary.unchanged = len(values) - summary.written - summary.cleared
    SurveyScore.objects.bulk_create(rows, batch_size=2000)
    log_action("survey.scored", actor=user, target=cycle, cycle=cycle, summary=summary.as_dict())
    return summary
