"""Ocean: brown and pink noise under a low-pass that swells with each wave.

One slow sine is the wave: it opens the low-pass from ~200 Hz towards ``cutoff`` and raises the
level together, so each wave rolls in bright and loud and draws back dark (shared notes, music.md
§3, after generative.fm's ocean layer). A slow ``Randi`` varies each wave's height so they do not
repeat exactly.
"""

from __future__ import annotations

from typing import ClassVar

from engine.dsp import safety
from engine.dsp.instrument import Texture
from engine.dsp.params import ParamSpec
from engine.dsp.pyolib import pyo

#: Cutoff of the trough between waves (Hz).
TROUGH_HZ = 200.0
#: Soft-clip knee: noise peaks sit ~12 dB over its loudness and each crest adds ~5 dB more
#: (measured peak 0.71 at -20 LUFS); rounding them is inaudible on noise and halves the peak.
KNEE = 0.2


class Ocean(Texture):
    """Continuous ocean-waves texture."""

    NAME: ClassVar[str] = "ocean"
    LEVEL: ClassVar[float] = 2.28
    PARAMS: ClassVar[dict[str, ParamSpec]] = {
        "intensity": ParamSpec(0.5, 0.0, 1.0, "", "sea strength: overall level", 2.0),
        "cutoff": ParamSpec(1800.0, 400.0, 5000.0, "Hz", "low-pass at a wave's crest", 2.0),
        "period": ParamSpec(9.0, 4.0, 20.0, "s", "time between waves", 2.0),
    }

    def _build(self) -> pyo.PyoObject:
        self._rate = self.own(
            pyo.SigTo(1.0 / self.value("period"), time=2.0, init=1.0 / self.value("period"))
        )
        wave = self.own(pyo.Sine(freq=self._rate, mul=0.5, add=0.5))
        height = self.own(pyo.Randi(min=0.6, max=1.0, freq=0.05))
        swell = self.own(pyo.Sig(wave * wave * height))
        brown = self.own(pyo.BrownNoise(mul=0.7))
        pink = self.own(pyo.PinkNoise(mul=0.3))
        # Brown noise is mostly inaudible sub-bass: it ate the headroom (peak 1.3 at -20 LUFS).
        noise = self.own(pyo.ButHP(brown + pink, freq=60.0))
        span = self.signal("cutoff") - TROUGH_HZ
        cut = self.own(safety.clip_filter_freq(span * swell + TROUGH_HZ, self.sr))
        surf = self.own(pyo.ButLP(noise, freq=cut))
        level = self.own(pyo.Pow(self.signal("intensity"), 1.5))
        waves = self.own(pyo.Sig(surf, mul=(swell * 0.6 + 0.4) * level))
        return self.own(safety.soft_clip(waves, KNEE))

    def _changed(self, name: str, value: float) -> None:
        if name == "period":
            self._rate.setValue(1.0 / value)
