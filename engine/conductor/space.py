"""Where placed layers and stingers sound relative to the listener's head (docs/spatial.md).

Decisions only, as data: a source's position in the world (the score's, fixed or a curve of
inputs, or the last one a game sent with ``/source/NAME/position``) and the head's orientation
(``/listener/orientation``) give its direction and distance from the head, which go out as
:class:`~engine.events.SetPosition` actions; the sound side (``engine.dsp``) only plays them.

Conventions (the listener's own frame): azimuth is the bearing from straight ahead, positive to
the right (clockwise seen from above), -180..180; elevation is positive up; distance in metres.
The head turns by yaw (positive: turning right, the same sense as azimuth), then pitch (positive:
looking up), then roll (positive: tilting the right ear down), as a VR runtime reports a head's
Euler angles in that order. A source at azimuth ``a`` with the head turned by yaw ``y`` (no pitch
or roll) is heard at ``a - y``.

Work is change-driven: nothing is computed unless a source moved, the head turned, or an input
that a position maps from changed; then only for the channels concerned.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from engine import defaults
from engine.events import SetPosition
from engine.score.model import PositionSpec, Score

_EL = defaults.POSITION_RANGES["elevation"]
_DIST = defaults.POSITION_RANGES["distance"]
#: Smallest change worth sending: a hundredth of a degree, a tenth of a millimetre.
_RESEND_DEGREES = 0.01
_RESEND_METRES = 1e-4


def wrap180(degrees: float) -> float:
    """``degrees`` wrapped into [-180, 180)."""
    return (degrees + 180.0) % 360.0 - 180.0


def clamp_position(azimuth: float, elevation: float, distance: float) -> tuple[float, float, float]:
    """A world position made safe: azimuth wrapped, elevation and distance clamped to their
    ranges (finite values only: the router refuses the rest)."""
    return (
        wrap180(azimuth),
        min(_EL[1], max(_EL[0], elevation)),
        min(_DIST[1], max(_DIST[0], distance)),
    )


def relative(
    azimuth: float,
    elevation: float,
    distance: float,
    yaw: float,
    pitch: float,
    roll: float,
) -> tuple[float, float, float]:
    """A world position seen from a head turned by ``yaw``, ``pitch`` and ``roll`` (degrees):
    (azimuth, elevation, distance) in the head's frame."""
    az, el = math.radians(azimuth), math.radians(elevation)
    # The source's direction: x right, y up, z ahead.
    x, y, z = math.cos(el) * math.sin(az), math.sin(el), math.cos(el) * math.cos(az)
    ya, pi, ro = math.radians(yaw), math.radians(pitch), math.radians(roll)
    # The head's axes in the world: yaw turns ahead toward the right ...
    fx, fy, fz = math.sin(ya), 0.0, math.cos(ya)
    rx, ry, rz = math.cos(ya), 0.0, -math.sin(ya)
    ux, uy, uz = 0.0, 1.0, 0.0
    # ... pitch lifts ahead toward up ...
    cp, sp = math.cos(pi), math.sin(pi)
    fx, fy, fz, ux, uy, uz = (
        fx * cp + ux * sp,
        fy * cp + uy * sp,
        fz * cp + uz * sp,
        ux * cp - fx * sp,
        uy * cp - fy * sp,
        uz * cp - fz * sp,
    )
    # ... and roll lowers the right ear.
    cr, sr = math.cos(ro), math.sin(ro)
    rx, ry, rz, ux, uy, uz = (
        rx * cr - ux * sr,
        ry * cr - uy * sr,
        rz * cr - uz * sr,
        ux * cr + rx * sr,
        uy * cr + ry * sr,
        uz * cr + rz * sr,
    )
    right = x * rx + y * ry + z * rz
    up = x * ux + y * uy + z * uz
    ahead = x * fx + y * fy + z * fz
    rel_az = math.degrees(math.atan2(right, ahead))
    rel_el = math.degrees(math.asin(min(1.0, max(-1.0, up))))
    return wrap180(rel_az), rel_el, distance


@dataclass
class _Source:
    spec: PositionSpec
    world: tuple[float, float, float]
    sent: tuple[float, float, float] | None = None
    #: A game placed it (``/source``): its curves no longer move it.
    placed_by_game: bool = False


class Space:
    """The placed channels, their world positions, and the listener's head."""

    def __init__(self, score: Score, inputs: dict[str, float]) -> None:
        self.sources: dict[str, _Source] = {}
        self.orientation = (0.0, 0.0, 0.0)
        self._dirty: set[str] = set()
        self.adopt(score, inputs)

    def adopt(self, score: Score, inputs: dict[str, float]) -> None:
        """The placed channels of ``score`` (a reload): a source that stays keeps where a game
        put it; every one is sent again."""
        old = self.sources
        self.sources = {}
        specs: dict[str, PositionSpec] = {
            f"stinger:{s.name}": s.position for s in score.stingers.values() if s.position
        }
        specs.update({n: layer.position for n, layer in score.layers.items() if layer.position})
        for channel, spec in specs.items():
            before = old.get(channel)
            if before is not None and before.placed_by_game:
                self.sources[channel] = _Source(spec, before.world, None, True)
            else:
                self.sources[channel] = _Source(spec, clamp_position(*spec.evaluate(inputs)))
        #: Whether any position follows an input (then input changes are looked at).
        self.mapped = any(not s.spec.is_constant for s in self.sources.values())
        self._dirty = set(self.sources)

    def place(self, channel: str, azimuth: float, elevation: float, distance: float) -> None:
        source = self.sources.get(channel)
        if source is None:
            return
        source.world = clamp_position(azimuth, elevation, distance)
        source.placed_by_game = True
        self._dirty.add(channel)

    def orient(self, yaw: float, pitch: float, roll: float) -> None:
        orientation = (wrap180(yaw), min(90.0, max(-90.0, pitch)), wrap180(roll))
        if orientation != self.orientation:
            self.orientation = orientation
            self._dirty.update(self.sources)

    def inputs_moved(self, inputs: dict[str, float]) -> None:
        """Re-evaluate the positions that follow inputs (call when the state bus moved)."""
        if not self.mapped:
            return
        for channel, source in self.sources.items():
            if not source.placed_by_game and not source.spec.is_constant:
                world = clamp_position(*source.spec.evaluate(inputs))
                if world != source.world:
                    source.world = world
                    self._dirty.add(channel)

    def resend(self) -> None:
        """Send every position again (to a performer that was rebuilt)."""
        for source in self.sources.values():
            source.sent = None
        self._dirty.update(self.sources)

    @property
    def dirty(self) -> bool:
        return bool(self._dirty)

    def actions(self) -> list[SetPosition]:
        """The positions that changed since they were sent, relative to the head."""
        out = []
        for channel in sorted(self._dirty):
            source = self.sources.get(channel)
            if source is None:
                continue
            rel = relative(*source.world, *self.orientation)
            last = source.sent
            if (
                last is not None
                and abs(wrap180(rel[0] - last[0])) < _RESEND_DEGREES
                and abs(rel[1] - last[1]) < _RESEND_DEGREES
                and abs(rel[2] - last[2]) < _RESEND_METRES
            ):
                continue
            source.sent = rel
            out.append(SetPosition(channel, *rel))
        self._dirty.clear()
        return out
