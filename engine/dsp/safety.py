"""Clamps that keep every value reaching pyo where pyo neither crashes nor emits NaN.

The limits come from the team's pyo 1.1.0 sweep (shared notes ``pyo.md`` and ``pyo-sweep.md``):
non-finite parameters crash about 20 objects and poison the rest; oscillators misbehave beyond
0.45·sr; Butterworth filters set to <= 0 Hz give transient peaks of 250+; SVF goes NaN with q < 0.7;
``Waveguide(minfreq=0)`` aborts; ``SDelay(maxdelay<0)`` segfaults. Instruments call these helpers on
every value a score or OSC can reach, so a bad value becomes a clamped value or a dropped one.

The scalar helpers are pure Python. The signal helpers clamp values computed inside pyo at audio
rate (:func:`clip_signal`, :func:`clip_filter_freq`, :func:`moog_input`, :func:`fm_index_ceiling`)
and bound levels (:func:`soft_clip` for noisy buses, :func:`ceiling` on every instrument output).
The instruments' own crash sweep (tests/dsp/test_crash_sweep.py) added the MoogLP input limit.
"""

from __future__ import annotations

import math
from numbers import Real

from engine.dsp.pyolib import pyo

#: Highest oscillator or filter frequency, as a fraction of the sample rate (sweep: 0.45·sr).
NYQUIST_FRACTION = 0.45
#: Lowest filter frequency in Hz (sweep: ButLP/ButHP setFreq(<=0) gives transient peaks > 250).
MIN_FILTER_HZ = 20.0
#: Band-pass / resonator q range for Biquad, Reson and ButBP (sweep: q <= 50 stays bounded).
Q_RANGE = (0.5, 50.0)
#: SVF q range (sweep: q < 0.7 goes NaN above ~6.7 kHz, q >= 100 peaks at 1e6).
SVF_Q_RANGE = (0.7, 50.0)
#: MoogLP resonance range (self-oscillates at >= 1; clean up to 100 but we never want that).
MOOG_RES_RANGE = (0.0, 0.95)
#: MoogLP input limit. Its cubic soft-clip (``y4 -= y4**3 / 6``) diverges to inf once the state
#: passes about 2.4: the crash sweep drove a pad's 8-voice sum to 9.3 and got inf. Not in the
#: team's pyo sweep, which fed it 0.6 peak.
MOOG_INPUT_LIMIT = 1.0
#: Waveguide minfreq we always build with (sweep: minfreq=0 aborts); note freqs stay above it.
WAVEGUIDE_MINFREQ = 20.0
#: MIDI pitch range accepted from events.
PITCH_RANGE = (0.0, 127.0)


def is_finite(value: object) -> bool:
    """True if ``value`` is a real number that is neither NaN nor infinite."""
    if isinstance(value, bool) or not isinstance(value, Real):
        return False
    return math.isfinite(float(value))


def clamp(value: float, lo: float, hi: float) -> float:
    """Limit a finite ``value`` to ``[lo, hi]``."""
    return lo if value < lo else hi if value > hi else value


def osc_freq(hz: float, sr: int) -> float:
    """Oscillator frequency limited to [0, 0.45·sr]; beyond, table oscillators crash or alias."""
    return clamp(hz, 0.0, NYQUIST_FRACTION * sr)


def filter_freq(hz: float, sr: int) -> float:
    """Filter frequency limited to [20 Hz, 0.45·sr]."""
    return clamp(hz, MIN_FILTER_HZ, NYQUIST_FRACTION * sr)


def q(value: float) -> float:
    """Biquad / Reson / ButBP q limited to :data:`Q_RANGE`."""
    return clamp(value, *Q_RANGE)


def svf_q(value: float) -> float:
    """SVF q limited to :data:`SVF_Q_RANGE`."""
    return clamp(value, *SVF_Q_RANGE)


def moog_res(value: float) -> float:
    """MoogLP resonance limited to :data:`MOOG_RES_RANGE` (below self-oscillation)."""
    return clamp(value, *MOOG_RES_RANGE)


def phase(value: float) -> float:
    """Oscillator phase wrapped into [0, 1): Sine/Osc read outside their table otherwise."""
    wrapped = value % 1.0
    return 0.0 if wrapped >= 1.0 else wrapped  # -1e-17 % 1.0 rounds to 1.0


def midi_to_hz(pitch: float) -> float:
    """Frequency of a MIDI pitch, after limiting the pitch to :data:`PITCH_RANGE`."""
    p = clamp(pitch, *PITCH_RANGE)
    return 440.0 * math.pow(2.0, (p - 69.0) / 12.0)


def waveguide_freq(hz: float, sr: int) -> float:
    """Waveguide frequency kept above its minfreq (else it aborts) and below 0.45·sr."""
    return clamp(hz, WAVEGUIDE_MINFREQ * 1.05, NYQUIST_FRACTION * sr)


def max_delay(seconds: float) -> float:
    """A Delay/SDelay ``maxdelay`` that is strictly positive (negative values segfault)."""
    return max(seconds, 1e-4)


def clip_signal(signal: pyo.PyoObject, lo: float, hi: float) -> pyo.PyoObject:
    """Clamp a pyo signal at audio rate, for values computed inside pyo (sums with LFOs)."""
    return pyo.Clip(signal, min=lo, max=hi)


def moog_input(signal: pyo.PyoObject) -> pyo.PyoObject:
    """Clip a MoogLP input to :data:`MOOG_INPUT_LIMIT` so the filter cannot diverge."""
    return clip_signal(signal, -MOOG_INPUT_LIMIT, MOOG_INPUT_LIMIT)


def clip_filter_freq(signal: pyo.PyoObject, sr: int) -> pyo.PyoObject:
    """Audio-rate version of :func:`filter_freq` for modulated cutoffs."""
    return clip_signal(signal, MIN_FILTER_HZ, NYQUIST_FRACTION * sr)


def fm_index_cap(carrier: float, ratio: float, sr: int) -> float:
    """:func:`fm_index_ceiling` for one carrier frequency (Hz), computed in Python once a note.

    It binds only above about 2.5 kHz (an index of 5.6 at 48 kHz) and takes effect from the top
    of the note's buffer, where the signal version changed on the note's sample."""
    top = NYQUIST_FRACTION * sr
    return clamp((top - carrier) / (carrier * ratio + 1.0) - 2.0, 0.0, 50.0)


def fm_index_ceiling(carrier: pyo.PyoObject, ratio: float, sr: int) -> pyo.PyoObject:
    """Largest FM index whose significant sidebands stay below 0.45·sr, as a signal.

    An FM spectrum reaches about ``carrier + (index + 2) * ratio * carrier``; above 0.45·sr the
    sidebands fold back as inharmonic aliasing, so high notes get a smaller index.
    """
    top = NYQUIST_FRACTION * sr
    ceiling = (pyo.Sig(top) - carrier) / (carrier * ratio + 1.0) - 2.0
    return pyo.Clip(ceiling, min=0.0, max=50.0)


def soft_clip(signal: pyo.PyoObject, knee: float) -> pyo.PyoObject:
    """``knee * tanh(signal / knee)``: linear well below ``knee``, never beyond it.

    For noise textures and drum buses, whose rare peaks sit 12-20 dB above their loudness,
    rounding those peaks is inaudible and buys the headroom to reach the calibrated level.
    """
    return pyo.Tanh(signal * (1.0 / knee), mul=knee)


#: Output ceiling: linear up to CEILING_START, then a tanh knee that never passes the ceiling.
CEILING_START = 0.7
CEILING = 0.95


def ceiling(signal: pyo.PyoObject) -> pyo.PyoObject:
    """Identity below :data:`CEILING_START`, a soft knee above, never beyond :data:`CEILING`.

    Built from Clip and Tanh, which pass NaN through rather than crash (a table lookup
    would index with NaN), so a NaN upstream stays visible to the master's watchdog.
    """
    core = pyo.Clip(signal, min=-CEILING_START, max=CEILING_START)
    knee = CEILING - CEILING_START
    return core + pyo.Tanh((signal - core) * (1.0 / knee), mul=knee)
