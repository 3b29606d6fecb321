"""Mutation operators: small, valid changes to a generator's material every few bars.

Loops that never change cause fatigue; fresh material every bar sounds aimless. Changing one
thing every 4–8 bars sits between the two (``notes/music.md`` §2.2, §2.5). The conductor picks
an operator name from :data:`OPERATORS` and calls ``generator.mutate(name, rng)``; generators
build on the pure helpers below, which never break a pattern's invariants (downbeat kept,
values inside their allowed set and range) and return None when they cannot apply.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from engine.music.harmony import HarmonyTrack

OPERATORS: tuple[str, ...] = (
    "substitute",
    "rotate",
    "thin",
    "fill",
    "octave",
    "reharmonize",
    "density",
)
"""Operator names a score or the conductor may ask for."""

DENSITY_STEP = 0.15
"""How far one "density" mutation moves a pattern's own density scale."""
DENSITY_RANGE = (0.5, 1.5)
"""Bounds of a pattern's own density scale (multiplies the context density)."""


def rotate_pattern(
    pattern: Sequence[bool], rng: random.Random, keep_downbeat: bool = True
) -> tuple[bool, ...] | None:
    """The pattern rotated one step either way; with ``keep_downbeat`` step 0 stays as it is
    and only the other steps rotate. None if rotation changes nothing."""
    direction = rng.choice((-1, 1))
    head = 1 if keep_downbeat else 0
    body = list(pattern[head:])
    if not body:
        return None
    shift = direction % len(body)
    rotated = (*pattern[:head], *body[shift:], *body[:shift])
    return None if rotated == tuple(pattern) else rotated


def thin_pattern(
    pattern: Sequence[bool], weights: Sequence[float], rng: random.Random
) -> tuple[bool, ...] | None:
    """The pattern without one of its weakest hits (never the downbeat); None if none left."""
    hits = [i for i, hit in enumerate(pattern) if hit and i != 0]
    if not hits:
        return None
    weakest = min(weights[i] for i in hits)
    drop = rng.choice([i for i in hits if weights[i] == weakest])
    return tuple(hit and i != drop for i, hit in enumerate(pattern))


def fill_pattern(
    pattern: Sequence[bool], weights: Sequence[float], rng: random.Random
) -> tuple[bool, ...] | None:
    """The pattern with one extra hit on an empty step, weak steps likelier; None if full."""
    empty = [i for i, hit in enumerate(pattern) if not hit and i != 0]
    if not empty:
        return None
    add = rng.choices(empty, weights=[1.1 - weights[i] for i in empty])[0]
    return tuple(hit or i == add for i, hit in enumerate(pattern))


def substitute_value(
    values: Sequence[int], allowed: Sequence[int], rng: random.Random, start: int = 0
) -> list[int] | None:
    """``values`` with one entry (at index >= ``start``) replaced by a different allowed value."""
    positions = [i for i in range(start, len(values)) if any(a != values[i] for a in allowed)]
    if not positions:
        return None
    i = rng.choice(positions)
    out = list(values)
    out[i] = rng.choice([a for a in allowed if a != values[i]])
    return out


def shift_octave(
    values: Sequence[int], rng: random.Random, lo: int, hi: int, step: int = 12
) -> list[int] | None:
    """``values`` with one entry moved up or down by ``step`` while staying in ``lo..hi``."""
    moves = [(i, d) for i, v in enumerate(values) for d in (-step, step) if lo <= v + d <= hi]
    if not moves:
        return None
    i, d = rng.choice(moves)
    out = list(values)
    out[i] += d
    return out


def nudge_density(scale: float, rng: random.Random) -> float | None:
    """A pattern's own density scale moved one step up or down inside :data:`DENSITY_RANGE`."""
    lo, hi = DENSITY_RANGE
    options = [v for v in (scale - DENSITY_STEP, scale + DENSITY_STEP) if lo <= v <= hi]
    return rng.choice(options) if options else None


def reharmonize(track: HarmonyTrack, rng: random.Random) -> bool:
    """Apply the "reharmonize" operator to a progression (the conductor owns the track)."""
    return track.reharmonize(rng)
