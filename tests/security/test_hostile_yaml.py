"""Hostile YAML (issue 12, security pass): every YAML the application reads goes through
parindex.common.safe_yaml, which refuses "billion laughs" aliases, deep nesting and huge
files by name, before building anything from them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from parindex.common import safe_yaml
from parindex.core.errors import ValidationFailed
from parindex.files.methodology import load_yaml_text
from parindex.surveys.definitions import DefinitionError, forms_from_yaml
from parindex.surveys.services.common import SurveyFileRefused
from parindex.surveys.services.questionnaires import forms_read

SRC = Path(__file__).resolve().parents[2] / "src/parindex"


def laughs(levels: int, key: str = "lol") -> str:
    """A "billion laughs" document: each level a list of ten aliases of the one below, so the
    last anchor expands to 10**levels strings (9 levels: a billion) in about 600 bytes."""
    lines = ['a0: &a0 "ha"']
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    lines.append(f"{key}: *a{levels}")
    return "\n".join(lines) + "\n"


def nested(depth: int) -> str:
    return "title: x\nbomb: " + "[" * depth + "1" + "]" * depth + "\n"


def test_a_billion_laughs_is_refused_by_the_common_loader_without_expanding_it():
    # 10**9 strings if expanded: refused only because the expansion is counted, not built
    # (building it would not finish, nor fit in memory).
    text = laughs(9)
    assert len(text) < 700
    for loader in (safe_yaml.LimitedSafeLoader, safe_yaml.LimitedCSafeLoader):
        if loader is None:
            continue
        with pytest.raises(safe_yaml.YamlRefused) as exc:
            safe_yaml.load(text, "bom.yaml", loader=loader)
        assert "bom.yaml" in str(exc.value)
        assert "alias" in str(exc.value)


def test_aliases_that_add_little_are_still_read():
    # a methodology may share its guidance texts through anchors
    assert safe_yaml.load(laughs(3), "ok.yaml")["lol"][0][0][0] == "ha"
    text = (SRC / "methodologies/vn-province-876.yaml").read_text(encoding="utf-8")
    shared = text.replace(
        "guidance: >-\n      68 =", "guidance: &shared >-\n      68 =", 1
    ).replace(
        "evidence: Báo cáo kết quả Chỉ số CCHC năm của Bộ Nội vụ.\n",
        "evidence: *shared\n",
    )
    assert "*shared" in shared
    m = load_yaml_text(shared, "vn-province-876.yaml")
    assert m.nodes["1.2"].evidence == m.nodes["1"].guidance


def test_an_alias_that_contains_itself_is_refused():
    with pytest.raises(safe_yaml.YamlRefused, match="chính nó"):
        safe_yaml.load("a: &x [1, *x]\n", "vong.yaml")


@pytest.mark.parametrize("depth", [safe_yaml.MAX_DEPTH + 1, 5000])
def test_deep_nesting_is_refused_by_name(depth):
    for loader in (safe_yaml.LimitedSafeLoader, safe_yaml.LimitedCSafeLoader):
        if loader is None:
            continue
        with pytest.raises(safe_yaml.YamlRefused, match="sau.yaml.*lồng nhau quá 64 cấp"):
            safe_yaml.load(nested(depth), "sau.yaml", loader=loader)
    assert safe_yaml.load(nested(safe_yaml.MAX_DEPTH - 2), "ok.yaml")["title"] == "x"


def test_a_file_over_the_size_limit_is_refused_before_parsing(monkeypatch):
    monkeypatch.setattr(safe_yaml, "MAX_BYTES", 1000)
    with pytest.raises(safe_yaml.YamlRefused, match="to.yaml.*lớn hơn"):
        safe_yaml.load("a: " + "x" * 2000 + "\n", "to.yaml")


def test_only_the_limited_loaders_are_accepted():
    with pytest.raises(TypeError):
        safe_yaml.load("a: 1", "x.yaml", loader=yaml.SafeLoader)


def test_a_questionnaire_with_a_billion_laughs_is_refused_by_name():
    with pytest.raises(DefinitionError) as exc:
        forms_from_yaml(laughs(9, key="title"), "phieu-bom.yaml")
    assert "phieu-bom.yaml" in exc.value.problems[0]
    with pytest.raises(SurveyFileRefused) as refused:
        forms_read(laughs(9).encode(), "phieu-bom.yaml")
    assert any("alias" in p for p in refused.value.problems)


def test_a_deeply_nested_questionnaire_is_refused_by_name():
    with pytest.raises(DefinitionError, match="lồng nhau"):
        forms_from_yaml(nested(5000), "phieu-sau.yaml")


def test_the_methodology_validator_refuses_a_billion_laughs():
    # was: MemoryError in the validator from depth 8
    with pytest.raises(ValidationFailed) as exc:
        load_yaml_text(laughs(9, key="fields"), "pp-bom.yaml")
    [issue] = exc.value.issues
    assert issue.source == "pp-bom.yaml"
    assert "alias" in issue.message


def test_the_methodology_reader_refuses_deep_nesting():
    with pytest.raises(ValidationFailed, match="lồng nhau"):
        load_yaml_text(nested(5000), "pp-sau.yaml")


def test_no_yaml_is_read_outside_the_common_loader():
    """One way in: no module but common/safe_yaml.py calls PyYAML's loaders."""
    call = re.compile(r"(?<![\w.])yaml\.(?:\w*load\w*|compose\w*|parse)\(|Loader=")
    offenders = [
        f"{path.relative_to(SRC)}: {m.group(0)}"
        for path in SRC.rglob("*.py")
        if path.name != "safe_yaml.py"
        for m in call.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
