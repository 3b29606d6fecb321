"""The world's geometry (demos/wander/world.py): zones where the map says, borders that do not
flicker, paths kept clear, collisions, and threats that stalk and give up."""

from __future__ import annotations

import itertools
import math
import random

import numpy as np
import pytest

from demos.wander import world as w


@pytest.fixture(scope="module")
def obstacles() -> tuple[w.Obstacle, ...]:
    return w.build_obstacles()


def test_zones_are_the_scenes_of_forest_yaml() -> None:
    assert w.ZONE_NAMES == ("meadow", "grove", "ruins")
    for zone in w.ZONES:
        assert w.zone_at(*zone.centre) == zone.name
    assert w.zone_at(*w.START) == "meadow"
    assert w.zone_at(100, 100) == "meadow"  # the west
    assert w.zone_at(2300, 100) == "grove"  # the north-east
    assert w.zone_at(2300, 1500) == "ruins"  # the south-east


def test_every_zone_is_large_and_the_grid_agrees_with_the_lookup() -> None:
    xs = np.arange(10, w.WIDTH, 40.0)
    ys = np.arange(10, w.HEIGHT, 40.0)
    grid = w.zone_grid(xs, ys)
    shares = np.bincount(grid.ravel(), minlength=3) / grid.size
    assert all(share > 0.2 for share in shares), shares
    for (j, y), (i, x) in itertools.product(list(enumerate(ys))[::7], list(enumerate(xs))[::7]):
        assert w.ZONE_NAMES[grid[j, i]] == w.zone_at(x, y)


def test_borders_have_hysteresis() -> None:
    # walk east along y = 600 and find where the meadow gives way to the grove
    xs = np.arange(600.0, 1800.0, 1.0)
    border = next(x for x in xs if w.zone_at(x, 600.0) == "grove")
    assert w.zone_at(border + 2, 600.0, current="meadow") == "meadow"  # a step over: no flip
    assert w.zone_at(border + 80, 600.0, current="meadow") == "grove"  # well inside: grove
    assert w.zone_at(border - 2, 600.0, current="grove") == "grove"


def test_paths_join_the_zones_in_a_loop() -> None:
    for line in w.PATHS:
        assert w.polyline_length(line) > 500
    assert [w.zone_at(*line[0]) for line in w.PATHS] == ["meadow", "grove", "ruins"]
    assert [w.zone_at(*line[-1]) for line in w.PATHS] == ["grove", "ruins", "meadow"]
    ends = [(line[0], line[-1]) for line in w.PATHS]
    for (_, end), (start, _) in zip(ends, ends[1:] + ends[:1], strict=False):
        assert math.dist(end, start) < 300


def test_nothing_blocks_a_path_or_a_relic(obstacles: tuple[w.Obstacle, ...]) -> None:
    kinds = {o.kind for o in obstacles}
    assert {"tree", "pine", "pillar", "block", "pond"} <= kinds
    grove = sum(o.kind in ("tree", "pine") and w.zone_at(o.x, o.y) == "grove" for o in obstacles)
    meadow = sum(o.kind in ("tree", "pine") and w.zone_at(o.x, o.y) == "meadow" for o in obstacles)
    assert grove > 8 * meadow > 0  # dense trees in the grove, a few in the meadow
    for o in obstacles:
        assert w.distance_to_path((o.x, o.y)) >= w.collision_radius(o) + w.PLAYER_RADIUS
    for spot in w.RELIC_SPOTS:
        assert w.move((spot.x, spot.y), (0.0, 0.0), obstacles) == (spot.x, spot.y)
    assert w.build_obstacles() == obstacles  # the same world every time


def test_move_slides_around_obstacles_and_stays_inside() -> None:
    rock = (w.Obstacle(100.0, 100.0, 20.0, "rock"),)
    x, y = w.move((50.0, 100.0), (40.0, 0.0), rock)  # into the rock
    assert math.dist((x, y), (100.0, 100.0)) >= 20.0 + w.PLAYER_RADIUS - 1e-6
    assert w.move((5.0, 5.0), (-50.0, -50.0), ()) == (w.PLAYER_RADIUS, w.PLAYER_RADIUS)
    far = w.move((w.WIDTH - 20.0, 300.0), (100.0, 0.0), ())
    assert far[0] == w.WIDTH - w.PLAYER_RADIUS


def test_a_threat_stalks_a_player_on_its_ground_and_gives_up_when_they_leave() -> None:
    rng = random.Random(1)
    spawn = w.THREAT_SPAWNS[0]
    threat = w.Threat.spawn_at(spawn, rng)
    player = (spawn.home[0] + 180.0, spawn.home[1])
    for _ in range(150):
        threat.update(1 / 30, player, rng)
    assert threat.stalking
    assert 50.0 < math.dist(threat.pos, player) < 140.0  # close, but it keeps its distance
    gone = (spawn.home[0] + spawn.leash + 400.0, spawn.home[1])
    for _ in range(600):
        threat.update(1 / 30, gone, rng)
    assert not threat.stalking
    assert math.dist(threat.pos, spawn.home) <= spawn.leash


def test_the_meadow_is_safe_and_the_ruins_are_not() -> None:
    zones = [w.zone_at(*spawn.home) for spawn in w.THREAT_SPAWNS]
    assert "meadow" not in zones
    assert zones.count("ruins") >= 2 and zones.count("grove") >= 1
    relic_zones = {w.zone_at(s.x, s.y) for s in w.RELIC_SPOTS}
    assert relic_zones == set(w.ZONE_NAMES)
