"""A strict YAML reader for scores: PyYAML's pure-Python parser with the dangerous parts refused.

What a score may contain, and why the rest is refused with ``line:column`` instead of loaded:

* The YAML 1.2 core schema: ``null``/``~``, ``true``/``false``, integers (``12``, ``0x1f``,
  ``0o17``) and floats (``1e9``, ``1.0e+9``, ``.5``, ``.inf``). YAML 1.1 read ``1e9`` as a
  string and ``yes``, ``on`` or ``2024-01-01`` as something else; here they are strings.
* Explicit tags only from that schema (``!!str``, ``!!int``, ``!!float``, ``!!bool``, ``!!null``,
  ``!!seq``, ``!!map``), and a tagged value must fit its tag (``!!int abc`` is an error).
  Custom and ``!!python/...`` tags are refused.
* No anchors, aliases or merge keys (``&a``, ``*a``, ``<<``): an alias can stand for a value a
  billion times its own size, or for itself. Scores repeat settings by writing them again.
* Mapping keys are plain values (names), never lists or mappings.
* At most ``MAX_SCORE_DEPTH`` levels of nesting, checked before PyYAML recurses into a level,
  and at most ``MAX_SCORE_NODES`` values in all; integers of at most ``MAX_INT_DIGITS`` digits.

Size, encoding and control characters are checked before parsing (:mod:`engine.textfile`).
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    NodeEvent,
    ScalarEvent,
    SequenceStartEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from engine import defaults
from engine.textfile import quote

TAG = "tag:yaml.org,2002:"
NULL, BOOL, INT, FLOAT, STR, SEQ, MAP = (
    TAG + name for name in ("null", "bool", "int", "float", "str", "seq", "map")
)

# The YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution).
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
#: What an explicitly tagged scalar must look like; ``!!str`` takes anything.
_SCALAR_FORMS = {NULL: _NULL, BOOL: _BOOL, INT: _INT, FLOAT: _FLOAT}


class YamlRefused(yaml.MarkedYAMLError):
    """Valid YAML that a score may not use; ``path`` is the field it was found in."""

    def __init__(self, problem: str, mark: yaml.Mark, path: str) -> None:
        super().__init__(problem=problem, problem_mark=mark)
        self.path = path


class CoreResolver(BaseResolver):
    """Tags plain scalars by the YAML 1.2 core schema (PyYAML's own resolver is YAML 1.1)."""


CoreResolver.add_implicit_resolver(NULL, _NULL, ["~", "n", "N", ""])
CoreResolver.add_implicit_resolver(BOOL, _BOOL, list("tTfF"))
CoreResolver.add_implicit_resolver(INT, _INT, list("-+0123456789"))
CoreResolver.add_implicit_resolver(FLOAT, _FLOAT, list("-+.0123456789"))


class CoreConstructor(SafeConstructor):
    """Python values for the core schema's scalars, and nothing else."""

    def construct_yaml_int(self, node: ScalarNode) -> int:
        value = str(node.value)
        if value.startswith("0o"):
            return int(value[2:], 8)
        if value.startswith("0x"):
            return int(value[2:], 16)
        return int(value)

    def construct_yaml_float(self, node: ScalarNode) -> float:
        value = str(node.value).lower()
        if value.endswith(".inf"):
            return float("-inf") if value.startswith("-") else float("inf")
        if value == ".nan":
            return float("nan")
        return float(value)

    def construct_yaml_bool(self, node: ScalarNode) -> bool:
        return str(node.value).lower() == "true"

    def construct_undefined(self, node: Node) -> Any:
        raise ConstructorError(None, None, f"tag {quote(node.tag)} is not allowed", node.start_mark)


CoreConstructor.yaml_constructors = {
    NULL: SafeConstructor.construct_yaml_null,
    BOOL: CoreConstructor.construct_yaml_bool,
    INT: CoreConstructor.construct_yaml_int,
    FLOAT: CoreConstructor.construct_yaml_float,
    STR: SafeConstructor.construct_yaml_str,
    SEQ: SafeConstructor.construct_yaml_seq,
    MAP: SafeConstructor.construct_yaml_map,
    None: CoreConstructor.construct_undefined,
}


class StrictComposer(Composer):
    """PyYAML's composer, refusing what a score may not hold before it builds or recurses."""

    def __init__(self) -> None:
        super().__init__()
        self._path: list[str] = []
        self._depth = 0
        self._count = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()  # type: ignore[attr-defined]  # from the Parser mixed in
        self._path.append(_segment(parent, index))
        try:
            self._check(event, parent, index)
            self._depth += isinstance(event, CollectionStartEvent)
            node = super().compose_node(parent, index)
            self._depth -= isinstance(event, CollectionStartEvent)
            if isinstance(node, ScalarNode):
                self._check_scalar(node, event)
            return node
        finally:
            self._path.pop()

    def _check(self, event: Any, parent: Node | None, index: Any) -> None:
        if isinstance(event, AliasEvent):
            self._refuse("aliases (*name) are not supported: write the value out", event)
        assert isinstance(event, NodeEvent)
        if event.anchor is not None:
            self._refuse("anchors (&name) are not supported: write each value out", event)
        tag = getattr(event, "tag", None)
        if tag is not None and tag not in (*_SCALAR_FORMS, STR, SEQ, MAP):
            self._refuse(f"tag {_short_tag(tag)} is not allowed (only YAML's core tags are)", event)
        if isinstance(parent, MappingNode) and index is None:  # a key
            if isinstance(event, CollectionStartEvent):
                self._refuse("a key must be a name, not a list or mapping", event)
            if isinstance(event, ScalarEvent) and event.value == "<<" and event.style is None:
                self._refuse("merge keys (<<) are not supported: write the fields out", event)
        self._count += 1
        if self._count > defaults.MAX_SCORE_NODES:
            self._refuse(f"more than {defaults.MAX_SCORE_NODES} values in one score", event)
        if isinstance(event, CollectionStartEvent):
            if self._depth >= defaults.MAX_SCORE_DEPTH:
                self._refuse(f"nested more than {defaults.MAX_SCORE_DEPTH} levels deep", event)
            wanted = SEQ if isinstance(event, SequenceStartEvent) else MAP
            if tag is not None and tag != wanted:
                self._refuse(f"tag {_short_tag(tag)} does not fit a {_kind(event)}", event)

    def _check_scalar(self, node: ScalarNode, event: Any) -> None:
        form = _SCALAR_FORMS.get(node.tag)
        if node.tag in (SEQ, MAP):
            self._refuse(f"tag {_short_tag(node.tag)} does not fit a single value", event)
        if form is not None and not form.match(node.value):
            name = node.tag.removeprefix(TAG)
            self._refuse(f"{quote(node.value)} is not a valid {name}", event)
        if node.tag == INT and len(node.value.lstrip("+-")) > defaults.MAX_INT_DIGITS:
            self._refuse(
                f"an integer of {len(node.value)} digits (at most "
                f"{defaults.MAX_INT_DIGITS}): no field takes one",
                event,
            )

    def _refuse(self, problem: str, event: Any) -> None:
        path = "".join(self._path).lstrip(".")
        if len(path) > defaults.MAX_QUOTE:
            path = path[: defaults.MAX_QUOTE] + "..."
        raise YamlRefused(problem, event.start_mark, path)


class StrictLoader(Reader, Scanner, Parser, StrictComposer, CoreConstructor, CoreResolver):
    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        StrictComposer.__init__(self)
        CoreConstructor.__init__(self)
        CoreResolver.__init__(self)


def compose(text: str) -> Node | None:
    """The node tree of the single YAML document in ``text`` (None if it is empty)."""
    loader = StrictLoader(text)
    try:
        node: Node | None = loader.get_single_node()
        return node
    finally:
        loader.dispose()


def construct(node: Node) -> Any:
    """A composed scalar's Python value (the composer has already checked it constructs)."""
    return _constructor.construct_object(node, deep=True)


_constructor = CoreConstructor()


def _segment(parent: Node | None, index: Any) -> str:
    if isinstance(parent, SequenceNode):
        return f"[{index}]"
    if isinstance(parent, MappingNode) and isinstance(index, ScalarNode):
        return "." + str(index.value)[: defaults.MAX_NAME]
    return ""


def _short_tag(tag: str) -> str:
    """A tag as the score wrote it: ``!!int``, ``!!python/name:os.system``, ``!foo``."""
    return quote("!!" + tag.removeprefix(TAG) if tag.startswith(TAG) else tag)


def _kind(event: Any) -> str:
    return "list" if isinstance(event, SequenceStartEvent) else "mapping"
