"""Humanisation: correlated timing drift, gentle velocity drift and metric accents.

Human timing errors are long-range correlated (1/f-like), and listeners prefer that to
independent jitter per note (Hennig et al. 2011, ``notes/music.md`` §4 pitfall 3). The drift
here is a sum of smooth value-noise curves one octave apart in time (a Voss-style 1/f
approximation), read at the note's absolute beat: it is a pure function of the seed and the
position, so the result does not depend on which bars were rendered before. Notes sounding
together (a chord) drift together.
"""

from __future__ import annotations

import math
from dataclasses import replace

from engine.events import Note
from engine.music.rhythm import FINER, metric_weight

OCTAVES = 6
"""Noise layers with lattice spacings of 1, 2, 4 ... 32 beats: drift from a beat to 8 bars."""
_NORM = 1.0 / (0.49 * math.sqrt(OCTAVES))
"""Scales the layer sum to unit standard deviation (measured value-noise spread)."""
_MASK = (1 << 64) - 1
_TIMING, _VELOCITY = 1, 2


def _unit(seed: int, stream: int, layer: int, index: int) -> float:
    """A hashed lattice value in [-1, 1) (splitmix64 finaliser): cheap and seed-stable."""
    x = seed * 0x9E3779B97F4A7C15 + stream * 0xD1B54A32D192ED03 + layer * 0x8CB92BA72F3D8DD7
    x = (x + (index & _MASK)) & _MASK
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & _MASK
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & _MASK
    x ^= x >> 31
    return x / 2.0**63 - 1.0


def _lattice(
    memo: dict[tuple[int, int], float], seed: int, stream: int, layer: int, i: int
) -> float:
    """:func:`_unit`, remembered in ``memo`` (one seed and stream)."""
    value = memo.get((layer, i))
    if value is None:
        value = memo[layer, i] = _unit(seed, stream, layer, i)
    return value


def correlated_noise(
    seed: int, stream: int, t: float, memo: dict[tuple[int, int], float] | None = None
) -> float:
    """1/f-like noise at time ``t`` (beats), unit standard deviation, smooth in ``t``.

    ``memo`` (optional, for one seed and stream) keeps lattice values between calls: the notes
    of a bar share most of them, and hashing them was most of a bar's humanisation cost.
    """
    total = 0.0
    for layer in range(OCTAVES):
        pos = t / (1 << layer)
        i = math.floor(pos)
        frac = pos - i
        ease = frac * frac * (3.0 - 2.0 * frac)
        if memo is None:
            a, b = _unit(seed, stream, layer, i), _unit(seed, stream, layer, i + 1)
        else:
            a, b = (
                _lattice(memo, seed, stream, layer, i),
                _lattice(memo, seed, stream, layer, i + 1),
            )
        total += a + (b - a) * ease
    return total * _NORM


class Humanizer:
    """Makes generated notes sound played rather than sequenced.

    ``timing`` is the standard deviation of the onset drift in beats (keep drums tighter than
    pads); ``velocity`` the standard deviation of the slow velocity drift (0..1 scale);
    ``accent`` how much metre shapes velocity (downbeat > mid-bar > beats > off-beats),
    on top of whatever accents the generator already applied.
    """

    def __init__(
        self, seed: int, timing: float = 0.01, velocity: float = 0.04, accent: float = 0.1
    ) -> None:
        self.seed = seed
        self.timing = max(0.0, timing)
        self.velocity = max(0.0, velocity)
        self.accent = max(0.0, accent)

    def offset(self, bar: int, beat: float, beats_per_bar: int) -> float:
        """Onset drift in beats at a position (exposed for tests and for other layers to share)."""
        t = bar * beats_per_bar + beat
        return self.timing * correlated_noise(self.seed, _TIMING, t)

    def apply(
        self, notes: list[Note], bar: int, steps_per_beat: int, beats_per_bar: int
    ) -> list[Note]:
        """Humanised copies of ``notes`` (a bar's worth), sorted by onset; deterministic.

        Onsets stay inside ``[0, beats_per_bar)``; lengths and pitches are unchanged.
        """
        latest = math.nextafter(float(beats_per_bar), 0.0)
        out = []
        timing: dict[tuple[int, int], float] = {}
        velocity_memo: dict[tuple[int, int], float] = {}
        for note in notes:
            t = bar * beats_per_bar + note.beat
            beat = note.beat + self.timing * correlated_noise(self.seed, _TIMING, t, timing)
            weight = _weight(note.beat, steps_per_beat, beats_per_bar)
            gain = 1.0 + self.accent * (weight - 0.5)
            drift = self.velocity * correlated_noise(self.seed, _VELOCITY, t, velocity_memo)
            velocity = min(1.0, max(0.0, note.velocity * gain + drift))
            out.append(replace(note, beat=min(max(beat, 0.0), latest), velocity=velocity))
        out.sort(key=lambda n: (n.beat, n.pitch, n.voice))
        return out


def _weight(beat: float, steps_per_beat: int, beats_per_bar: int) -> float:
    """Metric weight of an onset; notes off the grid count as the finest subdivision."""
    step = round(beat * steps_per_beat)
    if abs(beat * steps_per_beat - step) > 1e-6:
        return FINER
    return metric_weight(step, steps_per_beat, beats_per_bar)
