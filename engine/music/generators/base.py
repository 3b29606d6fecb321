"""Shared machinery for generators: options, the seeded RNG, accents, gates and final checks.

Each generator subclasses :class:`BaseGenerator` and writes ``render``; the base class handles
the parts every layer must get right the same way (silence at zero density, lengths scaled by
the gate and never zero, onsets inside the bar, velocities in 0..1, sorted output), so those
rules are enforced in one place.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import ClassVar

from engine.events import Note
from engine.music import mutation
from engine.music.generators.context import BarContext
from engine.music.harmony import Chord, chord_on
from engine.music.motifs import Motif
from engine.music.options import Option, resolve
from engine.music.rhythm import metric_weights

SILENT_BELOW = 0.02
"""Effective density under which a layer plays nothing ("density 0 means no notes")."""
ACCENT_DEPTH = 0.4
"""Velocity swing across metric weights: the downbeat +20 %, the weakest steps about -14 %."""
MIN_LENGTH = 0.02
"""Shortest sounding length in beats (a note of length 0 would never sound)."""
MIN_GATE, MAX_GATE = 0.05, 1.0
MAX_PITCH = 127

Pattern = tuple[bool, ...]
Operator = Callable[[random.Random], bool]


class BaseGenerator:
    """A seeded, stateful generator; subclasses set KIND and OPTIONS and implement ``render``.

    ``options`` are resolved against OPTIONS (defaults filled, numbers clamped); ``motifs``
    are the score's motifs by name, for generators that learn from them. All
    randomness comes from ``self.rng`` (seeded here) or from RNGs derived from ``self.seed``.
    """

    KIND: ClassVar[str] = ""
    OPTIONS: ClassVar[dict[str, Option]] = {}
    #: Whether the ``motifs`` it learns from are drum motifs (else melodies), for the loader.
    LEARNS_DRUMS: ClassVar[bool] = False

    def __init__(
        self,
        options: Mapping[str, object] | None = None,
        seed: int = 0,
        motifs: Mapping[str, Motif] | None = None,
    ) -> None:
        self.options = resolve(self.OPTIONS, options or {})
        self.seed = seed
        self.motifs: Mapping[str, Motif] = motifs or {}
        self.rng = random.Random(seed)
        self.density_scale = 1.0
        self.setup()

    def setup(self) -> None:
        """Create per-generator state after options are known."""

    def render(self, ctx: BarContext, density: float) -> list[Note]:
        """The bar's notes before the shared clean-up; ``density`` already includes the scale."""
        raise NotImplementedError

    def operators(self) -> dict[str, Operator]:
        """Mutation operators this generator supports, by name (see engine.music.mutation)."""
        return {}

    def bar(self, ctx: BarContext) -> list[Note]:
        """Notes for one bar, sorted by beat (empty below :data:`SILENT_BELOW` density)."""
        density = min(1.0, max(0.0, ctx.density * self.density_scale))
        if density < SILENT_BELOW:
            return []
        return finish(self.render(ctx, density), ctx.beats_per_bar)

    def mutate(self, operator: str, rng: random.Random) -> bool:
        """Apply a named operator; False when it is unknown or cannot apply here."""
        if operator == "density":
            value = mutation.nudge_density(self.density_scale, rng)
            if value is None:
                return False
            self.density_scale = value
            return True
        handler = self.operators().get(operator)
        return handler(rng) if handler is not None else False

    def opt_int(self, name: str) -> int:
        """An int option (typed access to the resolved options)."""
        value = self.options[name]
        assert isinstance(value, int)
        return value

    def opt_float(self, name: str) -> float:
        """A float option."""
        value = self.options[name]
        assert isinstance(value, int | float)
        return float(value)

    def opt_str(self, name: str) -> str:
        """A str option."""
        value = self.options[name]
        assert isinstance(value, str)
        return value

    def opt_bool(self, name: str) -> bool:
        """A bool option."""
        return bool(self.options[name])

    def opt_strs(self, name: str) -> list[str]:
        """A list-of-str option."""
        value = self.options[name]
        assert isinstance(value, list)
        return [str(v) for v in value]

    def opt_ints(self, name: str) -> list[int]:
        """A list-of-int option."""
        value = self.options[name]
        assert isinstance(value, list)
        return [int(v) for v in value]


def pattern_operators(
    read: Callable[[], Pattern], write: Callable[[Pattern], None], per_beat: int
) -> dict[str, Operator]:
    """The "rotate", "thin" and "fill" operators for one stored one-bar pattern with
    ``per_beat`` steps per beat: each reads the pattern, edits it with the helper from
    :mod:`engine.music.mutation` (downbeat kept) and writes it back if it changed."""

    def run(edit: Callable[[Pattern, Sequence[float], random.Random], Pattern | None]) -> Operator:
        def operator(rng: random.Random) -> bool:
            pattern = read()
            weights = metric_weights(per_beat, max(1, len(pattern) // per_beat))
            changed = edit(pattern, weights, rng)
            if changed is not None:
                write(changed)
            return changed is not None

        return operator

    return {
        "rotate": run(lambda pattern, _, rng: mutation.rotate_pattern(pattern, rng)),
        "thin": run(mutation.thin_pattern),
        "fill": run(mutation.fill_pattern),
    }


def accent(ctx: BarContext, weight: float, scale: float = 1.0) -> float:
    """Velocity for a note of metric ``weight`` around ``ctx.velocity`` (metre is audible)."""
    return min(1.0, max(0.0, ctx.velocity * scale * (1.0 + ACCENT_DEPTH * (weight - 0.5))))


def sounding(nominal: float, ctx: BarContext) -> float:
    """Sounding length for a nominal length: scaled by the gate (articulation), never <= 0."""
    gate = min(MAX_GATE, max(MIN_GATE, ctx.gate))
    return max(MIN_LENGTH, nominal * gate)


def centre_pitch(ctx: BarContext, octave: int) -> int:
    """The layer's centre: the key's root in ``octave`` moved by ``ctx.register``, in scale."""
    return ctx.scale.snap(ctx.scale.degree_pitch(1, octave) + ctx.register)


def bar_chord(ctx: BarContext, tension: float = 0.0, size: int = 3) -> Chord:
    """This bar's chord rebuilt in ``ctx.scale`` (so every tone is in scale) with colour."""
    return chord_on(ctx.scale, ctx.chord.degree, size, tension)


def nearest_with_class(pc: int, target: float) -> int:
    """The MIDI pitch of pitch class ``pc`` nearest to ``target`` (ties go down)."""
    below = int(target) - (int(target) - pc) % 12
    return min((below, below + 12), key=lambda p: (abs(p - target), p))


def finish(notes: Sequence[Note], beats_per_bar: int) -> list[Note]:
    """Defensive clean-up: drop onsets outside the bar and exact duplicates (two voices of a
    layer landing on the same pitch at the same time), fold pitches into MIDI's 0..127 by
    octaves (the pitch class, so the scale, is kept), clamp velocity, floor length, sort."""
    out = []
    seen: set[tuple[float, int, str]] = set()
    for note in notes:
        if not 0 <= note.pitch <= MAX_PITCH:
            note = replace(note, pitch=_fold(note.pitch))
        key = (note.beat, note.pitch, note.voice)
        if not 0.0 <= note.beat < beats_per_bar or key in seen:
            continue
        seen.add(key)
        velocity = min(1.0, max(0.0, note.velocity))
        length = max(MIN_LENGTH, note.length)
        if velocity != note.velocity or length != note.length:
            note = replace(note, velocity=velocity, length=length)
        out.append(note)
    out.sort(key=lambda n: (n.beat, n.voice, n.pitch))
    return out


def _fold(pitch: int) -> int:
    """Move a pitch by whole octaves into 0..127."""
    while pitch > MAX_PITCH:
        pitch -= 12
    while pitch < 0:
        pitch += 12
    return pitch
