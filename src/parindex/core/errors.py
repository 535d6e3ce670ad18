"""Domain errors of the scoring engine. Each carries a location so messages name the
file, the row or line and the code, as officials need to fix their input."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Issue:
    """One problem found in a methodology or an input file."""

    message: str
    source: str = ""  # file name
    row: int | None = None  # row (Excel/CSV) or line
    column: str = ""  # column or YAML key
    code: str = ""  # methodology code concerned
    unit: str = ""  # unit concerned
    severity: str = "error"  # error | warning

    def __str__(self) -> str:
        where = []
        if self.source:
            where.append(self.source)
        if self.row is not None:
            where.append(f"dòng {self.row}")
        if self.column:
            where.append(f"cột {self.column}")
        if self.unit:
            where.append(f"đơn vị {self.unit}")
        if self.code:
            where.append(f"mã {self.code}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class ParIndexError(Exception):
    """Base class of engine errors."""


@dataclass
class ValidationFailed(ParIndexError):
    """Raised with every issue found, so a user fixes a file in one pass."""

    issues: list[Issue] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(str(i) for i in self.issues)


class InvalidValue(ParIndexError):
    """An input value that the rule of its leaf cannot take."""
