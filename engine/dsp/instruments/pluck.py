"""Pluck: Karplus-Strong, a short excitation ringing in a tuned waveguide.

A waveguide gives a plucked string's natural decay for the cost of one delay line per voice
(shared notes, music.md §3). The excitation is a smooth pulse half a period wide plus a little
noise: a pure noise burst (the textbook recipe) made the same note vary by up to 8 dB from one
pluck to the next (measured: whether the random burst happens to carry energy at the string's
harmonics), while the pulse keeps every pluck within about 1 dB and the noise keeps them from
sounding identical. Velocity scales the excitation, and ``brightness`` low-passes it (velocity
opens it further), which is how hard the string is plucked. ``Waveguide`` aborts with
``minfreq=0`` (sweep notes), so it is built with minfreq 20 and note frequencies stay above it.
A 0..1 damping envelope rises over 5 ms, lets the note ring for its duration and then damps it
over ``release``; it stays near 1 when a ringing voice is re-plucked, so that cannot click.
"""

from __future__ import annotations

from typing import ClassVar

from engine.dsp import safety
from engine.dsp.instrument import PolyInstrument
from engine.dsp.params import ParamSpec
from engine.dsp.pyolib import pyo
from engine.dsp.voices import Envelopes, EnvelopeShape, mix

#: Excitation pulse: a raised-cosine bump, this fraction of the note's period wide, within limits.
PULSE_WIDTH = 0.5
PULSE_LIMITS = (0.0005, 0.012)
_PULSE_POINTS = [(0, 0.0), (4096, 1.0), (8191, 0.0)]
#: Level of the noise riding on the pulse, relative to the pulse.
NOISE = 0.3
#: Glide time when a voice's string changes length (seconds).
RETUNE = 0.002


class Pluck(PolyInstrument):
    """Karplus-Strong plucked string (8 voices)."""

    NAME: ClassVar[str] = "pluck"
    POLYPHONY: ClassVar[int] = 8
    LEVEL: ClassVar[float] = 0.8318
    PARAMS: ClassVar[dict[str, ParamSpec]] = {
        "decay": ParamSpec(1.5, 0.1, 8.0, "s", "ring time to -40 dB", 0.2),
        "brightness": ParamSpec(4000.0, 300.0, 12000.0, "Hz", "excitation low-pass", 0.1),
        "release": ParamSpec(
            0.08, 0.02, 2.0, "s", "damping after the note ends, from the next note", 0.0
        ),
    }

    def _shape(self) -> EnvelopeShape:
        return EnvelopeShape(0.005, 0.01, 1.0, self.value("release"))

    def _freq(self, pitch: float) -> float:
        return safety.waveguide_freq(safety.midi_to_hz(pitch), self.sr)

    def _build(self) -> pyo.PyoObject:
        v = self.voices
        self._damp = Envelopes(v, self._shape(), unit=True)
        self.own_all(self._damp.objects)
        table = self.own(pyo.CosTable(_PULSE_POINTS))
        self._width = [self.own(pyo.Sig(PULSE_LIMITS[1])) for _ in range(v.count)]
        # TrigEnv reads its duration on the trigger sample: setting it before the buffer is exact.
        pulse = self.own(pyo.TrigEnv(v.trig, table, dur=self._width, mul=v.vel))
        noise = self.own(pyo.Noise(mul=NOISE))
        bright = self.signal("brightness")
        cut = [safety.clip_filter_freq(bright * (g * 0.6 + 0.4), self.sr) for g in v.vel]
        excite = self.own(pyo.Tone(pulse + noise * pulse, freq=cut))
        # A re-plucked ringing string changes length at once; gliding over 2 ms keeps that jump
        # in the delay line from clicking (measured with tests/dsp's click counter).
        tuning = self.own(pyo.Port(v.freq, risetime=RETUNE, falltime=RETUNE, init=100.0))
        strings = self.own(
            pyo.Waveguide(
                excite, freq=tuning, dur=self.signal("decay"), minfreq=safety.WAVEGUIDE_MINFREQ
            )
        )
        # The waveguide only outputs its delay line, a period late; the direct excitation makes
        # the pluck start on its sample, like a real string heard at the pick.
        plucked = self.own(pyo.Sig(strings + excite, mul=self._damp.out))
        return self.own(pyo.ButHP(mix([plucked]), freq=30.0))

    def _prepare_voice(self, voice: int, freq: float) -> None:
        self._damp.shape(voice, self._shape())
        self._width[voice].setValue(safety.clamp(PULSE_WIDTH / freq, *PULSE_LIMITS))

    def _tail(self) -> float:
        return self.value("release")
