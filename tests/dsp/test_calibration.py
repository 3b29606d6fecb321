"""Every instrument's typical use measures about -20 LUFS with its peak well below full scale."""

from __future__ import annotations

import numpy as np
import pytest

import engine.dsp.instruments as instruments
from engine.dsp.instruments import CALIBRATION_LUFS, INSTRUMENTS

from .render_helper import LOOP_PLAYERS, clicks, loudness, render
from .scenarios import SECONDS, TYPICAL

#: The brief allows ±3 LU; LEVELs are fitted to within 0.1, so drift shows long before that.
TOLERANCE = 1.0


def test_every_instrument_has_a_scenario_and_a_row_in_the_table() -> None:
    assert set(TYPICAL) == {n for n in INSTRUMENTS if n not in LOOP_PLAYERS}
    doc = instruments.__doc__ or ""
    for name in INSTRUMENTS:
        assert f"\n{name} " in doc, name


@pytest.mark.parametrize("name", sorted(TYPICAL))
def test_typical_use_measures_the_calibration_level(name: str) -> None:
    hits, params = TYPICAL[name]
    audio = render(name, SECONDS, hits=hits, params=params)
    assert abs(loudness(audio) - CALIBRATION_LUFS) < TOLERANCE
    assert np.abs(audio).max() < 0.7
    assert clicks(audio) == 0


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("pad", {"detune": 0.0}),
        ("pad", {"detune": 0.6}),
        ("pad", {"detune": 1.0}),
        ("pad", {"chorus": 0.0}),
        ("pad", {"chorus": 1.0}),
        ("bass", {"brass": 0.5}),
        ("bass", {"brass": 1.0}),
    ],
)
def test_flavour_parameters_keep_the_level(name: str, params: dict[str, float]) -> None:
    """Detune, chorus and brass change the timbre, not the loudness (within 1.5 LU)."""
    hits, base = TYPICAL[name]
    audio = render(name, SECONDS, hits=hits, params={**base, **params})
    assert abs(loudness(audio) - CALIBRATION_LUFS) < 1.5
