"""Bass: the chord root, as one long note, an 8th-note ostinato, or a walk to the next chord.

The bass names the harmony, so its downbeat is always the chord root; the walk spends the rest
of the bar moving by scale steps (or up the chord when there is no room) to land a step away
from the next chord's root, the approach note that makes a change feel inevitable.
"""

from __future__ import annotations

import random
from typing import ClassVar

from engine.events import Note
from engine.music.generators.base import (
    BaseGenerator,
    Operator,
    accent,
    bar_chord,
    centre_pitch,
    nearest_with_class,
    pattern_operators,
    sounding,
)
from engine.music.generators.context import BarContext
from engine.music.options import Option
from engine.music.rhythm import BEAT, DOWNBEAT, metric_weights, thin
from engine.music.scales import Scale

SIXTEENTHS_AT = 0.75
"""Intensity from which the pulse pattern runs in 16ths instead of 8ths."""
COLOUR_AT = 0.5
"""Intensity from which the pulse pattern puts fifths and octaves on its off-beats."""


class BassGenerator(BaseGenerator):
    """Root-note bass in three patterns: root, pulse, walk."""

    KIND = "bass"
    OPTIONS: ClassVar[dict[str, Option]] = {
        "pattern": Option(
            str,
            "root",
            choices=("root", "pulse", "walk"),
            doc="root: one long note; pulse: 8ths ostinato; walk: steps toward the next root",
        ),
        "octave": Option(int, 2, min=1, max=4, doc="octave of the bass centre (C2 = 36)"),
    }

    def setup(self) -> None:
        self._thin_seed = self.rng.getrandbits(32)
        self._mask: tuple[bool, ...] = (True,) * 8

    def render(self, ctx: BarContext, density: float) -> list[Note]:
        chord = bar_chord(ctx)
        centre = centre_pitch(ctx, self.opt_int("octave"))
        root = nearest_with_class(chord.root, centre)
        pattern = self.opt_str("pattern")
        if pattern == "pulse":
            fifth = root + (chord.fifth - chord.root) % 12
            return self._pulse(ctx, density, root, fifth)
        if pattern == "walk":
            target = ctx.scale.snap(nearest_with_class(ctx.next_chord.root, centre))
            return self._walk(ctx, density, root, target)
        return [Note(0.0, sounding(float(ctx.beats_per_bar), ctx), root, accent(ctx, DOWNBEAT))]

    def _pulse(self, ctx: BarContext, density: float, root: int, fifth: int) -> list[Note]:
        per_beat = 4 if ctx.intensity >= SIXTEENTHS_AT else 2
        steps = per_beat * ctx.beats_per_bar
        mask = _stretch(self._mask, steps)
        weights = metric_weights(per_beat, ctx.beats_per_bar)
        kept = thin(mask, density, weights, random.Random(self._thin_seed))
        colour = ctx.intensity >= COLOUR_AT
        notes, offbeats = [], 0
        for step in (s for s in range(steps) if kept[s]):
            pitch = root
            if colour and weights[step] < BEAT:
                pitch = (fifth, root + 12)[offbeats % 2]
                offbeats += 1
            velocity = accent(ctx, weights[step])
            notes.append(Note(step / per_beat, sounding(1.0 / per_beat, ctx), pitch, velocity))
        return notes

    def _walk(self, ctx: BarContext, density: float, root: int, target: int) -> list[Note]:
        """Root on the downbeat, then a path to a step beside ``target`` (the next bar's root,
        placed the way the next bar will place it)."""
        path = walk_path(ctx.scale, root, target, ctx.beats_per_bar - 1)
        weights = metric_weights(1, ctx.beats_per_bar)
        kept = thin((True,) * ctx.beats_per_bar, density, weights, random.Random(self._thin_seed))
        length = sounding(1.0, ctx)
        pitches = [root, *path]
        return [
            Note(float(beat), length, pitches[beat], accent(ctx, weights[beat]))
            for beat in range(ctx.beats_per_bar)
            if kept[beat]
        ]

    def operators(self) -> dict[str, Operator]:
        if self.opt_str("pattern") != "pulse":
            return {}
        return pattern_operators(lambda: self._mask, lambda p: setattr(self, "_mask", p), 2)


def _stretch(mask: tuple[bool, ...], steps: int) -> tuple[bool, ...]:
    """The stored 8th-note mask read on a grid of ``steps`` (16ths repeat each 8th's choice)."""
    if not mask:
        return (True,) * steps
    return tuple(mask[i * len(mask) // steps] for i in range(steps))


def walk_path(scale: Scale, root: int, target: int, beats: int) -> list[int]:
    """``beats`` pitches leading from ``root`` to a scale step beside ``target``.

    With room, it moves by scale steps; with little room it alternates the chord's third and
    fifth and then drops to the approach note. The approach comes from below when the line rises or
    stays, from above when it falls.
    """
    if beats <= 0:
        return []
    start, goal = scale.index_of(root), scale.index_of(target)
    approach = goal - 1 if goal >= start else goal + 1
    if abs(approach - start) >= beats:
        indices = [round(start + (approach - start) * k / beats) for k in range(1, beats + 1)]
    else:
        indices = [start + (2 if k % 2 else 4) for k in range(1, beats)] + [approach]
    return [scale.at_index(i) for i in indices]
