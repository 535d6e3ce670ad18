"""Survey scores per unit and leaf, written into the units' entries."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext_lazy

from parindex.assessment.models import Cycle, Entry, Participation
from parindex.assessment.services import external_changes, write_entries
from parindex.audit.services import log_action

from .. import scoring, weighting
from ..codes import code_of
from ..design import design_from_dict
from ..models import (
    Choice,
    Question,
    Questionnaire,
    SurveyScore,
)
from ..weighting import Design
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
    details: dict[str, Any] = field(default_factory=dict)  # the weighting, as explained


@dataclass
class UnitSurvey:
    participation: Participation
    leaves: dict[str, LeafResult]
    aspects: dict[str, scoring.Stat]
    overall: scoring.Stat | None
    respondents: int
    sub_indices: dict[str, scoring.Stat] = field(default_factory=dict)
    overall_details: dict[str, Any] = field(default_factory=dict)


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


Rows = tuple[list[str], list[str] | None]  # packed answers, their clusters (None: not all)


def _answers_by_unit(cycle: Cycle) -> dict[int, dict[int, Rows]]:
    """unit id -> questionnaire id -> (packed answers, their clusters), straight from the
    database; the clusters list is None unless every response carries a cluster id."""
    answers: dict[int, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    clusters: dict[int, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    with connection.cursor() as cur:
        cur.execute(
            "SELECT unit_id, questionnaire_id, answers, cluster FROM surveys_response "
            "WHERE cycle_id = %s",
            [cycle.pk],
        )
        while True:
            chunk = cur.fetchmany(200_000)
            if not chunk:
                break
            for unit_id, qid, packed, cluster in chunk:
                answers[unit_id][qid].append(packed)
                clusters[unit_id][qid].append(cluster or "")
    return {
        u: {q: (rows, c if all(c) else None) for q, rows in by_q.items() for c in [clusters[u][q]]}
        for u, by_q in answers.items()
    }


def _source(feed: _LeafFeed, rows: Rows) -> scoring.Source:
    packed, clusters = rows
    patterns = list(map(feed.getter, packed))
    by_cluster: dict[str, Counter[Any]] | None = None
    if clusters is not None:
        by_cluster = defaultdict(Counter)
        for pattern, cluster in zip(patterns, clusters, strict=True):
            by_cluster[cluster][pattern] += 1
    return scoring.Source(feed.items, Counter(patterns), by_cluster)


def _deff(sources: list[scoring.Source], design: Design, share: bool) -> tuple[Decimal, str]:
    return weighting.design_effect(weighting.cluster_values(sources, share), design.design_effect)


def _standard_leaf(
    feeds: list[_LeafFeed],
    sources: dict[int, scoring.Source],
    groups: dict[int, str],
    design: Design,
) -> tuple[scoring.Stat | None, dict[str, Any]]:
    """A leaders' survey leaf: pooled (no declared group weights) or weighted by group."""
    srcs = list(sources.values())
    deff, dsource = _deff(srcs, design, False)
    if not design.group_weights:
        return scoring.score_mean(srcs, deff, dsource), {"weighting": "pooled"}
    by_group: dict[str, list[tuple[Decimal, int]]] = defaultdict(list)
    for qid, src in sources.items():
        by_group[groups[qid]] += weighting.values_of([src])
    asked = {groups[f.qid] for f in feeds}
    w = weighting.group_weighted(by_group, asked, design, deff, dsource)
    return w.stat, {
        "weighting": "groups",
        "weights": {g: str(x) for g, x in w.weights.items()},
        "missing": list(w.missing),
        "unweighted": list(w.unweighted),
        "redistribute": design.group_redistribute,
    }


def _sipas_leaf(
    feeds: list[_LeafFeed], srcs: list[scoring.Source], method: str, design: Design
) -> tuple[scoring.Stat | None, dict[str, scoring.Stat], dict[str, Any]]:
    """A SIPAS leaf: the mean of its aspects, or its declared sub-indices weighted."""
    share = method == scoring.SATISFIED_SHARE
    deff, dsource = _deff(srcs, design, share)
    stat, aspects = scoring.sipas_leaf(srcs, method, deff, dsource)
    if not design.sub_indices:
        return stat, aspects, {"weighting": "aspects"}
    structure = {i.aspect for f in feeds for i in f.items}
    n = scoring.respondents_with_opinion(srcs)
    ci = scoring.WILSON if share else scoring.NORMAL
    whole, subs = weighting.sub_indices(aspects, structure, design, n, ci, deff, dsource)
    return whole.stat, aspects, _sub_details(whole, subs)


def _sub_details(whole: weighting.Weighted, subs: dict[str, scoring.Stat]) -> dict[str, Any]:
    return {
        "weighting": "sub_indices",
        "weights": {c: str(x) for c, x in whole.weights.items()},
        "sub_indices": {c: str(s.mean) for c, s in subs.items()},
        "missing": list(whole.missing),
        "unweighted": list(whole.unweighted),
    }


def survey_compute(cycle: Cycle) -> list[UnitSurvey]:
    """Every unit's survey scores from the stored responses (nothing is written)."""
    config = survey_config(cycle)
    design, _problems = design_from_dict(config.design)  # checked when it was declared
    tree = cycle.methodology.tree
    feeds, sipas, groups = _feeds(cycle)
    answers = _answers_by_unit(cycle)
    results = []
    parts = cycle.participations.select_related("unit", "cycle", "cycle__methodology")
    for p in parts:
        mine = answers.get(p.unit_id, {})
        leaves: dict[str, LeafResult] = {}
        sipas_sources: dict[int, scoring.Source] = {}
        sipas_structure: set[str] = set()
        sipas_forms: set[int] = set()
        all_aspects: dict[str, scoring.Stat] = {}
        for node in survey_leaves(tree):
            if not node.applies(p.unit.type):
                continue
            leaf_feeds = feeds.get(node.code, [])
            sources: dict[int, scoring.Source] = {}
            per_group: dict[str, int] = {}
            for feed in leaf_feeds:
                rows = mine.get(feed.qid)
                if not rows:
                    continue
                sources[feed.qid] = _source(feed, rows)
                per_group[groups[feed.qid]] = len(rows[0])
            is_sipas = sipas.get(node.code, False)
            aspects: dict[str, scoring.Stat] = {}
            if is_sipas:
                stat, aspects, details = _sipas_leaf(
                    leaf_feeds, list(sources.values()), config.sipas_method, design
                )
                for feed in leaf_feeds:
                    sipas_structure |= {i.aspect for i in feed.items}
                    if feed.qid in sources:
                        # one Source per questionnaire and leaf: keep them all for the overall
                        sipas_sources[id(sources[feed.qid])] = sources[feed.qid]
                        sipas_forms.add(feed.qid)
                all_aspects.update(aspects)
            else:
                stat, details = _standard_leaf(leaf_feeds, sources, groups, design)
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
                details=details,
            )
        overall, subs, overall_details = _overall(
            list(sipas_sources.values()),
            all_aspects,
            sipas_structure,
            sum(len(mine[q][0]) for q in sipas_forms),
            config,
            design,
        )
        results.append(
            UnitSurvey(
                participation=p,
                leaves=leaves,
                aspects=all_aspects,
                overall=overall,
                respondents=sum(len(v[0]) for v in mine.values()),
                sub_indices=subs,
                overall_details=overall_details,
            )
        )
    return results


def _overall(
    sources: list[scoring.Source],
    aspects: dict[str, scoring.Stat],
    structure: set[str],
    n: int,
    config: Any,
    design: Design,
) -> tuple[scoring.Stat | None, dict[str, scoring.Stat], dict[str, Any]]:
    """The unit's overall SIPAS: as configured, or by the declared sub-index weights."""
    if not sources:
        return None, {}, {}
    share = config.sipas_method == scoring.SATISFIED_SHARE
    deff, dsource = _deff(sources, design, share)
    if design.sub_indices:
        ci = scoring.WILSON if share else scoring.NORMAL
        whole, subs = weighting.sub_indices(aspects, structure, design, n, ci, deff, dsource)
        return whole.stat, subs, _sub_details(whole, subs)
    stat = scoring.sipas_overall(
        sources, aspects, n, config.sipas_method, config.sipas_overall, deff, dsource
    )
    return stat, {}, {"weighting": config.sipas_overall}


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
        deff=stat.deff,
        deff_source=stat.deff_source,
        **extra,
    )


def entries_set_survey(
    *, cycle: Cycle, values: dict[tuple[Participation, str], str], user: Any
) -> tuple[int, int]:
    """Set the survey leaves' input values of many units at once, through assessment's one
    bulk write path (`external_changes` + `write_entries`): the same checks, points,
    versioning and audit rows ("entry.external_set", old/new value and points) as
    entry_set_external, in a few queries. Unchanged values are left alone. Returns
    (entries written, entries cleared). The caller holds the transaction and the rights."""
    current = {
        (e.participation_id, e.code): e
        for e in Entry.objects.filter(
            participation__cycle=cycle, code__in={code for _p, code in values}
        ).only("participation_id", "code")
    }
    # A unit without an entry and without a value gets no empty entry.
    rows = [
        (p, code, value)
        for (p, code), value in values.items()
        if value != "" or (p.pk, code) in current
    ]
    changes = [c for c in external_changes(cycle, rows) if c.changed]
    write_entries(changes, user=user)
    cleared = sum(1 for c in changes if c.entry.value == "")
    return len(changes) - cleared, cleared


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
                        **leaf.details,
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
        for code, stat in unit.sub_indices.items():
            rows.append(_stat_row(p, SurveyScore.Kind.SUBINDEX, code, stat))
        if unit.overall is not None:
            rows.append(
                _stat_row(
                    p, SurveyScore.Kind.OVERALL, "SIPAS", unit.overall, details=unit.overall_details
                )
            )
    summary.written, summary.cleared = entries_set_survey(cycle=cycle, values=values, user=user)
    summary.unchanged = len(values) - summary.written - summary.cleared
    SurveyScore.objects.bulk_create(rows, batch_size=2000)
    log_action("survey.scored", actor=user, target=cycle, cycle=cycle, summary=summary.as_dict())
    return summary
