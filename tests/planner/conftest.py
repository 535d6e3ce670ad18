"""The planner's tests score the small test methodology (tests/data/small.yaml) with the
engine, as the planner's callers will: units SO-A (a department) and XA-B (a commune)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml

from parindex.core import Methodology, Unit, UnitResult, Value, compute_unit, methodology_from_dict
from parindex.core import parse_value as _parse

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="session")
def small() -> Methodology:
    data = yaml.safe_load((DATA / "small.yaml").read_text(encoding="utf-8"))
    return methodology_from_dict(data, "small.yaml")


@pytest.fixture(scope="session")
def small_inputs(small: Methodology) -> dict[str, tuple[Unit, dict[str, Value]]]:
    out: dict[str, tuple[Unit, dict[str, Value]]] = {}
    with (DATA / "small-scores.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            unit, inputs = out.setdefault(
                row["unit"], (Unit(row["unit"], type=row["unit_type"]), {})
            )
            rule = small.nodes[row["code"]].rule
            assert rule is not None
            inputs[row["code"]] = _parse(row["value"], rule.expects)
    return out


@pytest.fixture(scope="session")
def small_results(small, small_inputs) -> dict[str, UnitResult]:
    return {
        code: compute_unit(small, unit, inputs) for code, (unit, inputs) in small_inputs.items()
    }
