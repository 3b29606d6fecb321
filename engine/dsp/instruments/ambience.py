"""Ambience: a long field recording (rain, wind, crowd) looped without a click, under a colour.

The seam is removed at load (:func:`engine.samples.loops.seamless_loop` blends the recording's
tail into its head), so playing is a plain loop of the buffer: a ``TableRead`` at the table's own
rate. Like any texture it sounds from the moment its layer enters; its level (``intensity``, and
the layer's gain) and colour (a high-pass ``lowcut`` and a low-pass ``cutoff``) follow curves.
"""

from __future__ import annotations

from typing import ClassVar

from engine.dsp import safety
from engine.dsp.instrument import Texture
from engine.dsp.instruments.stem import numpy_table
from engine.dsp.params import ParamSpec
from engine.dsp.pyolib import pyo


class Ambience(Texture):
    """A looped recording under a high-pass and a low-pass."""

    NAME: ClassVar[str] = "ambience"
    SAMPLED: ClassVar[bool] = True
    #: Played at the file's own level: the score's gain sets it in the mix.
    LEVEL: ClassVar[float] = 1.0
    PARAMS: ClassVar[dict[str, ParamSpec]] = {
        "intensity": ParamSpec(1.0, 0.0, 1.0, "", "level (1: as recorded)", 2.0),
        "cutoff": ParamSpec(20000.0, 100.0, 20000.0, "Hz", "low-pass: darker as it closes", 2.0),
        "lowcut": ParamSpec(20.0, 20.0, 2000.0, "Hz", "high-pass: thinner as it rises", 2.0),
    }

    def _build(self) -> pyo.PyoObject:
        if self.samples is None or not self.samples.samples:
            raise ValueError("an ambience bed plays a recording: build it with samples=")
        table = self.own(numpy_table(self.samples.samples[0]))
        loop = self.own(pyo.TableRead(table, freq=table.getRate(), loop=1, interp=2).play())
        lowcut = self.own(safety.clip_filter_freq(self.signal("lowcut"), self.sr))
        cutoff = self.own(safety.clip_filter_freq(self.signal("cutoff"), self.sr))
        thinned = self.own(pyo.ButHP(loop, freq=lowcut))
        return self.own(pyo.ButLP(thinned, freq=cutoff, mul=self.signal("intensity")))
