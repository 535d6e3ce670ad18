"""Synthetic but plausible survey responses, for the shipped sample, tests and the benchmark.

Every unit gets a `quality` in [0.55, 0.95]; a respondent's answers cluster around that level
(better units get more "A"/"Rất hài lòng"), with some "no opinion" and blank optional answers.
Deterministic for a given seed. `python -m parindex.surveys.sample_data` rewrites the shipped
sample files (responses CSV and XLSForm workbooks) from samples/questionnaires.yaml.
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Iterator
from pathlib import Path

from .definitions import FormDef, form_to_xlsform, forms_from_yaml

SAMPLES = Path(__file__).resolve().parent / "samples"
HEADER_START = ["respondent", "unit", "group"]


def header_for(forms: list[FormDef]) -> list[str]:
    """respondent, unit, group, then every select_one question name once, in form order."""
    names: list[str] = []
    for f in forms:
        for q in f.select_questions():
            if q.name not in names:
                names.append(q.name)
    return HEADER_START + names


def _cum_weights(form: FormDef, list_name: str, quality: float) -> list[float]:
    """Option weights peaked at quality x 100 (options without a score are rare)."""
    target = quality * 100
    weights = []
    for o in form.choices[list_name]:
        if o.score is None:
            weights.append(0.04)
        else:
            weights.append(math.exp(-(((float(o.score) - target) / 28) ** 2)) + 0.02)
    total = 0.0
    cum = []
    for w in weights:
        total += w
        cum.append(total)
    return cum


def unit_quality(code: str, seed: int) -> float:
    return random.Random(f"{seed}:{code}").uniform(0.55, 0.95)  # noqa: S311 - synthetic data


def generate(
    units: list[str],
    forms: list[FormDef],
    counts: dict[tuple[str, str], int],
    *,
    seed: int = 2025,
    prefix: str = "R",
) -> Iterator[list[str]]:
    """Rows (in header_for(forms) order) for `counts[(unit code, group code)]` respondents."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    header = header_for(forms)
    col = {name: i for i, name in enumerate(header)}
    serial = 0
    for unit in units:
        quality = unit_quality(unit, seed)
        for form in forms:
            n = counts.get((unit, form.group_code), 0)
            if not n:
                continue
            plan = []
            for q in form.select_questions():
                options = [o.name for o in form.choices[q.list_name]]
                scored = any(o.score is not None for o in form.choices[q.list_name])
                cum = _cum_weights(form, q.list_name, quality) if scored else None
                plan.append((col[q.name], options, cum, q.required))
            for _i in range(n):
                serial += 1
                row = [""] * len(header)
                row[0] = f"{prefix}{serial:07d}"
                row[1] = unit
                row[2] = form.group_code
                mood = rng.uniform(-0.15, 0.15)
                for c, options, cum, required in plan:
                    if not required and rng.random() < 0.08:
                        continue
                    if cum is None:
                        row[c] = rng.choice(options)
                    else:
                        row[c] = rng.choices(options, cum_weights=_shift(cum, mood))[0]
                yield row


def _shift(cum: list[float], mood: float) -> list[float]:
    """A respondent a little more or less positive than the unit: tilt the weights."""
    if abs(mood) < 0.05:
        return cum
    n = len(cum)
    out = []
    total = 0.0
    prev = 0.0
    for i, c in enumerate(cum):
        w = c - prev
        prev = c
        total += w * (1 + mood * (2 * i / max(1, n - 1) - 1))
        out.append(total)
    return out


def load_sample_forms() -> list[FormDef]:
    path = SAMPLES / "questionnaires.yaml"
    return forms_from_yaml(path.read_text(encoding="utf-8"), path.name)


LAOCAI_TARGETS = {
    # group -> (per department, per commune), the demo's sample plan
    "nguoi_dan": (30, 45),
    "hdnd": (4, 4),
    "lanh_dao_so": (8, 6),
    "lanh_dao_xa": (6, 8),
}
UNDER_SAMPLED = {"LC-X-YTY", "LC-X-TRAMTAU", "LC-SNGV"}


def laocai_units(demo_data: Path) -> list[tuple[str, str]]:
    out = []
    for name, kind in (
        ("laocai-departments.csv", "department"),
        ("laocai-communes.csv", "commune"),
    ):
        with (demo_data / name).open(encoding="utf-8") as f:
            out += [(r["code"], kind) for r in csv.DictReader(f)]
    return out


def laocai_rows(
    units: list[tuple[str, str]], forms: list[FormDef], seed: int = 2025
) -> list[list[str]]:
    """The shipped sample: about 2,000 forms, three units under-sampled, then a dozen rows
    with the mistakes the import must catch."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    counts = {}
    for code, kind in units:
        for group, (dept, commune) in LAOCAI_TARGETS.items():
            target = dept if kind == "department" else commune
            got = round(target * rng.uniform(0.9, 1.05))
            if code in UNDER_SAMPLED:
                got = max(1, target // 3)
            counts[(code, group)] = got
    rows = list(generate([c for c, _k in units], forms, counts, seed=seed, prefix="LC25-"))
    header = header_for(forms)
    col = {n: i for i, n in enumerate(header)}

    def bad(base: int, respondent: str, **changes: str) -> list[str]:
        row = list(rows[base])
        row[0] = respondent
        for k, v in changes.items():
            row[col[k]] = v
        return row

    sipas = next(i for i, r in enumerate(rows) if r[2] == "nguoi_dan")
    leader = next(i for i, r in enumerate(rows) if r[2] == "lanh_dao_so")
    rows += [
        bad(sipas, "LC25-X0001", unit="LC-X-KHONGCO"),  # unknown unit
        bad(sipas, "LC25-X0002", unit=""),  # missing unit
        bad(sipas, "LC25-X0003", tc2="6"),  # not an option
        bad(leader, "LC25-X0004", ld_cd1="F"),  # not an option
        bad(sipas + 1, rows[sipas + 5][0]),  # duplicate respondent id
        bad(leader + 1, rows[leader + 2][0]),  # duplicate respondent id
        bad(sipas + 2, "LC25-X0007", tt3=""),  # missing required answer
        bad(leader + 3, "LC25-X0008", ld_hc2=""),  # missing required answer
        bad(sipas + 3, "LC25-X0009", group="doanh_nghiep"),  # unknown group
        bad(sipas + 4, ""),  # missing respondent id
        bad(sipas + 6, "LC25-X0011", kq1="Rất hài lòng lắm"),  # not an option
        bad(leader + 4, "LC25-X0012", unit="LC-SNV ", ld_dt1="a"),  # lower-case option
    ]
    return rows


def write_samples(demo_data: Path) -> None:
    forms = load_sample_forms()
    units = laocai_units(demo_data)
    rows = laocai_rows(units, forms)
    with (SAMPLES / "responses-laocai.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header_for(forms))
        w.writerows(rows)
    xls = SAMPLES / "xlsform"
    xls.mkdir(exist_ok=True)
    for form in forms:
        (xls / f"{form.form_id}.xlsx").write_bytes(form_to_xlsform(form))


if __name__ == "__main__":  # pragma: no cover
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parindex.settings")
    django.setup()
    write_samples(Path(__file__).resolve().parent.parent / "demo" / "data")
    print("samples written to", SAMPLES)  # noqa: T201
