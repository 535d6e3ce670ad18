"""The one way the application reads YAML (methodologies, questionnaires): a safe loader with
limits, so that a hostile file is refused before it costs memory or time.

- size: at most MAX_BYTES characters of text;
- nesting: at most MAX_DEPTH levels of lists and mappings;
- aliases: anchors and aliases stay allowed (the shipped methodology shares its guidance
  texts that way), but what they add when expanded is capped at MAX_ALIAS_EXPANSION nodes,
  and an alias that contains itself is refused. The expanded size is counted on the composed
  node graph (each distinct node once, memoised), so a "billion laughs" document is refused
  in time linear in its length, without building the expansion.

Every refusal is a `YamlRefused` whose message names the file.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import CollectionNode, MappingNode, Node, SequenceNode

MAX_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 64
MAX_ALIAS_EXPANSION = 100_000


class YamlRefused(ValueError):
    """A YAML document refused by a limit; `str()` is a message naming the file."""

    def __init__(self, message: str, source: str) -> None:
        super().__init__(message)
        self.message = message
        self.source = source


def _msg(source: str, what: str) -> str:
    from django.utils.translation import gettext as _

    return _("Tệp YAML “%(n)s” bị từ chối: %(w)s") % {"n": source, "w": what}


def _too_deep(source: str) -> YamlRefused:
    from django.utils.translation import gettext as _

    return YamlRefused(
        _msg(source, _("lồng nhau quá %(d)s cấp.") % {"d": MAX_DEPTH}),
        source,
    )


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def check_node_graph(root: Node | None, source: str) -> None:
    """Refuse a composed document whose expansion (aliases counted as copies) is too large
    or too deep, or that contains itself. Iterative, each distinct node visited once."""
    from django.utils.translation import gettext as _

    if root is None:
        return
    size: dict[int, int] = {}  # id(node) -> nodes of its expansion
    height: dict[int, int] = {}  # id(node) -> levels of its expansion
    on_path: set[int] = set()
    distinct = 0
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            kids = _children(node)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            height[key] = 1 + max((height[id(k)] for k in kids), default=0)
            on_path.discard(key)
            if height[key] > MAX_DEPTH:
                raise _too_deep(source)
            if size[key] - distinct > MAX_ALIAS_EXPANSION:
                raise YamlRefused(
                    _msg(
                        source,
                        _("các bí danh (alias) mở rộng quá %(m)s phần tử.")
                        % {"m": f"{MAX_ALIAS_EXPANSION:,}".replace(",", ".")},
                    ),
                    source,
                )
            continue
        if key in size:
            continue
        if key in on_path:
            raise YamlRefused(_msg(source, _("một bí danh (alias) chứa chính nó.")), source)
        on_path.add(key)
        distinct += 1
        stack.append((node, True))
        if isinstance(node, CollectionNode):
            for kid in _children(node):
                kid_key = id(kid)
                if kid_key in on_path:
                    raise YamlRefused(_msg(source, _("một bí danh (alias) chứa chính nó.")), source)
                if kid_key not in size:
                    stack.append((kid, False))


class _Limits:
    """Mixed into a loader: `source` names the file in messages; the composed document is
    checked before anything is constructed from it."""

    source = "YAML"

    def get_single_node(self) -> Any:
        node = super().get_single_node()  # type: ignore[misc]
        check_node_graph(node, self.source)
        return node


class LimitedSafeLoader(_Limits, yaml.SafeLoader):
    """PyYAML's SafeLoader with the limits; the depth is also counted while composing, so a
    deep document is refused before Python's recursion limit is reached."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _too_deep(self.source)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


LimitedCSafeLoader: Any = None
if getattr(yaml, "__with_libyaml__", False):

    class _LimitedCSafeLoader(_Limits, yaml.CSafeLoader):  # type: ignore[misc]
        """libyaml's loader with the limits (libyaml itself stops at 1000 levels)."""

    LimitedCSafeLoader = _LimitedCSafeLoader


def load(text: str, source: str, *, loader: type | None = None) -> Any:
    """The document in `text` (from the file `source`), read with `loader` (a subclass of
    LimitedSafeLoader or LimitedCSafeLoader; LimitedSafeLoader by default). Raises
    YamlRefused for a limit, yaml.YAMLError for a syntax error."""
    from django.utils.translation import gettext as _

    if len(text) > MAX_BYTES:
        raise YamlRefused(
            _msg(source, _("lớn hơn %(m)s MB.") % {"m": MAX_BYTES // (1024 * 1024)}),
            source,
        )
    cls: Any = loader or LimitedSafeLoader
    if not issubclass(cls, _Limits):
        raise TypeError("the loader must be a LimitedSafeLoader or LimitedCSafeLoader")
    instance: Any = cls(text)
    instance.source = source
    try:
        return instance.get_single_data()
    except RecursionError:
        raise _too_deep(source) from None
    except yaml.YAMLError as exc:
        if "maximum nesting depth" in str(getattr(exc, "problem", "")):  # libyaml's own cap
            raise _too_deep(source) from None
        raise
    finally:
        instance.dispose()
