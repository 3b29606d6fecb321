"""Bell: Chowning's FM bell, ratio 1.4 with an index near 10 that decays with the amplitude.

The 5:7 carrier:modulator ratio (pyo ``ratio=1.4``) gives inharmonic partials; tying the index to
the amplitude envelope makes the strike bright and the long tail nearly pure, which is what reads
as a bell (Chowning 1973; shared notes, music.md §3). The strike decays exponentially over
``decay``; the note's duration only decides when a 0..1 damping envelope fades it over
``release``. The index is capped per note against aliasing.
"""

from __future__ import annotations

from typing import ClassVar

from engine.dsp import safety
from engine.dsp.instrument import PolyInstrument
from engine.dsp.params import ParamSpec
from engine.dsp.pyolib import pyo
from engine.dsp.voices import Envelopes, EnvelopeShape, Strikes, mix

#: Chowning's bell ratio (carrier:modulator = 5:7).
RATIO = 1.4


class Bell(PolyInstrument):
    """FM bell (8 voices)."""

    NAME: ClassVar[str] = "bell"
    POLYPHONY: ClassVar[int] = 8
    LEVEL: ClassVar[float] = 0.2478
    PARAMS: ClassVar[dict[str, ParamSpec]] = {
        "index": ParamSpec(10.0, 2.0, 14.0, "", "FM index at the strike", 0.2),
        "decay": ParamSpec(6.0, 0.5, 20.0, "s", "ring time to -40 dB", 0.0),
        "release": ParamSpec(
            4.0, 0.1, 10.0, "s", "damping after the note ends, from the next note", 0.0
        ),
        "cutoff": ParamSpec(9000.0, 1000.0, 16000.0, "Hz", "output low-pass", 0.2),
    }

    def _shape(self) -> EnvelopeShape:
        return EnvelopeShape(0.005, 0.01, 1.0, self.value("release"))

    def _build(self) -> pyo.PyoObject:
        v = self.voices
        self._strike = Strikes(v, self.value("decay"))
        self._damp = Envelopes(v, self._shape(), unit=True)
        self.own_all([*self._strike.objects, *self._damp.objects])
        index = self.signal("index")
        indices = [
            pyo.Min(index * e, safety.fm_index_ceiling(f, RATIO, self.sr))
            for e, f in zip(self._strike.out, v.freq, strict=True)
        ]
        levels = [a * d for a, d in zip(self._strike.out, self._damp.out, strict=True)]
        bells = self.own(pyo.FM(carrier=v.freq, ratio=RATIO, index=indices, mul=levels))
        cutoff = self.own(safety.clip_filter_freq(self.signal("cutoff"), self.sr))
        return self.own(pyo.ButLP(mix([bells]), freq=cutoff))

    def _prepare_voice(self, voice: int, freq: float) -> None:
        self._damp.shape(voice, self._shape())

    def _changed(self, name: str, value: float) -> None:
        if name == "decay":  # a time constant: safe to change on ringing voices
            for voice in range(self.POLYPHONY):
                self._strike.decay(voice, value)

    def _tail(self) -> float:
        return min(self.value("decay"), self.value("release"))
