"""The game's only connection to the engine: OSC over UDP (docs/osc.md), as any game would.

One UDP socket sends state, scenes and events, and receives the engine's feedback (beats, scene
changes, stingers, layer levels), which the engine sends from its own port to the address our
messages come from. Nothing here blocks, nothing raises when no engine is listening; the game
polls once a frame. While nothing comes back the link subscribes again every two seconds, so an
engine started after the game (or restarted) finds it; when feedback starts again it resends the
state and the scene, so the music catches up with the game. While feedback comes, it renews the
subscription every three seconds: the engine ends subscriptions not renewed within ten.

:class:`Throttle` is what real game senders do: each value at most 20 times a second, and only
when it has changed by more than a small epsilon (or, once it has been still for a second, by
anything at all, so the exact resting value arrives). A body sensor is the exception: a heart
strap reports about once a second whether or not the value changed, and the engine's watchdog
takes a silent one for a dropped strap (docs/listener.md), so the heart rate is also sent as a
keepalive at least once a second.
"""

from __future__ import annotations

import heapq
import itertools
import math
import socket
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.osc_packet import OscPacket, ParseError

#: Seconds without feedback before the link subscribes again (and calls itself disconnected).
RESUBSCRIBE = 2.0
#: Seconds between renewals while connected: the engine drops a subscription not renewed within
#: 10 s (docs/osc.md); every 3 s survives two lost renewals.
RENEW = 3.0
#: Stamped feedback (``play --feedback-ahead``) is held until its time tag, so the game sees a
#: beat when it is heard; at most this many wait (the rest are taken at once, and counted), and
#: a tag further ahead than HOLD_LONGEST seconds is not trusted: taken at once.
MAX_HELD = 256
HOLD_LONGEST = 1.0
#: Default send rate per value, and the change that counts per address.
RATE = 20.0
EPSILON: dict[str, float] = {
    "/state/mood": 0.01,
    "/state/valence": 0.01,
    "/state/arousal": 0.01,
    "/state/movement": 0.02,
    "/state/heartrate": 0.5,
}
#: Seconds between keepalives of a value sent like a sensor, unchanged or not (a strap's ~1 Hz).
KEEPALIVE: dict[str, float] = {"/state/heartrate": 1.0}

OscArg = int | float | str | bool
Values = tuple[float, ...]


class Throttle:
    """Decides when a changing value is worth a message: at most ``rate`` per second per key,
    only after a change larger than its epsilon, or any change once ``settle`` seconds passed
    since the last send (so a value that comes to rest is sent exactly); a ``keepalive`` key
    is sent again, changed or not, once its seconds have passed (a sensor's heartbeat)."""

    def __init__(
        self,
        rate: float = RATE,
        epsilon: Mapping[str, float] | None = None,
        default_epsilon: float = 0.01,
        settle: float = 1.0,
        keepalive: Mapping[str, float] | None = None,
    ) -> None:
        self.interval = 1.0 / rate
        self.epsilon = dict(EPSILON if epsilon is None else epsilon)
        self.default_epsilon = default_epsilon
        self.settle = settle
        self.keepalive = dict(KEEPALIVE if keepalive is None else keepalive)
        self.sent: dict[str, tuple[Values, float]] = {}
        self.stale: set[str] = set()

    def should_send(self, key: str, values: Values, now: float) -> bool:
        """True if ``values`` should go out now; then it counts as sent."""
        last = self.sent.get(key)
        if last is not None:
            previous, when = last
            elapsed = now - when
            if elapsed < self.interval:
                return False
            alive = elapsed >= self.keepalive.get(key, math.inf)
            if key not in self.stale and not alive:
                change = max(abs(a - b) for a, b in zip(values, previous, strict=True))
                eps = self.epsilon.get(key, self.default_epsilon)
                if change <= eps and not (change > 1e-6 and elapsed >= self.settle):
                    return False
        self.sent[key] = (values, now)
        self.stale.discard(key)
        return True

    def forget(self) -> None:
        """Send every value again at its next chance (the engine was restarted, say), still no
        faster than the rate allows."""
        self.stale.update(self.sent)


@dataclass
class Feedback:
    """What the engine has told us, and when (on the link's clock)."""

    scene: str = ""
    bar: int = -1
    beat: int = -1
    tempo: float = 0.0
    beats: int = 0
    beat_time: float = -math.inf
    levels: dict[str, float] = field(default_factory=dict)
    stingers: int = 0
    stinger: str = ""
    stinger_time: float = -math.inf
    scene_time: float = -math.inf
    stats: dict[str, int] = field(default_factory=dict)
    last_heard: float = -math.inf
    packets: int = 0
    malformed: int = 0
    unheld: int = 0  # stamped messages taken early: too far ahead, or too many waiting


def encode(address: str, args: Sequence[OscArg] = ()) -> bytes:
    builder = OscMessageBuilder(address)
    for arg in args:
        builder.add_arg(arg)
    return builder.build().dgram


def decode(data: bytes) -> list[tuple[str, list[object]]]:
    """The messages in a datagram (a message, or a bundle, nested ones too)."""
    return [(address, args) for _, address, args in decode_timed(data)]


def decode_timed(data: bytes) -> list[tuple[float, str, list[object]]]:
    """(when, address, arguments) of the messages in a datagram: ``when`` is a bundle's time tag
    (Unix seconds), or now for a plain message or a tag already past."""
    return [
        (timed.time, timed.message.address, list(timed.message.params))
        for timed in OscPacket(data).messages
    ]


def resolve(host: str) -> str:
    """An engine address as an IP: the engine answers to addresses, not names."""
    try:
        return socket.gethostbyname(host)
    except OSError:
        return host


def parse_engine(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (or ``PORT``) as (host, port)."""
    host, _, port = text.rpartition(":")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"expected HOST:PORT, e.g. 127.0.0.1:9000 (got {text!r})")
    return host or "127.0.0.1", int(port)


class EngineLink:
    """OSC to one engine and its feedback back. ``on_send(address, args)`` sees every message
    sent (the autopilot prints scenes and events); ``on_message(address, args)`` every message
    received."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 9000,
        *,
        resubscribe: float = RESUBSCRIBE,
        renew: float = RENEW,
        throttle: Throttle | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        on_send: Callable[[str, Sequence[OscArg]], None] | None = None,
    ) -> None:
        self.address = (resolve(host), port)
        self.clock = clock
        self.wall = wall  # the clock time tags are on (Unix seconds)
        #: Stamped messages waiting for their time: (tag, order, address, arguments).
        self._held: list[tuple[float, int, str, list[object]]] = []
        self._order = itertools.count()
        self.resubscribe = resubscribe
        self.renew = renew
        self.throttle = throttle or Throttle()
        self.on_send = on_send
        self.feedback = Feedback()
        self.sent = 0
        self.send_errors = 0
        self.desired_scene = ""
        self._last_subscribe = -math.inf
        self._was_connected = False
        self._ever_connected = False
        self._subscribes = 0  # since the last time feedback came
        loopback = self.address[0].startswith("127.")
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1" if loopback else "0.0.0.0", 0))
        self.socket.setblocking(False)

    # -- sending ------------------------------------------------------------------------------
    def send(self, address: str, *args: OscArg) -> bool:
        """Send one message; False (and counted) if the OS refused it. Never raises."""
        try:
            self.socket.sendto(encode(address, args), self.address)
        except OSError:
            self.send_errors += 1
            return False
        self.sent += 1
        if self.on_send is not None:
            self.on_send(address, args)
        return True

    def state(self, name: str, value: float, now: float | None = None) -> bool:
        """``/state/<name> value``, throttled."""
        address = f"/state/{name}"
        now = self.clock() if now is None else now
        if self.throttle.should_send(address, (float(value),), now):
            return self.send(address, float(value))
        return False

    def mood(self, valence: float, arousal: float, now: float | None = None) -> bool:
        """``/state/mood valence arousal``, throttled as one value."""
        now = self.clock() if now is None else now
        if self.throttle.should_send("/state/mood", (float(valence), float(arousal)), now):
            return self.send("/state/mood", float(valence), float(arousal))
        return False

    def scene(self, name: str) -> bool:
        self.desired_scene = name
        return self.send("/scene", name)

    def event(self, name: str, intensity: float = 1.0) -> bool:
        return self.send("/event", name, float(min(1.0, max(0.0, intensity))))

    def subscribe(self) -> bool:
        self._subscribes += 1
        return self._send_subscribe()

    def _send_subscribe(self) -> bool:
        self._last_subscribe = self.clock()
        return self.send("/engine/subscribe")

    def close(self) -> None:
        self.send("/engine/unsubscribe")
        self.socket.close()

    # -- receiving ----------------------------------------------------------------------------
    def connected(self, now: float | None = None) -> bool:
        """Feedback came back within the last ``resubscribe`` seconds."""
        now = self.clock() if now is None else now
        return now - self.feedback.last_heard < self.resubscribe

    def poll(self, now: float | None = None) -> list[tuple[str, list[object]]]:
        """Read every datagram waiting; subscribe again if nothing has come back for a while.
        Returns the messages received, in order."""
        now = self.clock() if now is None else now
        received: list[tuple[str, list[object]]] = []
        while True:
            try:
                data, _ = self.socket.recvfrom(65536)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:  # e.g. Windows' "port unreachable" from an earlier send
                continue
            self.feedback.packets += 1
            try:
                messages = decode_timed(data)
            except (ParseError, ValueError, IndexError, TypeError):
                self.feedback.malformed += 1
                continue
            wall = self.wall()
            for when, address, args in messages:
                if wall < when <= wall + HOLD_LONGEST and len(self._held) < MAX_HELD:
                    heapq.heappush(self._held, (when, next(self._order), address, args))
                    continue
                if when > wall:
                    self.feedback.unheld += 1
                self._handle(address, args, now)
                received.append((address, args))
        wall = self.wall()
        while self._held and self._held[0][0] <= wall:  # their time has come
            _, _, address, args = heapq.heappop(self._held)
            self._handle(address, args, now)
            received.append((address, args))
        connected = self.connected(now)
        if connected and not self._was_connected:
            self._on_connect()
        self._was_connected = connected
        if not connected and now - self._last_subscribe >= self.resubscribe:
            self.subscribe()
        elif connected and now - self._last_subscribe >= self.renew:
            self._send_subscribe()  # a renewal: feedback is coming, nothing was lost
        return received

    def _on_connect(self) -> None:
        """Feedback (re)started: make sure the engine has our scene and our state. The state is
        sent again only if it may have been lost: the engine was restarted, or started after
        the game (the first subscription went unanswered). An engine that answered the first
        subscription had everything sent since."""
        if self._ever_connected or self._subscribes > 1:
            self.throttle.forget()
        if self.desired_scene and self.feedback.scene != self.desired_scene:
            self.send("/scene", self.desired_scene)
        self._ever_connected = True
        self._subscribes = 0

    def _handle(self, address: str, args: list[Any], now: float) -> None:
        fb = self.feedback
        try:
            if address == "/engine/beat":
                fb.bar, fb.beat, fb.tempo = int(args[0]), int(args[1]), float(args[2])
                fb.beats += 1
                fb.beat_time = now
            elif address == "/engine/scene":
                fb.scene = str(args[0])
                fb.scene_time = now
            elif address == "/engine/stinger":
                fb.stinger = str(args[0])
                fb.stingers += 1
                fb.stinger_time = now
            elif address == "/engine/levels":
                fb.levels = {str(args[i]): float(args[i + 1]) for i in range(0, len(args) - 1, 2)}
            elif address == "/engine/stats":
                fb.stats = {str(args[i]): int(args[i + 1]) for i in range(0, len(args) - 1, 2)}
            else:
                return
        except (IndexError, TypeError, ValueError):
            fb.malformed += 1
            return
        fb.last_heard = now
