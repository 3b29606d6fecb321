"""Learned drums: a composer's drum grooves (a drum MIDI file), played and varied with the state.

At load every bar of the material becomes an onset grid per drum voice (General MIDI keys
mapped to the kit's kick, snare, hat, open hat and shaker), and the model keeps, for each
voice and grid step, how often the material hits there (``share``) and how hard. A bar then
plays the material's bar for this point of the loop with ``variation`` 0, and draws each
step's hit from the material's share with ``variation`` 1 (a hat that is there in three bars of
four is there three times in four); in between, each step is the written one with chance
``1 - variation``. So a variation only ever hits where the composer's grooves hit: the style
stays, the pattern moves. ``density`` then thins the weakest hits (off-beats and quiet voices
first, the downbeat kick never), as it does for the drums generator.
"""

from __future__ import annotations

import math
import random
from functools import reduce
from typing import ClassVar

from engine.events import Note
from engine.music.generators.base import BaseGenerator, accent
from engine.music.generators.context import BarContext
from engine.music.options import Option
from engine.music.rhythm import metric_weight, thin

#: General MIDI percussion keys as the kit's voices (toms and the others have no voice here).
GM_VOICES: dict[int, str] = {
    35: "kick", 36: "kick",
    37: "snare", 38: "snare", 39: "snare", 40: "snare",
    42: "hat", 44: "hat", 51: "hat", 53: "hat", 59: "hat",
    46: "openhat", 49: "openhat", 55: "openhat", 57: "openhat",
    54: "shaker", 69: "shaker", 70: "shaker", 82: "shaker",
}  # fmt: skip
VOICES = ("kick", "snare", "hat", "openhat", "shaker")
PRIORITY = {"kick": 1.0, "snare": 0.9, "hat": 0.5, "openhat": 0.6, "shaker": 0.3}
"""How much a voice's hits resist thinning, beside their metric weight."""
LENGTH = 0.25
"""Nominal length of a drum hit in beats (the kit's voices decay on their own)."""

Grid = dict[str, dict[int, float]]
"""Per voice, the hit steps of one bar and their velocities."""


class LearnedDrumsGenerator(BaseGenerator):
    """The material's grooves as written (variation 0) to redrawn in their style (1)."""

    KIND = "learned-drums"
    LEARNS_DRUMS: ClassVar[bool] = True
    OPTIONS: ClassVar[dict[str, Option]] = {
        "motifs": Option(
            list, [], item=str, doc="the score's drum motifs (MIDI channel 10) it learns from"
        ),
    }

    def setup(self) -> None:
        names = self.opt_strs("motifs")
        if not names:
            raise ValueError("a learned-drums generator needs 'motifs': drum motifs to learn")
        missing = [n for n in names if n not in self.motifs]
        if missing:
            raise ValueError(f"unknown motif(s) {', '.join(missing)}")
        motifs = [self.motifs[n] for n in names]
        if not all(m.is_drums for m in motifs) or len({m.metre for m in motifs}) != 1:
            raise ValueError("learned-drums needs drum motifs, all in one metre")
        self.grid = reduce(math.lcm, (m.steps_per_beat for m in motifs))
        self.bar_steps = motifs[0].metre.beats * self.grid
        self.bars: list[Grid] = []
        for motif in motifs:
            factor = self.grid // motif.steps_per_beat
            bars: list[Grid] = [{} for _ in range(motif.bars)]
            for onset, key, velocity in motif.hits:
                voice = GM_VOICES.get(key)
                if voice is None:
                    continue
                b, step = divmod(onset * factor, self.bar_steps)
                bars[b].setdefault(voice, {})[step] = velocity
            self.bars.extend(bars)
        count = len(self.bars)
        self.share: Grid = {}
        self.loudness: Grid = {}
        for grid in self.bars:
            for voice, steps in grid.items():
                for step, velocity in steps.items():
                    share = self.share.setdefault(voice, {})
                    share[step] = share.get(step, 0.0) + 1.0 / count
                    loud = self.loudness.setdefault(voice, {})
                    loud[step] = max(loud.get(step, 0.0), velocity)
        self._next_bar: int | None = None
        self._entered = 0

    def render(self, ctx: BarContext, density: float) -> list[Note]:
        if ctx.bar != self._next_bar:
            self._entered = ctx.bar
        self._next_bar = ctx.bar + 1
        if ctx.beats_per_bar * self.grid != self.bar_steps:
            return []  # not the material's metre
        written = self.bars[(ctx.bar - self._entered) % len(self.bars)]
        keep = 1.0 - min(1.0, max(0.0, ctx.variation))
        hits: list[tuple[int, str, float]] = []
        for voice in VOICES:
            shares = self.share.get(voice, {})
            here = written.get(voice, {})
            for step in sorted(shares):
                chance = keep * (step in here) + (1.0 - keep) * shares[step]
                if self.rng.random() < chance:
                    velocity = here.get(step, self.loudness[voice][step])
                    hits.append((step, voice, velocity))
        hits.sort(key=lambda hit: (hit[0], VOICES.index(hit[1])))  # the downbeat kick first
        if density < 1.0 and hits:
            weights = [
                metric_weight(step, self.grid, ctx.beats_per_bar) * PRIORITY[voice]
                for step, voice, _ in hits
            ]
            rng = random.Random(self.seed * 7919 + ctx.bar)
            kept = thin((True,) * len(hits), density, weights, rng)
            hits = [h for h, k in zip(hits, kept, strict=True) if k]
        return [
            Note(
                step / self.grid,
                LENGTH,
                0,
                accent(ctx, metric_weight(step, self.grid, ctx.beats_per_bar), velocity / 0.8),
                voice,
            )
            for step, voice, velocity in hits
        ]
