"""A YAML node that knows where it came from.

PyYAML's composed node tree keeps each value's start mark; :class:`Node` wraps it with the field
path (``layers.pad.gain``) so every validation error can say ``file:line:col: path: problem``.
Typed accessors (``as_float``, ``as_str`` ...) do the checking and raise :class:`ScoreError`.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Iterator
from typing import Any

import yaml

from engine import defaults
from engine.errors import ScoreError
from engine.score.model import Where
from engine.score.safeyaml import YamlRefused, compose, construct
from engine.textfile import TextFileError, check_printable, quote, size


def parse_yaml(text: str, file: str) -> Node:
    """Compose ``text`` into a located node tree; anything refused becomes a ScoreError
    (see :mod:`engine.score.safeyaml` for what a score may not contain)."""
    if len(text) > defaults.MAX_SCORE_BYTES:  # characters: never more than the file's bytes
        raise ScoreError(f"larger than the limit of {size(defaults.MAX_SCORE_BYTES)}", file=file)
    try:
        check_printable(text)
        root = compose(text)
    except TextFileError as exc:
        raise ScoreError(exc.message, file=file, line=exc.line, column=exc.column) from None
    except YamlRefused as exc:
        raise _located(exc, exc.problem or "", file, exc.path or "(top level)") from None
    except yaml.MarkedYAMLError as exc:
        raise _located(exc, f"YAML syntax: {exc.problem}", file, "") from None
    except yaml.YAMLError as exc:  # every PyYAML error is marked; this is a last resort
        raise ScoreError(f"YAML: {quote(str(exc), 200)}", file=file) from None
    if root is None:
        raise ScoreError("the score is empty", file=file, line=1, column=1)
    return Node(root, "", file)


def _located(exc: yaml.MarkedYAMLError, message: str, file: str, path: str) -> ScoreError:
    mark = exc.problem_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
    return ScoreError(message, file=file, line=line, column=col, path=path)


class Node:
    def __init__(self, node: yaml.Node, path: str, file: str) -> None:
        self._node = node
        self.path = path
        self.file = file

    # -- where ------------------------------------------------------------------------------
    @property
    def line(self) -> int:
        return int(self._node.start_mark.line) + 1

    @property
    def column(self) -> int:
        return int(self._node.start_mark.column) + 1

    def error(self, message: str) -> ScoreError:
        return ScoreError(
            message,
            file=self.file,
            line=self.line,
            column=self.column,
            path=self.path or "(top level)",
        )

    def error_at(self, offset: int, message: str) -> ScoreError:
        """An error ``offset`` characters into this scalar's text, when that text sits on one
        line of the file (plain or quoted); else at the scalar's start."""
        node = self._node
        style = getattr(node, "style", "")
        single = node.start_mark.line == node.end_mark.line and style in (None, "'", '"')
        if not single:
            return self.error(message)
        quoted = 1 if style in ("'", '"') else 0
        return ScoreError(
            message,
            file=self.file,
            line=self.line,
            column=self.column + quoted + offset,
            path=self.path or "(top level)",
        )

    def where(self) -> Where:
        """This node's place in the file, to report a problem found later (see model.Where)."""
        return Where(self.file, self.line, self.column, self.path or "(top level)")

    def _child_path(self, key: str | int) -> str:
        if isinstance(key, int):
            return f"{self.path}[{key}]"
        return f"{self.path}.{key}" if self.path else key

    # -- shape ------------------------------------------------------------------------------
    @property
    def is_map(self) -> bool:
        return isinstance(self._node, yaml.MappingNode)

    @property
    def is_seq(self) -> bool:
        return isinstance(self._node, yaml.SequenceNode)

    @property
    def is_scalar(self) -> bool:
        return isinstance(self._node, yaml.ScalarNode)

    def items(self, limit: int | None = None) -> Iterator[tuple[str, Node]]:
        """Key/value pairs of a mapping, in file order; duplicate or non-string keys are errors,
        and so are more than ``limit`` entries."""
        if not self.is_map:
            raise self.error(f"expected a mapping, got {self.describe()}")
        self._check_count(limit)
        seen: set[str] = set()
        for key_node, value_node in self._node.value:
            key = Node(key_node, self.path, self.file)
            name = key.scalar()
            if not isinstance(name, str | int) or isinstance(name, bool):
                raise key.error("keys must be names")
            name = str(name)
            if name in seen:
                raise key.error(f"duplicate key {quote(name)}")
            seen.add(name)
            yield name, Node(value_node, self._child_path(name), self.file)

    def mapping(self, limit: int | None = None) -> dict[str, Node]:
        return dict(self.items(limit))

    def check_keys(self, allowed: Iterable[str]) -> dict[str, Node]:
        """The mapping's entries; an unknown key is an error that suggests the closest."""
        allowed = list(allowed)
        entries = self.mapping()
        for key, value in entries.items():
            if key not in allowed:
                raise Node(self._key_node(key), value.path, self.file).error(
                    f"unknown field {quote(key)}{suggest(key, allowed)}"
                )
        return entries

    def _key_node(self, key: str) -> yaml.Node:
        for key_node, _ in self._node.value:
            if str(key_node.value) == key:
                found: yaml.Node = key_node
                return found
        return self._node

    def seq(self, limit: int | None = None) -> list[Node]:
        """The items of a list; more than ``limit`` of them is an error."""
        if not self.is_seq:
            raise self.error(f"expected a list, got {self.describe()}")
        self._check_count(limit)
        return [Node(n, self._child_path(i), self.file) for i, n in enumerate(self._node.value)]

    # -- scalars ----------------------------------------------------------------------------
    def scalar(self) -> Any:
        if not self.is_scalar:
            raise self.error(f"expected a single value, got {self.describe()}")
        return construct(self._node)

    def _check_count(self, limit: int | None) -> None:
        count = len(self._node.value)
        if limit is not None and count > limit:
            what = "entries" if self.is_map else "items"
            raise self.error(f"{count} {what}: at most {limit} are allowed")

    def describe(self) -> str:
        if self.is_map:
            return "a mapping"
        if self.is_seq:
            return "a list"
        value = construct(self._node)
        return "nothing" if value is None else f"{type(value).__name__} {quote(value)}"

    def as_float(self, lo: float | None = None, hi: float | None = None) -> float:
        value = self.scalar()
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(f"expected a number, got {self.describe()}")
        value = float(value)
        if not math.isfinite(value):
            raise self.error(f"must be a finite number (got {value})")
        if abs(value) > defaults.MAX_MAGNITUDE:
            raise self.error(f"must be within ±{defaults.MAX_MAGNITUDE:g} (got {_fmt(value)})")
        check_range(self, value, lo, hi)
        return value

    def as_int(self, lo: int | None = None, hi: int | None = None) -> int:
        value = self.scalar()
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(f"expected a whole number, got {self.describe()}")
        check_range(self, value, lo, hi)
        return int(value)

    def as_bool(self) -> bool:
        value = self.scalar()
        if not isinstance(value, bool):
            raise self.error(f"expected true or false, got {self.describe()}")
        return value

    def as_str(self, choices: Iterable[str] | None = None) -> str:
        value = self.scalar()
        if isinstance(value, bool) or value is None or not isinstance(value, str | int | float):
            raise self.error(f"expected a name, got {self.describe()}")
        text = str(value)
        if choices is not None:
            options = list(choices)
            if text not in options:
                raise self.error(
                    f"{quote(text)} is not one of {_listing(options)}{suggest(text, options)}"
                )
        return text

    def as_str_list(
        self, choices: Iterable[str] | None = None, limit: int | None = None
    ) -> list[str]:
        if self.is_scalar:
            return [self.as_str(choices)]
        return [item.as_str(choices) for item in self.seq(limit)]


def check_range(node: Node, value: float, lo: float | None, hi: float | None) -> None:
    if lo is not None and hi is not None and not lo <= value <= hi:
        raise node.error(f"must be in [{_fmt(lo)}, {_fmt(hi)}] (got {_fmt(value)})")
    if lo is not None and value < lo:
        raise node.error(f"must be >= {_fmt(lo)} (got {_fmt(value)})")
    if hi is not None and value > hi:
        raise node.error(f"must be <= {_fmt(hi)} (got {_fmt(value)})")


def suggest(word: str, options: Iterable[str]) -> str:
    if len(word) > defaults.MAX_NAME:  # no name is that long, and difflib is quadratic
        return ""
    close = difflib.get_close_matches(word, list(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _listing(options: list[str], most: int = 12) -> str:
    shown = ", ".join(options[:most])
    return shown + (f" ... ({len(options)} in all)" if len(options) > most else "")


def _fmt(x: float) -> str:
    return f"{x:g}"
