"""The rule kinds of issue 11 in files: the methodology workbook round trip (ratio by
proportion and by bands, piecewise), errors naming row/column/code, and the tidy scores file
carrying a ratio's two counts."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from parindex.core import Unit, ValidationFailed, compute_all, methodology_from_dict, q4
from parindex.core.rules import Piecewise, RatioRule
from parindex.core.values import Ratio
from parindex.files.methodology import dump_yaml
from parindex.files.methodology_xlsx import (
    NODES_SHEET,
    read_methodology_xlsx,
    write_methodology_xlsx,
)
from parindex.files.scores import read_scores

D = Decimal

SPEC = {
    "format": "parindex-methodology/1",
    "code": "t",
    "name": "Thử",
    "version": "2025",
    "fields": [
        {
            "code": "1",
            "name": "Lĩnh vực",
            "max": 4,
            "children": [
                {
                    "code": "1.1",
                    "name": "Tỷ lệ hồ sơ đúng hạn",
                    "max": 2,
                    "rule": {"kind": "ratio"},
                    "gate": True,
                },
                {
                    "code": "1.2",
                    "name": "Tỷ lệ theo mức",
                    "max": 1,
                    "rule": {
                        "kind": "ratio",
                        "bands": [
                            {"from": 100, "to": 100, "to_inclusive": True, "points": 1},
                            {"from": 80, "to": 100, "points": "0.5"},
                            {"from": 0, "to": 80, "points": 0},
                        ],
                    },
                },
                {
                    "code": "1.3",
                    "name": "Tuyến tính",
                    "max": 1,
                    "rule": {
                        "kind": "piecewise",
                        "floor": 40,
                        "breakpoints": [{"at": 50, "points": "0.5"}, {"at": 100, "points": 1}],
                    },
                },
            ],
        }
    ],
}


def workbook(tmp_path: Path) -> Path:
    path = tmp_path / "m.xlsx"
    write_methodology_xlsx(methodology_from_dict(SPEC), path)
    return path


def cells(path: Path, code: str) -> tuple:
    ws = load_workbook(path)[NODES_SHEET]
    header = [str(c.value) for c in ws[1]]
    for row in ws.iter_rows(min_row=2, values_only=True):
        if row[0] == code:
            return tuple(
                row[header.index(h)]
                for h in ("Quy tắc (rule)", "Tham số (params)", "Các mức (bands)")
            )
    raise AssertionError(code)


def test_workbook_round_trip(tmp_path):
    m = methodology_from_dict(SPEC)
    path = workbook(tmp_path)
    assert cells(path, "1.1")[:2] == ("ratio", "full_at=100")
    assert cells(path, "1.2")[2] == "[100..100]=1; [80..100)=0,5; [0..80)=0"
    assert cells(path, "1.3") == ("piecewise", "over=percent; floor=40", "50=0,5; 100=1")
    back = read_methodology_xlsx(path)
    assert back == m
    assert dump_yaml(back) == dump_yaml(m)
    assert isinstance(back.nodes["1.2"].rule, RatioRule) and back.nodes["1.2"].rule.bands
    assert isinstance(back.nodes["1.3"].rule, Piecewise)
    assert back.nodes["1.1"].gate and not back.nodes["1.2"].gate


def test_workbook_errors_name_row_column_and_code(tmp_path):
    path = workbook(tmp_path)
    wb = load_workbook(path)
    ws = wb[NODES_SHEET]
    header = [str(c.value) for c in ws[1]]
    rows = {r[0].value: r[0].row for r in ws.iter_rows(min_row=2)}
    bands = header.index("Các mức (bands)") + 1
    ws.cell(rows["1.3"], bands).value = "50=0,5; trăm=1"
    ws.cell(rows["1.1"], bands).value = "[0..100]=3"
    wb.save(path)
    with pytest.raises(ValidationFailed) as caught:
        read_methodology_xlsx(path)
    by_code = {i.code: i for i in caught.value.issues}
    assert by_code["1.3"].row == rows["1.3"]
    assert by_code["1.3"].column == "Các mức (bands)"
    assert "trăm=1" in by_code["1.3"].message
    assert by_code["1.1"].row == rows["1.1"]
    assert "không cả hai" in by_code["1.1"].message  # full_at=100 is still in the params


def test_scores_file_carries_both_counts(tmp_path):
    m = methodology_from_dict(SPEC)
    path = tmp_path / "diem.csv"
    path.write_text(
        "unit,code,value,done,total\n"
        "A,1.1,45/50,,\n"
        "A,1.2,,40,50\n"
        "A,1.3,65,,\n"
        "B,1.1,0/0,,\n"
        "B,1.2,50/50,,\n"
        'B,1.3,"39,5",,\n',
        encoding="utf-8",
    )
    scores = read_scores(path, m)
    assert scores.inputs["A"]["1.1"] == Ratio(D(45), D(50))
    assert scores.inputs["A"]["1.2"] == Ratio(D(40), D(50))
    a, b = compute_all(m, scores.units, scores.inputs)
    assert (a.nodes["1.1"].points, a.nodes["1.2"].points, a.nodes["1.3"].points) == (
        D("1.8"),
        D("0.5"),
        D("0.65"),
    )
    assert (b.nodes["1.1"].points, b.nodes["1.1"].max_points) == (0, 0)  # 0/0 excluded
    assert b.nodes["1"].points == D(1)  # an excluded gate has not failed
    assert b.nodes["1.3"].points == 0  # below the floor


def test_scores_file_refuses_bad_counts_naming_row_and_column(tmp_path):
    path = tmp_path / "diem.csv"
    path.write_text("unit,code,value\nA,1.1,51/50\nA,1.2,45\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as caught:
        read_scores(path, methodology_from_dict(SPEC), [Unit("A")])
    first, second = caught.value.issues
    assert (first.row, first.column, first.code) == (2, "value", "1.1")
    assert "lớn hơn tổng số" in first.message
    assert (second.row, second.code) == (3, "1.2") and "45/50" in second.message


def test_workbook_round_trip_of_dates(tmp_path):
    dated = {**SPEC, "period_from": "2025-01-01", "period_to": "2025-12-31"}
    dated["fields"] = [
        {
            **SPEC["fields"][0],
            "children": [
                {**c, "valid_from": "01/07/2025"} if c["code"] == "1.3" else c
                for c in SPEC["fields"][0]["children"]
            ],
        }
    ]
    m = methodology_from_dict(dated)
    path = tmp_path / "d.xlsx"
    write_methodology_xlsx(m, path)
    ws = load_workbook(path)[NODES_SHEET]
    header = [str(c.value) for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == "1.3")
    assert row[header.index("Hiệu lực từ (valid_from)")] == "01/07/2025"
    back = read_methodology_xlsx(path)
    assert back == m
    assert back.nodes["1.3"].prorate is not None and back.nodes["1.3"].prorate.days == 184


def test_absent_block_round_trip_and_declared_in_a_scores_file(tmp_path):
    spec = {
        **SPEC,
        "absent_block": "rescale",
        "fields": [
            SPEC["fields"][0],
            {
                "code": "2",
                "name": "Điều tra",
                "max": 2,
                "block": True,
                "children": [{"code": "2.1", "name": "SIPAS", "max": 2, "rule": "survey"}],
            },
        ],
    }
    m = methodology_from_dict(spec)
    path = tmp_path / "b.xlsx"
    write_methodology_xlsx(m, path)
    back = read_methodology_xlsx(path)
    assert back == m and back.nodes["2"].block and back.absent_block == "rescale"

    scores = tmp_path / "diem.csv"
    scores.write_text("unit,code,value\nA,1.1,50/50\nA,2,không phát sinh\nB,2,80\n", "utf-8")
    with pytest.raises(ValidationFailed) as caught:
        read_scores(scores, m)
    (issue,) = caught.value.issues
    assert (issue.row, issue.code, issue.unit) == (4, "2", "B") and "là một khối" in issue.message
    scores.write_text("unit,code,value\nA,1.1,50/50\nA,2,không phát sinh\n", "utf-8")
    read = read_scores(scores, m)
    (a,) = compute_all(m, read.units, read.inputs)
    assert a.nodes["2"].status == "absent"
    assert a.max_points == D(6)
    assert a.base_points == q4(D(2) * 6 / 4)  # 1.1 full (2 of the rest's 4), rescaled
