"""Piecewise curves: how a state input becomes a musical parameter.

A curve is a list of ``(x, y)`` points with rising x. Between points it interpolates with a
``shape``; outside them it holds the end values, so a curve is also a clamp. Shapes:

- ``linear``: straight segments.
- ``smooth``: smoothstep inside each segment (no corner at the points).
- ``exp``: geometric interpolation of y (for frequencies and times; y must be > 0).
- ``step``: each point's y holds until the next point's x.

>>> Curve(((-1.0, 600.0), (1.0, 4800.0)), "exp")(0.0)
1697.0562748477141
"""

from __future__ import annotations

import bisect
import itertools
import math
from dataclasses import dataclass, field

SHAPES = ("linear", "smooth", "exp", "step")


@dataclass(frozen=True)
class Curve:
    points: tuple[tuple[float, float], ...]
    shape: str = "linear"
    _xs: tuple[float, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.points:
            raise ValueError("a curve needs at least one point")
        if self.shape not in SHAPES:
            raise ValueError(f"unknown shape {self.shape!r}; expected one of {', '.join(SHAPES)}")
        xs = tuple(p[0] for p in self.points)
        if any(b <= a for a, b in itertools.pairwise(xs)):
            raise ValueError("point x values must strictly rise")
        if any(not (math.isfinite(x) and math.isfinite(y)) for x, y in self.points):
            raise ValueError("points must be finite numbers")
        if self.shape == "exp" and any(y <= 0 for _, y in self.points):
            raise ValueError("an exp curve needs y values > 0")
        object.__setattr__(self, "_xs", xs)

    def __call__(self, x: float) -> float:
        pts = self.points
        if x <= pts[0][0]:
            return pts[0][1]
        if x >= pts[-1][0]:
            return pts[-1][1]
        i = bisect.bisect_right(self._xs, x)
        (x0, y0), (x1, y1) = pts[i - 1], pts[i]
        t = (x - x0) / (x1 - x0)
        if self.shape == "step":
            return y0
        if self.shape == "smooth":
            t = t * t * (3.0 - 2.0 * t)
        if self.shape == "exp":
            return float(y0 * (y1 / y0) ** t)
        return y0 + (y1 - y0) * t

    @property
    def y_range(self) -> tuple[float, float]:
        ys = [p[1] for p in self.points]
        return min(ys), max(ys)
