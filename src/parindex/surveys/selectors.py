"""Reads of the survey component that encode rules: which cycle a user may manage, the fill
rate of the sample plan, the stored survey scores. Objects of a cycle are fetched through the
cycle, so an id from another cycle answers 404."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Q

from parindex.assessment import permissions as perm
from parindex.assessment.models import Cycle, Participation
from parindex.assessment.services import can_manage
from parindex.common.collation import unit_key

from .models import (
    Choice,
    EntryBatch,
    ImportJob,
    Question,
    Questionnaire,
    RespondentToken,
    SampleTarget,
    SurveyScore,
)


class NotAllowed(Exception):
    """The user sees the cycle but may not manage its survey (a view answers 403)."""


def managed_cycle(user: Any, pk: int) -> Cycle:
    """A cycle whose survey the user manages. Raises Cycle.DoesNotExist when the user may
    not see the cycle (404), NotAllowed when they see it but do not manage it (403)."""
    cycle = perm.cycles_visible_to(user).get(pk=pk)
    if not can_manage(user, cycle):
        raise NotAllowed
    return cycle


def questionnaires_of(cycle: Cycle) -> list[Questionnaire]:
    return list(
        Questionnaire.objects.filter(cycle=cycle).annotate(
            n_questions=Count("questions", distinct=True),
            n_scored=Count(
                "questions",
                filter=Q(questions__slot__isnull=False) & ~Q(questions__leaf=""),
                distinct=True,
            ),
        )
    )


@dataclass
class QuestionView:
    question: Question
    options: list[Choice]
    leaf_name: str


def questionnaire_detail(q: Questionnaire) -> list[QuestionView]:
    tree = q.cycle.methodology.tree
    lists: dict[str, list[Choice]] = defaultdict(list)
    for c in q.choices.order_by("list_name", "position"):
        lists[c.list_name].append(c)
    out = []
    for x in q.questions.order_by("position"):
        node = tree.nodes.get(x.leaf) if x.leaf else None
        out.append(QuestionView(x, lists.get(x.list_name, []), node.name if node else ""))
    return out


# --- sample plan and fill rate ---------------------------------------------------------------


@dataclass
class FillCell:
    questionnaire: Questionnaire
    target: int
    filled: int
    tokens: int = 0
    used: int = 0

    @property
    def percent(self) -> int | None:
        if not self.target:
            return None
        return round(100 * self.filled / self.target)

    @property
    def bar(self) -> int:
        return min(100, self.percent or 0)

    @property
    def level(self) -> str:
        p = self.percent
        if p is None:
            return "none" if not self.filled else "extra"
        return "ok" if p >= 100 else ("warn" if p >= 60 else "bad")


@dataclass
class FillRow:
    participation: Participation
    cells: list[FillCell]

    @property
    def target(self) -> int:
        return sum(c.target for c in self.cells)

    @property
    def filled(self) -> int:
        return sum(c.filled for c in self.cells)

    @property
    def percent(self) -> int | None:
        return round(100 * self.filled / self.target) if self.target else None


@dataclass
class FillTable:
    questionnaires: list[Questionnaire]
    rows: list[FillRow]
    totals: list[FillCell] = field(default_factory=list)

    @property
    def target(self) -> int:
        return sum(c.target for c in self.totals)

    @property
    def filled(self) -> int:
        return sum(c.filled for c in self.totals)

    @property
    def percent(self) -> int | None:
        return round(100 * self.filled / self.target) if self.target else None


def response_counts(cycle: Cycle) -> Counter[tuple[int, int]]:
    """(unit id, questionnaire id) -> number of stored responses (one grouped query)."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT unit_id, questionnaire_id, COUNT(*) FROM surveys_response "
            "WHERE cycle_id = %s GROUP BY unit_id, questionnaire_id",
            [cycle.pk],
        )
        return Counter({(u, q): n for u, q, n in cur.fetchall()})


def fill_table(cycle: Cycle, unit_type: str = "", with_tokens: bool = False) -> FillTable:
    """Planned and returned forms per unit and respondent group, with totals per group."""
    forms = list(Questionnaire.objects.filter(cycle=cycle))
    targets = {
        (t.unit_id, t.questionnaire_id): t.target for t in SampleTarget.objects.filter(cycle=cycle)
    }
    counts = response_counts(cycle)
    tokens: Counter[tuple[int, int]] = Counter()
    used: Counter[tuple[int, int]] = Counter()
    if with_tokens:
        for u, q, is_used in RespondentToken.objects.filter(cycle=cycle).values_list(
            "unit_id", "questionnaire_id", "used_at"
        ):
            tokens[(u, q)] += 1
            used[(u, q)] += is_used is not None
    parts = cycle.participations.select_related("unit")
    if unit_type:
        parts = parts.filter(unit__type=unit_type)
    rows = []
    totals = {q.pk: FillCell(q, 0, 0) for q in forms}
    for p in sorted(parts, key=lambda p: unit_key(p.unit)):
        cells = []
        for form in forms:
            key = (p.unit_id, form.pk)
            cell = FillCell(form, targets.get(key, 0), counts.get(key, 0), tokens[key], used[key])
            cells.append(cell)
            t = totals[form.pk]
            t.target += cell.target
            t.filled += cell.filled
            t.tokens += cell.tokens
            t.used += cell.used
        rows.append(FillRow(p, cells))
    return FillTable(forms, rows, [totals[q.pk] for q in forms])


def import_jobs(cycle: Cycle, limit: int = 20) -> list[ImportJob]:
    return list(ImportJob.objects.filter(cycle=cycle).select_related("created_by")[:limit])


def import_job(cycle: Cycle, pk: int) -> ImportJob:
    return ImportJob.objects.select_related("cycle").get(cycle=cycle, pk=pk)


def batches(cycle: Cycle) -> list[EntryBatch]:
    return list(
        EntryBatch.objects.filter(cycle=cycle).annotate(
            pending=Count("discrepancies", filter=Q(discrepancies__chosen="")),
            total=Count("discrepancies"),
        )
    )


def batch(cycle: Cycle, pk: int) -> EntryBatch:
    return EntryBatch.objects.select_related("cycle").get(cycle=cycle, pk=pk)


@dataclass
class DiscrepancyView:
    pk: int
    respondent: str
    field: str
    label: str
    value1: str
    value2: str
    chosen: str
    row: bool


def discrepancies(b: EntryBatch) -> list[DiscrepancyView]:
    """The batch's discrepancies with question and option labels for display."""
    labels: dict[tuple[int, str], str] = {}
    option_labels: dict[tuple[int, str, str], str] = {}
    for x in Question.objects.filter(questionnaire__cycle_id=b.cycle_id):
        labels[(x.questionnaire_id, x.name)] = x.label
    for c in Choice.objects.filter(questionnaire__cycle_id=b.cycle_id):
        option_labels[(c.questionnaire_id, c.list_name, c.name)] = c.label
    lists = {
        (x.questionnaire_id, x.name): x.list_name
        for x in Question.objects.filter(questionnaire__cycle_id=b.cycle_id)
    }
    form_of = dict(b.rows.filter(clerk=1).values_list("respondent", "questionnaire_id"))
    form_of.update(
        {
            r: q
            for r, q in b.rows.filter(clerk=2).values_list("respondent", "questionnaire_id")
            if r not in form_of
        }
    )
    out = []
    for d in b.discrepancies.all():
        row = d.field == d.ROW
        qid = form_of.get(d.respondent, 0)
        lst = lists.get((qid, d.field), "")

        def show(v: str, qid: int = qid, lst: str = lst) -> str:
            if row or not v:
                return v
            label = option_labels.get((qid, lst, v), "")
            return f"{v}. {label}" if label else v

        out.append(
            DiscrepancyView(
                pk=d.pk,
                respondent=d.respondent,
                field=d.field,
                label="" if row else labels.get((qid, d.field), d.field),
                value1=show(d.value1),
                value2=show(d.value2),
                chosen=d.chosen,
                row=row,
            )
        )
    return out


# --- scores -----------------------------------------------------------------------------------


def unit_scores(participation: Participation) -> dict[str, SurveyScore]:
    """The stored survey scores of one unit by leaf code (for display next to the leaf)."""
    return {
        s.code: s
        for s in SurveyScore.objects.filter(participation=participation, kind=SurveyScore.Kind.LEAF)
    }


@dataclass
class ResultRow:
    participation: Participation
    leaves: list[SurveyScore | None]
    overall: SurveyScore | None
    points: Decimal
    max_points: Decimal
    flagged: int


def results_table(cycle: Cycle, unit_type: str = "") -> tuple[list[Any], list[ResultRow]]:
    """Per unit the stored score of each survey leaf (None: no respondents or the leaf does
    not apply), SIPAS overall and the sum of survey points."""
    from .services import survey_leaves

    leaves = survey_leaves(cycle.methodology.tree)
    by_part: dict[int, dict[tuple[str, str], SurveyScore]] = defaultdict(dict)
    for s in SurveyScore.objects.filter(participation__cycle=cycle):
        by_part[s.participation_id][(s.kind, s.code)] = s
    parts = cycle.participations.select_related("unit")
    if unit_type:
        parts = parts.filter(unit__type=unit_type)
    rows = []
    for p in sorted(parts, key=lambda p: unit_key(p.unit)):
        mine = by_part.get(p.pk, {})
        cells = [mine.get((SurveyScore.Kind.LEAF, n.code)) for n in leaves]
        rows.append(
            ResultRow(
                participation=p,
                leaves=cells,
                overall=mine.get((SurveyScore.Kind.OVERALL, "SIPAS")),
                points=sum((c.points or Decimal(0) for c in cells if c), Decimal(0)),
                max_points=sum(
                    (n.max_points for n in leaves if n.applies(p.unit.type)), Decimal(0)
                ),
                flagged=sum(1 for c in cells if c and c.flagged),
            )
        )
    return leaves, rows


def unit_detail(participation: Participation) -> dict[str, Any]:
    """One unit's survey scores: leaves in methodology order, SIPAS aspects and overall."""
    from .services import survey_leaves

    tree = participation.cycle.methodology.tree
    scores = {(s.kind, s.code): s for s in SurveyScore.objects.filter(participation=participation)}
    leaves = [
        (n, scores.get((SurveyScore.Kind.LEAF, n.code)))
        for n in survey_leaves(tree)
        if n.applies(participation.unit.type)
    ]
    aspects = [s for (k, _c), s in sorted(scores.items()) if k == SurveyScore.Kind.ASPECT]
    design = getattr(getattr(participation.cycle, "survey_config", None), "design", None) or {}
    names = {x["code"]: x["name"] for x in design.get("sipas", {}).get("sub_indices", [])}
    sub_indices = [
        {"name": names.get(c, c), "score": s}
        for (k, c), s in sorted(scores.items())
        if k == SurveyScore.Kind.SUBINDEX
    ]
    return {
        "leaves": leaves,
        "aspects": aspects,
        "sub_indices": sub_indices,
        "overall": scores.get((SurveyScore.Kind.OVERALL, "SIPAS")),
        "computed_at": max((s.computed_at for s in scores.values()), default=None),
    }
