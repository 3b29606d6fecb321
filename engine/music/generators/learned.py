"""Learned: melodies in the style of a composer's motifs, stated, varied and continued live.

When the score loads, the motifs (``engine.music.motifs``) are cut into *events*, one per note
or rest, each a symbol ``(step, ioi, rest, pos)``: the scale-step from the previous note, the
grid steps to the next event, whether it is a rest, and where in the bar it starts. A
variable-order Markov model (Pachet's Continuator) counts which symbol follows each context of
1..``order`` symbols, once with positions and once without, and generates by backing off from
the longest context that was seen to shorter and coarser ones until a continuation passes the
constraints (docs/learning.md):

* **metre**: a continuation's duration must leave a remainder the material's durations can
  still fill exactly (a ``can_finish`` table), so every bar is full and none dead-ends;
* **key and register**: steps move scale degrees, rendered in the bar's scale, inside the
  material's range widened by ``spread``;
* **cadence**: the last note of a phrase lands on a stable degree (1, 3 or 5);
* **copy cap**: no more than ``max_copy`` consecutive events equal a run of the material
  (Papadopoulos, Roy & Pachet's MaxOrder, enforced by rejection).

``variation`` (a layer parameter, 0..1) steers it: each phrase *states* its first
``round((1 - variation) * phrase_bars)`` bars from the motifs as written (transposed to the
current key and mode; notes re-pitched by the model with chance ``variation² / 2``) and
*continues* the rest freely. So 0 is the motif itself and 1 a free continuation in its style.
``intensity`` pulls the rhythm toward shorter or longer durations, ``register`` moves it.
"""

from __future__ import annotations

import math
import random
from bisect import bisect
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import reduce
from itertools import accumulate
from typing import ClassVar, TypeVar

from engine.events import Note
from engine.music.generators.base import BaseGenerator, Operator, accent, sounding
from engine.music.generators.context import BarContext
from engine.music.motifs import TONIC_OCTAVE, Motif
from engine.music.options import Option
from engine.music.rhythm import metric_weight, thin
from engine.music.scales import Scale

STABLE = frozenset({0, 2, 4})
"""Scale steps above the tonic a phrase may end on (degrees 1, 3 and 5)."""
RHYTHM_PULL = 1.5
"""How strongly intensity prefers short (1) or long (0) durations: weight (ref/ioi)^pull."""
REPITCH = 0.5
"""Chance per stated note of a new pitch, times variation squared (a light touch at first)."""
TRANSFORMS = ("written", "inversion", "retrograde", "sequence")
"""What the "substitute" mutation cycles a statement through."""

Symbol = tuple[int, int, bool, int]
"""(step, ioi, rest, pos): scale steps from the previous note, grid steps to the next event,
whether it is a rest, grid position in the bar."""
Reduced = tuple[int, int, bool]
"""A symbol without its position: what contexts back off to, and what copying compares."""
START: Symbol = (0, 0, True, -1)
"""The context before a motif's first event (so openings are learned as openings)."""


@dataclass(frozen=True, slots=True)
class Event:
    """One note or rest of a bar: ``pos``/``ioi``/``length`` in grid steps, ``index`` the
    scale index relative to the tonic (for a rest, the last note's), ``alteration`` semitones."""

    pos: int
    ioi: int
    rest: bool
    index: int
    length: int = 0
    alteration: int = 0
    velocity: float = 0.8


class LearnedGenerator(BaseGenerator):
    """Statement, variation and continuation of the score's motifs (see module docstring)."""

    KIND = "learned"
    OPTIONS: ClassVar[dict[str, Option]] = {
        "motifs": Option(
            list, [], item=str, doc="the score's motifs it learns from, in the order it states them"
        ),
        "order": Option(int, 3, min=1, max=6, doc="longest context (events) the model uses"),
        "max_copy": Option(
            int, 4, min=1, max=32, doc="most consecutive events a free passage copies"
        ),
        "phrase_bars": Option(
            int, 0, min=0, max=16, doc="bars per phrase, ending on a stable degree (0: motif's)"
        ),
        "octave": Option(int, 0, min=-3, max=3, doc="octaves from where the motifs were written"),
        "spread": Option(
            int, 2, min=0, max=7, doc="scale steps free passages may pass the motifs' range"
        ),
        "leitmotif": Option(
            bool, False, doc="state the first motif as written on entry and each scene's start"
        ),
    }

    def setup(self) -> None:
        names = self.opt_strs("motifs")
        if not names:
            raise ValueError("a learned generator needs 'motifs': the score's motifs to learn")
        missing = [n for n in names if n not in self.motifs]
        if missing:
            raise ValueError(f"unknown motif(s) {', '.join(missing)}")
        motifs = [self.motifs[n] for n in names]
        drums = [m.name for m in motifs if m.is_drums]
        if drums:
            raise ValueError(f"{', '.join(drums)}: drum motifs are for learned-drums")
        self.grid = reduce(math.lcm, (m.steps_per_beat for m in motifs))
        motifs = [m.regrid(self.grid) if m.steps_per_beat != self.grid else m for m in motifs]
        sizes = {m.key.scale.size for m in motifs}
        if len(sizes) != 1:
            raise ValueError("the motifs of one learned generator must share a scale size")
        metres = {m.metre for m in motifs}
        if len(metres) != 1:
            raise ValueError("the motifs of one learned generator must share a metre")
        self.model = StyleModel(motifs, self.opt_int("order"), self.opt_int("max_copy"))
        self.size = self.model.size
        self.mode = motifs[0].key.mode
        self.phrase = self.opt_int("phrase_bars") or motifs[0].bars
        self._next_bar: int | None = None
        self._entered = 0
        self._index = 0  # relative scale index of the last note
        self._history: list[Symbol] = [START]
        self._transform = "written"
        self._octave = 0  # the "octave" mutation's shift
        self._bias = 0.0  # the "thin"/"fill" mutations' rhythm preference
        self._order = 0  # the "rotate" mutation's shift of the motif order
        #: The last bar's events, notes and rests (what its notes came from, before thinning).
        self.last_events: list[Event] = []

    # -- a bar --------------------------------------------------------------------------------
    def render(self, ctx: BarContext, density: float) -> list[Note]:
        if ctx.bar != self._next_bar:  # a fresh entry (or the first bar): start from the top
            self._entered, self._history, self._index = ctx.bar, [START], 0
        self._next_bar = ctx.bar + 1
        bars = ctx.bar - self._entered
        bar_steps = ctx.beats_per_bar * self.grid
        pos_in_phrase = bars % self.phrase
        stated = round((1.0 - ctx.variation) * self.phrase)
        # a leitmotif: the first motif as written from the layer's entry or the scene's start
        since = min(bars, ctx.bar - ctx.scene_start)
        leit = self.opt_bool("leitmotif") and since < self.model.motif_bars[0]
        octaves = self.opt_int("octave") + self._octave + round(ctx.register / 12)
        lift = round((ctx.register - 12 * round(ctx.register / 12)) * self.size / 12)
        if bar_steps != self.model.bar_steps:
            events = self._rests(bar_steps)  # the metre is not the motifs': stay silent
        elif leit or pos_in_phrase < stated:
            repitch = 0.0 if leit else REPITCH * ctx.variation**2
            events = self._state(since if leit else bars, repitch, lift, verbatim=leit)
        else:
            cadence = pos_in_phrase == self.phrase - 1
            events = self._continue(ctx, lift, cadence)
        self.last_events = events
        return self._notes(ctx, events, density, octaves)

    def _rests(self, bar_steps: int) -> list[Event]:
        self._history.append((0, bar_steps, True, 0))
        return [Event(0, bar_steps, True, self._index)]

    def _state(self, bars: int, repitch: float, lift: int, verbatim: bool = False) -> list[Event]:
        """The material's bar for this point of the phrase, as written (or transformed and
        reordered by mutations, unless ``verbatim``), each note re-pitched by the model with
        chance ``repitch``."""
        shift = 0 if verbatim else self._order * self.model.motif_bars[0]
        events = self.model.bars[(bars + shift) % len(self.model.bars)]
        if self._transform != "written" and not verbatim:
            events = transform(events, self._transform)
        spread = self.opt_int("spread")
        lo, hi = self.model.lo - spread + lift, self.model.hi + spread + lift
        out = []
        for event in events:
            if not event.rest and repitch > 0.0 and self.rng.random() < repitch:
                step = self.model.repitch(self._history, event, self._index, lo, hi, self.rng)
                if step is not None:
                    event = replace(event, index=self._index + step, alteration=0)
            self._remember(event)
            out.append(event)
        return out

    def _continue(self, ctx: BarContext, lift: int, cadence: bool) -> list[Event]:
        """A free bar: symbols drawn from the model under the constraints."""
        spread = self.opt_int("spread")
        lo, hi = self.model.lo - spread + lift, self.model.hi + spread + lift
        pull = (min(1.0, max(0.0, ctx.intensity)) - 0.5) * 2.0 + self._bias
        out: list[Event] = []
        pos = 0
        while pos < self.model.bar_steps:
            symbol = self.model.choose(
                self._history, pos, self._index, lo, hi, cadence, pull, self.rng
            )
            step, ioi, rest, _ = symbol
            event = Event(pos, ioi, rest, self._index + (0 if rest else step), ioi)
            self._remember(event)
            out.append(event)
            pos += ioi
        return out

    def _remember(self, event: Event) -> None:
        step = 0 if event.rest else event.index - self._index
        self._history.append((step, event.ioi, event.rest, event.pos))
        if len(self._history) > self.model.memory:
            del self._history[0]
        if not event.rest:
            self._index = event.index

    def _notes(
        self, ctx: BarContext, events: list[Event], density: float, octaves: int
    ) -> list[Note]:
        """The events' notes in the bar's scale: thinned to ``density``, accented by metre."""
        played = [e for e in events if not e.rest]
        if density < 1.0 and played:
            weights = [metric_weight(e.pos, self.grid, ctx.beats_per_bar) for e in played]
            rng = random.Random(self.seed * 7919 + ctx.bar)
            keep = thin((True,) * len(played), density, weights, rng)
            played = [e for e, k in zip(played, keep, strict=True) if k]
        base = (TONIC_OCTAVE + 1 + octaves) * self.size
        notes = []
        for event in played:
            pitch = render_pitch(ctx.scale, self.mode, base + event.index) + event.alteration
            weight = metric_weight(event.pos, self.grid, ctx.beats_per_bar)
            velocity = accent(ctx, weight, event.velocity / self.model.velocity)
            length = sounding(event.length / self.grid, ctx)
            notes.append(Note(event.pos / self.grid, length, pitch, velocity))
        return notes

    # -- mutation -----------------------------------------------------------------------------
    def operators(self) -> dict[str, Operator]:
        return {
            "substitute": self._substitute,
            "octave": self._shift_octave,
            "thin": lambda rng: self._nudge(-0.25),
            "fill": lambda rng: self._nudge(0.25),
            "rotate": self._rotate,
        }

    def _substitute(self, rng: random.Random) -> bool:
        """Statements from now on use another transform of the motifs."""
        self._transform = rng.choice([t for t in TRANSFORMS if t != self._transform])
        return True

    def _shift_octave(self, rng: random.Random) -> bool:
        options = [v for v in (self._octave - 1, self._octave + 1) if -1 <= v <= 1]
        self._octave = rng.choice(options)
        return True

    def _nudge(self, amount: float) -> bool:
        value = min(0.5, max(-0.5, self._bias + amount))
        changed = value != self._bias
        self._bias = value
        return changed

    def _rotate(self, rng: random.Random) -> bool:
        """State the motifs from the next one on (the answer before the theme)."""
        if len(self.model.motif_bars) < 2:
            return False
        self._order = (self._order + 1) % len(self.model.motif_bars)
        return True


def render_pitch(scale: Scale, mode: str, index: int) -> int:
    """The pitch of scale index ``index`` of the material's ``mode`` in ``scale``: the same
    degree when the sizes agree (a mode change recolours the line), else the nearest pitch of
    ``scale`` to it."""
    if scale.size == len(Scale(0, mode).intervals):
        return scale.at_index(index)
    return scale.snap(Scale(scale.root, mode).at_index(index))


def transform(events: list[Event], kind: str) -> list[Event]:
    """A bar of material transformed: inverted around its first note, its pitches in reverse
    order over the same rhythm, or a scale step higher (a sequence)."""
    notes = [e for e in events if not e.rest]
    if not notes:
        return events
    if kind == "inversion":
        axis = notes[0].index
        pitches = [2 * axis - e.index for e in notes]
    elif kind == "retrograde":
        pitches = [e.index for e in reversed(notes)]
    else:
        pitches = [e.index + 1 for e in notes]
    out, k = [], 0
    for e in events:
        if e.rest:
            out.append(e)
            continue
        out.append(Event(e.pos, e.ioi, False, pitches[k], e.length, 0, e.velocity))
        k += 1
    return out


class StyleModel:
    """The variable-order Markov model of a set of motifs, and its constrained sampler."""

    def __init__(self, motifs: list[Motif], order: int, max_copy: int) -> None:
        self.size = motifs[0].key.scale.size
        self.order = order
        self.max_copy = max_copy
        self.memory = max(order, max_copy) + 1
        self.bar_steps = motifs[0].bar_steps
        self.bars: list[list[Event]] = []
        self.motif_bars: list[int] = []
        self.full: dict[tuple[Symbol, ...], Counter[Symbol]] = {}
        self.reduced: dict[tuple[Reduced, ...], Counter[Reduced]] = {}
        self.copies: set[tuple[Reduced, ...]] = set()
        sequences: list[list[Symbol]] = []
        for motif in motifs:
            bars = events_of(motif)
            self.motif_bars.append(len(bars))
            self.bars.extend(bars)
            sequences.append(symbols_of([e for bar in bars for e in bar]))
        for sequence in sequences:
            self._learn(sequence)
        durations = {s[1] for seq in sequences for s in seq}
        self.can_finish = finishable(sorted(durations), self.bar_steps)
        played = [e for bar in self.bars for e in bar if not e.rest]
        self.lo = min(e.index for e in played)
        self.hi = max(e.index for e in played)
        self.velocity = sum(e.velocity for e in played) / len(played)
        iois = sorted(e.ioi for e in played)
        self.typical_ioi = iois[len(iois) // 2]

    def _learn(self, sequence: list[Symbol]) -> None:
        history = [START, *sequence]
        for i in range(1, len(history)):
            symbol = history[i]
            for k in range(1, self.order + 1):
                if i - k < 0:
                    break
                context = tuple(history[i - k : i])
                self.full.setdefault(context, Counter())[symbol] += 1
                key = tuple(_reduce(s) for s in context)
                self.reduced.setdefault(key, Counter())[_reduce(symbol)] += 1
        self.reduced.setdefault((), Counter()).update(_reduce(s) for s in sequence)
        body = [_reduce(s) for s in sequence]
        n = self.max_copy + 1
        self.copies.update(tuple(body[i : i + n]) for i in range(len(body) - n + 1))

    # -- sampling ---------------------------------------------------------------------------
    def choose(
        self,
        history: list[Symbol],
        pos: int,
        index: int,
        lo: int,
        hi: int,
        cadence: bool,
        pull: float,
        rng: random.Random,
    ) -> Symbol:
        """The next symbol at ``pos`` after ``history`` (the last note at ``index``): from the
        longest seen context whose continuations pass the constraints, positions first."""
        remaining = self.bar_steps - pos
        tail = [_reduce(s) for s in history[-self.max_copy :]]

        def allowed(step: int, ioi: int, rest: bool) -> bool:
            if ioi > remaining or not self.can_finish[remaining - ioi]:
                return False
            target = index if rest else index + step
            if (
                not rest
                and not lo <= target <= hi
                and abs(target - (lo + hi) / 2) >= abs(index - (lo + hi) / 2)
            ):
                return False  # out of range, and not moving back toward it
            if cadence and ioi == remaining and target % self.size not in STABLE:
                return False
            return len(tail) < self.max_copy or (*tail, (step, ioi, rest)) not in self.copies

        for k in range(min(self.order, len(history)), 0, -1):
            counts = self.full.get(tuple(history[-k:]))
            if counts:
                options = [(s, c) for s, c in counts.items() if s[3] == pos and allowed(*s[:3])]
                if options:
                    picked = self._pick(options, pull, rng)
                    return picked
        reduced = [_reduce(s) for s in history]
        for k in range(min(self.order, len(reduced)), -1, -1):
            counts_r = self.reduced.get(tuple(reduced[len(reduced) - k :]))
            if counts_r:
                options_r = [(s, c) for s, c in counts_r.items() if allowed(*s)]
                if options_r:
                    step, ioi, rest = self._pick(options_r, pull, rng)
                    return (step, ioi, rest, pos)
        return self._fallback(index, pos, lo, hi, cadence, allowed)

    def _pick(self, options: list[tuple[_S, int]], pull: float, rng: random.Random) -> _S:
        """One option, by count times the rhythm preference ``pull`` (-1 long .. 1 short)."""
        weights = [c * (self.typical_ioi / s[1]) ** (pull * RHYTHM_PULL) for s, c in options]
        cumulative = list(accumulate(weights))
        return options[bisect(cumulative, rng.random() * cumulative[-1])][0]

    def _fallback(
        self, index: int, pos: int, lo: int, hi: int, cadence: bool, allowed: _Allowed
    ) -> Symbol:
        """When no seen continuation fits: the longest duration that keeps the bar fillable,
        on the nearest step that passes (toward a stable degree at a cadence)."""
        remaining = self.bar_steps - pos
        durations = [d for d in range(remaining, 0, -1) if self.can_finish[remaining - d]]
        centre = (lo + hi) / 2
        for ioi in durations:
            steps = sorted(
                range(-4, 5), key=lambda s: (abs(index + s - centre) > (hi - lo) / 2, abs(s), s)
            )
            for step in steps:
                if allowed(step, ioi, False):
                    return (step, ioi, False, pos)
            if allowed(0, ioi, True):
                return (0, ioi, True, pos)
        return (0, remaining, True, pos)  # can_finish[0] is always true: unreachable in practice

    def repitch(
        self,
        history: list[Symbol],
        event: Event,
        index: int,
        lo: int,
        hi: int,
        rng: random.Random,
    ) -> int | None:
        """A new step for a stated note (its rhythm kept): what the model plays after this
        context with the same duration, inside the range; None when it knows nothing else."""
        reduced = [_reduce(s) for s in history]
        for k in range(min(self.order, len(reduced)), -1, -1):
            counts = self.reduced.get(tuple(reduced[len(reduced) - k :]))
            if not counts:
                continue
            options = [
                (s, c)
                for s, c in counts.items()
                if s[1] == event.ioi
                and not s[2]
                and lo <= index + s[0] <= hi
                and index + s[0] != event.index
            ]
            if options:
                return self._pick(options, 0.0, rng)[0]
        return None


_S = TypeVar("_S", Reduced, Symbol)
_Allowed = Callable[[int, int, bool], bool]


def _reduce(symbol: Symbol) -> Reduced:
    return symbol[0], symbol[1], symbol[2]


def events_of(motif: Motif) -> list[list[Event]]:
    """The motif's melody cut into bars of events: every bar filled exactly, a rest wherever
    no note sounds for at least a beat (a breath), a note's event ending at the bar line."""
    bar = motif.bar_steps
    notes = list(motif.notes)
    bars: list[list[Event]] = [[] for _ in range(motif.bars)]
    onsets = [n.onset for n in notes] + [motif.bars * bar]
    for i, note in enumerate(notes):
        b, pos = divmod(note.onset, bar)
        end = min(onsets[i + 1], (b + 1) * bar)
        ioi = end - note.onset
        sounding_for = min(note.length, ioi)
        if ioi - sounding_for >= motif.steps_per_beat:  # a breath: note, then a rest
            ioi = sounding_for
        bars[b].append(
            Event(pos, ioi, False, note.index, note.length, note.alteration, note.velocity)
        )
    out = []
    for events in bars:
        filled: list[Event] = []
        pos, last = 0, None
        for event in events:
            if event.pos > pos:
                filled.append(Event(pos, event.pos - pos, True, last.index if last else 0))
            filled.append(event)
            pos, last = event.pos + event.ioi, event
        if pos < bar:
            filled.append(Event(pos, bar - pos, True, last.index if last else 0))
        out.append(filled)
    return out


def symbols_of(events: list[Event]) -> list[Symbol]:
    """Events as model symbols: steps between notes (the first from the tonic)."""
    out, index = [], 0
    for e in events:
        out.append((0 if e.rest else e.index - index, e.ioi, e.rest, e.pos))
        if not e.rest:
            index = e.index
    return out


def finishable(durations: list[int], bar_steps: int) -> list[bool]:
    """``can_finish[r]``: whether ``r`` grid steps can be filled exactly with ``durations``."""
    can = [False] * (bar_steps + 1)
    can[0] = True
    for r in range(1, bar_steps + 1):
        can[r] = any(d <= r and can[r - d] for d in durations)
    return can
