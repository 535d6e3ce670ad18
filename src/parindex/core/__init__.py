"""parindex.core: the pure-Python scoring engine. It never imports Django.

Methodology (fields -> criteria -> sub-criteria with rules) + inputs per unit -> points per
node, component indices, total, index, grade and rank, each leaf explaining itself.
"""

from .aggregate import (
    Memo,
    NodeResult,
    Override,
    UnitResult,
    compute_all,
    compute_unit,
    score_leaf,
    unit_totals,
    young_collections_only,
)
from .errors import InvalidValue, Issue, ParIndexError, ValidationFailed
from .loader import methodology_from_dict, methodology_to_dict
from .model import Grade, Methodology, Node, Unit
from .numbers import fmt_vn, q2, q4, to_decimal
from .ranking import competition_ranks, ranked
from .rules import check_entry, is_percent
from .values import (
    NO_TEXT,
    NOT_ARISING_TEXT,
    YES_TEXT,
    Flag,
    NotArising,
    Number,
    Status,
    Timeliness,
    Value,
    is_not_arising,
    parse_value,
    parse_yes_no,
)

__all__ = [
    "NOT_ARISING_TEXT",
    "NO_TEXT",
    "YES_TEXT",
    "Flag",
    "Grade",
    "InvalidValue",
    "Issue",
    "Memo",
    "Methodology",
    "Node",
    "NodeResult",
    "NotArising",
    "Override",
    "Number",
    "ParIndexError",
    "Status",
    "Timeliness",
    "Unit",
    "UnitResult",
    "ValidationFailed",
    "Value",
    "check_entry",
    "competition_ranks",
    "compute_all",
    "compute_unit",
    "fmt_vn",
    "is_not_arising",
    "is_percent",
    "methodology_from_dict",
    "methodology_to_dict",
    "parse_value",
    "parse_yes_no",
    "q2",
    "q4",
    "ranked",
    "score_leaf",
    "to_decimal",
    "unit_totals",
    "young_collections_only",
]
