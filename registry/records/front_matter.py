"""The YAML front matter of record files: a loader that refuses what a record file must not
hold (a key given twice, aliases), line numbers of values, and the canonical dump."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

__all__ = ["DuplicateKey", "FrontMatterLoader", "Refused", "dump_front", "node_line"]


class DuplicateKey(yaml.constructor.ConstructorError):
    """A key given twice in one mapping; ``first`` and ``problem_mark`` mark the two keys."""

    def __init__(self, key: Any, first: yaml.Mark, second: yaml.Mark) -> None:
        super().__init__(None, None, f"duplicate key {key!r}", second)
        self.first = first


class Refused(yaml.MarkedYAMLError):
    """YAML that is well formed but not allowed in a record file."""

    def __init__(self, problem: str, mark: Any) -> None:  # PyYAML's pure or C Mark
        super().__init__(problem=problem, problem_mark=mark)


class FrontMatterLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a mapping that gives one key twice.

    PyYAML keeps the last of two equal keys without a word, so ``smiles: CCO`` then
    ``smiles: CCN`` would register CCN. Keys are compared as constructed (``'a'`` and ``a``,
    ``1`` and ``1.0`` are the same key); merge keys (``<<``) are left to PyYAML.
    """

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        # An alias (``*a``) repeats a node by reference: a few hundred bytes of nested aliases
        # expand to gigabytes. A record file has no use for them.
        if self.check_event(yaml.AliasEvent):
            event: yaml.AliasEvent = self.peek_event()  # type: ignore[no-untyped-call]
            raise Refused(
                f"YAML alias *{event.anchor} (record files do not use aliases)", event.start_mark
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        first: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                earlier = first.setdefault(key, key_node)
            except TypeError:  # an unhashable key: PyYAML's own error names it
                continue
            if earlier is not key_node:
                raise DuplicateKey(key, earlier.start_mark, key_node.start_mark)
        return dict(super().construct_mapping(node, deep=deep))


def node_line(node: Any, *path: str | int) -> int:
    """The 0-based line of the value at ``path`` in a composed YAML node (best effort)."""
    current = node
    for step in path:
        if isinstance(current, yaml.MappingNode) and isinstance(step, str):
            for key_node, value_node in current.value:
                if key_node.value == step:
                    current = value_node
                    break
            else:
                break
        elif isinstance(current, yaml.SequenceNode) and isinstance(step, int):
            if step < len(current.value):
                current = current.value[step]
            else:
                break
        else:
            break
    return int(current.start_mark.line) if current is not None else 0


def dump_front(data: Mapping[str, Any]) -> str:
    """Front matter as YAML text, keys in order (the canonical form record files use)."""
    text = _dumped(data, allow_unicode=True)
    # PyYAML writes NEL and the Unicode line and paragraph separators as they are, and reads
    # them back as line breaks (folded to spaces): escape everything in such a file instead.
    if any(char in text for char in "\x85\u2028\u2029"):
        text = _dumped(data, allow_unicode=False)
    return text


def _dumped(data: Mapping[str, Any], *, allow_unicode: bool) -> str:
    return str(
        yaml.safe_dump(
            dict(data),
            sort_keys=False,
            allow_unicode=allow_unicode,
            default_flow_style=False,
            width=100,
        )
    )
