"""Keys: an electric-piano tone from two-operator FM with a 1:1 ratio.

An integer carrier:modulator ratio keeps the spectrum harmonic, and an index of 1-3 that decays
faster than the amplitude gives the bright-attack, mellow-tail of a tine piano (shared notes,
music.md §3, after Chowning). Both decays are exponential, like a struck tine; a 0..1 damping
envelope ends the note after its duration. Velocity raises both level and index, and the index
is capped per note so high notes do not alias.

It is written as phase modulation, ``sin(θ + I·sin θ)`` from one ``Phasor`` per voice, rather
than with pyo's ``FM``: at ratio 1, FM puts a sideband at carrier − modulator = 0 Hz, a DC offset
of J1(index) (about half the level) that follows the strike; high-passing it turned every strike
into a low thump and the measured peak into 0.77 at -20 LUFS. PM from a shared phase is an odd
function of θ, so it has no DC at all. ``Sin`` computes the sine directly: no table to index.
"""

from __future__ import annotations

import math
from typing import ClassVar

from engine.dsp import safety
from engine.dsp.instrument import PolyInstrument
from engine.dsp.params import ParamSpec
from engine.dsp.pyolib import pyo
from engine.dsp.voices import Envelopes, EnvelopeShape, Strikes, mix

#: Carrier:modulator ratio; 1 gives the classic tine tone.
RATIO = 1.0
TWO_PI = 2.0 * math.pi
#: The index decays this much faster than the amplitude.
INDEX_DECAY = 0.35
#: The index cap before a voice's first note (any value: its level is 0 until then).
INDEX_CAP = 50.0


class Keys(PolyInstrument):
    """FM electric piano (8 voices)."""

    NAME: ClassVar[str] = "keys"
    POLYPHONY: ClassVar[int] = 8
    LEVEL: ClassVar[float] = 0.3204
    PARAMS: ClassVar[dict[str, ParamSpec]] = {
        "index": ParamSpec(2.0, 0.5, 4.0, "", "FM index at full velocity (brightness)", 0.2),
        "decay": ParamSpec(4.0, 0.3, 10.0, "s", "time to fade by 40 dB while held", 0.0),
        "release": ParamSpec(0.35, 0.05, 3.0, "s", "release time, from the next note", 0.0),
        "cutoff": ParamSpec(6000.0, 500.0, 12000.0, "Hz", "output low-pass", 0.2),
    }

    def _shape(self) -> EnvelopeShape:
        return EnvelopeShape(0.005, 0.01, 1.0, self.value("release"))

    def _build(self) -> pyo.PyoObject:
        v = self.voices
        decay = self.value("decay")
        self._amp = Strikes(v, decay)
        self._idx = Strikes(v, decay * INDEX_DECAY)
        self._damp = Envelopes(v, self._shape(), unit=True)
        self.own_all([*self._amp.objects, *self._idx.objects, *self._damp.objects])
        index = self.signal("index")
        # The index's cap depends on the note alone: set per note (_prepare_voice), a float in
        # each voice's Min, instead of five streams a voice working it out at audio rate.
        self._indices = self.own(
            pyo.Min([index * (e * 1.2 + 0.2) for e in self._idx.out], comp=INDEX_CAP)
        )
        levels = [a * d for a, d in zip(self._amp.out, self._damp.out, strict=True)]
        theta = self.own(pyo.Phasor(freq=v.freq, mul=TWO_PI))
        phase = theta if RATIO == 1.0 else theta * RATIO  # x * 1.0 is x: no stream for it
        modulator = self.own(pyo.Sin(phase, mul=self._indices))
        tines = self.own(pyo.Sin(theta + modulator, mul=levels))
        cutoff = self.own(safety.clip_filter_freq(self.signal("cutoff"), self.sr))
        return self.own(pyo.ButLP(mix([tines]), freq=cutoff))

    def _prepare_voice(self, voice: int, freq: float) -> None:
        self._damp.shape(voice, self._shape())
        cap = safety.fm_index_cap(freq, RATIO, self.sr)
        self._indices._base_objs[voice].setComp(cap)  # the C setter (streams.c_object)

    def _changed(self, name: str, value: float) -> None:
        if name == "decay":  # time constants: safe to change on ringing voices
            for voice in range(self.POLYPHONY):
                self._amp.decay(voice, value)
                self._idx.decay(voice, value * INDEX_DECAY)

    def _tail(self) -> float:
        return self.value("release")
