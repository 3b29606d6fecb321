"""pyo's ``LFO`` triangle as a table, read by an ``Osc``: the same wave for a seventh of the cost.

``LFO`` computes its band-limited waves per sample; its triangle is ``tan(sin θ)`` blended with a
straight triangle: about 8.5 µs per stream per 256-frame buffer, against 1.1 µs for an ``Osc``
reading a table (measured side by side, one process). The drone's sixteen oscillators made it the
costliest instrument of forest's calm scene.

The table holds the formula of pyo's ``lfomodule.c`` for a fixed sharpness. ``LFO`` lowers it
for high frequencies (above ``sr / 4 / (36 * sharp)``: 1.3 kHz at sharp 0.25 and 48 kHz); a
table keeps the low-frequency shape there, so :func:`lfo_triangle` is for oscillators below
that. Read with linear interpolation from :data:`SIZE` points, the wave matches ``LFO``'s to
1.2e-7 (below a 24-bit step), one sample earlier: ``Osc`` advances its phase before reading, a
phase lead of ``freq / sr`` of a cycle (0.5 degree at 73 Hz), inaudible; with the drone's
oscillators tabled, forest's render differs from before by -42 dB (combat -48, meditation -43).
(Only the triangle: pyo 1.1.0's saws do not start where its source says; they are not tabled.)
"""

from __future__ import annotations

import functools
import math

import numpy as np

from engine.dsp.pyolib import pyo

#: Points per table: linear interpolation between them is within 1.2e-7 of the formula.
SIZE = 8192
#: ``LFO``'s ``type`` number for the triangle.
TRIANGLE = 3


@functools.cache
def _triangle(sharp: float) -> tuple[float, ...]:
    phase = np.arange(SIZE) / SIZE
    soft = np.tan(np.sin(2.0 * math.pi * phase)) / (math.pi / 2.0)
    shifted = phase + 0.25
    shifted = np.where(shifted > 1.0, shifted - 1.0, shifted)
    straight = 4.0 * (0.5 - np.abs(shifted - 0.5)) - 1.0
    return tuple(float(v) for v in soft * (1.0 - sharp) + straight * sharp)


def reseed_as_lfo(streams: int) -> None:
    """Reseed pyo's random generator as making ``streams`` ``LFO`` streams would have.

    pyo keeps one random generator for all its noise and random objects and reseeds it (from the
    global seed and a count per object kind) whenever it makes one of them, ``LFO`` included (it
    has a sample-and-hold wave). An instrument that replaced its ``LFO`` by a table makes and drops
    as many, stopped at once, so every noise source made after it draws exactly what it drew
    before and renders stay comparable sample for sample."""
    pyo.LFO(freq=[0.0] * streams).stop()


def lfo_triangle(sharp: float) -> pyo.DataTable:
    """A table of ``LFO(type=3, sharp=sharp)``'s wave (below its band limit), on the current
    server; ``sharp`` is clamped to 0..1 as ``LFO`` does."""
    return pyo.DataTable(size=SIZE, init=list(_triangle(min(1.0, max(0.0, sharp)))))
