"""Rhythm patterns as tuples of booleans on a step grid, and the metric weights that shape them.

Randomness sounds like rhythm only when it respects the metre: keep the downbeat, thin weak
steps first, and favour strong steps when adding notes (``notes/music.md`` §2.2). A pattern is
one bar long; step ``i`` sits at beat ``i / steps_per_beat``.

>>> "".join("x" if hit else "." for hit in euclid(3, 8))
'x..x..x.'
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

MAX_STEPS = 64
"""Longest Euclidean pattern accepted (a bar of 16ths in 16/4 is plenty)."""

DOWNBEAT = 1.0
MID_BAR = 0.8
BEAT = 0.6
HALF_BEAT = 0.4
QUARTER_BEAT = 0.25
FINER = 0.15
"""Metric weights, strongest first: downbeat, mid-bar, beats, off-beat 8ths, 16ths, finer."""


def euclid(hits: int, steps: int, rotation: int = 0) -> tuple[bool, ...]:
    """``hits`` onsets spread as evenly as possible over ``steps`` (Bjorklund's algorithm).

    ``rotation`` shifts the pattern earlier by that many steps (``euclid(3, 8, 1)`` starts on
    the step after the first hit). euclid(3, 8) is the tresillo, euclid(5, 8) the cinquillo.
    """
    if not 0 <= hits <= steps <= MAX_STEPS:
        raise ValueError(f"euclid needs 0 <= hits <= steps <= {MAX_STEPS} (got {hits}, {steps})")
    if steps == 0:
        return ()
    groups: list[list[bool]] = [[True] for _ in range(hits)]
    rest: list[list[bool]] = [[False] for _ in range(steps - hits)]
    first = True
    while groups and (len(rest) > 1 or (first and rest)):
        pairs = min(len(groups), len(rest))
        merged = [groups[i] + rest[i] for i in range(pairs)]
        rest = groups[pairs:] if len(groups) > pairs else rest[pairs:]
        groups, first = merged, False
    flat = [hit for group in groups + rest for hit in group]
    shift = rotation % steps
    return tuple(flat[shift:] + flat[:shift])


def metric_weight(step: int, steps_per_beat: int, beats_per_bar: int) -> float:
    """How strong a grid step is, 0..1: the downbeat is 1, the mid-bar beat next, then the other
    beats, off-beat halves, quarter subdivisions and anything finer."""
    steps_per_beat = max(1, steps_per_beat)
    beats_per_bar = max(1, beats_per_bar)
    step %= steps_per_beat * beats_per_bar
    beat, sub = divmod(step, steps_per_beat)
    if sub == 0:
        if beat == 0:
            return DOWNBEAT
        return MID_BAR if beats_per_bar % 2 == 0 and 2 * beat == beats_per_bar else BEAT
    if 2 * sub == steps_per_beat:
        return HALF_BEAT
    return QUARTER_BEAT if (4 * sub) % steps_per_beat == 0 else FINER


def metric_weights(steps_per_beat: int, beats_per_bar: int) -> tuple[float, ...]:
    """:func:`metric_weight` for every step of one bar."""
    steps = max(1, steps_per_beat) * max(1, beats_per_bar)
    return tuple(metric_weight(i, steps_per_beat, beats_per_bar) for i in range(steps))


def hit_probability(density: float, weight: float) -> float:
    """Chance a step of metric ``weight`` plays at ``density``: 0 at 0, 1 at 1, strong steps first.

    ``density ** (0.5 + 1.5 * (1 - weight))``: at density 0.5 the downbeat plays 71 % of the
    time and a 16th only about 30 %.
    """
    density = min(1.0, max(0.0, density))
    return float(density ** (0.5 + 1.5 * (1.0 - weight)))


def probabilistic(
    steps_per_beat: int,
    beats_per_bar: int,
    density: float,
    rng: random.Random,
    keep_downbeat: bool = True,
) -> tuple[bool, ...]:
    """A random one-bar pattern where strong steps are likelier (see :func:`hit_probability`).

    With ``keep_downbeat`` the downbeat always plays (the bar keeps its anchor) unless density
    is 0, which gives silence.
    """
    weights = metric_weights(steps_per_beat, beats_per_bar)
    hits = [rng.random() < hit_probability(density, w) for w in weights]
    if keep_downbeat and density > 0:
        hits[0] = True
    return tuple(hits)


def thin(
    pattern: Sequence[bool],
    density: float,
    weights: Sequence[float],
    rng: random.Random,
) -> tuple[bool, ...]:
    """Keep ``density`` (rounded) of the pattern's hits, dropping the weakest first.

    Ties between equally weak steps are broken by ``rng``; the downbeat (step 0) is never
    dropped. Pass an ``rng`` seeded the same way each bar to get the same thinning each bar.
    """
    hits = [i for i, hit in enumerate(pattern) if hit]
    keep = math.floor(len(hits) * min(1.0, max(0.0, density)) + 0.5)
    order = sorted(hits, key=lambda i: (i != 0, -weights[i], rng.random()))
    kept = set(order[: max(keep, 1 if pattern and pattern[0] else 0)])
    return tuple(i in kept for i in range(len(pattern)))
