"""Reading CSV files the one way every import does: UTF-8 (a BOM is skipped) or UTF-16 with
a BOM; the delimiter (comma, semicolon or tab) guessed once, from the header line.

No Django here (the command line reads score files with it): messages are msgids, which
Django callers translate (`errors.ImportRefused.unreadable`, or `_(exc.msgid)`).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any


def gettext_noop(message: str) -> str:
    """Marks a msgid for makemessages; the caller translates it where Django runs."""
    return message


NOT_UTF8 = gettext_noop("tệp không phải văn bản UTF-8 (hãy lưu CSV dạng UTF-8).")
BAD_LINE = gettext_noop("không đọc được dòng này của tệp CSV (%(e)s).")

DELIMITERS = (",", ";", "\t")


class CsvUnreadable(ValueError):
    """The file cannot be read as CSV text from `line` on; `msgid % params` says why."""

    def __init__(self, msgid: str, line: int = 1, **params: Any) -> None:
        super().__init__(msgid % params if params else msgid)
        self.msgid = msgid
        self.line = line
        self.params = params


def sniff_delimiter(header_line: str) -> str:
    """The delimiter of a CSV file, from its header line: the most frequent of comma,
    semicolon and tab (comma on a tie, and when there is none)."""
    return max(DELIMITERS, key=header_line.count)


def text_stream(raw: IO[bytes]) -> io.TextIOWrapper:
    """The bytes as text: UTF-16 when they start with its BOM, else UTF-8 (BOM skipped).
    Decoding is strict: a non-UTF-8 byte raises UnicodeDecodeError when read."""
    head = raw.read(4)
    raw.seek(0)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return io.TextIOWrapper(raw, encoding="utf-16", newline="")
    # Skip a UTF-8 BOM by hand: the "utf-8-sig" codec decodes half as fast as "utf-8".
    raw.seek(3 if head.startswith(codecs.BOM_UTF8) else 0)
    return io.TextIOWrapper(raw, encoding="utf-8", newline="")


@dataclass
class CsvStream:
    """An open CSV file: its header line and cells, then a csv reader over the lines after
    it (`reader.line_num + 1` is the file's line number). An empty file has first_line ""."""

    first_line: str
    header: list[str]
    reader: Any  # the csv module's reader
    text: io.TextIOBase
    line_offset: int = 1

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(line number, cells) of every row after the header. Raises CsvUnreadable."""
        reader, off = self.reader, self.line_offset
        try:
            for cells in reader:
                yield reader.line_num + off, cells
        except UnicodeDecodeError:
            raise CsvUnreadable(NOT_UTF8, reader.line_num + off + 1) from None
        except csv.Error as exc:
            raise CsvUnreadable(BAD_LINE, reader.line_num + off + 1, e=str(exc)[:100]) from None

    def close(self) -> None:
        """Let go of the text layer (the caller closes the bytes it opened)."""
        if isinstance(self.text, io.TextIOWrapper):
            self.text.detach()


def decode(data: bytes) -> str:
    """Bytes as text, as text_stream reads them. Raises CsvUnreadable naming the line."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding, body = "utf-16", data
    else:
        encoding, body = "utf-8", data[3:] if data.startswith(codecs.BOM_UTF8) else data
    try:
        return body.decode(encoding)
    except UnicodeDecodeError as exc:
        line = body.count(b"\n", 0, exc.start) + 1 if encoding == "utf-8" else 1
        raise CsvUnreadable(NOT_UTF8, line) from None


def open_csv(raw: IO[bytes] | io.StringIO) -> CsvStream:
    """Open a CSV file for reading (bytes, or text already decoded). Raises CsvUnreadable
    when its first line is not text."""
    text = raw if isinstance(raw, io.StringIO) else text_stream(raw)
    try:
        first = text.readline()
    except UnicodeDecodeError:
        raise CsvUnreadable(NOT_UTF8) from None
    delimiter = sniff_delimiter(first)
    try:
        header = next(csv.reader([first], delimiter=delimiter), [])
    except csv.Error:
        header = []
    header = [h.strip().lstrip("\ufeff") for h in header]
    return CsvStream(first, header, csv.reader(text, delimiter=delimiter), text)


def read_table(data: bytes) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """A small CSV file read whole: its header (trimmed, lower case) and its non-blank rows
    as {column: trimmed cell} with their line numbers. Raises CsvUnreadable."""
    stream = open_csv(io.StringIO(decode(data), newline=""))
    header = [h.lower() for h in stream.header]
    rows = []
    for line, cells in stream.rows():
        if not any(c.strip() for c in cells):
            continue
        row = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)}
        rows.append((line, row))
    return header, rows
