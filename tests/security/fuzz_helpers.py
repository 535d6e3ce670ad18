"""Shared pieces of the importer fuzz tests (issue 12, hostile input): hypothesis settings,
hostile cell values, ways to damage a valid file, and the check that a refusal is one of the
project's own errors and names the file."""

from __future__ import annotations

import copy
import io
import random
import zipfile
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FEW = settings(FUZZ, max_examples=15)  # one database transaction per example

# Text an attacker or a careless spreadsheet puts in a cell.
HOSTILE_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "1e999",
    "-1e999",
    "1e-400",
    "NaN",
    "inf",
    "-0",
    "-1",
    "99999999999999999999999999999999",
    "1/0",
    "0/0",
    "45/0",
    "1,5,5",
    "١٢",  # Arabic-Indic digits
    "１２",  # full-width digits
    "=1+1",
    "=cmd|' /C calc'!A0",
    "@SUM(A1)",
    "đúng hạn",
    "có",
    "NA",
    "không phát sinh",
    "\u202eevil",
    "x" * 5000,
    "1.1.1",
    "9.9.9",
    "\ufeff",
    "\n\r\t",
    "'",
    '"',
    "None",
    "true",
]
hostile_text = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=20))
hostile_number = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False, places=6),
)
# A value in a YAML mapping: any type where a number or a text is expected.
hostile_yaml_value = st.one_of(
    hostile_text,
    hostile_number.filter(lambda v: not isinstance(v, Decimal)),
    st.none(),
    st.booleans(),
    st.just([]),
    st.just({}),
    st.lists(st.sampled_from(["a", 1, None]), max_size=3),
    st.dictionaries(st.sampled_from(["code", "max", "kind", "x"]), st.integers(), max_size=2),
)
# A cell of a workbook written with openpyxl (no NUL: openpyxl cannot write it).
xlsx_cell = st.one_of(
    st.none(),
    hostile_text.map(lambda s: "".join(c for c in s if c >= " " or c in "\t\n\r")),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
)


def refused_cleanly(run: Callable[[], Any], errors: tuple[type[BaseException], ...], name: str):
    """Run an import: it succeeds (its result is returned) or raises one of `errors` whose
    message names the file `name`; any other exception fails the test by propagating."""
    try:
        return run()
    except errors as exc:
        text = message_of(exc)
        assert text.strip(), f"an empty refusal: {exc!r}"
        assert name in text, f"the refusal does not name {name}: {text[:500]}"
        return None


def message_of(exc: BaseException) -> str:
    """Everything a refusal tells the user: its message and its row errors or issues."""
    parts = [str(exc)]
    for attr in ("errors", "issues", "problems"):
        parts += [str(e) for e in getattr(exc, attr, None) or []]
    return "\n".join(parts)


def flip_bytes(data: bytes, seed: int, flips: int) -> bytes:
    out = bytearray(data)
    rng = random.Random(seed)
    for _ in range(flips):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def truncated(data: bytes, fraction: float) -> bytes:
    return data[: max(1, int(len(data) * fraction))]


def zip_mutated(data: bytes, seed: int) -> bytes:
    """The same Office file with one member dropped, emptied or replaced by junk."""
    rng = random.Random(seed)
    src = zipfile.ZipFile(io.BytesIO(data))
    names = src.namelist()
    victim = rng.choice(names)
    how = rng.choice(["drop", "empty", "junk", "xml"])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for n in names:
            body = src.read(n)
            if n == victim:
                if how == "drop":
                    continue
                body = {
                    "empty": b"",
                    "junk": bytes(rng.randrange(256) for _ in range(64)),
                    "xml": b"<?xml version='1.0'?><a><b></a>",
                }[how]
            z.writestr(n, body)
    return out.getvalue()


def rows_shuffled(rows: list[Any], seed: int) -> list[Any]:
    """The rows with some dropped and some duplicated (the first, a header, kept)."""
    rng = random.Random(seed)
    head, body = rows[:1], rows[1:]
    out = []
    for r in body:
        roll = rng.random()
        if roll < 0.2:
            continue
        out.append(copy.deepcopy(r))
        if roll > 0.8:
            out.append(copy.deepcopy(r))
    return head + out


def paths(doc: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value in a nested dict/list document (for mutating one of them)."""
    found = [prefix] if prefix else []
    if isinstance(doc, dict):
        for k, v in doc.items():
            found += paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            found += paths(v, (*prefix, i))
    return found


def mutate(doc: Any, path: tuple, action: str, value: Any) -> Any:
    """A copy of `doc` with the value at `path` replaced, deleted or duplicated."""
    doc = copy.deepcopy(doc)
    parent = doc
    for k in path[:-1]:
        parent = parent[k]
    last = path[-1]
    if action == "delete":
        del parent[last]
    elif action == "duplicate" and isinstance(parent, list):
        parent.insert(last, copy.deepcopy(parent[last]))
    else:
        parent[last] = value
    return doc
