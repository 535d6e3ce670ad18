"""The methodology as data: fields -> criteria -> sub-criteria, with rules on the leaves."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property

from .numbers import ZERO
from .rules import Rule
from .structure import Structure

# How a leaf gets its input.
SELF, SURVEY, EXTERNAL = "self", "survey", "external"
METHODS = (SELF, SURVEY, EXTERNAL)

# Policies for items that do not arise in the year (không phát sinh).
FULL_POINTS, EXCLUDE, NOT_ALLOWED = "full_points", "exclude", "not_allowed"
NOT_ARISING_POLICIES = (FULL_POINTS, EXCLUDE, NOT_ALLOWED)

# A methodology's status "skeleton": what is known of an official text, without a scoring
# tree (every number unknown); it is shown, never used to run a cycle.
SKELETON = "skeleton"

# Policies for a block (e.g. a survey) declared absent for a unit: its maximum is removed
# ("exclude", the default), or the rest of its component is rescaled to the full maximum.
RESCALE = "rescale"
ABSENT_BLOCK_POLICIES = (EXCLUDE, RESCALE)


@dataclass(frozen=True, slots=True)
class Prorate:
    """A leaf effective `days` of the period's `of` days (both ends inclusive): its points and
    its maximum are multiplied by days / of (then rounded to 4 decimals)."""

    start: date
    end: date
    days: int
    of: int

    @property
    def factor(self) -> Decimal:
        return Decimal(self.days) / Decimal(self.of)


@dataclass(frozen=True)
class Node:
    """A field, criterion or sub-criterion. A leaf has a rule and no children."""

    code: str
    name: str
    max_points: Decimal
    name_en: str = ""
    guidance: str = ""
    evidence: str = ""
    children: tuple[Node, ...] = ()
    method: str = SELF
    rule: Rule | None = None
    not_arising: str | None = None  # None: the methodology's default
    applies_to: frozenset[str] | None = None  # None: every unit type
    unknown: bool = False  # content not publicly known (official methodologies)
    gate: bool = False  # a leaf whose failure (0 points) zeroes its parent criterion
    valid_from: date | None = None  # a leaf effective only part of the period (pro-rated)
    valid_to: date | None = None
    prorate: Prorate | None = None  # set by the loader from valid_from/to and the period
    block: bool = False  # a block that may be declared absent for a unit (e.g. a survey)

    @property
    def is_leaf(self) -> bool:
        return not self.children

    @property
    def depth(self) -> int:
        return self.code.count(".") + 1

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            yield from child.walk()

    def applies(self, unit_type: str) -> bool:
        return self.applies_to is None or unit_type in self.applies_to


@dataclass(frozen=True)
class Grade:
    """A classification band (xếp loại): the first grade whose `min` <= index."""

    code: str
    min_index: Decimal
    label: str = ""


DEFAULT_GRADES = (
    Grade("A", Decimal(90), "A"),
    Grade("B", Decimal(80), "B"),
    Grade("C", Decimal(70), "C"),
    Grade("D", ZERO, "D"),
)


@dataclass(frozen=True)
class Methodology:
    code: str
    name: str
    version: str
    fields: tuple[Node, ...]
    adjustments: tuple[Node, ...] = ()
    name_en: str = ""
    level: str = ""
    decision: str = ""
    status: str = ""
    description: str = ""
    unit_types: tuple[str, ...] = ()
    not_arising_default: str = EXCLUDE
    # A unit that never submitted ("không nộp"): "exclude" (listed, not ranked) or "zero"
    # (ranked with 0 points).
    not_submitted: str = EXCLUDE
    grades: tuple[Grade, ...] = DEFAULT_GRADES
    bonus_cap: Decimal | None = None
    deduction_floor: Decimal | None = None
    absent_block: str = EXCLUDE  # what an absent block does: exclude | rescale
    period_from: date | None = None  # the assessed period (for items effective part of it)
    period_to: date | None = None
    # The index years it is valid for (both ends inclusive; None: open on that side).
    valid_from_year: int | None = None
    valid_to_year: int | None = None
    # What is known of the official text's structure (core.structure), if declared.
    structure: Structure | None = None
    extra: dict[str, object] = field(default_factory=dict, compare=False, hash=False)

    @property
    def max_points(self) -> Decimal:
        return sum((f.max_points for f in self.fields), ZERO)

    @property
    def skeleton(self) -> bool:
        """Only what is known of an official text: never used to run a cycle."""
        return self.status == SKELETON

    def valid_for_year(self, year: int) -> bool:
        """Whether `year` is within its years of validity (True when it declares none)."""
        lo, hi = self.valid_from_year, self.valid_to_year
        return (lo is None or year >= lo) and (hi is None or year <= hi)

    @property
    def validity(self) -> str:
        """Its years of validity as text: "2022–2025", "từ 2025", "đến 2021", "" (none)."""
        lo, hi = self.valid_from_year, self.valid_to_year
        if lo is not None and hi is not None:
            return str(lo) if lo == hi else f"{lo}–{hi}"
        if lo is not None:
            return f"từ {lo}"
        return f"đến {hi}" if hi is not None else ""

    def walk(self) -> Iterator[Node]:
        for f in self.fields:
            yield from f.walk()
        yield from self.adjustments

    @cached_property
    def nodes(self) -> dict[str, Node]:
        """Every node (adjustments included) by code."""
        return {n.code: n for n in self.walk()}

    @cached_property
    def program(self) -> tuple[tuple[Node, int], ...]:
        """The field tree in post-order, each node with its number of children: what the
        engine walks for every unit (a loop, not a recursion)."""
        out: list[tuple[Node, int]] = []

        def visit(node: Node) -> None:
            for child in node.children:
                visit(child)
            out.append((node, len(node.children)))

        for f in self.fields:
            visit(f)
        return tuple(out)

    @cached_property
    def leaves(self) -> tuple[Node, ...]:
        """Leaves of the field tree, in order (adjustments excluded)."""
        return tuple(n for f in self.fields for n in f.walk() if n.is_leaf)

    @cached_property
    def gates(self) -> dict[str, tuple[str, ...]]:
        """Criterion code -> the codes of its gate leaves (only criteria that have some)."""
        out: dict[str, tuple[str, ...]] = {}
        for node in self.walk():
            codes = tuple(c.code for c in node.children if c.gate)
            if codes:
                out[node.code] = codes
        return out

    @cached_property
    def blocks(self) -> tuple[str, ...]:
        """Codes of the blocks that may be declared absent."""
        return tuple(n.code for n in self.walk() if n.block)

    @cached_property
    def block_of(self) -> dict[str, str]:
        """Code of every node inside a block (the block included) -> the block's code."""
        out: dict[str, str] = {}
        for node in self.walk():
            if node.block:
                out.update((n.code, node.code) for n in node.walk())
        return out

    @cached_property
    def prorated(self) -> frozenset[str]:
        """Codes of the leaves effective only part of the period."""
        return frozenset(n.code for n in self.walk() if n.prorate is not None)

    def policy(self, leaf: Node) -> str:
        return leaf.not_arising or self.not_arising_default

    @cached_property
    def grades_descending(self) -> tuple[Grade, ...]:
        return tuple(sorted(self.grades, key=lambda g: g.min_index, reverse=True))

    def grade_for(self, index: Decimal) -> Grade | None:
        for grade in self.grades_descending:
            if index >= grade.min_index:
                return grade
        return None

    def parent_code(self, code: str) -> str | None:
        return code.rsplit(".", 1)[0] if "." in code else None


@dataclass(frozen=True)
class Unit:
    """An assessed unit: a province, a department (sở) or a commune (xã/phường)."""

    code: str
    name: str = ""
    type: str = ""

    @property
    def label(self) -> str:
        return self.name or self.code
