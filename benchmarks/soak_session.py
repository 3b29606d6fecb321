"""The soak's player: an endless, seeded stream of everything a game may send a score.

Every declared input (the built-in ones and the score's own) walks at random through its range,
sent through each address it is bound to; now and then a value sits on an edge, far out of
range, or is not finite, and now and then a message is plain garbage. Scene changes, stingers
(with intensities outside 0..1 too), tempo overrides and hand-backs (``/tempo 0``) and ``/seed``
changes arrive at random intervals. Messages are made one at a time, as the render reaches
them, so a two-hour session holds no more than one message ahead.

Each message carries what the router must make of it: ``"accepted"`` or the reason it must be
refused (the names of :attr:`engine.state.router.Router.dropped`), so the soak can check that
every refusal was counted and nothing else was lost.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

from engine.score.model import InputSpec, Score

ACCEPTED = "accepted"

#: Mean seconds between messages of each kind (each gap is drawn from 0.5x..1.5x of it).
EVERY = {
    "input": 0.25,  # a game sending its state four times a second
    "scene": 60.0,
    "event": 20.0,
    "tempo": 75.0,
    "seed": 300.0,
}
#: Every kind but inputs first comes within this many seconds (a game sets things up as it
#: starts), so that even a short soak sees each kind at least once.
FIRST_WITHIN = 30.0

#: Shares of input messages that are not an ordinary step of the walk.
EDGE_SHARE = 0.03  # exactly the input's minimum or maximum
OUT_OF_RANGE_SHARE = 0.03  # beyond the range (the bus clamps)
NON_FINITE_SHARE = 0.02  # NaN or an infinity (refused)
GARBAGE_SHARE = 0.02  # wrong type, missing argument, unknown input
MOOD_SHARE = 0.03  # /state/mood valence arousal
BINDING_SHARE = 0.1  # through another bound address (with its own transform), if any
STEP = 0.1  # largest walk step, as a share of the input's range
HAND_BACK_SHARE = 0.35  # tempo overrides that hand tempo back to the score (/tempo 0)
UNKNOWN_NAME_SHARE = 0.05  # scenes and events the score does not have


@dataclass(frozen=True)
class SessionMessage:
    time: float  # seconds from the start
    address: str
    args: tuple[object, ...]
    expected: str  # ACCEPTED or the router's drop reason


class GameSession:
    """Messages for one score in time order, forever; iterate and stop when the render ends."""

    def __init__(self, score: Score, seed: int) -> None:
        self.rng = random.Random(seed)
        self.inputs = list(score.inputs.values())
        self.values = {spec.name: spec.default for spec in self.inputs}
        self.scenes = sorted(score.scenes)
        self.events = sorted({stinger.event for stinger in score.stingers.values()})
        self.tempo_range = (score.tempo.min, score.tempo.max)
        self._due = [
            (
                self._gap(every) if kind == "input" else self.rng.uniform(0, FIRST_WITHIN),
                order,
                kind,
            )
            for order, (kind, every) in enumerate(EVERY.items())
        ]
        heapq.heapify(self._due)

    def __iter__(self) -> Iterator[SessionMessage]:
        makers = {
            "input": self._input,
            "scene": self._scene,
            "event": self._event,
            "tempo": self._tempo,
            "seed": self._seed,
        }
        while True:
            time, order, kind = heapq.heappop(self._due)
            address, args, expected = makers[kind]()
            yield SessionMessage(time, address, args, expected)
            heapq.heappush(self._due, (time + self._gap(EVERY[kind]), order, kind))

    def _gap(self, every: float) -> float:
        return every * self.rng.uniform(0.5, 1.5)

    # -- inputs -------------------------------------------------------------------------------
    def _input(self) -> tuple[str, tuple[object, ...], str]:
        rng = self.rng
        spec = rng.choice(self.inputs)
        address = f"/state/{spec.name}"
        roll = rng.random()
        if roll < NON_FINITE_SHARE:
            return address, (rng.choice((math.nan, math.inf, -math.inf)),), "non_finite"
        roll -= NON_FINITE_SHARE
        if roll < GARBAGE_SHARE:
            return self._garbage(spec)
        roll -= GARBAGE_SHARE
        if roll < MOOD_SHARE and {"valence", "arousal"} <= self.values.keys():
            return "/state/mood", (self._step("valence"), self._step("arousal")), ACCEPTED
        roll -= MOOD_SHARE
        span = spec.max - spec.min
        if roll < EDGE_SHARE:
            value = rng.choice((spec.min, spec.max))
        elif roll - EDGE_SHARE < OUT_OF_RANGE_SHARE:
            reach = span * 10 ** rng.uniform(-1, 6)
            value = rng.choice((spec.min - reach, spec.max + reach))
        else:
            value = self._step(spec.name)
        others = [b for b in spec.bindings if b.address != address]
        if others and rng.random() < BINDING_SHARE:
            binding = rng.choice(others)
            if binding.map is not None:  # a value in the sender's own units
                xs = [x for x, _ in binding.map.points]
                return binding.address, (rng.uniform(min(xs), max(xs)),), ACCEPTED
            return binding.address, (value,), ACCEPTED
        if rng.random() < 0.05:  # some tools send every number as text
            return address, (f"{value:.6g}",), ACCEPTED
        return address, (value,), ACCEPTED

    def _step(self, name: str) -> float:
        spec = next(s for s in self.inputs if s.name == name)
        span = spec.max - spec.min
        value = self.values[name] + self.rng.uniform(-1, 1) * STEP * span
        self.values[name] = spec.clamp(value)
        return self.values[name]

    def _garbage(self, spec: InputSpec) -> tuple[str, tuple[object, ...], str]:
        address = f"/state/{spec.name}"
        return self.rng.choice(
            (
                (address, ("loud",), "bad_type"),
                (address, ("nan",), "bad_type"),
                (address, (b"\x00\x01",), "bad_type"),
                (address, (), "bad_args"),
                ("/state/mood", (0.5,), "bad_args"),
                ("/state/no_such_input", (0.5,), "unknown_address"),
            )
        )

    # -- scenes, stingers, tempo, seed --------------------------------------------------------
    def _scene(self) -> tuple[str, tuple[object, ...], str]:
        if self.rng.random() < UNKNOWN_NAME_SHARE:
            return "/scene", ("no_such_scene",), "unknown_scene"
        return "/scene", (self.rng.choice(self.scenes),), ACCEPTED

    def _event(self) -> tuple[str, tuple[object, ...], str]:
        rng = self.rng
        if not self.events or rng.random() < UNKNOWN_NAME_SHARE:
            return "/event", ("no_such_event",), "unknown_event"
        name = rng.choice(self.events)
        if rng.random() < 0.2:
            return "/event", (name,), ACCEPTED  # full intensity
        return "/event", (name, rng.uniform(-0.5, 1.5)), ACCEPTED  # clamped to 0..1

    def _tempo(self) -> tuple[str, tuple[object, ...], str]:
        rng = self.rng
        if rng.random() < HAND_BACK_SHARE:
            return "/tempo", (0,), ACCEPTED
        if rng.random() < 0.05:
            return "/tempo", (math.inf,), "non_finite"
        lo, hi = self.tempo_range
        return "/tempo", (rng.uniform(max(1.0, lo - 30), hi + 30),), ACCEPTED  # clamped

    def _seed(self) -> tuple[str, tuple[object, ...], str]:
        return "/seed", (self.rng.randrange(-(2**40), 2**40),), ACCEPTED
