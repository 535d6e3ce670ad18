"""Declared weightings and the design effect, on hand-computed cases (pure, no database)."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from parindex.surveys import scoring, weighting
from parindex.surveys.weighting import Design, SubIndex

# Two clusters of 3: A = 100, 100, 80 (mean 93,33) and B = 40, 60, 20 (mean 40).
# SSB = 3·(80/3)² · 2 = 12800/3 (k−1 = 1) ; SSW = 800/3 + 800 = 3200/3, MSW = 800/3 ;
# m₀ = (6 − 18/6)/1 = 3 ; ρ = (12800/3 − 800/3) / (12800/3 + 2·800/3) = 5/6 ;
# deff = 1 + (3 − 1)·5/6 = 8/3 = 2,6667.
CLUSTERS = {"A": [(D(100), 2), (D(80), 1)], "B": [(D(40), 1), (D(60), 1), (D(20), 1)]}


def test_icc_and_design_effect_of_a_small_clustered_sample():
    assert weighting.icc(CLUSTERS).quantize(D("0.000001")) == D("0.833333")
    assert weighting.design_effect(CLUSTERS, None) == (D("2.6667"), weighting.DATA)


def test_the_design_effect_widens_the_normal_interval_by_its_square_root():
    values = [v for vs in CLUSTERS.values() for v in vs]
    srs = scoring.normal_interval(D(400) / 6, values, 6)
    # s² = 5333,33/5 = 1066,67 ; SRS half = 1,96·√(1066,67/6) = 1,96·13,3333 = 26,1333
    assert (srs.low, srs.high) == (D("40.5333"), D("92.8000"))
    wide = scoring.normal_interval(D(400) / 6, values, 6, D("2.6667"), weighting.DATA)
    # half = 1,96·√(177,7778·2,6667) = 1,96·21,7734 = 42,6758 -> low 23,9908, high clipped 100
    assert (wide.low, wide.high) == (D("23.9908"), D("100.0000"))
    assert wide.deff == D("2.6667") and wide.n_eff == D("2.25")


def test_without_clusters_the_declared_design_effect_is_used_else_1():
    assert weighting.design_effect(None, D("1.5")) == (D("1.5"), weighting.DECLARED)
    assert weighting.design_effect(None, None) == (D(1), "")
    # one cluster only: rho cannot be estimated, the declaration stands
    assert weighting.design_effect({"A": CLUSTERS["A"]}, D(2)) == (D(2), weighting.DECLARED)


def test_a_negative_intra_cluster_correlation_never_narrows_the_interval():
    # each cluster holds the same spread: MSB = 0 < MSW, rho < 0 -> deff 1
    clusters = {"A": [(D(0), 1), (D(100), 1)], "B": [(D(0), 1), (D(100), 1)]}
    assert weighting.icc(clusters) < 0
    assert weighting.design_effect(clusters, None) == (D(1), weighting.DATA)


def test_wilson_uses_the_effective_sample_size():
    assert scoring.wilson_interval(D(80), 100, D(2)).low == scoring.wilson_interval(D(80), 50).low
    assert scoring.wilson_interval(D(80), 100, D(2)).n == 100


GROUPS = {"so": [(D(100), 1), (D(60), 1)], "xa": [(D(20), 1), (D(60), 1), (D(100), 1)]}
WEIGHTS = {"so": D("0.5"), "xa": D("0.3"), "tw": D("0.2")}


def test_groups_weighted_as_declared_a_missing_group_keeps_its_share_unscored():
    w = weighting.group_weighted(GROUPS, ["so", "xa", "tw"], Design(group_weights=WEIGHTS))
    # 0,5·80 + 0,3·60 = 58 over D = 1 ; var = 0,25·800/2 + 0,09·1600/3 = 148 ; half 23,8444
    assert w.stat.mean == D("58.0000")
    assert (w.stat.low, w.stat.high) == (D("34.1556"), D("81.8444"))
    assert w.missing == ("tw",) and w.weights == {"so": D("0.5000"), "xa": D("0.3000")}


def test_groups_redistributed_only_when_declared():
    design = Design(group_weights=WEIGHTS, group_redistribute=True)
    w = weighting.group_weighted(GROUPS, ["so", "xa", "tw"], design)
    # (40 + 18) / 0,8 = 72,5 ; weights 0,625 / 0,375
    assert w.stat.mean == D("72.5000")
    assert w.weights == {"so": D("0.6250"), "xa": D("0.3750")} and w.missing == ("tw",)


def test_a_group_without_declared_weight_is_reported_and_left_out():
    groups = {**GROUPS, "hd": [(D(0), 5)]}
    w = weighting.group_weighted(groups, ["so", "xa", "hd"], Design(group_weights=WEIGHTS))
    # "tw" is not asked about this leaf: D = 0,5 + 0,3 -> (40 + 18) / 0,8
    assert w.unweighted == ("hd",) and w.stat.mean == D("72.5000") and w.missing == ()


def test_sipas_sub_indices_weighted_as_declared():
    design = Design(
        sub_indices=(
            SubIndex("services", "Dịch vụ", D("0.6")),
            SubIndex("policies", "Chính sách", D("0.4"), frozenset({"cs"})),
        )
    )
    aspects = {
        "tiep_can": scoring.wilson_interval(D(90), 100),
        "thu_tuc": scoring.wilson_interval(D(70), 100),
        "cs": scoring.wilson_interval(D(50), 100),
    }
    whole, subs = weighting.sub_indices(
        aspects, ["tiep_can", "thu_tuc", "cs"], design, 100, scoring.WILSON
    )
    assert subs["services"].mean == D("80.0000") and subs["policies"].mean == D("50.0000")
    assert whole.stat.mean == D("68.0000")  # 0,6·80 + 0,4·50
    # policies asked but unanswered: its share scores nothing unless redistributed
    whole, _ = weighting.sub_indices(
        {k: v for k, v in aspects.items() if k != "cs"},
        ["tiep_can", "thu_tuc", "cs"],
        design,
        100,
        scoring.WILSON,
    )
    assert whole.stat.mean == D("48.0000") and whole.missing == ("policies",)


values = st.lists(st.tuples(st.integers(0, 100).map(D), st.integers(1, 5)), min_size=1, max_size=6)


@given(st.dictionaries(st.sampled_from("ABCDE"), values, min_size=1, max_size=5))
def test_deff_at_least_1_and_at_most_the_mean_cluster_size(clusters):
    deff, source = weighting.design_effect(clusters, None)
    n = sum(m for vs in clusters.values() for _v, m in vs)
    assert D(1) <= deff <= max(D(1), weighting.q4(D(n) / len(clusters)))
    if len(clusters) == 1:
        assert (deff, source) == (D(1), "")


@given(
    st.dictionaries(st.sampled_from(["so", "xa", "tw"]), values, max_size=3),
    st.booleans(),
    st.decimals(min_value=1, max_value=10, places=2),
)
def test_weighted_group_percentages_stay_in_bounds_and_contain_the_mean(groups, redist, deff):
    design = Design(group_weights=WEIGHTS, group_redistribute=redist)
    w = weighting.group_weighted(groups, ["so", "xa", "tw"], design, deff)
    if w.stat is None:
        assert not groups
        return
    assert D(0) <= w.stat.low <= w.stat.mean <= w.stat.high <= D(100)
    if redist:
        assert sum(w.weights.values()) - 1 <= D("0.0003")


@given(
    st.decimals(min_value=0, max_value=100, places=4),
    st.integers(min_value=0, max_value=500),
    st.decimals(min_value=1, max_value=100, places=4),
)
def test_a_design_effect_never_narrows_wilson_and_keeps_it_in_bounds(percent, n, deff):
    base = scoring.wilson_interval(percent, n)
    wide = scoring.wilson_interval(percent, n, deff)
    assert D(0) <= wide.low <= wide.mean <= wide.high <= D(100)
    assert wide.low <= base.low and wide.high >= base.high
    assert wide.n == n and wide.deff == deff


@given(
    st.dictionaries(
        st.sampled_from(["a", "b", "c", "cs"]),
        st.decimals(min_value=0, max_value=100, places=4),
        max_size=4,
    ),
    st.booleans(),
)
def test_weighted_sub_indices_stay_between_their_parts(means, redistribute):
    design = Design(
        sub_indices=(
            SubIndex("dv", "Dịch vụ", D("0.7")),
            SubIndex("cs", "Chính sách", D("0.3"), frozenset({"cs"})),
        ),
        sipas_redistribute=redistribute,
    )
    aspects = {a: scoring.wilson_interval(m, 50) for a, m in means.items()}
    whole, subs = weighting.sub_indices(aspects, ["a", "b", "c", "cs"], design, 50, scoring.WILSON)
    if not subs:
        assert whole.stat is None
        return
    assert whole.stat is not None
    if redistribute or not whole.missing:  # a convex combination of the sub-indices
        low, high = min(s.mean for s in subs.values()), max(s.mean for s in subs.values())
        assert low - D("0.0001") <= whole.stat.mean <= high + D("0.0001")
    else:  # a missing sub-index's share scores nothing
        assert whole.stat.mean <= max(s.mean for s in subs.values())
