"""Entrainment: the tempo leads the heart, in steps it can follow, under hard caps.

The iso principle of music therapy: meet the listener where they are, then move. Here that is
three phases, decided once per bar by :meth:`Entrainment.bar` (pure: no clock, no randomness,
no audio; the conductor calls it when it decides a bar, with the bar line's time and the heart
rate it hears):

- ``match``: the tempo moves toward the heart rate, halved or doubled into the tempo range
  (:func:`fold`). Once it has sat within ``tolerance`` of it for ``match_bars`` bars running,
- ``lead``: the tempo aims ``goal`` (a fraction: -0.05 is 5 % below) away from the folded heart,
  which it keeps tracking: a heart that follows pulls the target on with it. Every bar the last
  ``window`` heart readings are judged; if the heart did not move toward the goal by at least
  ``follow`` (a fraction of its rate; the median of the window's first three readings against
  its last three), leading stops:
- ``held``: the tempo stays where it is, for good (a new session, or a score reload that
  changes the section, starts again).

Whatever the phase or the heart, every bar's tempo obeys the caps (:func:`limited` first clamps
a score's values into the hard limits of :mod:`engine.defaults`): inside ``[min, max]``, at most
``per_bar`` (a fraction) from the bar before, and at most ``per_minute`` BPM from any bar line
less than 60 s earlier (spread evenly: a bar may move ``per_minute`` times its time since the
last bar line over 60 s, and the last minute's bar lines are checked besides). A bar with no
valid heart reading (a dropout: missing, not finite, or outside
``defaults.ENTRAIN_HEART_VALID``) holds the tempo and counts toward nothing.
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from dataclasses import replace

from engine import defaults
from engine.score.model import EntrainmentSpec

#: The window over which ``per_minute`` holds (seconds).
MINUTE = 60.0
PHASES = ("match", "lead", "held")


def limited(spec: EntrainmentSpec) -> EntrainmentSpec:
    """``spec`` with every value clamped into the hard limits (a score cannot exceed them)."""
    lo, hi = defaults.ENTRAIN_TEMPO_LIMITS
    low = min(hi, max(lo, spec.min))
    high = min(hi, max(low, spec.max))
    goal = defaults.ENTRAIN_GOAL_LIMIT
    return replace(
        spec,
        goal=min(goal, max(-goal, spec.goal)),
        min=low,
        max=high,
        per_bar=min(defaults.ENTRAIN_PER_BAR_LIMIT, max(0.0, spec.per_bar)),
        per_minute=min(defaults.ENTRAIN_PER_MINUTE_LIMIT, max(0.0, spec.per_minute)),
        match_bars=max(1, spec.match_bars),
        tolerance=min(0.1, max(0.0, spec.tolerance)),
        window=max(4, spec.window),
        follow=min(0.1, max(0.0, spec.follow)),
    )


def valid_heart(value: float | None) -> bool:
    lo, hi = defaults.ENTRAIN_HEART_VALID
    return value is not None and math.isfinite(value) and lo <= value <= hi


def fold(heart: float, lo: float, hi: float, near: float) -> float:
    """``heart`` halved or doubled (up to three times) into ``[lo, hi]``, the octave nearest
    ``near`` (the tempo now) when several fit; clamped into the range when none does."""
    candidates = [heart * 2.0**k for k in range(-3, 4)]
    inside = [c for c in candidates if lo <= c <= hi]
    if inside:
        return min(inside, key=lambda c: abs(math.log(c / near)))
    closest = min(candidates, key=lambda c: lo - c if c < lo else c - hi)
    return min(hi, max(lo, closest))


class Entrainment:
    """One listener's entrainment, bar by bar. ``tempo_range`` is the score's (the caps are
    its intersection with the section's own and the hard limits); ``glide`` the score's
    per-bar limit, which holds too when it is smaller."""

    def __init__(
        self,
        spec: EntrainmentSpec,
        start_bpm: float,
        tempo_range: tuple[float, float] = defaults.ENTRAIN_TEMPO_LIMITS,
        glide: float = 1.0,
    ) -> None:
        self.spec = spec = limited(spec)
        lo, hi = max(spec.min, tempo_range[0]), min(spec.max, tempo_range[1])
        if lo > hi:  # disjoint ranges: the section's own (inside the hard limits) wins
            lo, hi = spec.min, spec.max
        self.lo, self.hi = lo, hi
        self.per_bar = min(spec.per_bar, glide)
        self.bpm = min(hi, max(lo, start_bpm))
        self.phase = "match"
        self.matched = 0  # bars in a row within tolerance of the heart
        self.hearts: deque[float] = deque(maxlen=spec.window)  # readings while leading
        self.recent: deque[tuple[float, float]] = deque()  # (seconds, bpm) of the last minute
        self.target = self.bpm

    def bar(self, seconds: float, heart: float | None, override: float | None = None) -> float:
        """The tempo of the bar starting at ``seconds`` (from the session's start), given the
        heart rate heard now (None or an invalid reading: a dropout). ``override``, when given,
        is the target instead (a game's ``/tempo``); the caps still hold."""
        recent = self.recent
        while recent and seconds - recent[0][0] >= MINUTE:
            recent.popleft()
        if override is not None:
            self.target = override
        elif valid_heart(heart):
            assert heart is not None
            self.target = self._decide(heart)
        else:
            self.target = self.bpm
        elapsed = seconds - recent[-1][0] if recent else 0.0
        self.bpm = self._capped(self.target, elapsed)
        recent.append((seconds, self.bpm))
        return self.bpm

    def _decide(self, heart: float) -> float:
        spec = self.spec
        folded = fold(heart, self.lo, self.hi, self.bpm)
        if self.phase == "held":
            return self.bpm
        if self.phase == "match":
            if abs(self.bpm - folded) <= spec.tolerance * folded:
                self.matched += 1
            else:
                self.matched = 0
            if self.matched < spec.match_bars or spec.goal == 0.0:
                return folded
            self.phase = "lead"
        self.hearts.append(heart)
        if len(self.hearts) == spec.window and not self._following():
            self.phase = "held"
            return self.bpm
        return folded * (1.0 + spec.goal)

    def _following(self) -> bool:
        """Whether the heart moved toward the goal over the window, by at least ``follow``."""
        hearts = list(self.hearts)
        early, late = statistics.median(hearts[:3]), statistics.median(hearts[-3:])
        moved = (late - early) / early * math.copysign(1.0, self.spec.goal)
        return moved >= self.spec.follow

    def _capped(self, target: float, elapsed: float) -> float:
        """``target`` brought inside every cap (the tempo now always satisfies them all, so
        the intersection is never empty). The per-minute budget is spread evenly: a bar
        ``elapsed`` seconds after the last may move ``per_minute * elapsed / 60``, so the tempo
        glides steadily rather than spending a minute's budget at once and then stalling."""
        step = min(self.bpm * self.per_bar, self.spec.per_minute * max(0.0, elapsed) / MINUTE)
        low, high = max(self.lo, self.bpm - step), min(self.hi, self.bpm + step)
        if self.recent:
            bpms = [bpm for _, bpm in self.recent]
            low = max(low, max(bpms) - self.spec.per_minute)
            high = min(high, min(bpms) + self.spec.per_minute)
        if low > high:  # only by rounding: stay put
            return self.bpm
        return min(high, max(low, target))
