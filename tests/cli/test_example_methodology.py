"""`parindex compute` on the shipped example methodology, checked by hand (field 1).

Sở Tư pháp (department):
  1.1.1 on time 0.75; 1.1.2 95 % -> [90, 100) 1.00; 1.2.1 late 0.50; 1.3.1 100 % 0.75;
  1.3.2 not arising, full points 0.75; 1.4.1 60 % proportional 0.6 x 0.75 = 0.45;
  1.4.2 two forms -> [2, 3) 0.50; 1.5.1 not arising, excluded (max -1.00);
  1.5.2 four overdue tasks -> >= 3: 0; 1.6.1 on time 1.00; 1.6.2 yes 0.75;
  1.6.3 is for communes only (max -0.75).
  Field 1 = 6.45 of 8.25 -> 78.1818 %. Unit max 94.5 - 1.00 = 93.5 -> index 6.8984 %.
Xã Bắc Hà (commune):
  1.1.1 not done 0; 1.1.2 79.99 % -> < 80: 0; 1.2.1 on time 1.00; 1.3.1 80 % 0.50;
  1.3.2 99.99 % 0.50; 1.4.1 100 % 0.75; 1.4.2 five forms 0.75; 1.5.1 90 % 0.50;
  1.5.2 none overdue 0.50; 1.6.1 late 0.50; 1.6.2 no 0; 1.6.3 100 % 0.75.
  Field 1 = 5.75 of 10 -> 57.5 %. Unit max 94.5 -> index 6.0847 %.
Every other leaf is missing: scored 0 and reported.
"""

from __future__ import annotations

import json
from pathlib import Path

from parindex.cli import main

SCORES = Path(__file__).resolve().parents[2] / "examples" / "example-scores.csv"


def test_example_methodology_results_match_the_hand_computation(tmp_path, capsys):
    out = tmp_path / "results.json"
    code = main(["compute", "-m", "example-province-internal", "-s", str(SCORES), "-o", str(out)])
    assert code == 0
    results = {r["unit"]: r for r in json.loads(out.read_text(encoding="utf-8"))["results"]}
    so, xa = results["SO-TP"], results["XA-BH"]
    assert so["fields"]["1"] == {
        "name": "Công tác chỉ đạo, điều hành cải cách hành chính",
        "points": "6.4500",
        "max": "8.2500",
        "index": "78.1818",
    }
    assert (so["points"], so["max_points"], so["index"]) == ("6.4500", "93.5000", "6.8984")
    assert xa["fields"]["1"]["points"] == "5.7500"
    assert xa["fields"]["1"]["max"] == "10.0000"
    assert xa["fields"]["1"]["index"] == "57.5000"
    assert (xa["points"], xa["max_points"], xa["index"]) == ("5.7500", "94.5000", "6.0847")
    assert (so["rank"], xa["rank"]) == (1, 2)
    assert "1.6.3" not in so["missing"]  # not applicable, so not missing
    assert "2.1.3" in so["missing"]
    assert "thiếu số liệu" in capsys.readouterr().err
