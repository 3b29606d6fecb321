"""Bass: a sine/triangle sub with a touch of saturation, plus a brass flavour for combat.

The sub is what a bass line needs under everything else (shared notes, music.md §3): a sine or
soft triangle, 5-10 ms attack, low-passed, mono. A little ``Tanh`` saturation adds harmonics so it
survives small speakers. ``brass`` (0..1) blends in a band-limited saw through a Moog low-pass
whose cutoff follows its own slower envelope: the filter "blooms" after each attack, the low,
brass-like bark of combat music. Velocity opens that filter further.
"""

from __future__ import annotations

import math
from typing import ClassVar

from engine.dsp import safety
from engine.dsp.instrument import PolyInstrument
from engine.dsp.params import ParamSpec
from engine.dsp.pyolib import pyo
from engine.dsp.voices import Envelopes, EnvelopeShape, mix


class Bass(PolyInstrument):
    """Sub bass with optional brass layer (4 voices, for overlapping releases)."""

    NAME: ClassVar[str] = "bass"
    POLYPHONY: ClassVar[int] = 4
    LEVEL: ClassVar[float] = 0.2018
    PARAMS: ClassVar[dict[str, ParamSpec]] = {
        "cutoff": ParamSpec(900.0, 60.0, 4000.0, "Hz", "output low-pass", 0.1),
        "tone": ParamSpec(0.35, 0.0, 1.0, "", "sub waveform: 0 sine, 1 triangle", 0.1),
        "drive": ParamSpec(0.3, 0.0, 1.0, "", "tanh saturation amount", 0.1),
        "brass": ParamSpec(0.0, 0.0, 1.0, "", "blend of the filtered-saw brass layer", 0.2),
        "attack": ParamSpec(0.008, 0.005, 0.1, "s", "attack time, from the next note", 0.0),
        "release": ParamSpec(0.12, 0.02, 2.0, "s", "release time, from the next note", 0.0),
    }

    def _amp_shape(self) -> EnvelopeShape:
        return EnvelopeShape(self.value("attack"), 0.3, 0.85, self.value("release"))

    def _filter_shape(self) -> EnvelopeShape:
        return EnvelopeShape(0.06, 0.35, 0.45, self.value("release"))

    def _build(self) -> pyo.PyoObject:
        v = self.voices
        self._amp = Envelopes(v, self._amp_shape())
        self._fenv = Envelopes(v, self._filter_shape())
        self.own_all([*self._amp.objects, *self._fenv.objects])
        brass = self.signal("brass")
        sine = self.own(pyo.Sine(freq=v.freq))
        tri = self.own(pyo.LFO(freq=v.freq, sharp=0.6, type=3))
        sub = self.own(pyo.Interp(sine, tri, interp=self.signal("tone")))
        # A falling saw: its fundamental is in phase with the sine (a rising one cancelled it,
        # measured -4 dB at brass 0.5).
        saw = self.own(pyo.LFO(freq=v.freq, sharp=0.85, type=1))
        bloom = [safety.clip_filter_freq(f * 4000.0 + 150.0, self.sr) for f in self._fenv.out]
        horn = self.own(pyo.MoogLP(safety.moog_input(saw), freq=bloom, res=0.25))
        layered = self.own(
            pyo.Sig(sub * (1.0 - brass * 0.5) + horn * brass * 1.2, mul=self._amp.out)
        )
        summed = self.own(mix([layered]))
        pre, post = _drive_gains(self.value("drive"))
        self._pre = self.own(pyo.SigTo(pre, time=0.1, init=pre))
        self._post = self.own(pyo.SigTo(post, time=0.1, init=post))
        sat = self.own(pyo.Tanh(summed * self._pre, mul=self._post))
        cutoff = self.own(safety.clip_filter_freq(self.signal("cutoff"), self.sr))
        return self.own(pyo.ButLP(sat, freq=cutoff))

    def _changed(self, name: str, value: float) -> None:
        if name == "drive":
            pre, post = _drive_gains(value)
            self._pre.setValue(pre)
            self._post.setValue(post)

    def _prepare_voice(self, voice: int, freq: float) -> None:
        self._amp.shape(voice, self._amp_shape())
        self._fenv.shape(voice, self._filter_shape())

    def _tail(self) -> float:
        return self.value("release")


def _drive_gains(drive: float) -> tuple[float, float]:
    """Gain into the tanh, and after it: the post-gain keeps full-scale peaks at full scale."""
    pre = 1.0 + 5.0 * drive
    return pre, 1.0 / math.tanh(pre)
