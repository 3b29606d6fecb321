"""Valence and arousal from where the player is and what is near: the game's emotional model.

Each zone has a resting mood (the meadow is bright and calm, the ruins dark and uneasy). Danger,
from the nearness of threats, pulls valence down and arousal up; running and a racing heart
raise arousal a little more. The zone's mood blends over a second when the player crosses a
border; danger acts at once (the engine's own smoothing, 1.5 s in forest.yaml, shapes it).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

#: Resting (valence, arousal) of each zone, both -1..1.
ZONE_MOOD: dict[str, tuple[float, float]] = {
    "meadow": (0.7, -0.6),
    "grove": (0.1, -0.15),
    "ruins": (-0.35, 0.2),
}
#: Danger is 1 within NEAR pixels of a threat and fades to 0 at FAR.
NEAR = 70.0
FAR = 320.0
#: How much full danger moves valence (down) and arousal (up).
DANGER_VALENCE = 1.1
DANGER_AROUSAL = 1.25
#: Arousal added at full movement (a sprint) and at full heart exertion.
MOVEMENT_AROUSAL = 0.2
HEART_AROUSAL = 0.25
#: Seconds over which the zone's resting mood blends into the next zone's.
ZONE_BLEND = 1.0


def proximity(distance: float, near: float = NEAR, far: float = FAR) -> float:
    """0 beyond ``far``, 1 within ``near``, a smooth S-curve between."""
    if distance <= near:
        return 1.0
    if distance >= far:
        return 0.0
    t = (far - distance) / (far - near)
    return t * t * (3.0 - 2.0 * t)


def danger(distances: Iterable[float]) -> float:
    """Combined danger of several threats: each adds to what the others leave (1 - Π(1 - p))."""
    calm = 1.0
    for d in distances:
        calm *= 1.0 - proximity(d)
    return 1.0 - calm


def clamp(value: float, lo: float = -1.0, hi: float = 1.0) -> float:
    return min(hi, max(lo, value))


def mood_from(
    base: tuple[float, float], danger_level: float, movement: float, heart_exertion: float
) -> tuple[float, float]:
    """(valence, arousal) for a resting mood plus danger (0..1), movement (0..1) and the
    heart's exertion (0 at 55 BPM .. 1 at 170)."""
    valence = base[0] - DANGER_VALENCE * danger_level
    arousal = (
        base[1]
        + DANGER_AROUSAL * danger_level
        + MOVEMENT_AROUSAL * movement
        + HEART_AROUSAL * max(0.0, heart_exertion - 0.1)
    )
    return clamp(valence), clamp(arousal)


@dataclass
class Mood:
    """The mood as the game sends it, with the zone's resting mood blended over time."""

    base: tuple[float, float] = ZONE_MOOD["meadow"]
    valence: float = ZONE_MOOD["meadow"][0]
    arousal: float = ZONE_MOOD["meadow"][1]

    def update(
        self, dt: float, zone: str, danger_level: float, movement: float, heart_exertion: float
    ) -> tuple[float, float]:
        goal = ZONE_MOOD.get(zone, (0.0, 0.0))
        k = 1.0 - math.exp(-max(0.0, dt) / ZONE_BLEND)
        self.base = (
            self.base[0] + (goal[0] - self.base[0]) * k,
            self.base[1] + (goal[1] - self.base[1]) * k,
        )
        self.valence, self.arousal = mood_from(self.base, danger_level, movement, heart_exertion)
        return self.valence, self.arousal
