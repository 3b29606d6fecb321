"""Mood from the player's situation (demos/wander/mood.py): threats near make it darker and
more intense, the meadow is calm, and everything stays within -1..1."""

from __future__ import annotations

import itertools

import pytest

from demos.wander.mood import (
    FAR,
    NEAR,
    ZONE_MOOD,
    Mood,
    danger,
    mood_from,
    proximity,
)


def test_proximity_falls_smoothly_with_distance() -> None:
    assert proximity(0) == proximity(NEAR) == 1.0
    assert proximity(FAR) == proximity(FAR * 3) == 0.0
    values = [proximity(d) for d in range(0, int(FAR) + 40, 5)]
    assert all(b <= a for a, b in itertools.pairwise(values))
    assert proximity((NEAR + FAR) / 2) == pytest.approx(0.5)


def test_danger_combines_threats() -> None:
    assert danger([]) == 0.0
    assert danger([FAR + 1, 5000]) == 0.0
    one = danger([(NEAR + FAR) / 2])
    two = danger([(NEAR + FAR) / 2] * 2)
    assert one == pytest.approx(0.5)
    assert two == pytest.approx(0.75)
    assert danger([10.0, 900.0]) == 1.0


def test_zones_have_their_own_resting_mood() -> None:
    meadow, grove, ruins = ZONE_MOOD["meadow"], ZONE_MOOD["grove"], ZONE_MOOD["ruins"]
    assert meadow[0] > grove[0] > ruins[0]  # valence: bright to dark
    assert meadow[1] < grove[1] < ruins[1]  # arousal: calm to uneasy
    assert meadow[0] > 0.5 and meadow[1] < -0.4


def test_threats_lower_valence_and_raise_arousal() -> None:
    calm = mood_from(ZONE_MOOD["grove"], 0.0, 0.0, 0.1)
    scared = mood_from(ZONE_MOOD["grove"], 0.8, 0.0, 0.1)
    assert scared[0] < calm[0] - 0.7
    assert scared[1] > calm[1] + 0.7
    running = mood_from(ZONE_MOOD["grove"], 0.0, 1.0, 0.8)
    assert running[0] == calm[0] and running[1] > calm[1] + 0.2


@pytest.mark.parametrize("zone", sorted(ZONE_MOOD))
def test_mood_stays_in_range(zone: str) -> None:
    for d in (0.0, 0.5, 1.0):
        for movement in (0.0, 1.0):
            for heart in (0.0, 1.0):
                v, a = mood_from(ZONE_MOOD[zone], d, movement, heart)
                assert -1.0 <= v <= 1.0 and -1.0 <= a <= 1.0


def test_crossing_a_border_blends_over_a_second() -> None:
    mood = Mood()
    for _ in range(3):  # 0.1 s into the ruins: still mostly meadow
        mood.update(1 / 30, "ruins", 0.0, 0.0, 0.0)
    assert mood.valence > 0.5
    for _ in range(150):  # five seconds: the ruins' own mood
        mood.update(1 / 30, "ruins", 0.0, 0.0, 0.0)
    assert (mood.valence, mood.arousal) == pytest.approx(ZONE_MOOD["ruins"], abs=0.01)
