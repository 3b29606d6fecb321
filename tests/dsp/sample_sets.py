"""Sample sets built from numpy for the sampler's tests: tones of known pitch, loops, layers.

Every set is at the test sample rate and deterministic. ``TYPICAL_SET`` is what the generic
instrument tests (render_helper) give the sampler: a piano-like decaying harmonic tone sampled
every octave, so the sampler's typical use resembles a real preset's.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np

from engine.samples.model import SampleSet, VolumeEnvelope, Zone

#: The sets' sample rate: the tests' (render_helper.SR; not imported, so that render_helper can
#: import this module as a sibling in the crash sweep's worker).
SR = 48000


def hz(pitch: float) -> float:
    return 440.0 * 2.0 ** ((pitch - 69.0) / 12.0)


def pitch_of(freq: float) -> float:
    return 69.0 + 12.0 * math.log2(freq / 440.0)


def sine(freq: float, seconds: float, amp: float = 0.5) -> np.ndarray:
    return amp * np.sin(2 * np.pi * freq * np.arange(round(seconds * SR)) / SR)


#: Peak of the hammer knock that opens each struck tone (the tone's own peak is 0.8). Real piano
#: samples peak far above their body; so does this, so that after the sampler's per-set peak
#: normalisation the set sounds about as loud as FluidR3's piano (within 0.5 LU).
KNOCK = 3.25


def struck(freq: float, seconds: float = 3.0, decay: float = 1.2) -> np.ndarray:
    """A struck harmonic tone: a 1 ms knock, then 6 partials, upper ones decaying faster."""
    t = np.arange(round(seconds * SR)) / SR
    tone = sum(
        np.sin(2 * np.pi * freq * k * t) * np.exp(-t * k / decay) / k**1.3 for k in range(1, 7)
    )
    attack = np.minimum(t / 0.002, 1.0)
    knock = np.where(
        t < 0.001, KNOCK * np.sin(2 * np.pi * 2000.0 * t) * np.sin(np.pi * t / 0.001), 0
    )
    return 0.8 * attack * tone / np.max(np.abs(tone)) + knock


@cache
def typical_set() -> SampleSet:
    """Struck tones rooted at C2..C6, each answering the six keys below and above its root."""
    roots = [36, 48, 60, 72, 84]
    zones = tuple(
        Zone(i, (root - 6, root + 5), (1, 127), float(root), envelope=VolumeEnvelope(release=0.3))
        for i, root in enumerate(roots)
    )
    return SampleSet("struck", SR, tuple(struck(hz(r)) for r in roots), zones)


#: A sine whose period is exactly 100 samples: loops on multiples of it are seamless.
LOOP_HZ = SR / 100.0
LOOP_ROOT = pitch_of(LOOP_HZ)


def looped_set(
    mode: str = "loop", release: float = 0.1, envelope: VolumeEnvelope | None = None
) -> SampleSet:
    """A 0.5 s sine at LOOP_HZ looped over its last 0.2 s (``mode`` "loop" or "release"), with
    ``envelope`` or one that only releases in ``release``."""
    data = sine(LOOP_HZ, 0.5)
    zone = Zone(
        0,
        (0, 127),
        (1, 127),
        LOOP_ROOT,
        loop=(15000, 24000),
        loop_mode=mode,
        envelope=envelope or VolumeEnvelope(release=release),
    )
    return SampleSet("looped", SR, (data,), (zone,))


def attack_then_loop_set(before: float) -> SampleSet:
    """A 0.3 s 300 Hz attack, then a looped 0.2 s sine at LOOP_HZ, stored after ``before``
    seconds of another sample: the loop start lies far into the table, where the read
    position's arithmetic rounds (the attack must play as recorded, not a loop ahead)."""
    attack, loop = sine(300.0, 0.3), sine(LOOP_HZ, 0.2)
    data = np.concatenate([attack, loop])
    zones = (
        Zone(0, (0, 59), (1, 127), 60.0),
        Zone(
            1,
            (60, 127),
            (1, 127),
            LOOP_ROOT,
            loop=(len(attack), len(data)),
            loop_mode="loop",
            envelope=VolumeEnvelope(release=0.05),
        ),
    )
    return SampleSet("attack+loop", SR, (sine(100.0, before), data), zones)


def one_shot_set(seconds: float = 0.3, freq: float = LOOP_HZ) -> SampleSet:
    """A sine of ``seconds`` that plays once, at its own pitch for key round(pitch_of(freq))."""
    zone = Zone(0, (0, 127), (1, 127), pitch_of(freq), envelope=VolumeEnvelope(release=0.05))
    return SampleSet("once", SR, (sine(freq, seconds),), (zone,))


def layered_set() -> SampleSet:
    """Velocity layers (key 60 sounds 300 Hz up to velocity 80, 600 Hz above) and, on key 72,
    two round-robin takes (900 and 1200 Hz): the zone that played shows in the frequency."""
    buffers = tuple(sine(f, 1.0) for f in (300.0, 600.0, 900.0, 1200.0))
    soft = Zone(0, (0, 71), (1, 80), 60.0)
    hard = Zone(1, (0, 71), (81, 127), 60.0)
    first = Zone(2, (72, 72), (1, 127), 72.0)
    second = Zone(3, (72, 72), (1, 127), 72.0)
    return SampleSet("layers", SR, buffers, (soft, hard, first, second))


def empty_set() -> SampleSet:
    return SampleSet("empty", SR, (), ())


def sweep_set() -> SampleSet:
    """Everything the sampler reads at once, for the crash sweep: struck one-shots, a loop, a
    release-mode loop, velocity layers, round robin, a tiny buffer and a malformed loop."""
    typical, looped, layered = typical_set(), looped_set(), layered_set()
    buffers = (*typical.samples, *looped.samples, *layered.samples, np.ones(3))
    n, m = len(typical.samples), len(typical.samples) + 1
    zones = (
        *typical.zones,
        Zone(n, (0, 127), (1, 60), LOOP_ROOT, loop=(15000, 24000), loop_mode="loop"),
        Zone(n, (0, 127), (1, 60), LOOP_ROOT, loop=(15000, 24000), loop_mode="release"),
        *(Zone(z.sample + m, z.keys, (61, 127), z.root) for z in layered.zones),
        Zone(m + 4, (100, 127), (1, 127), 110.0, loop=(2, 1), loop_mode="loop"),
    )
    return SampleSet("sweep", SR, buffers, zones)
