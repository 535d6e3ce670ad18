"""Builders of response files for the survey tests."""

from __future__ import annotations

import csv
import io

SIPAS_ANSWERS = {
    "doi_tuong": "ca_nhan",
    "gioi_tinh": "nu",
    **dict.fromkeys(("tc1", "tc2", "tc3", "tc4", "tt1", "tt2", "tt3", "tt4"), "4"),
    **dict.fromkeys(("cc1", "cc2", "cc3", "cc4", "kq1", "kq2", "kq3", "gy1", "gy2", "gy3"), "4"),
}
LEADER_QUESTIONS = [
    "ld_cd1", "ld_cd2", "ld_vb1", "ld_vb2", "ld_hc1", "ld_hc2", "ld_bm1",
    "ld_bm2", "ld_cb1", "ld_cb2", "ld_tc1", "ld_tc2", "ld_dt1", "ld_dt2",
]  # fmt: skip
HDND_QUESTIONS = ["ld_cd1", "ld_vb1", "ld_hc1", "ld_bm1", "ld_cb1", "ld_tc1", "ld_dt1"]


def csv_bytes(rows: list[dict[str, str]], header: list[str] | None = None) -> bytes:
    """A response CSV with the given rows (missing cells empty)."""
    if header is None:
        header = ["respondent", "unit", "group"]
        for r in rows:
            header += [k for k in r if k not in header]
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    for r in rows:
        w.writerow([r.get(h, "") for h in header])
    return buf.getvalue().encode("utf-8")


def sipas(respondent: str, unit: str = "LC-STP", **answers: str) -> dict[str, str]:
    return {
        "respondent": respondent,
        "unit": unit,
        "group": "nguoi_dan",
        **SIPAS_ANSWERS,
        **answers,
    }


def leader(
    respondent: str, unit: str = "LC-STP", answer: str = "B", **answers: str
) -> dict[str, str]:
    row = {"respondent": respondent, "unit": unit, "group": "lanh_dao_so"}
    row.update(dict.fromkeys(LEADER_QUESTIONS, answer))
    row.update(answers)
    return row
