"""The master bus: reverb return, loudness leveler, dynamics, true-peak limiter, NaN watchdog.

Signal flow::

    dry sum ─┬──────────────────────────┐
    sends ───┴─ reverb (pure wet) ──────┴─ bus ─ leveler gain ─ dynamics gain ─ limiter ─ clip ─ out
                                           └─ K-weighting ─ power ─ (read by Python) ─┘

The leveler listens to the bus through a BS.1770-style K-weighting (high shelf + high pass), keeps
an energy average over ``LEVELER_WINDOW`` seconds of non-silent audio, and slews the leveler gain
toward ``target - loudness`` at no more than ``LEVELER_SLEW`` dB/s. It is causal and runs between
buffers, so a live performance and its offline replay agree sample for sample. The dynamics gain
after it is the score's deliberate loudness cue (e.g. quieter when calm), which the leveler does
not flatten. The limiter (a high-ratio lookahead compressor) holds peaks below the ceiling minus
``LIMITER_HEADROOM`` (room for intersample peaks); a final clip guarantees the sample ceiling.
"""

from __future__ import annotations

import math
from collections import deque

from engine import defaults
from engine.dsp.mixer import db_to_amp
from engine.dsp.pyolib import pyo
from engine.score.model import MasterSpec

K_SHELF_FREQ = 1681.0  # BS.1770 pre-filter: +4 dB high shelf
K_SHELF_GAIN = 4.0
K_HIGHPASS_FREQ = 38.0  # BS.1770 RLB weighting
POWER_SMOOTHING_HZ = 2.5  # one-pole smoothing of the squared signal (~400 ms blocks)
LUFS_OFFSET = -0.691
LIMITER_RATIO = 100.0
LIMITER_RISE = 0.001
LIMITER_FALL = 0.15
#: The limiter delays the whole mix by its lookahead, so it is every message's latency floor:
#: 5 ms made a state change audible 5.2 ms after it was applied (benchmarks/latency.py); 1 ms
#: (matching the rise time) keeps true peaks under the ceiling + 0.5 dB in every score's render.
LIMITER_LOOKAHEAD_MS = 1.0
#: pyo's Follower2 falls with a time constant of ``falltime / 2 pi``: 54.6 dB in ``falltime``
#: seconds (measured: 54.4 dB in 2 s).
FOLLOWER_DB_PER_TIME = 20 * math.log10(math.e) * 2 * math.pi


class MasterBus:
    def __init__(
        self, spec: MasterSpec, *, sr: int, buffersize: int, metering: bool = False
    ) -> None:
        """``metering``: also build the true-peak meter (live only; renders do not need it)."""
        self.spec = spec
        self.metering = metering
        self.sr = sr
        self.period_buffers = max(1, round(defaults.LEVELER_PERIOD * sr / buffersize))
        self.period = self.period_buffers * buffersize / sr
        self.nan_events = 0
        self.level_db = 0.0  # current leveler correction
        self._energy = 10 ** ((spec.loudness - LUFS_OFFSET) / 10)  # start by assuming on target
        self._countdown = self.period_buffers
        self.leveler = pyo.SigTo(1.0, time=self.period, init=1.0)
        self.dynamics = pyo.SigTo(1.0, time=1.0, init=1.0)
        #: The leveler's K-weighted power readings of the last METER_SHORT_TERM seconds.
        self._short: deque[float] = deque(
            maxlen=max(1, round(defaults.METER_SHORT_TERM / self.period))
        )
        self.peak: pyo.PyoObject | None = None
        self._dynamics_amp = 1.0

    def connect(self, signals: list[pyo.PyoObject], sends: list[pyo.PyoObject]) -> None:
        """Build the bus over the channels' stereo signals and reverb sends."""
        spec = self.spec
        # Channels added while playing (a reloaded score) join through these, which are silent
        # until then: a Mix cannot take new inputs, and rebuilding the bus would cut the reverb.
        self.extra_dry = pyo.Sig([0.0, 0.0])
        self.extra_send = pyo.Sig([0.0, 0.0])
        self.dry = pyo.Mix([*signals, self.extra_dry], voices=2)
        self.send = pyo.Mix([*sends, self.extra_send], voices=2)
        self.reverb = pyo.WGVerb(
            self.send,
            feedback=0.6 + 0.35 * spec.reverb_size,
            cutoff=2000.0 + 8000.0 * (1.0 - spec.reverb_damp),
            bal=1.0,
            mul=db_to_amp(spec.reverb_return),
        )
        self.bus = self.dry + self.reverb
        shelf = pyo.EQ(self.bus, freq=K_SHELF_FREQ, q=0.707, boost=K_SHELF_GAIN, type=2)
        weighted = pyo.Biquad(shelf, freq=K_HIGHPASS_FREQ, q=0.5, type=1)
        self.power = pyo.Tone(weighted * weighted, freq=POWER_SMOOTHING_HZ)
        threshold = spec.ceiling - defaults.LIMITER_HEADROOM
        self.limiter = pyo.Compress(
            self.bus * self.leveler * self.dynamics,
            thresh=threshold,
            ratio=LIMITER_RATIO,
            risetime=LIMITER_RISE,
            falltime=LIMITER_FALL,
            lookahead=LIMITER_LOOKAHEAD_MS,
            knee=0,
        )
        ceiling = db_to_amp(spec.ceiling)
        self.output = pyo.Clip(self.limiter, min=-ceiling, max=ceiling)
        self.output.out()
        if self.metering:
            self._build_meter()

    def _build_meter(self) -> None:
        """A true-peak estimate of the output, held by a follower the meter reads now and then.

        Between two samples b and c the signal's value at the half sample is estimated by
        4-point cubic interpolation, (9(b + c) - (a + d)) / 16, which finds most of the
        intersample overs a 4x oversampling meter (BS.1770 annex 2) would; the larger of |b| and
        that goes into a peak follower with an instant rise and a METER_PEAK_FALL dB/s fall. All
        of it runs in pyo's C code, outside any Python callback: reading it costs one get() a
        LEVELS_PERIOD."""
        a = self.output
        b = pyo.Delay1(a)
        c = pyo.Delay1(b)
        d = pyo.Delay1(c)
        half = (b + c) * (9.0 / 16.0) - (a + d) * (1.0 / 16.0)
        self._peak_parts = (b, c, d, half)
        self.peak = pyo.Follower2(
            pyo.Max(pyo.Abs(b), pyo.Abs(half)),
            risetime=1e-6,
            falltime=FOLLOWER_DB_PER_TIME / defaults.METER_PEAK_FALL,
        )

    def meter(self) -> tuple[float, float]:
        """(short-term loudness in LUFS, true peak in dBTP) of the output, both at least
        METER_FLOOR_DB. The loudness is the leveler's own K-weighted readings times the leveler
        and dynamics gains of their time (the output before the limiter, which only touches
        peaks), averaged over the last METER_SHORT_TERM seconds: no second K-weighting chain."""
        floor = defaults.METER_FLOOR_DB
        short = self._short
        power = sum(short) / len(short) if short else 0.0
        lufs = LUFS_OFFSET + 10 * math.log10(power) if power > 0 else floor
        peak = max(self.peak.get(all=True)) if self.peak is not None else 0.0
        peak_db = 20 * math.log10(peak) if peak > 0 else floor
        return (
            max(floor, lufs) if math.isfinite(lufs) else floor,
            max(floor, peak_db) if math.isfinite(peak_db) else floor,
        )

    def extend(self, signals: list[pyo.PyoObject], sends: list[pyo.PyoObject]) -> None:
        """Mix these channels (added since :meth:`connect`) into the bus as well, instead of the
        ones given last time. They are heard one buffer late: pyo computes objects in the order
        they were made, and these were made after the bus."""
        if not signals:
            self.extra_mixes: tuple[pyo.PyoObject, ...] = ()
            self.extra_dry.setValue(0.0)
            self.extra_send.setValue(0.0)
            return
        self.extra_mixes = (pyo.Mix(signals, voices=2), pyo.Mix(sends, voices=2))
        self.extra_dry.setValue(self.extra_mixes[0])
        self.extra_send.setValue(self.extra_mixes[1])

    def retune(self, spec: MasterSpec) -> None:
        """Take a reloaded score's master settings (loudness target, reverb, ceiling) in place."""
        self.spec = spec
        self.reverb.feedback = 0.6 + 0.35 * spec.reverb_size
        self.reverb.cutoff = 2000.0 + 8000.0 * (1.0 - spec.reverb_damp)
        self.reverb.mul = db_to_amp(spec.reverb_return)
        self.limiter.thresh = spec.ceiling - defaults.LIMITER_HEADROOM
        ceiling = db_to_amp(spec.ceiling)
        self.output.min, self.output.max = -ceiling, ceiling

    def carry_on(self, previous: MasterBus) -> None:
        """Continue where ``previous`` (the bus of a dead server) left off: its loudness estimate
        and its correction, so a rebuilt bus does not start from scratch (the dynamics gain is
        the conductor's to send again)."""
        self._energy = previous._energy
        self.level_db = previous.level_db
        self.leveler.value = db_to_amp(self.level_db)

    def set_dynamics(self, db: float) -> None:
        self._dynamics_amp = db_to_amp(min(12.0, max(-40.0, db)))
        self.dynamics.value = self._dynamics_amp

    def tick(self) -> bool:
        """Run once per buffer; every leveler period, measure and steer. False if the bus is NaN."""
        self._countdown -= 1
        if self._countdown > 0:
            return True
        self._countdown = self.period_buffers
        power = sum(self.power.get(all=True))
        if not math.isfinite(power):
            return False
        gain = db_to_amp(self.level_db) * self._dynamics_amp  # what the output is, before limiting
        self._short.append(power * gain * gain)
        loudness = LUFS_OFFSET + 10 * math.log10(power + 1e-20)
        if loudness > defaults.LEVELER_GATE:
            share = min(1.0, self.period / defaults.LEVELER_WINDOW)
            self._energy += (power - self._energy) * share
        estimate = LUFS_OFFSET + 10 * math.log10(self._energy + 1e-20)
        lo, hi = defaults.LEVELER_RANGE
        wanted = min(hi, max(lo, self.spec.loudness - estimate))
        step = defaults.LEVELER_SLEW * self.period
        self.level_db += min(step, max(-step, wanted - self.level_db))
        self.leveler.value = db_to_amp(self.level_db)
        return True
