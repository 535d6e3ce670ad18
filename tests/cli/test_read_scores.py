"""read_scores keeps one value per leaf and typed text (parsed and checked once)."""

from __future__ import annotations

from pathlib import Path

from parindex.core import compute_all
from parindex.files.methodology import read_methodology
from parindex.files.scores import read_scores

DATA = Path(__file__).resolve().parents[1] / "data"


def test_same_text_same_leaf_gives_one_value(tmp_path):
    m = read_methodology(DATA / "small.yaml")
    path = tmp_path / "s.csv"
    path.write_text(
        "unit,code,value,unit_type\n"
        "A,1.1.2,100,commune\n"
        "B,1.1.2,100,commune\n"
        'C,1.1.2,"100,0",commune\n'
        "A,2.1.1,100,commune\n",
        encoding="utf-8",
    )
    s = read_scores(path, m)
    a, b, c = (s.inputs[u]["1.1.2"] for u in "ABC")
    assert a is b
    assert c == a and c is not a  # typed differently: kept as typed
    assert s.inputs["A"]["2.1.1"] is not a  # another leaf
    results = {r.unit.code: r for r in compute_all(m, s.units, s.inputs)}
    assert "Giá trị nhập: 100.0." in results["C"].nodes["1.1.2"].explanation
    assert "Giá trị nhập: 100." in results["A"].nodes["1.1.2"].explanation
