"""Sparkle: sparse bell-like notes, each voice recurring on its own incommensurable period.

generative.fm pieces and Eno's tape loops stay fresh because each voice cycles on a period that
does not divide the others, so the combination almost never repeats, and every pitch comes from
a consonant pool (``notes/music.md`` §2.1). Here each period (in beats) drives one voice with a
fixed random phase on the half-beat grid, a chord-tone slot and an octave; when a voice is due,
density is the chance that it sounds. Positions are absolute (bar × beats per bar), so the
pattern does not depend on which bars were rendered before.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import ClassVar

from engine.events import Note
from engine.music import mutation
from engine.music.generators.base import BaseGenerator, accent, bar_chord, centre_pitch, sounding
from engine.music.generators.context import BarContext
from engine.music.options import Option
from engine.music.rhythm import metric_weight

HALVES = 2
"""Phases live on the 8th-note (half-beat) grid."""
RING = 3.0
"""Nominal length of a sparkle note in beats (they ring over the texture)."""
LEVEL = 0.75
"""Sparkles sit under the main layers."""
TONES = 3
"""Voices pick among the chord's root, third and fifth (the consonant pool)."""


@dataclass(frozen=True)
class _Voice:
    period: int
    phase: int
    tone: int
    octave: int


class SparkleGenerator(BaseGenerator):
    """Chord tones on several coprime-ish cycles, sounding with probability ``density``."""

    KIND = "sparkle"
    OPTIONS: ClassVar[dict[str, Option]] = {
        "periods": Option(
            list, [7, 9, 11, 13], min=1, max=64, item=int, doc="beats between a voice's notes"
        ),
        "octave": Option(int, 5, min=3, max=7, doc="octave of the lowest sparkle (C5 = 72)"),
    }

    def setup(self) -> None:
        periods = self.opt_ints("periods") or [7]
        self._voices = [
            _Voice(
                period=p,
                phase=self.rng.randrange(HALVES * p),
                tone=self.rng.randrange(TONES),
                octave=self.rng.choice((0, 0, 1)),
            )
            for p in periods
        ]

    def render(self, ctx: BarContext, density: float) -> list[Note]:
        base = centre_pitch(ctx, self.opt_int("octave"))
        pool = bar_chord(ctx, ctx.tension).pitches(base, base + 11)
        start = ctx.bar * ctx.beats_per_bar * HALVES
        notes = []
        for voice in self._voices:
            cycle = HALVES * voice.period
            first = (voice.phase - start) % cycle
            for half in range(first, ctx.beats_per_bar * HALVES, cycle):
                if self.rng.random() >= density:
                    continue
                pitch = pool[voice.tone % len(pool)] + 12 * voice.octave
                weight = metric_weight(half, HALVES, ctx.beats_per_bar)
                velocity = accent(ctx, weight, LEVEL)
                notes.append(Note(half / HALVES, sounding(RING, ctx), pitch, velocity))
        return notes

    def operators(self) -> dict[str, Callable[[random.Random], bool]]:
        return {
            "substitute": lambda rng: self._change(rng, "tone", list(range(TONES))),
            "octave": lambda rng: self._change(rng, "octave", [0, 1]),
            "rotate": self._rotate,
        }

    def _change(self, rng: random.Random, field: str, allowed: list[int]) -> bool:
        values = [getattr(v, field) for v in self._voices]
        changed = mutation.substitute_value(values, allowed, rng)
        if changed is None:
            return False
        pairs = zip(self._voices, changed, strict=True)
        self._voices = [replace(v, **{field: c}) for v, c in pairs]
        return True

    def _rotate(self, rng: random.Random) -> bool:
        """Shift one voice's phase by an 8th, so its next recurrence moves."""
        if not self._voices:
            return False
        i = rng.randrange(len(self._voices))
        voice = self._voices[i]
        phase = (voice.phase + rng.choice((-1, 1))) % (HALVES * voice.period)
        self._voices[i] = replace(voice, phase=phase)
        return True
