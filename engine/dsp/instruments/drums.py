"""Drums: one kit instrument with kick, snare, closed and open hat, and shaker.

Each kit voice has its own sample-accurate trigger path (a one-voice
:class:`~engine.dsp.voices.VoiceBank`), so a kick and a hat on the same sample both land exactly.
``event.voice`` picks the drum; pitch is ignored and so is duration: a drum's length is its
decay. Recipes follow the shared notes (music.md §3):

* kick: sine swept from 3x its pitch (150 Hz at the default 50 Hz) down in ~70 ms, 0.25-0.5 s
  decay, plus a short band-passed noise tick for definition on small speakers;
* snare: a ~190 Hz tone (short) plus high-passed noise (longer);
* hats: six inharmonic square waves (the 808 recipe) and noise, high-passed at 7-10 kHz; a closed
  hat chokes a ringing open hat, as on a real kit;
* shaker: band-passed noise with a softer attack.

Every hit is a :class:`~engine.dsp.voices.Strikes` envelope: it rises over ~5 ms (so it cannot
click) and decays exponentially, like a real drum, with no jump when a ringing drum is hit again.
The kit bus is soft-clipped (:data:`KNEE`) for headroom.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from engine.dsp import safety
from engine.dsp.instrument import Instrument
from engine.dsp.params import ParamSpec
from engine.dsp.pyolib import pyo
from engine.dsp.voices import Strikes, VoiceBank
from engine.samples.model import SampleSet

#: Kit voice names, as generators write them in ``Note.voice``.
KIT = ("kick", "snare", "hat", "openhat", "shaker")
#: Square-wave frequencies of the 808 hat's metallic source (Hz).
_METAL = (205.3, 304.4, 369.6, 522.7, 540.0, 800.0)
#: How fast a closed hat chokes the open hat (-40 dB time, seconds).
CHOKE = 0.03
#: Soft-clip knee of the kit bus. Drums have a 20 dB peak-to-loudness ratio raw (measured on the
#: calibration pattern: peak 1.5 at -16.5 LUFS); ``KNEE * tanh(x / KNEE)`` rounds off the
#: coinciding kick+snare peaks, the "glue" of a saturated drum bus, so that -20 LUFS sits
#: well below 0 dBFS.
KNEE = 0.6


class Drums(Instrument):
    """Synthesized drum kit; ``event.voice`` selects kick, snare, hat, openhat or shaker."""

    NAME: ClassVar[str] = "drums"
    POLYPHONY: ClassVar[int] = len(KIT)
    LEVEL: ClassVar[float] = 0.9482
    PARAMS: ClassVar[dict[str, ParamSpec]] = {
        "kick_decay": ParamSpec(0.45, 0.1, 1.5, "s", "kick length (-40 dB)", 0.0),
        "kick_pitch": ParamSpec(50.0, 35.0, 90.0, "Hz", "kick pitch at the end of its sweep", 0.05),
        "snare_decay": ParamSpec(0.22, 0.05, 0.6, "s", "snare noise length (-40 dB)", 0.0),
        "snare_tone": ParamSpec(190.0, 120.0, 320.0, "Hz", "snare body pitch", 0.05),
        "hat_decay": ParamSpec(0.06, 0.02, 0.12, "s", "closed hat length (-40 dB)", 0.0),
        "openhat_decay": ParamSpec(0.5, 0.2, 1.2, "s", "open hat length (-40 dB)", 0.0),
        "shaker_decay": ParamSpec(0.1, 0.03, 0.3, "s", "shaker length (-40 dB)", 0.0),
        "brightness": ParamSpec(8000.0, 4000.0, 14000.0, "Hz", "hat/shaker high-pass", 0.1),
    }

    def _decays(self) -> dict[str, float]:
        """The -40 dB time of every strike envelope, by envelope name."""
        snare = self.value("snare_decay")
        return {
            "kick": self.value("kick_decay"),
            "kick_click": 0.015,
            "snare": snare,
            "snare_tone": snare * 0.6,
            "hat": self.value("hat_decay"),
            "openhat": self.value("openhat_decay"),
            "shaker": self.value("shaker_decay"),
        }

    def _strike(
        self, voice: str, name: str, *, hold: float = 0.005, rise: float = 0.0015
    ) -> pyo.PyoObject:
        env = Strikes(self._banks[voice], self._decays()[name], hold=hold, rise=rise)
        self.own_all(env.objects)
        self._strikes[name] = env
        return env.out[0]

    def _build(self) -> pyo.PyoObject:
        self._banks = {name: VoiceBank(1, sr=self.sr, buffersize=self.buffersize) for name in KIT}
        self._strikes: dict[str, Strikes] = {}
        for bank in self._banks.values():
            self.own_all(bank.objects)
        noise = self.own(pyo.Noise())
        parts = [self._kick(noise), self._snare(noise), *self._hats(noise), self._shaker(noise)]
        kit = self.own(pyo.Mix(parts, voices=1))
        return self.own(safety.soft_clip(kit, KNEE))

    def __init__(
        self,
        *,
        sr: int,
        buffersize: int,
        params: Mapping[str, float] | None = None,
        samples: SampleSet | None = None,
    ) -> None:
        super().__init__(sr=sr, buffersize=buffersize, params=params, samples=samples)
        banks = [self._banks[name] for name in KIT]
        self._init_sleep([bank.per_voice()[0] for bank in banks], banks)

    def _now(self) -> float:
        return self._banks["kick"].next_buffer_start()

    def _kick(self, noise: pyo.PyoObject) -> pyo.PyoObject:
        trig = self._banks["kick"].trig[0]
        sweep = self.own(pyo.TrigExpseg(trig, [(0.0, 1.0), (0.07, 0.0)], exp=3.0))
        body = self.own(pyo.Sine(freq=self.signal("kick_pitch") * (sweep * 2.0 + 1.0)))
        tick = self.own(pyo.ButBP(noise, freq=3000.0, q=1.0))
        amp, click = self._strike("kick", "kick"), self._strike("kick", "kick_click")
        return self.own(pyo.Sig(body * amp + tick * click * 0.5))

    def _snare(self, noise: pyo.PyoObject) -> pyo.PyoObject:
        tone = self.own(pyo.Sine(freq=self.signal("snare_tone")))
        hiss = self.own(pyo.ButBP(pyo.ButHP(noise, freq=1500.0), freq=4000.0, q=0.7))
        body, rattle = self._strike("snare", "snare_tone"), self._strike("snare", "snare")
        return self.own(pyo.Sig(tone * body * 0.7 + hiss * rattle * 1.4))

    def _hats(self, noise: pyo.PyoObject) -> list[pyo.PyoObject]:
        metal = self.own(pyo.LFO(freq=[f * 1.7 for f in _METAL], sharp=1.0, type=2, mul=0.15))
        ring = self.own(pyo.ButBP(pyo.Mix(metal, voices=1), freq=10000.0, q=1.0))
        bright = self.own(safety.clip_filter_freq(self.signal("brightness"), self.sr))
        source = self.own(pyo.ButHP(ring + noise * 0.5, freq=bright))
        closed, opened = self._strike("hat", "hat"), self._strike("openhat", "openhat")
        return [self.own(pyo.Sig(source * closed * 0.6)), self.own(pyo.Sig(source * opened * 0.5))]

    def _shaker(self, noise: pyo.PyoObject) -> pyo.PyoObject:
        bright = self.own(safety.clip_filter_freq(self.signal("brightness") * 0.7, self.sr))
        grains = self.own(pyo.ButBP(noise, freq=bright, q=1.5))
        shake = self._strike("shaker", "shaker", hold=0.012, rise=0.004)
        return self.own(pyo.Sig(grains * shake * 0.5))

    def _changed(self, name: str, value: float) -> None:
        decays = self._decays()
        for env_name, env in self._strikes.items():
            if name.startswith(env_name.split("_")[0]):
                env.decay(0, decays[env_name])

    def _note_on(self, offset: int, pitch: float, gain: float, dur: float, voice: str) -> None:
        bank = self._banks.get(voice)
        if bank is None:
            self.dropped += 1
            return
        if voice == "openhat":
            self._strikes["openhat"].decay(0, self.value("openhat_decay"))
        elif voice == "hat":
            # Choke a ringing open hat. Applied from the top of this buffer, so up to one buffer
            # (5 ms) before the closed hat sounds; a pyo time constant cannot switch mid-buffer.
            self._strikes["openhat"].decay(0, CHOKE)
        tail = self._decays()[voice]
        if self._sleep is not None:
            self._sleep.wake(KIT.index(voice), self._now(), 0.005, tail)
        bank.start(0, offset=offset, freq=0.0, gain=gain, dur=0.005, tail=tail)
