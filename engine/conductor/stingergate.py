"""Which stinger requests may play: each stinger's cooldown and its cap on copies at once.

A burst of game events (five ``/event discovery`` in one buffer) must not stack five copies of
one gesture on the same beat. The gate admits a request when the stinger's cooldown since its
last admitted request has passed and fewer than ``max_playing`` copies are waiting for their
beat or still sounding; otherwise it names the reason, which the conductor counts as a drop.
State is a few numbers per stinger, so a request costs the same whatever the event rate.
"""

from __future__ import annotations

from engine.score.model import Cooldown, StingerSpec

COOLDOWN = "stinger_cooldown"
BUSY = "stinger_busy"


def cooldown_samples(cooldown: Cooldown, sr: int, samples_per_beat: float, beats: int) -> float:
    """The cooldown in samples at the current tempo (beats and bars) or in seconds."""
    if cooldown.unit == "beats":
        return cooldown.amount * samples_per_beat
    if cooldown.unit == "bars":
        return cooldown.amount * samples_per_beat * beats
    return cooldown.amount * sr


class StingerGate:
    def __init__(self, sr: int) -> None:
        self.sr = sr
        self._ready_at: dict[str, float] = {}  # stinger -> first sample a request is admitted
        self._ends: dict[str, list[float]] = {}  # stinger -> where each sounding copy ends

    def refusal(
        self,
        stinger: StingerSpec,
        sample: int,
        waiting: int,
        samples_per_beat: float,
        beats_per_bar: int,
    ) -> str | None:
        """Why a request for ``stinger`` at ``sample`` is refused (None: admit it, and start its
        cooldown). ``waiting`` is how many copies are pending their boundary."""
        if sample < self._ready_at.get(stinger.name, -1.0):
            return COOLDOWN
        ends = [end for end in self._ends.get(stinger.name, ()) if end > sample]
        self._ends[stinger.name] = ends
        if waiting + len(ends) >= stinger.max_playing:
            return BUSY
        wait = cooldown_samples(stinger.cooldown, self.sr, samples_per_beat, beats_per_bar)
        self._ready_at[stinger.name] = sample + wait
        return None

    def played(self, stinger: StingerSpec, end: float) -> None:
        """A copy of ``stinger`` started; its last note ends at sample ``end``."""
        self._ends.setdefault(stinger.name, []).append(end)
