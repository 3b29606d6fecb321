"""The world of Wander: its zones, paths, obstacles, relics and the threats that roam it.

Pure geometry and behaviour, no pygame: the renderer draws what this module describes, and the
tests walk it without a window. Coordinates are world pixels, x to the east, y to the south.

Three zones, named after the scenes of scores/forest.yaml: the ``meadow`` to the west, the
``grove`` (dense trees, shadow wolves) to the north-east and the ``ruins`` (broken stone,
wraiths) to the south-east, joined by a loop of paths. A point belongs to the zone whose centre
is nearest, with a gentle wobble so the borders are not straight lines.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Point = tuple[float, float]

WIDTH = 2400
HEIGHT = 1600
#: The player's collision radius.
PLAYER_RADIUS = 13.0
#: How close the player must come to a relic to pick it up.
PICKUP_RADIUS = 30.0
#: Seconds before a collected relic glows again at its place.
RELIC_RESPAWN = 40.0
#: Half the width of a path: trees and stones keep this far away (plus their own radius).
PATH_CLEARANCE = 46.0
#: A zone change needs the new zone to win by this many pixels, so walking along a border
#: does not flip the music back and forth.
ZONE_HYSTERESIS = 24.0


@dataclass(frozen=True)
class Zone:
    name: str
    centre: Point
    #: Phase of the border wobble, so each border bends differently.
    phase: float


ZONES: tuple[Zone, ...] = (
    Zone("meadow", (520.0, 880.0), 0.0),
    Zone("grove", (1720.0, 420.0), 2.1),
    Zone("ruins", (1740.0, 1230.0), 4.2),
)
ZONE_NAMES: tuple[str, ...] = tuple(zone.name for zone in ZONES)

#: The loop of paths: meadow to grove, grove to ruins, ruins back to the meadow.
PATHS: tuple[tuple[Point, ...], ...] = (
    (
        (300.0, 900.0),
        (560.0, 880.0),
        (700.0, 800.0),
        (1000.0, 640.0),
        (1300.0, 470.0),
        (1650.0, 420.0),
        (1900.0, 380.0),
    ),
    ((1900.0, 380.0), (2050.0, 600.0), (1980.0, 850.0), (1850.0, 1050.0), (1760.0, 1200.0)),
    (
        (1760.0, 1200.0),
        (1700.0, 1250.0),
        (1350.0, 1280.0),
        (1050.0, 1180.0),
        (760.0, 1040.0),
        (560.0, 880.0),
    ),
)
#: Short spurs from the paths to places worth visiting (relics, the pond, a shrine).
SPURS: tuple[tuple[Point, ...], ...] = (
    ((700.0, 800.0), (760.0, 700.0), (1000.0, 640.0)),
    ((1450.0, 440.0), (1560.0, 260.0), (1650.0, 420.0)),
    ((1850.0, 1050.0), (1900.0, 1200.0), (1900.0, 1330.0), (1700.0, 1250.0)),
    ((560.0, 880.0), (420.0, 1080.0), (330.0, 1180.0)),
)

START: Point = (330.0, 900.0)


@dataclass(frozen=True)
class Obstacle:
    """A round thing the player cannot walk through: a tree trunk, a pillar, a block, the pond."""

    x: float
    y: float
    r: float
    kind: str  # "tree", "pine", "bush", "pillar", "block", "pond", "rock"


@dataclass(frozen=True)
class RelicSpot:
    x: float
    y: float
    #: The stinger's intensity when this relic is collected (0..1).
    intensity: float


RELIC_SPOTS: tuple[RelicSpot, ...] = (
    RelicSpot(760.0, 700.0, 0.7),  # meadow, by the first path
    RelicSpot(1560.0, 260.0, 0.85),  # grove clearing, near the wolves
    RelicSpot(1900.0, 1330.0, 1.0),  # heart of the ruins, among the wraiths
    RelicSpot(330.0, 1180.0, 0.6),  # by the pond
    RelicSpot(2230.0, 760.0, 0.8),  # deep in the grove
    RelicSpot(1330.0, 1460.0, 0.9),  # the ruins' south edge
)


@dataclass(frozen=True)
class ThreatSpawn:
    kind: str  # "wolf" or "wraith"
    home: Point
    leash: float  # how far from home it will follow the player
    speed: float  # px/s while stalking; a walking player is faster than a wraith, not a wolf
    notice: float  # it notices the player within this distance


THREAT_SPAWNS: tuple[ThreatSpawn, ...] = (
    ThreatSpawn("wolf", (1390.0, 610.0), 210.0, 125.0, 250.0),
    ThreatSpawn("wolf", (2190.0, 520.0), 190.0, 120.0, 240.0),
    ThreatSpawn("wraith", (2010.0, 1180.0), 300.0, 80.0, 340.0),
    ThreatSpawn("wraith", (1640.0, 1420.0), 260.0, 70.0, 320.0),
    ThreatSpawn("wraith", (2160.0, 1380.0), 260.0, 75.0, 320.0),
)


# -- zones -------------------------------------------------------------------------------------
def _wobble(zone: Zone, x: Any, y: Any) -> Any:
    """A smooth bend of a few tens of pixels; works on floats and numpy arrays alike."""
    return 38.0 * np.sin(x / 97.0 + zone.phase) * np.cos(y / 131.0 - zone.phase) + 22.0 * np.sin(
        (x + y) / 61.0 + 2.0 * zone.phase
    )


def zone_distances(x: Any, y: Any) -> list[Any]:
    """Each zone's (wobbled) distance from the point(s); the smallest one wins."""
    return [
        np.hypot(x - zone.centre[0], y - zone.centre[1]) + _wobble(zone, x, y) for zone in ZONES
    ]


def zone_at(
    x: float, y: float, current: str | None = None, hysteresis: float = ZONE_HYSTERESIS
) -> str:
    """The zone at a point. With ``current``, stay in it unless another wins by ``hysteresis``."""
    distances = [float(d) for d in zone_distances(x, y)]
    best = min(range(len(ZONES)), key=distances.__getitem__)
    if current is not None and current in ZONE_NAMES:
        mine = distances[ZONE_NAMES.index(current)]
        if mine - distances[best] < hysteresis:
            return current
    return ZONES[best].name


def zone_grid(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Zone index at every point of a grid (for drawing): shape (len(ys), len(xs))."""
    gx, gy = np.meshgrid(xs, ys)
    return np.argmin(np.stack(zone_distances(gx, gy)), axis=0)


# -- paths -------------------------------------------------------------------------------------
def _segment_distance(p: Point, a: Point, b: Point) -> float:
    ax, ay = a
    dx, dy = b[0] - ax, b[1] - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((p[0] - ax) * dx + (p[1] - ay) * dy) / length2))
    return math.hypot(p[0] - (ax + t * dx), p[1] - (ay + t * dy))


def all_paths() -> tuple[tuple[Point, ...], ...]:
    return PATHS + SPURS


def distance_to_path(p: Point) -> float:
    """Distance from a point to the nearest path or spur."""
    return min(
        _segment_distance(p, a, b) for line in all_paths() for a, b in itertools.pairwise(line)
    )


def polyline_length(points: tuple[Point, ...] | list[Point]) -> float:
    return sum(math.dist(a, b) for a, b in itertools.pairwise(points))


# -- obstacles ---------------------------------------------------------------------------------
def build_obstacles(seed: int = 7) -> tuple[Obstacle, ...]:
    """The trees, stones and pond, the same for a seed: dense in the grove, sparse in the
    meadow, broken walls and pillars in the ruins. Nothing blocks a path or a relic."""
    rng = random.Random(seed)
    placed: list[Obstacle] = [Obstacle(250.0, 1300.0, 70.0, "pond")]
    keep_clear = [(s.x, s.y) for s in RELIC_SPOTS] + [START]

    def free(x: float, y: float, r: float, gap: float = 4.0) -> bool:
        if not (r < x < WIDTH - r and r < y < HEIGHT - r):
            return False
        if distance_to_path((x, y)) < PATH_CLEARANCE + r:
            return False
        if any(math.dist((x, y), spot) < 70.0 + r for spot in keep_clear):
            return False
        return all(math.dist((x, y), (o.x, o.y)) > o.r + r + gap for o in placed)

    def scatter(
        zone: str, count: int, kind: str, radius: tuple[float, float], tries: int = 6000
    ) -> None:
        added = 0
        for _ in range(tries):
            if added >= count:
                return
            x, y = rng.uniform(0, WIDTH), rng.uniform(0, HEIGHT)
            r = rng.uniform(*radius)
            if zone_at(x, y) == zone and free(x, y, r, gap=10.0 if kind != "block" else 2.0):
                placed.append(Obstacle(x, y, r, kind))
                added += 1

    # ruins: broken walls (rows of blocks with gaps), then pillars and rubble
    for (x0, y0), (x1, y1) in (
        ((1240.0, 1080.0), (1560.0, 1080.0)),
        ((2000.0, 960.0), (2330.0, 960.0)),
        ((2300.0, 980.0), (2300.0, 1500.0)),
        ((1500.0, 1540.0), (2280.0, 1540.0)),
        ((1560.0, 1110.0), (1560.0, 1330.0)),
        ((2060.0, 1120.0), (2060.0, 1260.0)),
    ):
        steps = max(1, round(math.dist((x0, y0), (x1, y1)) / 26.0))
        for i in range(steps + 1):
            if rng.random() < 0.22:
                continue  # broken
            t = i / steps
            x, y = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
            if free(x, y, 13.0, gap=-30.0):
                placed.append(Obstacle(x, y, 13.0, "block"))
    for x, y in (
        (1640.0, 1130.0),
        (1640.0, 1330.0),
        (1820.0, 1430.0),
        (2160.0, 1180.0),
        (2180.0, 1060.0),
        (1470.0, 1200.0),
        (1990.0, 1460.0),
    ):
        if free(x, y, 17.0):
            placed.append(Obstacle(x, y, 17.0, "pillar"))
    scatter("ruins", 26, "rock", (7.0, 14.0))
    # the grove: dense trees and pines
    scatter("grove", 150, "tree", (20.0, 34.0), tries=20000)
    scatter("grove", 50, "pine", (16.0, 24.0), tries=8000)
    # the meadow: a few lone trees and bushes
    scatter("meadow", 9, "tree", (24.0, 34.0))
    scatter("meadow", 22, "bush", (10.0, 16.0))
    scatter("ruins", 10, "bush", (9.0, 13.0))
    return tuple(placed)


def collision_radius(obstacle: Obstacle) -> float:
    """Trees block at their trunk, not their canopy: the player walks under the leaves' edge."""
    if obstacle.kind in ("tree", "pine"):
        return obstacle.r * 0.45
    return obstacle.r


def move(
    pos: Point, delta: Point, obstacles: tuple[Obstacle, ...], radius: float = PLAYER_RADIUS
) -> Point:
    """Move by ``delta``, sliding around obstacles and staying inside the world."""
    x, y = pos[0] + delta[0], pos[1] + delta[1]
    for _ in range(3):
        pushed = False
        for o in obstacles:
            reach = collision_radius(o) + radius
            dx, dy = x - o.x, y - o.y
            if abs(dx) >= reach or abs(dy) >= reach:
                continue
            d = math.hypot(dx, dy)
            if d < reach:
                if d < 1e-6:
                    dx, dy, d = 1.0, 0.0, 1.0
                x, y = o.x + dx / d * reach, o.y + dy / d * reach
                pushed = True
        if not pushed:
            break
    x = min(WIDTH - radius, max(radius, x))
    y = min(HEIGHT - radius, max(radius, y))
    return x, y


# -- relics ------------------------------------------------------------------------------------
@dataclass
class Relic:
    spot: RelicSpot
    #: Game time it was collected, None while it glows.
    taken_at: float | None = None

    @property
    def pos(self) -> Point:
        return self.spot.x, self.spot.y

    def available(self, now: float) -> bool:
        if self.taken_at is not None and now - self.taken_at >= RELIC_RESPAWN:
            self.taken_at = None
        return self.taken_at is None


# -- threats -----------------------------------------------------------------------------------
@dataclass
class Threat:
    """A shadow wolf or a wraith: it wanders near its home, stalks a player who comes close
    (keeping a few body lengths away, circling), and goes home when the player leaves its
    ground. It never attacks: it is there to be felt, in the music and the heart rate."""

    spawn: ThreatSpawn
    x: float
    y: float
    target: Point
    heading: float = 0.0
    stalking: bool = False
    #: Seconds until it picks a new wander target.
    wait: float = 0.0
    #: Circling direction while stalking (+1 or -1).
    orbit: float = 1.0
    trail: list[Point] = field(default_factory=list)

    @classmethod
    def spawn_at(cls, spawn: ThreatSpawn, rng: random.Random) -> Threat:
        return cls(
            spawn,
            spawn.home[0],
            spawn.home[1],
            spawn.home,
            orbit=rng.choice((-1.0, 1.0)),
            heading=rng.uniform(0, 2 * math.pi),
        )

    @property
    def pos(self) -> Point:
        return self.x, self.y

    def update(self, dt: float, player: Point, rng: random.Random) -> None:
        s = self.spawn
        to_player = math.dist(self.pos, player)
        player_from_home = math.dist(s.home, player)
        if self.stalking:  # it gives up when the player leaves its ground
            self.stalking = player_from_home < s.leash + 60.0 and to_player < s.notice + 120.0
        else:
            self.stalking = to_player < s.notice and player_from_home < s.leash
        if self.stalking:
            # approach to a stalking distance, then circle the player
            keep = 95.0 if s.kind == "wolf" else 85.0
            angle = math.atan2(self.y - player[1], self.x - player[0]) + self.orbit * 0.55
            goal = (player[0] + keep * math.cos(angle), player[1] + keep * math.sin(angle))
            speed = s.speed
        else:
            self.wait -= dt
            if self.wait <= 0 or math.dist(self.pos, self.target) < 8.0:
                a = rng.uniform(0, 2 * math.pi)
                d = rng.uniform(0.2, 0.75) * s.leash
                self.target = (s.home[0] + d * math.cos(a), s.home[1] + d * math.sin(a))
                self.wait = rng.uniform(2.5, 5.0)
            goal = self.target
            speed = 0.32 * s.speed
        dx, dy = goal[0] - self.x, goal[1] - self.y
        d = math.hypot(dx, dy)
        if d > 1e-6:
            step = min(d, speed * dt)
            self.x += dx / d * step
            self.y += dy / d * step
            want = math.atan2(dy, dx)
            turn = (want - self.heading + math.pi) % (2 * math.pi) - math.pi
            self.heading += max(-6.0 * dt, min(6.0 * dt, turn))
        self.x = min(WIDTH - 10.0, max(10.0, self.x))
        self.y = min(HEIGHT - 10.0, max(10.0, self.y))
        self.trail.append(self.pos)
        del self.trail[:-12]


@dataclass
class World:
    """Everything static, plus the relics and threats that change as the game runs."""

    obstacles: tuple[Obstacle, ...]
    relics: list[Relic]
    threats: list[Threat]
    rng: random.Random

    @classmethod
    def build(cls, seed: int = 7) -> World:
        rng = random.Random(seed)
        return cls(
            build_obstacles(seed),
            [Relic(spot) for spot in RELIC_SPOTS],
            [Threat.spawn_at(spawn, rng) for spawn in THREAT_SPAWNS],
            rng,
        )

    def update_threats(self, dt: float, player: Point) -> None:
        for threat in self.threats:
            threat.update(dt, player, self.rng)

    def nearest_threat(self, p: Point) -> float:
        return min((math.dist(p, t.pos) for t in self.threats), default=math.inf)
