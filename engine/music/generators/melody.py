"""Melody: singable phrases built from a motif that is repeated, then varied.

Structure (``notes/music.md`` §2.4): phrases of ``phrase_bars`` bars pair up as question and
answer. A phrase plays the motif and its one-change variant in turn; its last bar is a cadence
that lands on the chord's third (question) or root (answer) and then rests at least a beat.
Every other period brings a fresh motif, the others promote the variant to be the new theme.
Pitches come from :func:`engine.music.generators.lines.realise`: strong beats and long notes on
chord tones, steps in between, leaps answered by a step back. At low density whole phrases
may rest.
"""

from __future__ import annotations

import math
import random
from typing import ClassVar

from engine.events import Note
from engine.music.generators import lines
from engine.music.generators.base import BaseGenerator, accent, bar_chord, centre_pitch, sounding
from engine.music.generators.context import BarContext
from engine.music.harmony import Chord
from engine.music.options import Option
from engine.music.rhythm import MID_BAR, metric_weight, thin
from engine.music.scales import Scale

GRID = 2
"""Melody grid steps per beat (8th notes: singable, and leaves room to breathe)."""
ARCH = 0.2
"""Velocity rise into the middle of a phrase (KTH phrase arch)."""

Rhythm = tuple[tuple[int, int], ...]


class MelodyGenerator(BaseGenerator):
    """Question-and-answer phrases from a repeated, varied one-bar motif."""

    KIND = "melody"
    OPTIONS: ClassVar[dict[str, Option]] = {
        "octave": Option(int, 5, min=3, max=6, doc="octave of the range centre (C4 = 60)"),
        "range": Option(int, 12, min=7, max=17, doc="range in semitones around the centre"),
        "style": Option(str, "walk", choices=("walk", "markov"), doc="how moves are drawn"),
        "phrase_bars": Option(int, 2, choices=(2, 4), doc="bars per phrase"),
        "rest": Option(
            float, 0.3, min=0.0, max=1.0, doc="chance a phrase rests, scaled by (1 - density)"
        ),
    }

    def setup(self) -> None:
        self._motif: lines.Motif | None = None
        self._variant: lines.Motif | None = None
        self._phrase: int | None = None
        self._answer = False
        self._resting = False
        self._last: int | None = None
        self._leap = 0
        self._thin_seed = self.rng.getrandbits(32)

    def render(self, ctx: BarContext, density: float) -> list[Note]:
        bars = self.opt_int("phrase_bars")
        phrase, pos = divmod(ctx.bar, bars)
        chord = bar_chord(ctx, ctx.tension)
        frame = self._frame(ctx, chord)
        if phrase != self._phrase:
            self._start_phrase(phrase, ctx, density, frame)
        if self._resting:
            return []
        assert self._motif is not None and self._variant is not None
        motif = self._motif if (pos + self._answer) % 2 == 0 else self._variant
        arch = _arch(pos, bars, ctx.beats_per_bar)
        if pos == bars - 1:
            return self._cadence(ctx, motif, chord, frame, density, arch)
        return self._line(ctx, motif.rhythm, motif, frame, density, arch)

    def _frame(self, ctx: BarContext, chord: Chord) -> lines.Frame:
        """The bar's range around the centre, in scale indices, with its chord tones."""
        scale, width = ctx.scale, self.opt_int("range")
        lo = centre_pitch(ctx, self.opt_int("octave")) - width // 2
        lo_i, hi_i = scale.index_of(lo), scale.index_of(lo + width)
        lo_i += int(scale.at_index(lo_i) < lo)
        hi_i -= int(scale.at_index(hi_i) > lo + width)
        tones = frozenset(i for i in range(lo_i, hi_i + 1) if chord.is_tone(scale.at_index(i)))
        return lines.Frame(scale, lo_i, hi_i, tones)

    def _start_phrase(
        self, phrase: int, ctx: BarContext, density: float, frame: lines.Frame
    ) -> None:
        """Decide rest or play, and at each period start bring a fresh or promoted motif."""
        self._phrase = phrase
        self._answer = phrase % 2 == 1
        self._resting = self.rng.random() < self.opt_float("rest") * (1.0 - density)
        if self._answer and self._motif is not None:
            return
        if self._motif is None or self._variant is None or (phrase // 2) % 2 == 0:
            self._motif = self._fresh(ctx, density, frame)
        else:
            self._motif = self._variant
        self._variant = lines.vary(self._motif, self.rng)

    def _fresh(self, ctx: BarContext, density: float, frame: lines.Frame) -> lines.Motif:
        """A new motif: a fresh rhythm and moves drawn by the chosen style."""
        rhythm = lines.fresh_rhythm(self.rng, GRID, ctx.beats_per_bar, density)
        size, centre = ctx.scale.size, (frame.lo + frame.hi) // 2
        index = self._index(ctx.scale, frame)
        moves, previous = [], 0
        for _ in rhythm:
            if self.opt_str("style") == "markov":
                degree = index % size + 1
                move = lines.markov_move(self.rng, degree, size, previous)
            else:
                move = lines.walk_move(
                    self.rng, index - centre, (frame.hi - frame.lo) // 2, previous
                )
            moves.append(move)
            index, previous = frame.reflect(index + move), move
        return lines.Motif(rhythm, tuple(moves), density)

    def _index(self, scale: Scale, frame: lines.Frame) -> int:
        """Scale index of the last note played (or the range centre), kept inside the range."""
        if self._last is None:
            return (frame.lo + frame.hi) // 2
        return min(frame.hi, max(frame.lo, scale.index_of(self._last)))

    def _line(
        self,
        ctx: BarContext,
        rhythm: Rhythm,
        motif: lines.Motif,
        frame: lines.Frame,
        density: float,
        arch: list[float],
        end: int | None = None,
    ) -> list[Note]:
        """The kept notes of ``rhythm`` (thinned to the current density), placed in this bar
        and heading for scale index ``end`` if given. Notes past the bar (the metre shrank
        since the motif was written) are left out."""
        rhythm = tuple((o, d) for o, d in rhythm if o < GRID * ctx.beats_per_bar)
        weights = [metric_weight(o, GRID, ctx.beats_per_bar) for o, _ in rhythm]
        share = min(1.0, density / max(motif.density, 1e-6))
        kept = thin((True,) * len(rhythm), share, weights, random.Random(self._thin_seed))
        picked = [k for k in range(len(rhythm)) if kept[k]]
        moves = tuple(motif.moves[k] for k in picked)
        strong = tuple(weights[k] >= MID_BAR or rhythm[k][1] > GRID for k in picked)
        start = self._index(ctx.scale, frame)
        if self._last is None:
            start = frame.anchor(start, start, 0)
        indices = lines.realise(moves, strong, start, self._leap, frame, end)
        notes = []
        for k, index in zip(picked, indices, strict=True):
            onset, dur = rhythm[k]
            pitch = ctx.scale.at_index(index)
            velocity = accent(ctx, weights[k], arch[onset // GRID])
            notes.append(Note(onset / GRID, sounding(dur / GRID, ctx), pitch, velocity))
            self._remember(pitch)
        return notes

    def _remember(self, pitch: int) -> None:
        """Track the last pitch and whether it was reached by a leap (for the next bar)."""
        if self._last is not None and abs(pitch - self._last) >= lines.LEAP_SEMITONES:
            self._leap = 1 if pitch > self._last else -1
        else:
            self._leap = 0
        self._last = pitch

    def _cadence(
        self,
        ctx: BarContext,
        motif: lines.Motif,
        chord: Chord,
        frame: lines.Frame,
        density: float,
        arch: list[float],
    ) -> list[Note]:
        """The phrase's last bar: the motif up to a strong beat, a long note on the chord's
        third (question) or root (answer), then at least one beat of rest."""
        bpb = ctx.beats_per_bar
        rest = max(1, bpb // 4)
        onset = bpb // 2 if bpb // 2 < bpb - rest else 0
        nominal = float(bpb - rest - onset) if bpb > rest else bpb / 2
        cut = onset * GRID
        head = tuple((o, min(d, cut - o)) for o, d in motif.rhythm if o < cut)
        goal = chord.root if self._answer or len(chord.tones) < 2 else chord.tones[1]
        pitch = _landing(ctx.scale, frame, goal, self._last)
        notes = self._line(ctx, head, motif, frame, density, arch, ctx.scale.index_of(pitch))
        if self._leap:
            pitch = _landing(ctx.scale, frame, goal, self._last, self._leap)
        self._last, self._leap = pitch, 0
        velocity = accent(ctx, metric_weight(cut, GRID, bpb), arch[onset])
        notes.append(Note(float(onset), sounding(nominal, ctx), pitch, velocity))
        return notes


def _arch(pos: int, bars: int, beats_per_bar: int) -> list[float]:
    """Velocity factor per beat of this bar: louder into the phrase middle, softer at its end."""
    return [
        1.0 - ARCH / 2 + ARCH * math.sin(math.pi * (pos + b / beats_per_bar) / bars)
        for b in range(beats_per_bar + 1)
    ]


def _landing(scale: Scale, frame: lines.Frame, pc: int, previous: int | None, leap: int = 0) -> int:
    """The pitch of class ``pc`` in range nearest the previous note (ties go down); after a
    leap (``leap`` its direction) one back the other way if there is one."""
    lo, hi = scale.at_index(frame.lo), scale.at_index(frame.hi)
    target = (lo + hi) // 2 if previous is None else previous
    options = [p for p in range(lo, hi + 1) if p % 12 == pc]
    if not options:
        below = target - (target - pc) % 12
        options = [below, below + 12]
    back = [p for p in options if leap and (p - target) * leap < 0]
    return min(back or options, key=lambda p: (abs(p - target), p))
