"""The tabled LFO triangle read by an Osc matches pyo's own LFO (engine/dsp/wavetable.py)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.dsp import wavetable
from engine.dsp.pyolib import pyo
from engine.dsp.server import running_manual_server


@pytest.mark.parametrize(
    ("sharp", "freq"),
    [
        (0.25, 73.4),  # the drone's root
        (0.25, 1300.0),  # near the top of its exact range
        (0.6, 110.0),
    ],
)
def test_the_tabled_triangle_is_the_lfo_one_sample_early(sharp: float, freq: float) -> None:
    buffers = 200
    with running_manual_server(sr=48000, buffersize=256, seed=1) as server:
        source = pyo.Sig(freq)
        lfo = pyo.LFO(freq=source, sharp=sharp, type=wavetable.TRIANGLE)
        osc = pyo.Osc(wavetable.lfo_triangle(sharp), freq=source, interp=2)
        tables = [pyo.NewTable(buffers * 256 / 48000) for _ in range(2)]
        recorders = [pyo.TableRec(sig, t).play() for sig, t in zip((lfo, osc), tables, strict=True)]
        for _ in range(buffers):
            server.process()
        want, got = (np.asarray(t.getTable()) for t in tables)
        del recorders
    n = len(want) - 2
    assert np.abs(want).max() > 0.5
    assert np.abs(want[1:n] - got[: n - 1]).max() < 1e-6
    assert np.abs(want[:n] - got[:n]).max() > 1e-4  # the lead is real, so the check can fail
