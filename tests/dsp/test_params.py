"""ParamSpec and the safety clamps: pure Python, no audio."""

from __future__ import annotations

import math

import pytest

from engine.dsp import safety
from engine.dsp.params import ParamSpec


def test_clamp_limits_to_range() -> None:
    spec = ParamSpec(1.0, 0.0, 2.0)
    assert spec.clamp(3.0) == 2.0
    assert spec.clamp(-1.0) == 0.0
    assert spec.clamp(1.5) == 1.5


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, "x", None])
def test_clamp_rejects_non_finite(bad: object) -> None:
    assert ParamSpec(1.0, 0.0, 2.0).clamp(bad) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "args", [(3.0, 0.0, 2.0), (1.0, 2.0, 0.0), (math.nan, 0.0, 1.0), (0.5, 0.0, 1.0, "", "", -1.0)]
)
def test_invalid_specs_are_refused(args: tuple[object, ...]) -> None:
    with pytest.raises(ValueError):
        ParamSpec(*args)  # type: ignore[arg-type]


def test_is_finite() -> None:
    assert safety.is_finite(1) and safety.is_finite(2.5)
    assert not safety.is_finite(math.nan) and not safety.is_finite(math.inf)
    assert not safety.is_finite(True) and not safety.is_finite("1")


def test_frequency_clamps() -> None:
    sr = 48000
    assert safety.osc_freq(-5.0, sr) == 0.0
    assert safety.osc_freq(1e9, sr) == 0.45 * sr
    assert safety.filter_freq(0.0, sr) == 20.0
    assert safety.filter_freq(1e6, sr) == 0.45 * sr
    assert safety.waveguide_freq(1.0, sr) > safety.WAVEGUIDE_MINFREQ


def test_q_and_resonance_ranges() -> None:
    assert safety.q(0.0) == 0.5 and safety.q(1e6) == 50.0
    assert safety.svf_q(0.5) == 0.7
    assert safety.moog_res(5.0) < 1.0


def test_midi_to_hz() -> None:
    assert safety.midi_to_hz(69) == pytest.approx(440.0)
    assert safety.midi_to_hz(-100) == safety.midi_to_hz(0)
    assert safety.midi_to_hz(1000) == safety.midi_to_hz(127)


def test_phase_wraps_into_unit_interval() -> None:
    for value in (-1.5, -1e-12, -1e-17, 0.0, 0.999, 1.0, 7.25):
        assert 0.0 <= safety.phase(value) < 1.0


def test_max_delay_is_positive() -> None:
    assert safety.max_delay(-1.0) > 0.0
