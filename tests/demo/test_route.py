"""The autopilot's route, played without a window or an engine (demos/wander/autopilot.py,
sim.py): every zone in order, relics, threats passed, a sprint, and a heart that follows."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import pytest

from demos.wander.autopilot import ROUTE, Autopilot, walking_time
from demos.wander.sim import Game, RelicCollected, ZoneEntered

DT = 1 / 30


@dataclass
class Run:
    zones: list[tuple[str, float]] = field(default_factory=list)
    pickups: list[float] = field(default_factory=list)
    nearest: float = math.inf
    peak_danger: float = 0.0
    sprinted: float = 0.0
    heart: list[float] = field(default_factory=list)
    arousal: dict[str, list[float]] = field(default_factory=dict)
    photo: float | None = None
    finished: float | None = None


def play(seconds: float, dt: float = DT) -> Run:
    game, pilot, run = Game(), Autopilot(seconds), Run()
    for _ in range(round(seconds / dt)):
        for event in game.step(dt, pilot.intent(game, dt)):
            if isinstance(event, ZoneEntered):
                run.zones.append((event.zone, event.time))
            elif isinstance(event, RelicCollected):
                run.pickups.append(event.time)
        run.nearest = min(run.nearest, game.world.nearest_threat(game.pos))
        run.peak_danger = max(run.peak_danger, game.danger)
        run.sprinted += dt if game.sprinting else 0.0
        run.heart.append(game.heart.bpm)
        run.arousal.setdefault(game.zone, []).append(game.mood.arousal)
        if pilot.photo_due:
            run.photo = game.time
        if pilot.finished and run.finished is None:
            run.finished = game.time
    return run


@pytest.fixture(scope="module")
def run45() -> Run:
    return play(45.0)


def test_visits_every_zone_in_order(run45: Run) -> None:
    assert [zone for zone, _ in run45.zones] == ["meadow", "grove", "ruins", "meadow"]
    times = [t for _, t in run45.zones]
    stays = [b - a for a, b in itertools.pairwise(times)]
    # long enough in each for a scene change to land (a bar) and fade (3 s), and be heard
    assert all(stay >= 9.0 for stay in stays), stays
    assert run45.finished is not None and run45.finished <= 0.9 * 45


def test_collects_relics_and_meets_threats(run45: Run) -> None:
    assert len(run45.pickups) >= 2
    assert run45.nearest < 150.0
    assert run45.peak_danger > 0.8
    assert run45.sprinted > 2.0
    assert run45.photo is not None  # the screenshot moment, among the wraiths
    assert 25.0 < run45.photo < 40.0


def test_the_music_gets_different_inputs_in_each_zone(run45: Run) -> None:
    mean = {zone: sum(values) / len(values) for zone, values in run45.arousal.items()}
    assert mean["meadow"] < -0.2 < mean["ruins"]
    assert mean["meadow"] < mean["grove"] < mean["ruins"]


def test_the_heart_races_and_recovers(run45: Run) -> None:
    heart = run45.heart
    peak = max(heart)
    assert heart[0] < 70
    assert 110 < peak <= 170
    assert heart[-1] < peak - 5  # recovering at rest in the meadow, slowly
    assert max(abs(b - a) for a, b in itertools.pairwise(heart)) < 1.0  # no jumps at 30 fps


@pytest.mark.parametrize("seconds", [35.0, 60.0, 90.0])
def test_pauses_stretch_to_fill_the_time(seconds: float) -> None:
    run = play(seconds)
    assert [zone for zone, _ in run.zones] == ["meadow", "grove", "ruins", "meadow"]
    assert len(run.pickups) >= 2
    assert run.finished is not None and run.finished <= 0.92 * seconds


def test_the_route_walks_about_half_a_minute() -> None:
    assert 20.0 < walking_time() < 32.0
    assert any(leg.sprint for leg in ROUTE) and sum(leg.photo for leg in ROUTE) == 1


def test_too_short_to_finish_still_moves_on() -> None:
    run = play(12.0)
    assert run.zones[0][0] == "meadow" and run.finished is None
