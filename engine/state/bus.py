"""The state bus: the latest value of every input, smoothed, safe to read once per buffer.

Writers (the timeline, later the OSC thread) call :meth:`StateBus.set`; the engine calls
:meth:`StateBus.tick` once per audio buffer to move each smoothed value toward its target with a
one-pole filter whose time constant is the input's ``smoothing``. Non-finite values are refused
and counted; out-of-range values are clamped. ``changed`` tells the conductor whether any smoothed
value moved this buffer, so mappings are only re-evaluated when something changed.

Two things about the listener's body live here too (docs/listener.md):

- **The watchdog.** An input with a ``timeout`` (a sensor's, by default) that hears nothing for
  that long is *stale*: its target becomes its ``fallback`` (or stays, for ``hold``) and the value
  eases there with the input's own smoothing; once there it has *fallen back*. The next message
  makes it *live* again and the value eases to it as to any new target. Age is counted in
  buffers ticked, the engine's own time, so an offline render is as deterministic as before. Per
  buffer the watchdog compares one int (the earliest deadline) and does nothing else; the inputs
  are looked at only when that deadline passes.
- **Faults.** A heart-rate reading outside ``defaults.BASELINE_PLAUSIBLE`` (a flaky strap's 0
  or 255) is no reading: refused, counted in ``implausible``, and not heard, so a strap that
  sends only faults times out like a silent one.
- **The baseline** (:class:`Baseline`): heart-rate readings of the first minutes feed a median,
  the listener's resting rate, which ``heartrate.relative`` (BPM above it) and
  ``heartrate.ratio`` are read against. Each is an input of the bus whose target is set when the
  heart rate's target or the baseline changes, and which moves with the heart rate's smoothing:
  with a fixed baseline it is exactly the smoothed heart rate minus the baseline, and a new
  baseline glides in instead of jumping.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping
from dataclasses import replace

from engine import defaults
from engine.score.model import InputSpec

#: Below this distance to its target (as a share of the input's range) a value snaps to it.
SETTLE = 1e-4

#: An input's watchdog states (``/engine/sensors``): heard within its timeout (or one without a
#: timeout), silent and easing to its fallback (or holding), at its fallback.
LIVE, STALE, FALLEN_BACK = "live", "stale", "fallen back"

#: No deadline pending.
NEVER = 2**62


class Baseline:
    """One listener's resting heart rate: the median of the plausible readings of their first
    ``defaults.BASELINE_LEARN_SECONDS`` (at most one per ``BASELINE_MIN_GAP``), or a value set
    outright (``/listener/baseline``).

    Why a median: a flaky strap's faults are few and wild (0, 255, a spike when it slips), and
    the median of n readings moves by at most one reading's rank for each fault, while a mean
    moves by fault/n: one 255 among 60 readings of 60 BPM drags a mean up by 3 BPM and a median
    not at all. Readings outside the plausible range are refused before either.
    """

    def __init__(self, sr: int, buffersize: int) -> None:
        self.seconds_per_buffer = buffersize / sr
        self.learn_buffers = math.ceil(defaults.BASELINE_LEARN_SECONDS / self.seconds_per_buffer)
        self.gap_buffers = max(1, round(defaults.BASELINE_MIN_GAP / self.seconds_per_buffer))
        self.start = 0  # buffer this listener's learning began
        self.samples: list[float] = []  # sorted
        self.last = -NEVER  # buffer of the last reading taken
        self.fixed: float | None = None  # set outright, or restored for a known listener
        self.refused = 0  # implausible readings

    def restart(self, at: int) -> None:
        """A new listener from buffer ``at``: learn again."""
        self.start, self.samples, self.last, self.fixed = at, [], -NEVER, None

    def hear(self, bpm: float, at: int) -> bool:
        """Take one raw reading at buffer ``at``; True if the estimate may have changed."""
        if self.fixed is not None or at - self.start >= self.learn_buffers:
            return False
        lo, hi = defaults.BASELINE_PLAUSIBLE
        if not lo <= bpm <= hi:
            self.refused += 1
            return False
        if at - self.last < self.gap_buffers:
            return False
        self.last = at
        bisect.insort(self.samples, bpm)
        return len(self.samples) >= defaults.BASELINE_MIN_SAMPLES

    @property
    def value(self) -> float | None:
        """The resting rate (BPM), or None until enough readings."""
        if self.fixed is not None:
            return self.fixed
        n = len(self.samples)
        if n < defaults.BASELINE_MIN_SAMPLES:
            return None
        middle = n // 2
        return (
            self.samples[middle] if n % 2 else (self.samples[middle - 1] + self.samples[middle]) / 2
        )

    def state(self, at: int) -> str:
        """``set`` outright, ``learned`` (its window is over), ``learning`` (a median so far) or
        ``default`` (too few readings yet) at buffer ``at``."""
        if self.fixed is not None:
            return "set"
        if len(self.samples) < defaults.BASELINE_MIN_SAMPLES:
            return "default"
        return "learned" if at - self.start >= self.learn_buffers else "learning"


class StateBus:
    def __init__(self, specs: Mapping[str, InputSpec], sr: int, buffersize: int) -> None:
        self.sr, self.buffersize = sr, buffersize
        self.specs = dict(specs)
        self.targets = {name: spec.default for name, spec in self.specs.items()}
        self.values = dict(self.targets)
        self.changed = True
        self.rejected = 0
        #: Heart-rate readings outside defaults.BASELINE_PLAUSIBLE, refused as sensor faults.
        self.implausible = 0
        self._moving: set[str] = set()
        self._coeff = {
            name: _one_pole(spec.smoothing, sr, buffersize) for name, spec in self.specs.items()
        }
        self._settle = {name: SETTLE * (spec.max - spec.min) for name, spec in self.specs.items()}
        # -- the watchdog: buffers ticked, when each watched input was last heard, its timeout
        # in buffers, the inputs past it, and the earliest buffer one may pass it.
        self.ticks = 0
        self._timeouts = {
            name: max(1, math.ceil(spec.timeout * sr / buffersize))
            for name, spec in self.specs.items()
            if spec.timeout is not None
        }
        self.heard = dict.fromkeys(self.specs, 0)
        #: The value each input's last message set (clamped), whatever the watchdog did since.
        self.last_heard: dict[str, float] = {}
        self.silent: set[str] = set()
        self._deadline = min(self._timeouts.values(), default=NEVER)
        # -- the baseline and the inputs read against it
        self.baseline = Baseline(sr, buffersize)
        #: Known listeners' baselines by seed (``play --baselines``), and the one listening.
        self.baselines: dict[int, float] = {}
        self.listener: int | None = None
        base = self.specs.get(defaults.BASELINE_INPUT)
        self._derived = base.derived if base is not None else ()
        self._derived_names = {f"{defaults.BASELINE_INPUT}.{form}" for form in self._derived}
        if base is not None:
            for form in self._derived:
                lo, hi = defaults.RELATIVE_RANGE if form == "relative" else defaults.RATIO_RANGE
                name = f"{base.name}.{form}"
                spec = replace(base, name=name, min=lo, max=hi, bindings=(), derived=())
                spec = replace(
                    spec, timeout=None, default=spec.clamp(self._form(form, base.default))
                )
                self.specs[name] = spec
                self.targets[name] = self.values[name] = spec.default
                self._coeff[name] = self._coeff[base.name]
                self._settle[name] = SETTLE * (hi - lo)

    def carried_to(self, specs: Mapping[str, InputSpec], sr: int, buffersize: int) -> StateBus:
        """A bus for a reloaded score's inputs that keeps where every input this one shares with
        it stands (its value and its target, clamped to the new range; moving on with the new
        smoothing), how long ago each was heard, and the listener's baseline; new inputs start
        at their defaults, heard now."""
        bus = StateBus(specs, sr, buffersize)
        bus.rejected, bus.implausible = self.rejected, self.implausible
        bus.ticks = self.ticks
        bus.baseline, bus.baselines, bus.listener = self.baseline, self.baselines, self.listener
        for name, spec in bus.specs.items():
            bus.heard[name] = self.heard.get(name, self.ticks)
            if name in self.specs:
                bus.targets[name] = spec.clamp(self.targets[name])
                bus.values[name] = spec.clamp(self.values[name])
                if bus.values[name] != bus.targets[name]:
                    bus._moving.add(name)
        bus._deadline = self.ticks  # look at every watched input on the first tick
        bus._rederive()
        return bus

    def set(self, name: str, value: float) -> bool:
        """Set an input's target; False (and counted) if the name is unknown or not finite."""
        spec = self.specs.get(name)
        if spec is None or not math.isfinite(value) or name in self._derived_names:
            self.rejected += 1
            return False
        if name == defaults.BASELINE_INPUT and not _plausible(value):
            self.implausible += 1  # a strap's fault (0, 255) is no reading: not heard
            return False
        self.targets[name] = spec.clamp(value)
        self.last_heard[name] = self.targets[name]
        self._moving.add(name)
        self.heard[name] = self.ticks
        if name in self.silent:
            self.silent.discard(name)
            timeout = self._timeouts[name]
            self._deadline = min(self._deadline, self.ticks + timeout)
        if name == defaults.BASELINE_INPUT:
            self.baseline.hear(value, self.ticks)
            self._rederive()
        return True

    def set_baseline(self, bpm: float | None) -> None:
        """The listener's resting rate set outright (None: learn it again from now)."""
        if bpm is None:
            self.baseline.restart(self.ticks)
        else:
            self.baseline.fixed = bpm
        self._rederive()

    def switch_listener(self, seed: int) -> None:
        """Another listener (a ``/seed``): keep the one leaving's baseline, take the new one's
        if it is known, else learn it from now."""
        self.keep_baseline()
        self.listener = seed
        self.baseline.restart(self.ticks)
        self.baseline.fixed = self.baselines.get(seed)
        self._rederive()

    def adopt_listener(self, seed: int, known: dict[int, float]) -> None:
        """Start with listener ``seed``, knowing ``known`` listeners' baselines (a known one is
        used at once, unlearned; an unknown one is learned from now)."""
        self.baselines.update(known)
        self.listener = seed
        self.baseline.fixed = known.get(seed)
        self._rederive()

    def keep_baseline(self) -> None:
        """Store the current listener's baseline under their seed, if there is one to keep."""
        value = self.baseline.value
        if self.listener is not None and value is not None:
            self.baselines[self.listener] = value

    def tick(self) -> None:
        """Advance smoothing by one buffer (and the watchdog's clock)."""
        self.ticks += 1
        if self.ticks >= self._deadline:
            self._expire()
        self.changed = bool(self._moving)
        for name in list(self._moving):
            target, value = self.targets[name], self.values[name]
            value += (target - value) * self._coeff[name]
            if abs(target - value) <= self._settle[name]:
                value = target
                self._moving.discard(name)
            self.values[name] = value

    def _expire(self) -> None:
        """Make every watched input past its timeout stale (its target to its fallback), and
        find the next deadline."""
        deadline = NEVER
        for name, timeout in self._timeouts.items():
            if name in self.silent:
                continue
            due = self.heard[name] + timeout
            if self.ticks < due:
                deadline = min(deadline, due)
                continue
            self.silent.add(name)
            fallback = self._fallback(name)
            if fallback is not None and fallback != self.targets[name]:
                self.targets[name] = fallback
                self._moving.add(name)
                if name == defaults.BASELINE_INPUT and self._derived:
                    self._rederive()
        self._deadline = deadline

    def _rederive(self) -> None:
        """New targets for the inputs read against the baseline."""
        base = defaults.BASELINE_INPUT
        if base not in self.targets:
            return
        for form in self._derived:
            name = f"{base}.{form}"
            target = self.specs[name].clamp(self._form(form, self.targets[base]))
            if target != self.targets[name]:
                self.targets[name] = target
                self._moving.add(name)

    def _fallback(self, name: str) -> float | None:
        """Where a silent input goes: its fallback; for the heart rate falling back to its
        default, the listener's resting rate once there is one (their neutral, not 70 BPM)."""
        spec = self.specs[name]
        if name == defaults.BASELINE_INPUT and spec.fallback == spec.default:
            baseline = self.baseline.value
            if baseline is not None:
                return spec.clamp(baseline)
        return spec.fallback

    def _form(self, form: str, bpm: float) -> float:
        """``bpm`` read against the baseline (the heart-rate input's default until there is one)."""
        baseline = self.baseline.value
        if baseline is None:
            baseline = self.specs[defaults.BASELINE_INPUT].default
        return bpm - baseline if form == "relative" else bpm / baseline

    # -- what /engine/sensors and the status view show ---------------------------------------
    def state(self, name: str) -> str:
        if name not in self.silent:
            return LIVE
        if self.specs[name].fallback is None:  # hold: it stays where it was, and it is old
            return STALE
        return FALLEN_BACK if self.values[name] == self.targets[name] else STALE

    def age(self, name: str) -> float:
        """Seconds since the input was last heard (since the start, if never)."""
        return (self.ticks - self.heard.get(name, 0)) * self.buffersize / self.sr


def _plausible(bpm: float) -> bool:
    lo, hi = defaults.BASELINE_PLAUSIBLE
    return lo <= bpm <= hi


def _one_pole(seconds: float, sr: int, buffersize: int) -> float:
    """Share of the remaining distance covered per buffer for a time constant of ``seconds``."""
    if seconds <= 0:
        return 1.0
    return 1.0 - math.exp(-buffersize / (sr * seconds))
