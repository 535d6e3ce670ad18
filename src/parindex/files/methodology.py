"""Read and write methodology files (YAML; Excel through methodology_xlsx)."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from parindex.common import safe_yaml
from parindex.core import Methodology, methodology_from_dict, methodology_to_dict
from parindex.core.errors import Issue, ValidationFailed
from parindex.core.loader import LINE

SHIPPED_PACKAGE = "parindex.methodologies"


class _LineLoader(safe_yaml.LimitedSafeLoader):
    """The safe loader with limits, recording each mapping's line under the key `__line__`."""


# The same with libyaml's C parser (PyYAML's wheels include it), about 9 times faster on the
# shipped 100 kB methodology; same nodes, same lines. Its syntax errors are worded a little
# differently, so a file it refuses is read again with the Python loader for the message.
_FastLineLoader: Any = None
if safe_yaml.LimitedCSafeLoader is not None:

    class _CLineLoader(safe_yaml.LimitedCSafeLoader):  # type: ignore[misc,valid-type]
        """_LineLoader on libyaml."""

    _FastLineLoader = _CLineLoader


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = {
        str(k) if not isinstance(k, bool) else k: v
        for k, v in loader.construct_mapping(node, deep=True).items()
    }
    mapping[LINE] = node.start_mark.line + 1
    return mapping  # type: ignore[return-value]


for _loader in (_LineLoader, _FastLineLoader):
    if _loader is not None:
        _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _load_yaml(text: str, source: str) -> Any:
    """Raises safe_yaml.YamlRefused (a limit) or yaml.YAMLError (syntax)."""
    if _FastLineLoader is not None:
        try:
            return safe_yaml.load(text, source, loader=_FastLineLoader)
        except yaml.YAMLError:
            pass  # read again below, for the Python loader's message and line
    return safe_yaml.load(text, source, loader=_LineLoader)


def load_yaml_text(text: str, source: str) -> Methodology:
    try:
        data = _load_yaml(text, source)
    except safe_yaml.YamlRefused as exc:
        raise ValidationFailed([Issue(exc.message, source)]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ValidationFailed([Issue(f"lỗi cú pháp YAML: {problem}", source, line)]) from None
    return methodology_from_dict(data, source)


def read_methodology(path: str | Path) -> Methodology:
    """Read a methodology from .yaml/.yml or .xlsx. Raises ValidationFailed."""
    p = Path(path)
    if not p.exists():
        raise ValidationFailed([Issue("không tìm thấy tệp", str(p))])
    if p.suffix.lower() == ".xlsx":
        from .methodology_xlsx import read_methodology_xlsx

        return read_methodology_xlsx(p)
    if p.suffix.lower() not in (".yaml", ".yml"):
        raise ValidationFailed(
            [Issue("định dạng không hỗ trợ (cần .yaml, .yml hoặc .xlsx)", p.name)]
        )
    try:
        text = p.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationFailed([Issue("tệp không phải văn bản UTF-8", p.name)]) from None
    return load_yaml_text(text, p.name)


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.Node:
    if value == value.to_integral_value():
        return dumper.represent_int(int(value))
    return dumper.represent_scalar("tag:yaml.org,2002:float", format(value.normalize(), "f"))


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True  # a value shared by two nodes is written twice, never as &id001 / *id001


_Dumper.add_representer(Decimal, _represent_decimal)
_Dumper.add_representer(str, _represent_str)


def dump_yaml(m: Methodology) -> str:
    return yaml.dump(
        methodology_to_dict(m), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100
    )


def write_methodology(m: Methodology, path: str | Path) -> None:
    p = Path(path)
    if p.suffix.lower() == ".xlsx":
        from .methodology_xlsx import write_methodology_xlsx

        write_methodology_xlsx(m, p)
    else:
        p.write_text(dump_yaml(m), encoding="utf-8")


def shipped_methodology_names() -> list[str]:
    """Names (without .yaml) of the methodologies shipped with parindex."""
    folder = resources.files(SHIPPED_PACKAGE)
    return sorted(f.name[:-5] for f in folder.iterdir() if f.name.endswith(".yaml"))


@lru_cache(maxsize=16)
def shipped_methodology(name: str) -> Methodology:
    """A shipped methodology, parsed once per process (the files are part of the package;
    the methodology pages list them on every request)."""
    text = (resources.files(SHIPPED_PACKAGE) / f"{name}.yaml").read_text(encoding="utf-8")
    return load_yaml_text(text, f"{name}.yaml")


def resolve_methodology(spec: str) -> Methodology:
    """A path, or the name of a shipped methodology (e.g. `example-province-internal`)."""
    if Path(spec).exists() or spec.endswith((".yaml", ".yml", ".xlsx")):
        return read_methodology(spec)
    if spec in shipped_methodology_names():
        return shipped_methodology(spec)
    raise ValidationFailed(
        [
            Issue(
                f"không tìm thấy tệp hoặc bộ tiêu chí có sẵn '{spec}' "
                f"(có sẵn: {', '.join(shipped_methodology_names())})"
            )
        ]
    )
