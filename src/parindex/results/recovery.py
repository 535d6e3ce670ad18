"""Which lost points a unit can win back by its own work: the one place that decides it.

Pure Python over the tables' records (no database): `classify_loss` gives a leaf's kind of
loss and its recoverable points; `Recovery` is the organiser's setting for a cycle (model
results.Recoverability, read by results.selectors.recovery_of), passed to it.

The rules (the ledger, the unit profile, the exports and the improvement plans all use them):

- survey and external-data items ("structural"): not recoverable by default. The organiser
  may make a whole type of item recoverable (`methods`: survey, external) or one
  sub-criterion (`items`); then all of its lost points are recoverable;
- other items: the shortfall of the self-assessment (maximum − self-assessed points, or the
  whole maximum when the unit entered nothing) is recoverable, and so is the cut made by the
  appraisal when its reason is about the evidence (missing, invalid, outside the assessment
  period); a cut because the requirement was not met, or for another reason, is not;
- a sub-criterion set by the organiser overrides the above: recoverable (all its lost
  points) or not recoverable (none).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from parindex.core import q4
from parindex.core.model import EXTERNAL, SURVEY

ZERO = Decimal(0)
STRUCTURAL_METHODS: tuple[str, ...] = (SURVEY, EXTERNAL)
EVIDENCE_REASONS = frozenset({"evidence_missing", "evidence_invalid", "outside_period"})

# Kinds of lost points (ledger).
EVIDENCE, APPRAISAL, SHORTFALL, MISSING, STRUCTURAL = (
    "evidence",
    "appraisal",
    "self_shortfall",
    "missing",
    "structural",
)


class Leaf(Protocol):
    """What the rules read of a leaf's record (results.tables.LeafRecord)."""

    @property
    def self_points(self) -> Decimal | None: ...

    @property
    def reason(self) -> str: ...


@dataclass(frozen=True)
class Recovery:
    """The organiser's recoverability setting for a cycle (hashable: a cache key).

    methods: the structural item types (survey, external) whose lost points count as
             recoverable;
    items:   (sub-criterion code, recoverable) pairs overriding every other rule."""

    methods: frozenset[str] = frozenset()
    items: tuple[tuple[str, bool], ...] = ()

    def item(self, code: str) -> bool | None:
        """The organiser's choice for one sub-criterion (None: the rules decide)."""
        for c, value in self.items:
            if c == code:
                return value
        return None

    @property
    def is_default(self) -> bool:
        return not self.methods and not self.items


DEFAULT = Recovery()


def classify_loss(
    method: str,
    max_points: Decimal,
    rec: Leaf,
    final: Decimal,
    *,
    code: str = "",
    recovery: Recovery = DEFAULT,
) -> tuple[str, Decimal]:
    """(kind, recoverable points) of a leaf's loss, by the rules in the module docstring."""
    lost = max(max_points - final, ZERO)
    chosen = recovery.item(code) if code and recovery.items else None
    if method in STRUCTURAL_METHODS:
        if chosen is None:
            chosen = method in recovery.methods
        return STRUCTURAL, q4(lost if chosen else ZERO)
    self_pts = rec.self_points if rec.self_points is not None else ZERO
    shortfall = min(max(max_points - self_pts, ZERO), lost)
    cut = min(max(self_pts - final, ZERO), lost - shortfall)
    recoverable = shortfall + (cut if rec.reason in EVIDENCE_REASONS else ZERO)
    if cut > 0:
        kind = EVIDENCE if rec.reason in EVIDENCE_REASONS else APPRAISAL
    elif rec.self_points is None:
        kind = MISSING
    else:
        kind = SHORTFALL
    if chosen is not None:
        recoverable = lost if chosen else ZERO
    return kind, q4(recoverable)
