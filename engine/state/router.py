"""From an OSC address and arguments to engine commands.

The address map (docs/osc.md has the full table):

- ``/state/<input> value`` and any extra address a score binds to an input (with its transform)
- ``/state/mood valence arousal``
- ``/scene NAME``, ``/event NAME [intensity]``, ``/tempo BPM`` (0 hands tempo back), ``/seed N``
- ``/key ROOT [MODE]`` (a note name or a pitch class; ``score`` hands the key back) and
  ``/mode MODE`` (``score`` hands the mode back): from the next bar line
- ``/listener/baseline BPM`` (0 learns it again)
- ``/source/NAME/position azimuth elevation distance`` (a placed layer or stinger) and
  ``/listener/orientation yaw pitch roll`` (docs/spatial.md)

Arguments arrive as ints (``i``, ``h``), floats (``f``, ``d``), bools (``T``, ``F``) or strings
(``s``); numbers are coerced to floats (bools to 0/1, numeric strings parsed), anything else is
refused.
Every refused message is counted by reason in :attr:`Router.dropped` and never raises.

Events are rate-limited (``event_rate``): a token bucket per event name and one for all events,
on the engine's own time (the ``at`` of :meth:`Router.route`, in seconds of audio), so a replay
of the same timeline refuses the same events. A refused event takes no token, so replaying only
the accepted ones accepts them all again.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from engine import defaults
from engine.commands import (
    ChangeScene,
    Command,
    FireEvent,
    OrientListener,
    OverrideTempo,
    PlaceSource,
    Reseed,
    SetBaseline,
    SetInput,
    SetKey,
    SetMode,
)
from engine.curve import Curve
from engine.music.scales import MODES, pitch_class
from engine.score.model import Score

#: A decimal number written as text ("72", "-0.5", "1e3"); not "nan" or "inf".
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


class TokenBucket:
    """``rate`` tokens a second, at most ``burst`` saved up; :meth:`take` spends one if it can."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, float(burst)
        self.tokens, self.time = float(burst), 0.0

    def can_take(self, at: float) -> bool:
        self.tokens = min(self.burst, self.tokens + max(0.0, at - self.time) * self.rate)
        self.time = max(self.time, at)
        return self.tokens >= 1.0

    def take(self) -> None:
        self.tokens -= 1.0


@dataclass(frozen=True)
class _Route:
    input: str
    arg: int
    map: Curve | None


class Router:
    def __init__(self, score: Score) -> None:
        self.routes: dict[str, list[_Route]] = {}
        for spec in score.inputs.values():
            self.routes.setdefault(f"/state/{spec.name}", [])
            for binding in spec.bindings:
                self.routes.setdefault(binding.address, []).append(
                    _Route(spec.name, binding.arg, binding.map)
                )
            if not self.routes[f"/state/{spec.name}"]:
                del self.routes[f"/state/{spec.name}"]
        self.scenes = set(score.scenes)
        self.events = {s.event for s in score.stingers.values()}
        self.accepted = 0
        self.dropped: Counter[str] = Counter()
        self.event_buckets = {
            name: TokenBucket(defaults.EVENT_RATE, defaults.EVENT_BURST) for name in self.events
        }
        self.all_events = TokenBucket(defaults.EVENTS_RATE, defaults.EVENTS_BURST)
        self._at = 0.0
        # -- spatial placement (issue 14 item 5): placed sources by name, to their channel; a
        # layer's name wins over a stinger's of the same name.
        self.sources = {
            s.name: f"stinger:{s.name}" for s in score.stingers.values() if s.position is not None
        }
        self.sources.update({n: n for n, layer in score.layers.items() if layer.position})

    def carry_on(self, previous: Router) -> None:
        """Continue ``previous``'s counts and rate limits (a reloaded score's router): what was
        accepted and dropped stays counted, and an event keeps the tokens it had spent."""
        self.accepted = previous.accepted
        self.dropped = previous.dropped
        self.all_events = previous.all_events
        for name, bucket in previous.event_buckets.items():
            if name in self.event_buckets:
                self.event_buckets[name] = bucket

    def route(self, address: str, args: Sequence[object], at: float = 0.0) -> list[Command]:
        """Commands for one message arriving ``at`` seconds into the engine's audio."""
        self._at = at
        commands = self._route(address, args)
        if commands:
            self.accepted += 1
        return commands

    def _route(self, address: str, args: Sequence[object]) -> list[Command]:
        if address in self.routes:
            return self._inputs(address, args)
        if address == "/state/mood":
            values = self._numbers(args, 2)
            if values is None:
                return []
            return [SetInput("valence", values[0]), SetInput("arousal", values[1])]
        if address == "/scene":
            name = self._text(args)
            if name is None or name not in self.scenes:
                return self._drop("unknown_scene" if name else "bad_args")
            return [ChangeScene(name)]
        if address == "/event":
            name = self._text(args)
            if name is None:
                return self._drop("bad_args")
            intensity = 1.0
            if len(args) > 1:
                extra = self._numbers(args[1:2], 1)
                if extra is None:
                    return []
                intensity = min(1.0, max(0.0, extra[0]))
            if name not in self.events:
                return self._drop("unknown_event")
            bucket = self.event_buckets[name]
            if not (bucket.can_take(self._at) and self.all_events.can_take(self._at)):
                return self._drop("event_rate")
            bucket.take()
            self.all_events.take()
            return [FireEvent(name, intensity)]
        if address == "/tempo":
            values = self._numbers(args, 1)
            if values is None:
                return []
            return [OverrideTempo(values[0] if values[0] > 0 else None)]
        if address == "/seed":
            values = self._numbers(args, 1)
            if values is None:
                return []
            return [Reseed(int(values[0]) % 2**31)]
        if address == "/key" or address == "/mode":
            return self._key(address, args)
        # -- issue 14: the listener's body --
        if address == "/listener/baseline":
            values = self._numbers(args, 1)
            if values is None:
                return []
            if values[0] == 0:
                return [SetBaseline(None)]
            lo, hi = defaults.BASELINE_PLAUSIBLE
            if not lo <= values[0] <= hi:
                return self._drop("out_of_range")
            return [SetBaseline(values[0])]
        if address.startswith("/source/") or address == "/listener/orientation":
            return self._spatial(address, args)
        return self._drop("unknown_address")

    # -- key and mode on demand (issue 14, item 8) -------------------------------------------
    def _key(self, address: str, args: Sequence[object]) -> list[Command]:
        """``/key ROOT [MODE]``, ``/key score``, ``/mode MODE``, ``/mode score``."""
        if not args:
            return self._drop("bad_args")
        first = args[0]
        if address == "/mode":
            if first == "score":
                return [SetMode(None)]
            mode = self._mode(first)
            return [SetMode(mode)] if mode is not None else []
        if first == "score":
            return [SetKey(None)]
        root = self._root(first)
        if root is None:
            return []
        if len(args) < 2:
            return [SetKey(root)]
        mode = self._mode(args[1])
        return [SetKey(root, mode)] if mode is not None else []

    def _root(self, value: object) -> int | None:
        """A pitch class from a note name ("F#", "Bb") or a whole number (any octave)."""
        if isinstance(value, str) and not _NUMBER.fullmatch(value.strip()):
            try:
                return pitch_class(value)
            except ValueError:
                self._drop("unknown_key")
                return None
        numbers = self._numbers([value], 1)
        if numbers is None:
            return None
        if not numbers[0].is_integer():
            self._drop("unknown_key")
            return None
        return int(numbers[0]) % 12

    def _mode(self, value: object) -> str | None:
        if isinstance(value, str) and value in MODES:
            return value
        self._drop("unknown_mode" if isinstance(value, str) else "bad_type")
        return None

    def _spatial(self, address: str, args: Sequence[object]) -> list[Command]:
        """``/source/NAME/position az el dist`` and ``/listener/orientation yaw pitch roll``."""
        if address == "/listener/orientation":
            values = self._numbers(args, 3)
            return [] if values is None else [OrientListener(*values)]
        name, _, tail = address[len("/source/") :].partition("/")
        if tail != "position":
            return self._drop("unknown_address")
        channel = self.sources.get(name)
        if channel is None:
            return self._drop("unknown_source")
        values = self._numbers(args, 3)
        return [] if values is None else [PlaceSource(channel, *values)]

    def _inputs(self, address: str, args: Sequence[object]) -> list[Command]:
        commands: list[Command] = []
        for route in self.routes[address]:
            if route.arg >= len(args):
                return self._drop("bad_args")
            values = self._numbers(args[route.arg : route.arg + 1], 1)
            if values is None:
                return []
            value = route.map(values[0]) if route.map else values[0]
            commands.append(SetInput(route.input, value))
        return commands

    def _numbers(self, args: Sequence[object], count: int) -> list[float] | None:
        if len(args) < count:
            self._drop("bad_args")
            return None
        values = []
        for arg in args[:count]:
            if isinstance(arg, bool | int | float):
                value = float(arg)
            elif isinstance(arg, str) and _NUMBER.fullmatch(arg.strip()):
                value = float(arg)  # some tools send every value as a string
            else:
                self._drop("bad_type")
                return None
            if not math.isfinite(value):
                self._drop("non_finite")
                return None
            values.append(value)
        return values

    def _text(self, args: Sequence[object]) -> str | None:
        if not args or not isinstance(args[0], str):
            return None
        return args[0]

    def _drop(self, reason: str) -> list[Command]:
        self.dropped[reason] += 1
        return []
