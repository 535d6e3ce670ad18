"""Small helper for the English catalog (no dependency beyond the standard library and gettext).

    uv run python scripts/i18n.py todo            # untranslated / fuzzy msgids as JSON on stdout
    uv run python scripts/i18n.py fill FILE.json  # set msgstr from {"msgid": "msgstr" | [s0, s1]}
    uv run python scripts/i18n.py check           # placeholders/plurals consistent, nothing missing

The full refresh is scripts/i18n.sh.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

PO = Path(__file__).resolve().parent.parent / "src/parindex/locale/en/LC_MESSAGES/django.po"


@dataclass
class Entry:
    comments: list[str] = field(default_factory=list)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: str = ""
    msgstr_plural: dict[int, str] = field(default_factory=dict)
    obsolete: bool = False

    @property
    def fuzzy(self) -> bool:
        return any(c.startswith("#,") and "fuzzy" in c for c in self.comments)

    def clear_fuzzy(self) -> None:
        kept = []
        for c in self.comments:
            if c.startswith("#,"):
                flags = [f.strip() for f in c[2:].split(",") if f.strip() and f.strip() != "fuzzy"]
                if not flags:
                    continue
                c = "#, " + ", ".join(flags)
            kept.append(c)
        self.comments = [c for c in kept if not c.startswith("#|")]

    @property
    def translated(self) -> bool:
        if self.msgid_plural is not None:
            return bool(self.msgstr_plural) and all(self.msgstr_plural.values())
        return bool(self.msgstr)


def _unquote(s: str) -> str:
    s = s.strip()
    assert s.startswith('"') and s.endswith('"'), s
    body = s[1:-1]
    out, i = [], 0
    esc = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            out.append(esc[body[i + 1]])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _quote(s: str) -> str:
    return (
        '"'
        + s.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\n", "\\n")
        + '"'
    )


def parse(text: str) -> list[Entry]:
    entries: list[Entry] = []
    for block in re.split(r"\n\s*\n", text.strip("\n")):
        e = Entry()
        key: str | None = None
        for raw in block.splitlines():
            line = raw
            if line.startswith("#~"):
                e.obsolete = True
                line = line[2:].strip()
                if not line:
                    continue
            elif line.startswith("#"):
                e.comments.append(line)
                continue
            if line.startswith('"'):
                val = _unquote(line)
            else:
                m = re.match(
                    r"(msgctxt|msgid_plural|msgid|msgstr\[(\d+)\]|msgstr)\s+(\".*\")$", line
                )
                assert m, f"cannot parse: {raw!r}"
                key, val = m.group(1), _unquote(m.group(3))
                if key.startswith("msgstr["):
                    e.msgstr_plural[int(m.group(2))] = ""
                elif key == "msgctxt":
                    e.msgctxt = ""
                elif key == "msgid_plural":
                    e.msgid_plural = ""
            assert key
            if key.startswith("msgstr["):
                n = int(key[7:-1])
                e.msgstr_plural[n] += val
            else:
                setattr(e, key, getattr(e, key) + val)
        entries.append(e)
    return entries


def _field(name: str, value: str, prefix: str = "") -> list[str]:
    if "\n" in value[:-1] or len(value) > 70:
        parts = re.findall(r"[^\n]*\n|[^\n]+", value)
        return [f'{prefix}{name} ""'] + [prefix + _quote(p) for p in parts]
    return [f"{prefix}{name} {_quote(value)}"]


def dump(entries: list[Entry]) -> str:
    blocks = []
    for e in entries:
        p = "#~ " if e.obsolete else ""
        lines = list(e.comments)
        if e.msgctxt is not None:
            lines += _field("msgctxt", e.msgctxt, p)
        lines += _field("msgid", e.msgid, p)
        if e.msgid_plural is not None:
            lines += _field("msgid_plural", e.msgid_plural, p)
            for n in sorted(e.msgstr_plural):
                lines += _field(f"msgstr[{n}]", e.msgstr_plural[n], p)
        else:
            lines += _field("msgstr", e.msgstr, p)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


PLACEHOLDER = re.compile(
    r"%\([a-zA-Z_0-9]+\)[sdif]|%[sdif]|\{\{\s*[^}]+?\s*\}\}|\{[a-zA-Z_0-9]*\}|&[a-z#0-9]+;"
)


def _placeholders(s: str) -> list[str]:
    return sorted(re.sub(r"\s+", "", p) for p in PLACEHOLDER.findall(s))


def problems(entries: list[Entry]) -> list[str]:
    out = []
    seen: set[tuple[str | None, str]] = set()
    for e in entries:
        if e.obsolete or e.msgid == "":
            continue
        if (e.msgctxt, e.msgid) in seen:  # msgfmt refuses the catalogue
            out.append(f"duplicate: {e.msgid!r}")
        seen.add((e.msgctxt, e.msgid))
        if not e.translated:
            out.append(f"untranslated: {e.msgid!r}")
            continue
        if e.fuzzy:
            out.append(f"fuzzy: {e.msgid!r}")
        if e.msgid_plural is None:
            pairs = [(e.msgid, e.msgstr)]
        else:
            pairs = [(e.msgid, e.msgstr_plural[0])] + [
                (e.msgid_plural, s) for n, s in e.msgstr_plural.items() if n
            ]
        for src, dst in pairs:
            # Each placeholder of the source must be kept (a plural singular may drop the count).
            if e.msgid_plural is None and _placeholders(src) != _placeholders(dst):
                out.append(f"placeholders differ: {src!r} -> {dst!r}")
            elif e.msgid_plural is not None and not set(_placeholders(dst)) <= set(
                _placeholders(src) + _placeholders(e.msgid_plural)
            ):
                out.append(f"unknown placeholder: {src!r} -> {dst!r}")
            if src.endswith("\n") != dst.endswith("\n"):
                out.append(f"trailing newline differs: {src!r}")
    return out


HEADER = {
    "Project-Id-Version": "parindex",
    "Last-Translator": "parindex team",
    "Language-Team": "English",
    "Language": "en",
}


def _fix_header(header: Entry) -> None:
    """Fill the template header fields (and unflag it: msgfmt drops a fuzzy header)."""
    assert header.msgid == ""
    header.clear_fuzzy()
    header.comments = [
        "# English catalog of parindex (every msgid is Vietnamese, the source language).",
        "# Refresh with scripts/i18n.sh; translate what `scripts/i18n.py todo` lists.",
        "#",
    ]
    fields = dict(HEADER, **{"PO-Revision-Date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M+0000")})
    lines = []
    for line in header.msgstr.splitlines(keepends=True):
        name = line.split(":", 1)[0]
        lines.append(f"{name}: {fields[name]}\n" if name in fields else line)
    header.msgstr = "".join(lines)


def main(argv: list[str]) -> int:
    entries = parse(PO.read_text(encoding="utf-8"))
    cmd = argv[1] if len(argv) > 1 else "check"
    if cmd == "todo":
        todo = {}
        for e in entries:
            if e.obsolete or e.msgid == "" or (e.translated and not e.fuzzy):
                continue
            todo[e.msgid] = [e.msgid_plural] if e.msgid_plural is not None else ""
        json.dump(todo, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    if cmd == "fill":
        table = json.loads(Path(argv[2]).read_text(encoding="utf-8"))
        n = 0
        for e in entries:
            if e.obsolete or e.msgid not in table:
                continue
            value = table[e.msgid]
            if e.msgid_plural is not None:
                if isinstance(value, str):
                    value = [value, value]
                e.msgstr_plural = dict(enumerate(value))
            else:
                assert isinstance(value, str), e.msgid
                e.msgstr = value
            e.clear_fuzzy()
            n += 1
        entries = [e for e in entries if not e.obsolete]
        _fix_header(entries[0])
        PO.write_text(dump(entries), encoding="utf-8")
        sys.stderr.write(f"filled {n} entries\n")
        return 0
    if cmd == "check":
        found = problems(entries)
        for p in found:
            sys.stdout.write(p + "\n")
        total = sum(1 for e in entries if not e.obsolete and e.msgid)
        sys.stderr.write(f"{total} messages, {len(found)} problems\n")
        return 1 if found else 0
    sys.stdout.write(__doc__ or "")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
