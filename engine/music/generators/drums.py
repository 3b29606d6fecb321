"""Drums: a kit on a 16th-note grid in three styles, thinned by density, driven by intensity.

* ``groove``: kick on the downbeat plus Euclidean extras (tresillo by default), snare backbeat
  on the even beats (2 and 4), hats on 8ths (16ths with ``hat_steps`` 4 or high intensity).
* ``pulse``: four on the floor, open hats on the off-beats, backbeat snare from moderate
  intensity, closed 16th hats at high intensity.
* ``sparse``: a few tom-like kicks and a Euclidean shaker, no snare or hats.

Density thins the weakest hits of each voice the same way every bar; the downbeat kick stays
whenever the drums play. Intensity adds ghost snares, an open hat and, every ``fill_every``
bars, a fill in the last beat. Drum notes have pitch 0; ``voice`` names the drum.
"""

from __future__ import annotations

import random
from typing import ClassVar

from engine.events import Note
from engine.music.generators.base import (
    BaseGenerator,
    Operator,
    accent,
    pattern_operators,
    sounding,
)
from engine.music.generators.context import BarContext
from engine.music.options import Option
from engine.music.rhythm import euclid, metric_weights, thin

GRID = 4
"""Steps per beat (16ths)."""
LEVEL = {"kick": 1.0, "snare": 0.9, "hat": 0.55, "openhat": 0.6, "shaker": 0.45}
"""Velocity factor per drum, relative to the context velocity."""
LENGTH = {"kick": 0.5, "snare": 0.25, "hat": 0.125, "openhat": 0.5, "shaker": 0.125}
"""Nominal lengths in beats (decays are the instrument's business; this is the gate)."""
GHOST = 0.35
"""Velocity factor of ghost snares."""
OPEN_HAT_AT, GHOSTS_AT, SIXTEENTHS_AT, FILL_AT = 0.4, 0.5, 0.66, 0.3
"""Intensity thresholds for the open hat, ghost snares, 16th hats and fills."""
DEFAULTS = {"groove": (3, 8), "pulse": (0, 4), "sparse": (3, 16)}
"""Euclidean (hits, steps) for the kick extras of each style."""

Pattern = tuple[bool, ...]


class DrumsGenerator(BaseGenerator):
    """Kick, snare, hats and shaker in the groove, pulse or sparse style."""

    KIND = "drums"
    OPTIONS: ClassVar[dict[str, Option]] = {
        "style": Option(str, "groove", choices=("groove", "pulse", "sparse"), doc="kit style"),
        "hat_steps": Option(int, 2, choices=(2, 4), doc="hats per beat (8ths or 16ths)"),
        "kick_hits": Option(int, 0, min=0, max=16, doc="Euclidean kick hits (0: style default)"),
        "kick_steps": Option(int, 0, min=0, max=32, doc="Euclidean kick steps (0: style default)"),
        "shaker_hits": Option(int, 5, min=0, max=16, doc="sparse: shaker hits per bar of 16ths"),
        "fill_every": Option(int, 8, choices=(4, 8), doc="bars between fills"),
    }

    def setup(self) -> None:
        self._seeds = {voice: self.rng.getrandbits(32) for voice in LEVEL}
        self._kick: Pattern = ()
        self._layout(4)

    def _layout(self, beats_per_bar: int) -> None:
        """(Re)build the kick pattern for a bar of ``beats_per_bar`` beats."""
        steps = GRID * beats_per_bar
        hits, length = DEFAULTS[self.opt_str("style")]
        length = self.opt_int("kick_steps") or length
        hits = min(self.opt_int("kick_hits") or hits, length)
        kick = list(_spread(euclid(hits, length), steps))
        if self.opt_str("style") == "pulse":
            kick = [k or i % GRID == 0 for i, k in enumerate(kick)]
        kick[0] = True
        self._kick = tuple(kick)

    def render(self, ctx: BarContext, density: float) -> list[Note]:
        bpb = ctx.beats_per_bar
        if len(self._kick) != GRID * bpb:
            self._layout(bpb)
        patterns = self._patterns(ctx)
        fill = self._fill_due(ctx, density)
        if fill:
            sparse = self.opt_str("style") == "sparse"
            patterns = {
                v: _clear_last_beat(p) if sparse or v != "kick" else p for v, p in patterns.items()
            }
        weights = metric_weights(GRID, bpb)
        notes = []
        for voice, pattern in patterns.items():
            kept = thin(pattern, density, weights, random.Random(self._seeds[voice]))
            length = sounding(LENGTH[voice], ctx)
            notes += [
                Note(i / GRID, length, 0, accent(ctx, weights[i], LEVEL[voice]), voice)
                for i, hit in enumerate(kept)
                if hit
            ]
        notes += self._ghosts(ctx, patterns.get("snare", ()), density, fill)
        if fill:
            notes += self._fill(ctx)
        return notes

    def _patterns(self, ctx: BarContext) -> dict[str, Pattern]:
        """Each voice's full-density pattern for this bar."""
        steps = GRID * ctx.beats_per_bar
        style = self.opt_str("style")
        if style == "sparse":
            shaker = min(self.opt_int("shaker_hits"), steps)
            return {"kick": self._kick, "shaker": euclid(shaker, steps, rotation=2)}
        backbeat = tuple(i % GRID == 0 and (i // GRID) % 2 == 1 for i in range(steps))
        if style == "pulse":
            openhat = tuple(i % GRID == 2 for i in range(steps))
            hats = tuple(i % 2 == 1 for i in range(steps))
            patterns = {"kick": self._kick, "openhat": openhat}
            if ctx.intensity >= OPEN_HAT_AT:
                patterns["snare"] = backbeat
            if ctx.intensity >= SIXTEENTHS_AT:
                patterns["hat"] = hats
            return patterns
        per_beat = GRID if ctx.intensity >= SIXTEENTHS_AT else self.opt_int("hat_steps")
        hat_steps = [i % (GRID // per_beat) == 0 for i in range(steps)]
        openhat_steps = [False] * steps
        if ctx.intensity >= OPEN_HAT_AT and steps >= 2:
            hat_steps[steps - 2], openhat_steps[steps - 2] = False, True
        return {
            "kick": self._kick,
            "snare": backbeat,
            "hat": tuple(hat_steps),
            "openhat": tuple(openhat_steps),
        }

    def _fill_due(self, ctx: BarContext, density: float) -> bool:
        every = self.opt_int("fill_every")
        return ctx.intensity >= FILL_AT and density >= FILL_AT and ctx.bar % every == every - 1

    def _ghosts(self, ctx: BarContext, snare: Pattern, density: float, fill: bool) -> list[Note]:
        """Soft snares a 16th before each backbeat (and a 16th after it at higher intensity)."""
        if ctx.intensity < GHOSTS_AT or density < GHOSTS_AT:
            return []
        steps = len(snare)
        spots = {i - 1 for i, hit in enumerate(snare) if hit and i > 0}
        if ctx.intensity >= SIXTEENTHS_AT:
            spots |= {i + 3 for i, hit in enumerate(snare) if hit and i + 3 < steps}
        if fill:
            spots = {i for i in spots if i < steps - GRID}
        length = sounding(LENGTH["snare"], ctx)
        velocity = accent(ctx, 0.0, GHOST)
        return [Note(i / GRID, length, 0, velocity, "snare") for i in sorted(spots)]

    def _fill(self, ctx: BarContext) -> list[Note]:
        """A crescendo run through the last beat: 16th snares, or 8th kicks in the sparse style."""
        last = ctx.beats_per_bar - 1
        sparse = self.opt_str("style") == "sparse"
        voice, count = ("kick", 2) if sparse else ("snare", GRID)
        length = sounding(LENGTH[voice], ctx)
        return [
            Note(last + k / count, length, 0, accent(ctx, 0.5, 0.55 + 0.4 * k / count), voice)
            for k in range(count)
            if not (sparse and k == 0 and last == 0)
        ]

    def operators(self) -> dict[str, Operator]:
        """Mutations act on the kick pattern (the other voices are fixed by the style)."""
        return pattern_operators(lambda: self._kick, lambda p: setattr(self, "_kick", p), GRID)


def _spread(pattern: Pattern, steps: int) -> Pattern:
    """A pattern of any length placed on a grid of ``steps`` (onsets rounded to the grid)."""
    out = [False] * steps
    for j, hit in enumerate(pattern):
        if hit:
            out[round(j * steps / len(pattern)) % steps] = True
    return tuple(out)


def _clear_last_beat(pattern: Pattern) -> Pattern:
    """The pattern with its last beat emptied to make room for a fill (the downbeat stays)."""
    cut = len(pattern) - GRID
    return tuple(hit and (i < cut or i == 0) for i, hit in enumerate(pattern))
