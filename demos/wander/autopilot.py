"""The scripted walk of ``--autopilot SECONDS``: meadow → grove → ruins → back to the meadow.

It follows the paths, picks up the relics in the meadow, the grove clearing and the heart of the
ruins, walks past the shadow wolves, lingers among the wraiths, then sprints home and rests
while the heart slows down. Walking takes about 27 s; the pauses stretch or shrink so that the
route ends at about 88 % of SECONDS, leaving the rest of the time to rest in the meadow. Below
about 30 s there is no time to pause and the run ends before the route does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from demos.wander import world as w
from demos.wander.sim import SPRINT_SPEED, WALK_SPEED, Game, Intent

#: The share of SECONDS the route (walks and pauses) should take.
ROUTE_SHARE = 0.88
#: Close enough to a waypoint to head for the next one.
ARRIVED = 10.0


@dataclass(frozen=True)
class Leg:
    """Walk (or sprint) to ``to``, then pause there for ``pause`` nominal seconds."""

    to: w.Point
    sprint: bool = False
    pause: float = 0.0
    #: The moment to take ``--screenshot`` (halfway through the pause).
    photo: bool = False
    note: str = ""


ROUTE: tuple[Leg, ...] = (
    Leg((560.0, 880.0), pause=1.2, note="look around the meadow"),
    Leg((700.0, 800.0)),
    Leg((760.0, 700.0), pause=1.0, note="relic by the path"),
    Leg((1000.0, 640.0)),
    Leg((1300.0, 470.0), pause=1.0, note="into the grove: a wolf stirs"),
    Leg((1450.0, 440.0)),
    Leg((1560.0, 260.0), pause=1.5, note="relic in the clearing"),
    Leg((1650.0, 420.0)),
    Leg((1900.0, 380.0)),
    Leg((2050.0, 600.0), note="past the second wolf"),
    Leg((1980.0, 850.0)),
    Leg((1850.0, 1050.0), note="into the ruins"),
    Leg((1900.0, 1200.0)),
    Leg((1900.0, 1330.0), pause=3.0, photo=True, note="relic among the wraiths"),
    Leg((1700.0, 1250.0), sprint=True, note="run!"),
    Leg((1350.0, 1280.0), sprint=True),
    Leg((1050.0, 1180.0), sprint=True),
    Leg((760.0, 1040.0), sprint=True),
    Leg((560.0, 880.0), note="home: rest"),
)


def walking_time(route: tuple[Leg, ...] = ROUTE, start: w.Point = w.START) -> float:
    """Seconds the route takes without its pauses, at walking and sprinting speed."""
    total, here = 0.0, start
    for leg in route:
        total += math.dist(here, leg.to) / (SPRINT_SPEED if leg.sprint else WALK_SPEED)
        here = leg.to
    return total


class Autopilot:
    """Steers a :class:`Game` along a route; :meth:`intent` once a frame."""

    def __init__(
        self, seconds: float, route: tuple[Leg, ...] = ROUTE, start: w.Point = w.START
    ) -> None:
        self.route = route
        self.seconds = seconds
        nominal = sum(leg.pause for leg in route)
        spare = ROUTE_SHARE * seconds - walking_time(route, start) * 1.04  # 4 %: accelerating
        self.pause_scale = max(0.0, spare) / nominal if nominal > 0 else 0.0
        self.leg = 0
        self.paused = 0.0
        self.photo_due = False
        self._photo_taken = False

    @property
    def finished(self) -> bool:
        return self.leg >= len(self.route)

    @property
    def current(self) -> Leg | None:
        return None if self.finished else self.route[self.leg]

    def intent(self, game: Game, dt: float) -> Intent:
        self.photo_due = False
        while not self.finished:
            leg = self.route[self.leg]
            dx, dy = leg.to[0] - game.x, leg.to[1] - game.y
            if math.hypot(dx, dy) > ARRIVED and self.paused == 0.0:
                return Intent(dx, dy, leg.sprint)
            pause = leg.pause * self.pause_scale
            if self.paused < pause:
                self.paused += dt
                if leg.photo and not self._photo_taken and self.paused >= pause / 2:
                    self.photo_due = self._photo_taken = True
                return Intent()
            self.leg += 1
            self.paused = 0.0
        return Intent()
