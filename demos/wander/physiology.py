"""A simulated heart rate with plausible physiology, for the ``heartrate`` input.

The heart follows a target with a first-order lag: ``target = rest + exertion + fear``, clamped
to 55..170 BPM, and the rate moves toward it exponentially, faster on the way up (a sprint or a
fright shows within seconds) than on the way down (recovery at rest takes tens of seconds).
A real heart does the same: sympathetic drive is quick, parasympathetic recovery is slow. The
rate never jumps: over one step it moves by at most ``(target - rate) * dt / tau``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MIN_BPM = 55.0
MAX_BPM = 170.0
REST_BPM = 62.0
#: Time constant (s) of the rise toward a higher target: a sprint shows in a few seconds.
TAU_RISE = 7.0
#: Time constant (s) of the recovery toward a lower target: tens of seconds, as at rest.
TAU_RECOVER = 28.0
#: BPM added at full exertion (movement 1, a sprint) and at full fear (a threat at your side).
EXERTION_BPM = 85.0
FEAR_BPM = 45.0


def exertion_bpm(movement: float) -> float:
    """Extra BPM for moving at ``movement`` (0 still .. 1 sprinting): a walk (about 0.55) adds
    about 17, a sprint the full 85; the steep end is what running costs."""
    m = min(1.0, max(0.0, movement))
    return EXERTION_BPM * (0.22 * m + 0.78 * m**4)


def target_bpm(movement: float, danger: float, rest: float = REST_BPM) -> float:
    """Where the heart is heading: rest + exertion + fear, within 55..170."""
    fear = FEAR_BPM * min(1.0, max(0.0, danger))
    return min(MAX_BPM, max(MIN_BPM, rest + exertion_bpm(movement) + fear))


@dataclass
class Heart:
    """The heart rate, stepped with the game: :meth:`update` once a frame."""

    bpm: float = REST_BPM + 2.0
    rest: float = REST_BPM
    tau_rise: float = TAU_RISE
    tau_recover: float = TAU_RECOVER
    target: float = REST_BPM

    def update(self, dt: float, movement: float, danger: float) -> float:
        """Advance by ``dt`` seconds with the player's current movement and danger (0..1)."""
        self.target = target_bpm(movement, danger, self.rest)
        tau = self.tau_rise if self.target > self.bpm else self.tau_recover
        # exact for a constant target over the step, so the frame rate does not matter
        self.bpm += (self.target - self.bpm) * (1.0 - math.exp(-max(0.0, dt) / tau))
        self.bpm = min(MAX_BPM, max(MIN_BPM, self.bpm))
        return self.bpm

    @property
    def exertion(self) -> float:
        """0 at rest .. 1 at the maximum: for the HUD and for arousal."""
        return (self.bpm - MIN_BPM) / (MAX_BPM - MIN_BPM)
