"""The survey's sample design and declared weightings, in pure Python (no Django).

Design effect (clustered samples). When every response of a unit's leaf carries a cluster id
(e.g. the commune or one-stop office where the forms were collected), the intra-cluster
correlation ρ of the respondent values is estimated by the one-way ANOVA estimator

    MSB = Σ_c m_c (ȳ_c − ȳ)² / (k − 1)      MSW = Σ_c Σ_r (y_r − ȳ_c)² / (n − k)
    m₀  = (n − Σ_c m_c² / n) / (k − 1)       ρ  = (MSB − MSW) / (MSB + (m₀ − 1)·MSW)

(k clusters of sizes m_c, n respondents; ρ = 0 when nobody differs) and the design effect is
deff = 1 + (m̄ − 1)·ρ with m̄ = n / k, never below 1 (a negative ρ would narrow the interval
below that of a simple random sample: it is taken as 0) and ρ at most 1. With fewer than two
clusters ρ cannot be estimated; then, as when responses carry no cluster id, the design effect
the survey design declares is used, else 1 (stated). The 95 % interval uses the effective
sample size n_eff = n / deff: normal intervals are widened by √deff, Wilson intervals are
computed with n_eff trials. Everything is rounded to 4 decimals (deff) as the points are.

Respondent groups (leaders' survey). With declared group weights w_g, a standard leaf's
percentage is Σ_g w_g·mean_g / D over the groups with respondents, where D is the sum of the
weights of every declared group asked about the leaf (a group without respondents then scores
nothing on its share) — or, when the design says `redistribute`, of the groups with
respondents only. Its interval is the stratified one: variance Σ_g (w_g/D)²·s_g²/n_g, times
deff; a group with fewer than 2 respondents leaves the interval at [0, 100].

SIPAS sub-indices (services, policies). With declared sub-index weights, a SIPAS leaf (and
the unit's overall SIPAS) is Σ_k w_k·sub_k / D, sub_k being the plain mean of the sub-index's
aspects, D as for groups (the sub-indices with aspects in the leaf, or those with answers when
`redistribute`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from .scoring import (
    HUNDRED,
    NORMAL,
    WILSON,
    ZERO,
    Item,
    Pattern,
    Source,
    Stat,
    Z,
    _clip,
    q4,
    respondent_score,
    wilson_interval,
)

ONE = Decimal(1)
DATA, DECLARED = "data", "declared"
Values = Sequence[tuple[Decimal, int]]  # (respondent value, how many respondents)


@dataclass(frozen=True)
class SubIndex:
    code: str
    name: str
    weight: Decimal
    aspects: frozenset[str] | None = None  # None: every aspect no other sub-index lists


@dataclass(frozen=True)
class Design:
    """What the survey design declares; the empty design is today's behaviour."""

    sub_indices: tuple[SubIndex, ...] = ()
    sipas_redistribute: bool = False
    group_weights: Mapping[str, Decimal] = field(default_factory=dict)
    group_redistribute: bool = False
    design_effect: Decimal | None = None  # declared deff, used without cluster ids

    def sub_index_of(self, aspect: str) -> str | None:
        rest = None
        for sub in self.sub_indices:
            if sub.aspects is None:
                rest = sub.code
            elif aspect in sub.aspects:
                return sub.code
        return rest


def icc(clusters: Mapping[str, Values]) -> Decimal | None:
    """The ANOVA estimate of the intra-cluster correlation; None with fewer than 2 clusters
    or no respondent left within clusters."""
    sizes = {c: sum(k for _v, k in vs) for c, vs in clusters.items()}
    sizes = {c: m for c, m in sizes.items() if m > 0}
    k = len(sizes)
    n = sum(sizes.values())
    if k < 2 or n <= k:
        return None
    means = {c: sum((v * m for v, m in clusters[c]), ZERO) / sizes[c] for c in sizes}
    grand = sum((means[c] * sizes[c] for c in sizes), ZERO) / n
    msb = sum((sizes[c] * (means[c] - grand) ** 2 for c in sizes), ZERO) / (k - 1)
    msw = sum(((v - means[c]) ** 2 * m for c in sizes for v, m in clusters[c]), ZERO) / (n - k)
    m0 = (n - Decimal(sum(m * m for m in sizes.values())) / n) / (k - 1)
    denom = msb + (m0 - 1) * msw
    if denom == 0:
        return ZERO
    return min(ONE, (msb - msw) / denom)


def design_effect(
    clusters: Mapping[str, Values] | None, declared: Decimal | None
) -> tuple[Decimal, str]:
    """(deff, where it comes from: "data", "declared" or "" for the default 1)."""
    if clusters:
        n = sum(m for vs in clusters.values() for _v, m in vs)
        k = sum(1 for vs in clusters.values() if sum(m for _v, m in vs) > 0)
        rho = icc(clusters)
        if rho is not None:
            m_bar = Decimal(n) / k
            return max(ONE, q4(1 + (m_bar - 1) * max(ZERO, rho))), DATA
    if declared is not None:
        return declared, DECLARED
    return ONE, ""


@dataclass(frozen=True)
class Weighted:
    stat: Stat | None
    weights: dict[str, Decimal]  # effective weight of each part with answers (w / D)
    missing: tuple[str, ...]  # declared parts asked about without answers
    unweighted: tuple[str, ...] = ()  # parts with answers but no declared weight (left out)


def group_weighted(
    groups: Mapping[str, Values],
    asked: Iterable[str],
    design: Design,
    deff: Decimal = ONE,
    source: str = "",
) -> Weighted:
    """A standard leaf from its groups' respondent scores, weighted as declared."""
    w = design.group_weights
    asked = sorted(set(asked))
    present = sorted(g for g in asked if g in w and sum(m for _v, m in groups.get(g, ())) > 0)
    missing = tuple(g for g in asked if g in w and g not in present)
    unweighted = tuple(sorted(g for g in groups if g not in w and groups[g]))
    denom = sum((w[g] for g in (present if design.group_redistribute else asked) if g in w), ZERO)
    if not present or denom == 0:
        return Weighted(None, {}, missing, unweighted)
    mean = var = ZERO
    n = 0
    exact = True
    for g in present:
        vals = groups[g]
        n_g = sum(m for _v, m in vals)
        m_g = sum((v * m for v, m in vals), ZERO) / n_g
        share = w[g] / denom
        mean += share * m_g
        n += n_g
        if n_g < 2:
            exact = False
        else:
            s2 = sum(((v - m_g) ** 2 * m for v, m in vals), ZERO) / (n_g - 1)
            var += share * share * s2 / n_g
    m = q4(mean)
    if not exact:
        stat = Stat(n, m, ZERO, HUNDRED, NORMAL, deff, source)
    else:
        half = Z * (var * deff).sqrt()
        low, high = min(m, q4(_clip(mean - half))), max(m, q4(_clip(mean + half)))
        stat = Stat(n, m, low, high, NORMAL, deff, source)
    weights = {g: q4(w[g] / denom) for g in present}
    return Weighted(stat, weights, missing, unweighted)


def _mean_stat(stats: list[Stat], mean: Decimal, n: int, method: str, deff: Decimal, source: str):
    if method == WILSON:
        return wilson_interval(mean, n, deff, source)
    half = max(max(s.high - s.mean, s.mean - s.low) for s in stats)
    m = q4(mean)
    low, high = min(m, q4(_clip(mean - half))), max(m, q4(_clip(mean + half)))
    return Stat(n, m, low, high, NORMAL, deff, source)


def sub_indices(
    aspects: Mapping[str, Stat],
    structure: Iterable[str],
    design: Design,
    n: int,
    method: str,
    deff: Decimal = ONE,
    source: str = "",
) -> tuple[Weighted, dict[str, Stat]]:
    """SIPAS by declared sub-indices: (the weighted whole, each sub-index's stat).
    `structure`: every aspect the leaf (or the whole SIPAS) is made of, answered or not."""
    members: dict[str, list[str]] = {}
    for aspect in sorted(set(structure)):
        code = design.sub_index_of(aspect)
        if code is not None:
            members.setdefault(code, []).append(aspect)
    subs: dict[str, Stat] = {}
    for code, names in members.items():
        stats = [aspects[a] for a in names if a in aspects]
        if stats:
            mean = sum((s.mean for s in stats), ZERO) / len(stats)
            subs[code] = _mean_stat(stats, mean, n, method, deff, source)
    w = {s.code: s.weight for s in design.sub_indices}
    asked = [c for c in w if c in members]
    missing = tuple(c for c in asked if c not in subs)
    unweighted = tuple(sorted(a for a in aspects if design.sub_index_of(a) is None))
    parts = [c for c in asked if c in subs]
    denom = sum((w[c] for c in (parts if design.sipas_redistribute else asked)), ZERO)
    if not parts or denom == 0:
        return Weighted(None, {}, missing, unweighted), subs
    mean = sum((w[c] * subs[c].mean for c in parts), ZERO) / denom
    stat = _mean_stat([subs[c] for c in parts], mean, n, method, deff, source)
    return Weighted(stat, {c: q4(w[c] / denom) for c in parts}, missing, unweighted), subs


def respondent_value(pattern: Pattern, items: Iterable[Item], share: bool) -> Decimal | None:
    """A respondent's value for the leaf: the standard respondent score, or with `share`
    (SIPAS satisfied_share) the weighted percentage of their opinions flagged satisfied."""
    if not share:
        return respondent_score(pattern, items)
    num = den = ZERO
    for item in items:
        code = pattern[item.index]
        if item.weight > 0 and item.opinion(code):
            den += item.weight
            if code in item.satisfied:
                num += item.weight * HUNDRED
    return num / den if den else None


def values_of(sources: Iterable[Source], share: bool = False) -> list[tuple[Decimal, int]]:
    out = []
    for src in sources:
        for pattern, count in src.patterns.items():
            v = respondent_value(pattern, src.items, share)
            if v is not None and count > 0:
                out.append((v, count))
    return out


def cluster_values(sources: Iterable[Source], share: bool = False) -> dict[str, list] | None:
    """Respondent values per sampling cluster; None unless every source carries clusters."""
    out: dict[str, list[tuple[Decimal, int]]] = {}
    for src in sources:
        if src.clusters is None:
            return None
        for cluster, patterns in src.clusters.items():
            for pattern, count in patterns.items():
                v = respondent_value(pattern, src.items, share)
                if v is not None and count > 0:
                    out.setdefault(cluster, []).append((v, count))
    return out or None
