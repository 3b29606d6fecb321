"""Rain: a high-passed noise bed plus random drops, denser as intensity rises.

The bed is the hiss of many distant drops; the near ones are very short noise bursts ringing in
a resonator at a random pitch (shared notes, music.md §3). ``Cloud`` fires them at a random
density that follows ``intensity``; four overlapping drop streams keep heavy rain from choking.
A drop is a deliberate transient: it rises over 2 ms (not the 5 ms used for notes) because a
softer drop stops sounding like rain, and the resonator rounds it off.
"""

from __future__ import annotations

from typing import ClassVar

from engine.dsp import safety
from engine.dsp.instrument import Texture
from engine.dsp.params import ParamSpec
from engine.dsp.pyolib import pyo

#: Drop envelope: 2 ms rise, 10 ms fall, read over :data:`DROP_DUR`.
DROP_DUR = 0.012
_DROP_POINTS = [(0, 0.0), (1365, 1.0), (8191, 0.0)]
#: Drops per second at intensity 0 and at intensity 1.
DENSITY = (3.0, 90.0)


class Rain(Texture):
    """Continuous rain texture with random drops."""

    NAME: ClassVar[str] = "rain"
    LEVEL: ClassVar[float] = 0.5424
    PARAMS: ClassVar[dict[str, ParamSpec]] = {
        "intensity": ParamSpec(0.5, 0.0, 1.0, "", "rain strength: bed level and drop density", 2.0),
        "cutoff": ParamSpec(3500.0, 1000.0, 8000.0, "Hz", "high-pass of the bed (brightness)", 2.0),
        "drops": ParamSpec(0.5, 0.0, 1.0, "", "level of the individual drops", 1.0),
    }

    def _build(self) -> pyo.PyoObject:
        intensity = self.signal("intensity")
        level = self.own(pyo.Pow(intensity, 1.5))
        noise = self.own(pyo.Noise())
        bed_cut = self.own(safety.clip_filter_freq(self.signal("cutoff"), self.sr))
        bed = self.own(pyo.ButLP(pyo.ButHP(noise, freq=bed_cut), freq=12000.0))
        low, high = DENSITY
        cloud = self.own(pyo.Cloud(density=intensity * (high - low) + low, poly=4))
        cloud.play()
        table = self.own(pyo.CosTable(_DROP_POINTS))
        burst = self.own(pyo.TrigEnv(cloud, table, dur=DROP_DUR))
        pitch = self.own(pyo.TrigRand(cloud, min=1500.0, max=5500.0))
        size = self.own(pyo.TrigRand(cloud, min=0.15, max=1.0))
        drops = self.own(pyo.Reson(noise * burst * size, freq=pitch, q=safety.q(6.0)))
        mixed = self.own(pyo.Mix(drops, voices=1))
        return self.own(pyo.Sig(bed * 0.5 + mixed * self.signal("drops") * 3.0, mul=level))
