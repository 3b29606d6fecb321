"""The console's side of OSC: it talks to the engine like any game does.

One UDP socket on 127.0.0.1 sends ``/state/<input>``, ``/scene``, ``/event`` and ``/tempo`` to the
engine, subscribes to its feedback (renewing every ``SUBSCRIPTION_RENEW``), asks
``/engine/stats`` every ``CONSOLE_STATS_PERIOD`` and ``/engine/describe`` until it answers, and
keeps what comes back in :class:`Picture`, which the web server pushes to browsers. Commands
from a browser are checked against the engine's own description (names it declared, finite
numbers, clamped to the declared range) before they are sent; the rest is refused and counted.
Nothing here runs in the engine's process: the console cannot hold the audio thread's GIL.
"""

from __future__ import annotations

import math
import socket
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from engine import defaults
from engine.osc.packet import PacketError, parse
from engine.osc.sender import Destination, encode

#: Feedback and replies the console listens to; anything else is counted as ignored.
LISTENED = (
    "/engine/describe",
    "/engine/stats",
    "/engine/beat",
    "/engine/scene",
    "/engine/stinger",
    "/engine/levels",
    "/engine/meter",
    "/engine/key",
    "/engine/error",
    "/engine/reloaded",
    "/engine/why",
)
#: The widest tempo a console may ask for (BPM); the engine clamps to the score's own range.
TEMPO_RANGE = (0.0, 400.0)


@dataclass(frozen=True)
class Input:
    name: str
    low: float
    high: float
    default: float


@dataclass(frozen=True)
class Description:
    """What ``/engine/describe`` said the playing score offers."""

    inputs: tuple[Input, ...]
    scenes: tuple[str, ...]
    events: tuple[str, ...]
    stingers: tuple[tuple[str, str], ...]  # (stinger, the event that fires it)

    def as_json(self) -> dict[str, Any]:
        return {
            "inputs": [
                {"name": i.name, "min": i.low, "max": i.high, "default": i.default}
                for i in self.inputs
            ],
            "scenes": list(self.scenes),
            "events": list(self.events),
            "stingers": [{"name": s, "event": e} for s, e in self.stingers],
        }


def read_description(args: tuple[object, ...]) -> Description:
    """Parse ``/engine/describe``'s arguments (docs/osc.md, "Discovery"); ValueError if they do
    not follow its layout."""
    items = list(args)
    position = 0

    def take() -> object:
        nonlocal position
        if position >= len(items):
            raise ValueError("the description ends early")
        position += 1
        return items[position - 1]

    def section(name: str, width: int) -> list[list[object]]:
        if take() != name:
            raise ValueError(f"expected the section {name!r}")
        count = take()
        if not isinstance(count, int) or count < 0:
            raise ValueError(f"{name}: a bad count")
        return [[take() for _ in range(width)] for _ in range(count)]

    inputs = tuple(
        Input(str(name), float(low), float(high), float(default))  # type: ignore[arg-type]
        for name, low, high, default in section("inputs", 4)
    )
    scenes = tuple(str(name) for (name,) in section("scenes", 1))
    events = tuple(str(name) for (name,) in section("events", 1))
    stingers = tuple((str(name), str(event)) for name, event in section("stingers", 2))
    return Description(inputs, scenes, events, stingers)


@dataclass
class Picture:
    """The engine as the console last heard it."""

    description: Description | None = None
    levels: dict[str, float] = field(default_factory=dict)
    lufs: float | None = None
    true_peak: float | None = None
    bar: int | None = None
    beat: int | None = None
    bpm: float | None = None
    scene: str | None = None
    key: tuple[str, str] | None = None
    stinger: str | None = None
    stats: dict[str, int] = field(default_factory=dict)
    errors: deque[str] = field(default_factory=lambda: deque(maxlen=defaults.CONSOLE_ERRORS_KEPT))
    #: Why the music changed, newest first: "kind subject: cause".
    whys: deque[str] = field(default_factory=lambda: deque(maxlen=defaults.WHY_KEEP))
    heard: float = 0.0  # time.monotonic() of the last datagram from the engine


class EngineLink:
    def __init__(self, engine: Destination, *, clock: Any = time.monotonic) -> None:
        self.engine = engine
        self.clock = clock
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.settimeout(0.05)
        self.picture = Picture()
        self.lock = threading.Lock()
        #: what the console sent the engine, by address; what it refused or ignored, by reason
        self.sent: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="console-osc", daemon=True)

    # -- the thread ---------------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(2.0)
        try:
            self._send("/engine/unsubscribe", ())
        finally:
            self.socket.close()

    def _run(self) -> None:
        next_subscribe = next_stats = next_describe = 0.0
        while not self._stop.is_set():
            now = self.clock()
            if now >= next_subscribe:
                self._send("/engine/subscribe", ())
                next_subscribe = now + defaults.SUBSCRIPTION_RENEW
            if now >= next_stats:
                self._send("/engine/stats", ())
                next_stats = now + defaults.CONSOLE_STATS_PERIOD
            if self.picture.description is None and now >= next_describe:
                self._send("/engine/describe", ())
                next_describe = now + defaults.CONSOLE_DESCRIBE_RETRY
            try:
                data, sender = self.socket.recvfrom(defaults.OSC_MAX_DATAGRAM + 1)
            except TimeoutError:
                continue
            except OSError:
                if self._stop.is_set():
                    return
                time.sleep(0.05)  # e.g. ICMP port unreachable while the engine starts
                continue
            if sender != self.engine:
                self.refused["foreign_datagram"] += 1
                continue
            self.receive(data)

    def receive(self, data: bytes) -> None:
        """Take in one datagram from the engine."""
        try:
            messages = parse(data)
        except PacketError as exc:
            self.refused[f"engine_{exc.reason}"] += 1
            return
        with self.lock:
            self.picture.heard = self.clock()
            for message in messages:
                try:
                    self._take(message.address, message.args)
                except (ValueError, TypeError, IndexError):
                    self.refused["bad_feedback"] += 1

    def _take(self, address: str, args: tuple[object, ...]) -> None:
        picture = self.picture
        if address == "/engine/levels":
            picture.levels = {str(args[i]): _number(args[i + 1]) for i in range(0, len(args), 2)}
        elif address == "/engine/meter":
            picture.lufs, picture.true_peak = _number(args[0]), _number(args[1])
        elif address == "/engine/beat":
            picture.bar, picture.beat = int(_number(args[0])), int(_number(args[1]))
            picture.bpm = _number(args[2])
        elif address == "/engine/scene":
            picture.scene = str(args[0])
        elif address == "/engine/key":
            picture.key = (str(args[0]), str(args[1]))
        elif address == "/engine/stinger":
            picture.stinger = str(args[0])
        elif address == "/engine/stats":
            picture.stats = {
                str(args[i]): int(_number(args[i + 1])) for i in range(0, len(args), 2)
            }
        elif address == "/engine/error":
            picture.errors.appendleft(" ".join(str(a) for a in args)[: defaults.MAX_QUOTE * 8])
        elif address == "/engine/reloaded":  # a new score plays: its controls, its errors gone
            picture.errors.clear()
            self._send("/engine/describe", ())
        elif address == "/engine/why" and len(args) == 3:
            kind, subject, cause = (str(a)[: defaults.MAX_QUOTE * 4] for a in args)
            picture.whys.appendleft(f"{kind} {subject}: {cause}")
        elif address == "/engine/describe":
            picture.description = read_description(args)
        else:
            self.refused["unknown_feedback"] += 1

    def _send(self, address: str, args: tuple[object, ...]) -> None:
        try:
            self.socket.sendto(encode(address, args), self.engine)
            self.sent[address] += 1
        except OSError:
            self.refused["send_failed"] += 1

    # -- commands from a browser ---------------------------------------------------------------
    def command(self, request: object) -> bool:
        """Send what a browser asked for, if it names what the engine declared; False (and
        counted) otherwise. ``request``: ``{"op": "state", "input": NAME, "value": X}``,
        ``{"op": "scene", "name": NAME}``, ``{"op": "event", "name": NAME}`` or
        ``{"op": "tempo", "bpm": X}`` (0: back to the score's tempo)."""
        message = self._checked(request)
        if message is None:
            return False
        self._send(*message)
        return True

    def _checked(self, request: object) -> tuple[str, tuple[object, ...]] | None:
        if not isinstance(request, dict):
            self.refused["bad_command"] += 1
            return None
        op = request.get("op")
        with self.lock:
            description = self.picture.description
        if description is None:
            self.refused["not_described_yet"] += 1
            return None
        if op == "state":
            value = _finite(request.get("value"))
            spec = next((i for i in description.inputs if i.name == request.get("input")), None)
            if spec is None or value is None:
                self.refused["bad_state"] += 1
                return None
            return f"/state/{spec.name}", (min(spec.high, max(spec.low, value)),)
        if op in ("scene", "event"):
            name = request.get("name")
            known = description.scenes if op == "scene" else description.events
            if not isinstance(name, str) or name not in known:
                self.refused[f"unknown_{op}"] += 1
                return None
            return f"/{op}", (name,)
        if op == "tempo":
            bpm = _finite(request.get("bpm"))
            if bpm is None:
                self.refused["bad_tempo"] += 1
                return None
            low, high = TEMPO_RANGE
            return "/tempo", (min(high, max(low, bpm)),)
        self.refused["bad_command"] += 1
        return None

    # -- what browsers are shown -------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            p = self.picture
            return {
                "description": p.description.as_json() if p.description else None,
                "levels": dict(p.levels),
                "lufs": p.lufs,
                "true_peak": p.true_peak,
                "bar": p.bar,
                "beat": p.beat,
                "bpm": p.bpm,
                "scene": p.scene,
                "key": list(p.key) if p.key else None,
                "stinger": p.stinger,
                "stats": dict(p.stats),
                "errors": list(p.errors),
                "why": list(p.whys),
                "heard_ago": None if not p.heard else round(self.clock() - p.heard, 2),
                "console": {"sent": sum(self.sent.values()), "refused": dict(self.refused)},
            }


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError("not a number")
    return float(value)


def _finite(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None
