"""Generator options described as data, so scores can be validated before anything plays.

Each generator class publishes ``OPTIONS: dict[str, Option]``. The score loader checks a
score's options against these specs generically (and adds file:line to the message);
:func:`resolve` fills defaults for :func:`engine.music.generators.make_generator`.

>>> Option(int, 4, min=3, max=6).check(7)
Traceback (most recent call last):
...
ValueError: must be at most 6 (got 7)
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Option:
    """One generator option: its type, default, numeric bounds, allowed values and a doc line.

    ``type`` is one of int, float, str, bool or list. For lists, ``item`` is the element type
    and ``min``/``max``/``choices`` apply to each element. Bounds are inclusive.
    """

    type: builtins.type[object]
    default: object
    min: float | None = None
    max: float | None = None
    choices: tuple[object, ...] | None = None
    doc: str = ""
    item: builtins.type[object] | None = None

    def check(self, value: object, bounds: bool = True) -> object:
        """``value`` converted to the option's type (ints become floats for float options).

        Raises ValueError with a message that names the problem but not the option, so the
        caller can prefix the location and option name. ``bounds=False`` skips the min/max
        test (for callers that clamp instead).
        """
        if self.type is list:
            if not isinstance(value, list | tuple):
                raise ValueError(f"must be a list (got {value!r})")
            kind = self.item or object
            return [_check_scalar(kind, v, self, bounds) for v in value]
        return _check_scalar(self.type, value, self, bounds)

    def clamp(self, value: object) -> object:
        """``value`` forced inside the numeric bounds (a last line of defence after validation)."""
        if self.type is list and isinstance(value, list | tuple):
            return [_clamp_number(v, self) for v in value]
        return _clamp_number(value, self)


def _check_scalar(kind: type, value: object, spec: Option, bounds: bool) -> object:
    if kind is object:
        return value
    if isinstance(value, bool) and kind is not bool:
        raise ValueError(f"must be {kind.__name__} (got {value!r})")
    if kind is float and isinstance(value, int):
        value = float(value)
    if not isinstance(value, kind):
        raise ValueError(f"must be {kind.__name__} (got {value!r})")
    if spec.choices is not None and value not in spec.choices:
        allowed = ", ".join(repr(c) for c in spec.choices)
        raise ValueError(f"must be one of {allowed} (got {value!r})")
    if bounds and isinstance(value, int | float) and not isinstance(value, bool):
        if spec.min is not None and value < spec.min:
            raise ValueError(f"must be at least {spec.min} (got {value!r})")
        if spec.max is not None and value > spec.max:
            raise ValueError(f"must be at most {spec.max} (got {value!r})")
    return value


def _clamp_number(value: object, spec: Option) -> object:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if spec.min is not None and value < spec.min:
        value = type(value)(spec.min)
    if spec.max is not None and value > spec.max:
        value = type(value)(spec.max)
    return value


def resolve(specs: Mapping[str, Option], options: Mapping[str, object]) -> dict[str, object]:
    """Defaults filled in, types and choices checked, numbers clamped into their bounds.

    Unknown names and wrong types raise ValueError; out-of-range numbers are clamped because
    the score loader has already reported them and the engine must keep playing.
    """
    unknown = sorted(set(options) - set(specs))
    if unknown:
        known = ", ".join(sorted(specs)) or "none"
        raise ValueError(f"unknown option(s) {', '.join(unknown)}; known: {known}")
    resolved: dict[str, object] = {}
    for name, spec in specs.items():
        raw = options.get(name, spec.default)
        try:
            value = spec.check(raw, bounds=False)
        except ValueError as err:
            raise ValueError(f"option {name!r} {err}") from None
        resolved[name] = spec.clamp(value)
    return resolved
