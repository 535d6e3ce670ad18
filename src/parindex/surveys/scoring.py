"""Survey statistics, in pure Python (no Django): from counted answer patterns to a percentage
with its 95 % confidence interval. This is the methodology's survey formula; every published
number is a Decimal rounded half up to 4 decimals.

Input shape. For one unit and one leaf, each questionnaire feeding the leaf contributes a
`Source`: the leaf's questions in that form (`Item`s) and a count of the distinct answer
patterns, a pattern being the tuple of answer codes of those questions (one code per item, in
item order; NO_ANSWER for none). Counting patterns instead of walking respondents one by one
makes scoring a million forms cheap: a leaf has a handful of questions, so few patterns.

Options without a score are "no opinion" (e.g. "Không biết"): they count neither for nor
against, exactly like an unanswered question.

Standard leaf (leader/official survey):
    respondent score  s_r = Σ w_i·score(a_ri) / Σ w_i   over the items r answered (w_i > 0);
                      respondents who answered none of the items are left out;
    leaf percentage   mean = Σ s_r / n;
    95 % interval     normal approximation: mean ± 1.96·s/√n with s the sample standard
                      deviation of s_r (n - 1), clipped to [0, 100]; n < 2 gives [0, 100].

SIPAS aspect, "satisfied_share" (the default):
    share_i = 100 · (answers to item i flagged "satisfied") / (answers to item i with an
    opinion); aspect % = Σ w_i·share_i / Σ w_i over the aspect's items answered at least once;
    n = respondents who gave an opinion on at least one of the aspect's items;
    95 % interval: Wilson score interval for a proportion p = aspect % / 100 with that n (the
    number of respondents, not of answers, since one person's answers are correlated).
SIPAS aspect, "score_mean": the standard formula over the aspect's items.
A SIPAS leaf = the mean of the aspects mapped to it; SIPAS overall = the mean of all aspects
("mean_of_aspects", default) or the weighted share over all SIPAS items ("mean_of_questions").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

Z = Decimal("1.96")
ZERO = Decimal(0)
HUNDRED = Decimal(100)
Q4 = Decimal("0.0001")
NORMAL, WILSON = "normal", "wilson"
SATISFIED_SHARE, SCORE_MEAN = "satisfied_share", "score_mean"
MEAN_OF_ASPECTS, MEAN_OF_QUESTIONS = "mean_of_aspects", "mean_of_questions"

Pattern = tuple[str, ...] | str


@dataclass(frozen=True)
class Item:
    """One scored question as seen from a pattern: its place in the pattern, its weight, the
    percentage of each answer code and the codes that count as satisfied."""

    index: int
    weight: Decimal
    scores: Mapping[str, Decimal]
    satisfied: frozenset[str] = frozenset()
    aspect: str = ""
    key: str = ""

    def opinion(self, code: str) -> bool:
        return code in self.scores or code in self.satisfied


@dataclass(frozen=True)
class Source:
    items: tuple[Item, ...]
    patterns: Mapping[Pattern, int]
    # The same patterns per sampling cluster, when every response carries a cluster id.
    clusters: Mapping[str, Mapping[Pattern, int]] | None = None


@dataclass(frozen=True)
class Stat:
    n: int
    mean: Decimal
    low: Decimal
    high: Decimal
    method: str
    deff: Decimal = Decimal(1)  # design effect the interval was widened by
    deff_source: str = ""  # "data" (clusters), "declared" or "" (default 1)

    def __post_init__(self) -> None:
        assert self.low <= self.mean <= self.high

    @property
    def n_eff(self) -> Decimal:
        """The effective sample size n / deff (Kish), 2 decimals."""
        return (Decimal(self.n) / self.deff).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def q4(value: Decimal) -> Decimal:
    return value.quantize(Q4, rounding=ROUND_HALF_UP)


def _clip(value: Decimal) -> Decimal:
    return min(HUNDRED, max(ZERO, value))


def respondent_score(pattern: Pattern, items: Iterable[Item]) -> Decimal | None:
    """The weighted mean percentage of the answered items, None if none was answered."""
    num = ZERO
    den = ZERO
    for item in items:
        score = item.scores.get(pattern[item.index])
        if score is not None and item.weight > 0:
            num += item.weight * score
            den += item.weight
    return num / den if den else None


def normal_interval(
    mean: Decimal,
    scores: Iterable[tuple[Decimal, int]],
    n: int,
    deff: Decimal = Decimal(1),
    source: str = "",
) -> Stat:
    """mean ± 1.96·s·√(deff/n) over respondent scores given as (score, count), clipped to
    [0, 100] (deff = 1: the simple random sample's mean ± 1.96·s/√n)."""
    if n < 2:
        return Stat(n, q4(mean), ZERO, HUNDRED, NORMAL, deff, source)
    raw_mean = sum((s * c for s, c in scores), ZERO) / n
    ss = sum(((s - raw_mean) ** 2 * c for s, c in scores), ZERO)
    half = Z * (ss / (n - 1) * deff / n).sqrt()
    m = q4(mean)
    low, high = min(m, q4(_clip(mean - half))), max(m, q4(_clip(mean + half)))
    return Stat(n, m, low, high, NORMAL, deff, source)


def wilson_interval(percent: Decimal, n: int, deff: Decimal = Decimal(1), source: str = "") -> Stat:
    """Wilson score interval for p = percent / 100 with the effective sample size n / deff
    in place of n, as percentages."""
    m = q4(percent)
    t = Decimal(n) / deff
    if t < 1:
        return Stat(n, m, ZERO, HUNDRED, WILSON, deff, source)
    p = percent / HUNDRED
    z2 = Z * Z
    denom = 1 + z2 / t
    centre = (p + z2 / (2 * t)) / denom
    half = Z * ((p * (1 - p) / t + z2 / (4 * t * t)).sqrt()) / denom
    low = q4(_clip((centre - half) * HUNDRED))
    high = q4(_clip((centre + half) * HUNDRED))
    return Stat(n, m, min(low, m), max(high, m), WILSON, deff, source)


def score_mean(
    sources: Iterable[Source], deff: Decimal = Decimal(1), source: str = ""
) -> Stat | None:
    """The standard formula: mean of respondent scores, normal interval. None: no answer."""
    scored: list[tuple[Decimal, int]] = []
    for src in sources:
        for pattern, count in src.patterns.items():
            s = respondent_score(pattern, src.items)
            if s is not None and count > 0:
                scored.append((s, count))
    n = sum(c for _s, c in scored)
    if n == 0:
        return None
    mean = sum((s * c for s, c in scored), ZERO) / n
    return normal_interval(mean, scored, n, deff, source)


def item_shares(sources: Iterable[Source]) -> dict[str, tuple[Item, int, int]]:
    """Per item key: (item, answers with an opinion, answers flagged satisfied)."""
    out: dict[str, tuple[Item, int, int]] = {}
    for src in sources:
        for item in src.items:
            answered = satisfied = 0
            for pattern, count in src.patterns.items():
                code = pattern[item.index]
                if item.opinion(code):
                    answered += count
                    if code in item.satisfied:
                        satisfied += count
            key = item.key or f"{id(src)}:{item.index}"
            _i, a, s = out.get(key, (item, 0, 0))
            out[key] = (item, a + answered, s + satisfied)
    return out


def respondents_with_opinion(sources: Iterable[Source]) -> int:
    n = 0
    for src in sources:
        for pattern, count in src.patterns.items():
            if any(i.weight > 0 and i.opinion(pattern[i.index]) for i in src.items):
                n += count
    return n


def satisfied_share(
    sources: list[Source], deff: Decimal = Decimal(1), source: str = ""
) -> Stat | None:
    """Weighted mean over items of the share of satisfied answers; Wilson interval."""
    num = den = ZERO
    for item, answered, satisfied in item_shares(sources).values():
        if answered and item.weight > 0:
            num += item.weight * HUNDRED * satisfied / answered
            den += item.weight
    n = respondents_with_opinion(sources)
    if not den or n == 0:
        return None
    return wilson_interval(num / den, n, deff, source)


def _restrict(sources: Iterable[Source], keep: set[str]) -> list[Source]:
    """The sources limited to the items of some aspects (patterns unchanged)."""
    out = []
    for src in sources:
        items = tuple(i for i in src.items if i.aspect in keep)
        if items:
            out.append(Source(items, src.patterns, src.clusters))
    return out


def aspect_stats(
    sources: list[Source],
    method: str = SATISFIED_SHARE,
    deff: Decimal = Decimal(1),
    dsource: str = "",
) -> dict[str, Stat]:
    """Each SIPAS aspect's satisfaction percentage."""
    aspects = sorted({i.aspect for s in sources for i in s.items})
    out: dict[str, Stat] = {}
    for aspect in aspects:
        part = _restrict(sources, {aspect})
        if method == SATISFIED_SHARE:
            stat = satisfied_share(part, deff, dsource)
        else:
            stat = score_mean(part, deff, dsource)
        if stat is not None:
            out[aspect] = stat
    return out


def mean_of(
    stats: list[Stat], n: int, method: str, deff: Decimal = Decimal(1), source: str = ""
) -> Stat | None:
    """The plain mean of some percentages, with an interval of the given method centred on it
    (Wilson with n respondents, or the widest of the parts' half-widths for normal)."""
    if not stats:
        return None
    mean = sum((s.mean for s in stats), ZERO) / len(stats)
    if method == WILSON:
        return wilson_interval(mean, n, deff, source)
    if len(stats) == 1:
        return stats[0]
    half = max(max(s.high - s.mean, s.mean - s.low) for s in stats)
    m = q4(mean)
    low, high = min(m, q4(_clip(mean - half))), max(m, q4(_clip(mean + half)))
    return Stat(n, m, low, high, NORMAL, deff, source)


def sipas_leaf(
    sources: list[Source],
    method: str = SATISFIED_SHARE,
    deff: Decimal = Decimal(1),
    dsource: str = "",
) -> tuple[Stat | None, dict[str, Stat]]:
    """A SIPAS leaf: the mean of its aspects; returns (leaf stat, aspect stats)."""
    aspects = aspect_stats(sources, method, deff, dsource)
    n = respondents_with_opinion(sources)
    ci = WILSON if method == SATISFIED_SHARE else NORMAL
    return mean_of(list(aspects.values()), n, ci, deff, dsource), aspects


def sipas_overall(
    sources: list[Source],
    aspects: Mapping[str, Stat],
    n: int,
    method: str = SATISFIED_SHARE,
    overall: str = MEAN_OF_ASPECTS,
    deff: Decimal = Decimal(1),
    dsource: str = "",
) -> Stat | None:
    """The unit's overall SIPAS percentage; `n` is the number of SIPAS forms returned (the
    sources of several leaves hold the same respondents, so they cannot be added up)."""
    if overall == MEAN_OF_QUESTIONS:
        if method == SATISFIED_SHARE:
            stat = satisfied_share(sources, deff, dsource)
        else:
            stat = score_mean(sources, deff, dsource)
        if stat is None:
            return None
        if method == SATISFIED_SHARE:
            return wilson_interval(stat.mean, n, deff, dsource)
        return Stat(n, stat.mean, stat.low, stat.high, stat.method, deff, dsource)
    ci = WILSON if method == SATISFIED_SHARE else NORMAL
    return mean_of(list(aspects.values()), n, ci, deff, dsource)


def points(percent: Decimal, max_points: Decimal) -> Decimal:
    """The engine's survey rule: % × max / 100, to 4 decimals."""
    return q4(percent * max_points / HUNDRED)


def sample_size(population: int, margin: Decimal = Decimal("0.05")) -> int:
    """SIPAS sample size n = N / (1 + N·e²), rounded up (e = margin of error)."""
    if population <= 0:
        return 0
    n = Decimal(population) / (1 + population * margin * margin)
    return int(n.to_integral_value(rounding="ROUND_CEILING"))
