"""One step of the game: the player moves, threats roam, the heart and the mood follow.

No pygame and no networking: the app feeds :meth:`Game.step` an :class:`Intent` (from the
keyboard or the autopilot) and turns the events it returns into OSC and pictures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from demos.wander import mood as mood_model
from demos.wander import world as w
from demos.wander.physiology import Heart

#: Player speeds in px/s. movement = speed / SPRINT_SPEED, so a walk reads about 0.55.
WALK_SPEED = 145.0
SPRINT_SPEED = 265.0
#: Seconds for the player's velocity to reach what the keys ask (a little weight to the body).
ACCELERATION_TAU = 0.12


@dataclass(frozen=True)
class Intent:
    """What the player wants this frame: a direction (need not be unit length) and sprint."""

    dx: float = 0.0
    dy: float = 0.0
    sprint: bool = False


@dataclass(frozen=True)
class ZoneEntered:
    zone: str
    time: float


@dataclass(frozen=True)
class RelicCollected:
    index: int
    intensity: float
    time: float


Event = ZoneEntered | RelicCollected


@dataclass
class Game:
    world: w.World = field(default_factory=w.World.build)
    x: float = w.START[0]
    y: float = w.START[1]
    vx: float = 0.0
    vy: float = 0.0
    facing: float = 0.0
    sprinting: bool = False
    time: float = 0.0
    zone: str = ""
    danger: float = 0.0
    heart: Heart = field(default_factory=Heart)
    mood: mood_model.Mood = field(default_factory=mood_model.Mood)
    relics_collected: int = 0
    #: Distance walked, for footstep animation.
    walked: float = 0.0

    @property
    def pos(self) -> w.Point:
        return self.x, self.y

    @property
    def speed(self) -> float:
        return math.hypot(self.vx, self.vy)

    @property
    def movement(self) -> float:
        """0 (still) .. 1 (sprinting), as the engine's ``movement`` input wants it."""
        return min(1.0, self.speed / SPRINT_SPEED)

    def start(self) -> list[Event]:
        """The events of the first frame: the zone the player starts in."""
        self.zone = w.zone_at(self.x, self.y)
        self.mood.base = mood_model.ZONE_MOOD[self.zone]
        return [ZoneEntered(self.zone, self.time)]

    def step(self, dt: float, intent: Intent) -> list[Event]:
        events: list[Event] = []
        if not self.zone:
            events += self.start()
        dt = max(0.0, min(dt, 0.1))  # a stalled frame must not teleport anyone
        self.time += dt
        # the player
        length = math.hypot(intent.dx, intent.dy)
        self.sprinting = intent.sprint and length > 0.1
        top = SPRINT_SPEED if self.sprinting else WALK_SPEED
        want = (intent.dx / length * top, intent.dy / length * top) if length > 0.1 else (0, 0)
        k = 1.0 - math.exp(-dt / ACCELERATION_TAU)
        self.vx += (want[0] - self.vx) * k
        self.vy += (want[1] - self.vy) * k
        if self.speed < 1.0 and length <= 0.1:
            self.vx = self.vy = 0.0
        before = self.pos
        self.x, self.y = w.move(before, (self.vx * dt, self.vy * dt), self.world.obstacles)
        moved = math.dist(before, self.pos)
        self.walked += moved
        if dt > 0 and moved < 0.5 * self.speed * dt:  # blocked: the body stops too
            self.vx, self.vy = (self.x - before[0]) / dt, (self.y - before[1]) / dt
        if length > 0.1:
            self.facing = math.atan2(intent.dy, intent.dx)
        # the world answers
        self.world.update_threats(dt, self.pos)
        self.danger = mood_model.danger(math.dist(self.pos, t.pos) for t in self.world.threats)
        zone = w.zone_at(self.x, self.y, self.zone)
        if zone != self.zone:
            self.zone = zone
            events.append(ZoneEntered(zone, self.time))
        for index, relic in enumerate(self.world.relics):
            if relic.available(self.time) and math.dist(self.pos, relic.pos) <= w.PICKUP_RADIUS:
                relic.taken_at = self.time
                self.relics_collected += 1
                events.append(RelicCollected(index, relic.spot.intensity, self.time))
        self.heart.update(dt, self.movement, self.danger)
        self.mood.update(dt, self.zone, self.danger, self.movement, self.heart.exertion)
        return events
