"""Pad: detuned supersaw voices through a slowly swept Moog low-pass and a chorus.

The classic ambient bed (shared notes, music.md §3): seven detuned saws per voice give width
without stereo, the low-pass at 0.8-3 kHz keeps it behind the melody, and a 0.05-0.2 Hz cutoff
LFO keeps a held chord alive. Slow attack and release make chord changes crossfade instead of
stepping. SuperSaw is not band-limited, but at pad pitches its aliasing sits under the low-pass.

Detune defaults to 0.6 because below about 0.5 SuperSaw's innermost saws sit a fraction of a hertz
from the centre one and beat over seconds: a held chord through the low-pass swelled and sank by
8-9 dB (10th to 90th percentile of 3-second levels over 40 s; 11-12 dB extremes) at the old 0.35,
3.3 dB at 0.45, 1.0 dB at 0.6 (C4 and C3 chords alike). Meditation's calm part swelled by 10 LU
from this alone. Lower values still work and are a colour: slow beating.
"""

from __future__ import annotations

import math
from itertools import pairwise
from typing import ClassVar

from engine.dsp import safety
from engine.dsp.instrument import PolyInstrument
from engine.dsp.params import ParamSpec
from engine.dsp.pyolib import pyo
from engine.dsp.voices import Envelopes, EnvelopeShape, mix

#: Voice sum into the filter: a typical 3-note chord peaks near 0.3, 8 loud voices clip at 1.
INPUT_SCALE = 0.25
#: Measured loudness (LUFS, calibration scenario) against ``detune`` and ``chorus``. SuperSaw's
#: level swings by 9 dB over its detune range (its JP-8000 tables, not a smooth law), and the
#: chorus's comb filtering costs up to 4 dB; a trim gain undoes both so these stay timbre knobs.
DETUNE_LUFS = (
    (0.0, -21.16),
    (0.1, -21.17),
    (0.2, -21.8),
    (0.25, -22.97),
    (0.275, -23.23),
    (0.3, -22.67),
    (0.325, -21.17),
    (0.35, -20.0),
    (0.375, -19.55),
    (0.4, -18.72),
    (0.425, -17.59),
    (0.45, -16.06),
    (0.5, -15.54),
    (0.55, -14.68),
    (0.6, -13.99),
    (0.7, -14.3),
    (0.8, -14.36),
    (0.9, -14.55),
    (1.0, -14.48),
)
CHORUS_LUFS = ((0.0, -15.9), (0.25, -18.1), (0.5, -20.0), (0.75, -20.2), (1.0, -18.4))
#: The loudness at the defaults, which the trim restores.
REFERENCE_LUFS = -20.0


class Pad(PolyInstrument):
    """Polyphonic supersaw pad (8 voices)."""

    NAME: ClassVar[str] = "pad"
    POLYPHONY: ClassVar[int] = 8
    LEVEL: ClassVar[float] = 7.84
    PARAMS: ClassVar[dict[str, ParamSpec]] = {
        "cutoff": ParamSpec(
            1800.0, 200.0, 8000.0, "Hz", "low-pass cutoff, centre of the LFO sweep", 0.5
        ),
        "resonance": ParamSpec(
            0.2, 0.0, 0.9, "", "MoogLP resonance, kept below self-oscillation", 0.5
        ),
        "attack": ParamSpec(2.0, 0.05, 8.0, "s", "attack time, from the next note", 0.0),
        "release": ParamSpec(4.0, 0.1, 10.0, "s", "release time, from the next note", 0.0),
        "detune": ParamSpec(0.6, 0.0, 1.0, "", "supersaw detune depth (width)", 1.0),
        "lfo_rate": ParamSpec(0.1, 0.01, 1.0, "Hz", "cutoff LFO rate", 1.0),
        "lfo_depth": ParamSpec(0.3, 0.0, 0.8, "", "cutoff LFO swing, fraction of the cutoff", 1.0),
        "chorus": ParamSpec(0.5, 0.0, 1.0, "", "chorus wet/dry balance", 0.5),
    }

    def _shape(self) -> EnvelopeShape:
        return EnvelopeShape(self.value("attack"), 1.5, 0.8, self.value("release"))

    def _build(self) -> pyo.PyoObject:
        v = self.voices
        self._env = Envelopes(v, self._shape())
        self.own_all(self._env.objects)
        saws = self.own(
            pyo.SuperSaw(freq=v.freq, detune=self.signal("detune"), bal=0.7, mul=self._env.out)
        )
        # Each supersaw peaks near 1.2; scaled and clipped so MoogLP cannot diverge (safety.py).
        summed = self.own(safety.moog_input(mix([saws]) * INPUT_SCALE))
        lfo = self.own(pyo.Sine(freq=self.signal("lfo_rate"), mul=self.signal("lfo_depth")))
        cutoff = self.own(safety.clip_filter_freq(self.signal("cutoff") * (lfo + 1.0), self.sr))
        res = self.own(safety.clip_signal(self.signal("resonance"), *safety.MOOG_RES_RANGE))
        low = self.own(pyo.MoogLP(summed, freq=cutoff, res=res))
        trim = self._trim_gain()
        self._trim = self.own(pyo.SigTo(trim, time=1.0, init=trim))
        return self.own(
            pyo.Chorus(low, depth=1.0, feedback=0.25, bal=self.signal("chorus"), mul=self._trim)
        )

    def _trim_gain(self) -> float:
        excess = _interpolate(DETUNE_LUFS, self.value("detune")) - REFERENCE_LUFS
        excess += _interpolate(CHORUS_LUFS, self.value("chorus")) - REFERENCE_LUFS
        return math.pow(10.0, -excess / 20.0)

    def _changed(self, name: str, value: float) -> None:
        if name in ("detune", "chorus"):
            self._trim.setTime(max(self.PARAMS[name].ramp, 0.01))
            self._trim.setValue(self._trim_gain())

    def _prepare_voice(self, voice: int, freq: float) -> None:
        self._env.shape(voice, self._shape())

    def _tail(self) -> float:
        return self.value("release")


def _interpolate(points: tuple[tuple[float, float], ...], x: float) -> float:
    """Piecewise-linear lookup in ``(x, y)`` points sorted by x, held flat beyond the ends."""
    if x <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in pairwise(points):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return points[-1][1]
