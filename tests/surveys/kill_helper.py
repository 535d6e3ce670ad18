"""Run in a subprocess by test_survey_kill.py against a file-based SQLite database
(PARINDEX_DATA_DIR):
`setup N` builds a cycle with the sample questionnaires and writes a response file of N valid
rows; prints the cycle id and the file's path."""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parindex.settings")
django.setup()

from django.contrib.auth.models import User  # noqa: E402

from parindex.accounts.models import Membership, OrgUnit  # noqa: E402
from parindex.assessment import services as a  # noqa: E402
from parindex.surveys import services as s  # noqa: E402
from parindex.surveys.sample_data import generate, header_for, load_sample_forms  # noqa: E402

METHODOLOGIES = Path(__file__).resolve().parents[2] / "src/parindex/methodologies"


def setup(n: int) -> None:
    source = (METHODOLOGIES / "example-province-internal.yaml").read_text(encoding="utf-8")
    mv = a.methodology_install(source=source)
    snv = OrgUnit.objects.create(code="SNV", name="Sở Nội vụ", type="department")
    units = [
        OrgUnit.objects.create(code=f"X{i}", name=f"Xã {i}", type="commune") for i in range(10)
    ]
    user = User.objects.create(username="quanly")
    Membership.objects.create(user=user, role="manager", unit=snv)
    cycle = a.cycle_create(name="Kỳ thử", year=2025, methodology=mv, organiser=snv, units=units)
    s.demo_seed(cycle, user)
    forms = [f for f in load_sample_forms() if f.group_code == "nguoi_dan"]
    path = os.path.join(os.environ["PARINDEX_DATA_DIR"], "big.csv")
    counts = {(u.code, "nguoi_dan"): 200 for u in units}
    pool = list(generate([u.code for u in units], forms, counts))
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header_for(forms))
        for i in range(n):  # the pool again and again, with new respondent ids
            row = pool[i % len(pool)]
            row[0] = f"K{i:08d}"
            w.writerow(row)
    print(cycle.pk, path)


if __name__ == "__main__":
    setup(int(sys.argv[2]))
