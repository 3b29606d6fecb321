"""Drone: root and fifth, each doubled a fraction of a hertz apart, breathing under a low-pass.

Two oscillators a few tenths of a hertz apart beat slowly, which makes a static chord feel alive
without any notes changing (shared notes, music.md §3). Slow random movement of amplitude and
cutoff (``Randi``) adds the drift of a real drone. Soft triangles rather than sines give it
enough harmonics to be heard on small speakers: pyo's ``LFO`` triangle at sharpness
:data:`SHARP`, read from a table (:mod:`engine.dsp.wavetable`: the same wave for a seventh of
the cost; exact up to 1.3 kHz, E6, where ``LFO`` itself would start to soften it). ``SineLoop``
with feedback is never used: it segfaults in float32 pyo (sweep notes).
"""

from __future__ import annotations

from typing import ClassVar

from engine.dsp import safety, wavetable
from engine.dsp.instrument import PolyInstrument
from engine.dsp.params import ParamSpec
from engine.dsp.pyolib import pyo
from engine.dsp.voices import Envelopes, EnvelopeShape, mix

#: The fifth's pair beats at this multiple of ``beat`` so the two pairs never line up.
FIFTH_BEAT = 1.37
#: Level of each pair's detuned partner. Equal partners beat to silence every 1/beat seconds
#: (meditation's calm drone swung by 17 dB, which heard as a swell, not a breath); at 0.5 the
#: pair breathes between 1.5 and 0.5 (about +-5 dB).
PARTNER = 0.5
#: Sharpness of the triangle (0: ``tan(sin)``, round; 1: straight, brighter).
SHARP = 0.25


class Drone(PolyInstrument):
    """Beating root+fifth drone (4 voices; each note sounds four oscillators)."""

    NAME: ClassVar[str] = "drone"
    POLYPHONY: ClassVar[int] = 4
    LEVEL: ClassVar[float] = 0.2791
    PARAMS: ClassVar[dict[str, ParamSpec]] = {
        "cutoff": ParamSpec(
            900.0, 100.0, 4000.0, "Hz", "low-pass cutoff, centre of the drift", 1.0
        ),
        "beat": ParamSpec(0.3, 0.05, 2.0, "Hz", "beating rate of each doubled pair", 1.0),
        "fifth": ParamSpec(0.5, 0.0, 1.0, "", "level of the fifth above the root", 0.5),
        "motion": ParamSpec(
            0.5, 0.0, 1.0, "", "depth of the slow random amplitude/cutoff drift", 1.0
        ),
        "attack": ParamSpec(4.0, 0.1, 12.0, "s", "attack time, from the next note", 0.0),
        "release": ParamSpec(6.0, 0.2, 15.0, "s", "release time, from the next note", 0.0),
    }

    def _shape(self) -> EnvelopeShape:
        return EnvelopeShape(self.value("attack"), 1.0, 1.0, self.value("release"))

    def _build(self) -> pyo.PyoObject:
        v = self.voices
        self._env = Envelopes(v, self._shape())
        self.own_all(self._env.objects)
        beat = self.signal("beat")
        motion = self.signal("motion")
        fifths = [f * 1.5 for f in v.freq]
        fifth_beat = beat * FIFTH_BEAT  # shared by the voices (a product each cost a stream)
        freqs = [
            *v.freq,
            *(f + beat for f in v.freq),
            *fifths,
            *(f + fifth_beat for f in fifths),
        ]
        n = v.count
        drift = self.own(pyo.Randi(min=0.0, max=1.0, freq=[0.07, 0.11]))
        root_amp = 1.0 - motion * drift[0] * 0.5
        fifth_amp = self.signal("fifth") * (1.0 - motion * drift[1] * 0.5)
        root_partner, fifth_partner = root_amp * PARTNER, fifth_amp * PARTNER
        gains = [*([root_amp] * n), *([root_partner] * n), *([fifth_amp] * n)]
        gains += [fifth_partner] * n
        envs = list(self._env.out) * 4
        wave = self.own(wavetable.lfo_triangle(SHARP))
        # Each oscillator's own mul carries its gain and envelope: no Sig after it to do that.
        levels = [g * e for g, e in zip(gains, envs, strict=True)]
        voiced = self.own(pyo.Osc(wave, freq=freqs, interp=2, mul=levels))
        wavetable.reseed_as_lfo(len(freqs))
        wander = self.own(pyo.Randi(min=-0.35, max=0.35, freq=0.05))
        cutoff = self.own(
            safety.clip_filter_freq(self.signal("cutoff") * (wander * motion + 1.0), self.sr)
        )
        return self.own(pyo.ButLP(mix([voiced]), freq=cutoff))

    def _prepare_voice(self, voice: int, freq: float) -> None:
        self._env.shape(voice, self._shape())

    def _tail(self) -> float:
        return self.value("release")
