"""The instruments a score may name, with their parameters' ranges.

The score package validates against a :class:`Catalog` handed to it, so it never imports pyo;
``engine.catalog.default_catalog()`` builds the real one from ``engine.dsp``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ParamRange:
    min: float
    max: float
    default: float


@dataclass(frozen=True)
class Catalog:
    instruments: dict[str, dict[str, ParamRange]]
