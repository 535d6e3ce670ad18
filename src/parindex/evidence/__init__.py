"""Reading evidence documents and extracting their Decree 30/2020 facts (issue 13).

Pure Python (no Django): `reading.read_document` turns a file's bytes into text within fixed
bounds; `facts.extract_facts` finds the issuing body, number, place and date, type, title and
signer in that text; `inspect_file` does both, for `parindex evidence inspect FILE`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from parindex.evidence.facts import DocumentFacts, extract_facts
from parindex.evidence.reading import DocumentText, read_document

__all__ = ["DocumentFacts", "DocumentText", "extract_facts", "inspect_bytes", "inspect_file"]


def inspect_bytes(data: bytes, name: str = "") -> dict[str, Any]:
    """The facts of one document as a JSON-ready dict (never raises on a bad file)."""
    doc = read_document(data, name)
    facts = extract_facts(doc.text) if doc.text else DocumentFacts()
    return {
        **facts.as_dict(),
        "pages": doc.pages,
        "ocr": False,
        "text_layer": doc.text_layer,
        "format": doc.kind,
        "readable": doc.readable,
        "problems": [*doc.problems, *facts.problems],
    }


def inspect_file(path: Path) -> dict[str, Any]:
    return inspect_bytes(path.read_bytes(), path.name)
