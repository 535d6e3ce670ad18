"""Errors every use case shares: a refused action, and an import refused row by row."""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.utils.translation import gettext as _

from .csvio import CsvUnreadable


class ServiceError(Exception):
    """A refused action, with a message for the user."""


def row_message(line: int, column: str, message: str, file: str = "") -> str:
    """ "Dòng 5, cột “value”: …" (with the file: "Tệp “a.csv”, dòng 5, cột “value”: …"): how
    every import names a problem's place."""
    if file and column:
        return _("Tệp “%(f)s”, dòng %(l)s, cột “%(c)s”: %(m)s") % {
            "f": file,
            "l": line,
            "c": column,
            "m": message,
        }
    if file:
        return _("Tệp “%(f)s”, dòng %(l)s: %(m)s") % {"f": file, "l": line, "m": message}
    if column:
        return _("Dòng %(l)s, cột “%(c)s”: %(m)s") % {"l": line, "c": column, "m": message}
    return _("Dòng %(l)s: %(m)s") % {"l": line, "m": message}


@dataclass(frozen=True)
class RowError:
    """One problem of an imported file, by row and column (shared by every import); `file`
    names the file when the import knows it."""

    line: int
    column: str
    message: str
    file: str = ""

    def __str__(self) -> str:
        return row_message(self.line, self.column, self.message, self.file)


class ImportRefused(ServiceError):
    """An import refused as a whole; `errors` says which rows and columns are wrong."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(
            _("Không nhập dòng nào: tệp có %(n)s lỗi, hãy sửa rồi tải lên lại.")
            % {"n": len(errors)}
        )
        self.errors = errors

    @classmethod
    def unreadable(cls, exc: CsvUnreadable, file: str = "") -> ImportRefused:
        """The import refused because the file cannot be read as CSV at all."""
        return cls([RowError(exc.line, "", unreadable_message(exc), file)])

    def in_file(self, file: str) -> ImportRefused:
        """The same refusal, each error naming `file` (when it names none)."""
        return type(self)([replace(e, file=e.file or file) for e in self.errors])


def unreadable_message(exc: CsvUnreadable) -> str:
    """Why a CSV file cannot be read, in the user's language."""
    message = _(exc.msgid)
    return message % exc.params if exc.params else message
