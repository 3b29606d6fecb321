"""Wind: pink noise through wandering band-passes, with slow random gusts.

Wind is noise whose spectral centre wanders and whose level swells (shared notes, music.md §3):
a broad band (q 2.5) gives the rush, a narrow one an octave up the whistle; each centre drifts
with its own slow ``Randi`` so the two never move together. Stronger wind is louder and a little
higher; ``gust`` sets how deep the random swells go.
"""

from __future__ import annotations

from typing import ClassVar

from engine.dsp import safety
from engine.dsp.instrument import Texture
from engine.dsp.params import ParamSpec
from engine.dsp.pyolib import pyo


class Wind(Texture):
    """Continuous wind texture."""

    NAME: ClassVar[str] = "wind"
    LEVEL: ClassVar[float] = 1.834
    PARAMS: ClassVar[dict[str, ParamSpec]] = {
        "intensity": ParamSpec(0.5, 0.0, 1.0, "", "wind strength: level, pitch and gusts", 2.0),
        "cutoff": ParamSpec(700.0, 200.0, 3000.0, "Hz", "centre of the main band", 2.0),
        "gust": ParamSpec(0.5, 0.0, 1.0, "", "depth of the random swells", 2.0),
        "whistle": ParamSpec(0.3, 0.0, 1.0, "", "level of the narrow whistling band", 2.0),
    }

    def _build(self) -> pyo.PyoObject:
        intensity = self.signal("intensity")
        centre = self.signal("cutoff") * (intensity * 0.6 + 0.7)
        drift = self.own(pyo.Randi(min=[0.6, 0.7], max=[1.6, 1.4], freq=[0.13, 0.21]))
        noise = self.own(pyo.PinkNoise())
        rush_freq = self.own(safety.clip_filter_freq(centre * drift[0], self.sr))
        whistle_freq = self.own(safety.clip_filter_freq(centre * drift[1] * 2.3, self.sr))
        rush = self.own(pyo.ButBP(noise, freq=rush_freq, q=2.5))
        whistle = self.own(pyo.ButBP(noise, freq=whistle_freq, q=9.0, mul=self.signal("whistle")))
        swell = self.own(pyo.Randi(min=0.0, max=1.0, freq=0.25))
        gust = 1.0 - self.signal("gust") * swell * 0.8
        level = self.own(pyo.Pow(intensity, 1.5))
        return self.own(pyo.Sig(rush + whistle * 0.5, mul=gust * level))
