"""A live session: what happens in pyo's audio callback, once per buffer.

:meth:`LiveSession.process` is the whole real-time path. It takes the OSC messages that are due
(parsed earlier by the receiver's own thread), answers the engine's control addresses
(``/engine/subscribe``, ``/engine/unsubscribe``, ``/engine/stats``, ``/engine/describe``,
``/engine/sensors``), hands
everything else to the
engine, advances the engine by one buffer and releases feedback whose audio is in that buffer.
It never raises: pyo would print the error and the game would hear nothing wrong, but a counter
(``errors``) and ``last_error`` keep the evidence.

Every message the engine applied is logged (optionally) with the sample of the buffer it was
applied at, so ``soundscape render --timeline`` can replay a live session exactly.

Feedback and replies leave from the receiver's own port, and go only to the asker's own host
unless the allowlist names the destination's network (engine/osc/allow.py): never a reflector.
The session knows nothing of audio backends: the player drives it from a real-time server, tests
from a manual one, buffer by buffer.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Callable
from typing import Any

from engine import defaults
from engine.live.feedback import Feedback, destination_of, own_or_allowed
from engine.live.measure import OscAges
from engine.osc.allow import Allowlist
from engine.osc.receiver import Message, OscReceiver
from engine.osc.sender import OscSender, encode
from engine.render.engine import Engine, Reload
from engine.score.describe import describe
from engine.score.model import Score
from engine.state.router import Router, TokenBucket

#: Messages to the engine itself rather than to the score.
CONTROL_PREFIX = "/engine/"
CONTROL_ADDRESSES = (
    "/engine/stats",
    "/engine/subscribe",
    "/engine/unsubscribe",
    "/engine/describe",
    "/engine/reload",
    "/engine/sensors",  # issue 14: the watchdog
)


class LiveSession:
    def __init__(
        self,
        engine: Engine,
        receiver: OscReceiver | None,
        *,
        clock: Callable[[], float] = time.time,
        xruns: Callable[[], int | None] = lambda: None,
        allowlist: Allowlist | None = None,
        subscription_ttl: float = defaults.SUBSCRIPTION_TTL,
        feedback_ahead: float = 0.0,
        output_latency: float = 0.0,
    ) -> None:
        self.engine = engine
        self.allowlist = allowlist if allowlist is not None else Allowlist()
        self.receiver = receiver
        self.clock = clock
        self.xruns = xruns
        sender = OscSender(receiver.reply_socket()) if receiver is not None else None
        self.feedback = Feedback(
            sr=engine.sr,
            buffersize=engine.buffersize,
            levels=engine.orchestra.levels,
            meter=self._meter if engine.orchestra.metering else None,
            sender=sender,
            ttl=subscription_ttl,
            ahead=feedback_ahead,
            latency=output_latency,
        )
        self.feedback.scene = engine.conductor.scene.name
        engine.conductor.observer = self.feedback.observe
        engine.conductor.report_ahead = self.feedback.ahead
        self.buffers = 0
        self._primed = False
        self.errors = 0
        self.last_error = ""
        self.ages = OscAges()
        self.control_accepted = 0
        #: /engine/* requests a second (each stats reply costs the audio thread ~20 µs)
        self._control_rate = TokenBucket(defaults.CONTROL_RATE, defaults.CONTROL_BURST)
        #: Messages to a continuous address that a later one in the same buffer overrode.
        self.coalesced = 0
        self._coalesce = continuous_addresses(engine.router)
        if receiver is not None:
            receiver.coalesce = self._coalesce
        self.control_dropped: Counter[str] = Counter()
        #: The reply to /engine/describe, encoded once per score (at the start, and when a
        #: reloaded score is staged).
        self._description = encode("/engine/describe", describe(engine.score))
        #: A staged score's (score, description, continuous addresses), until the engine adopts it.
        self._staged: tuple[Score, bytes, frozenset[str]] | None = None
        #: /engine/reload requests accepted (the player's reloader reads it), and reloads that
        #: failed (a score that did not load, or could not replace the one playing).
        self.reload_requests = 0
        self.reload_failures = 0
        #: Feedback queued by other threads (reload errors), sent from the audio callback.
        self._notices: deque[tuple[str, list[object]]] = deque(maxlen=defaults.MAX_NOTICES)
        #: (sample, address, args) of every message applied, when logging is on.
        self.applied: deque[tuple[int, str, tuple[object, ...]]] | None = None

    def log_applied(self) -> None:
        """Start keeping applied messages in :attr:`applied`, and where scene changes and
        stingers landed in ``feedback.landed`` (the caller drains both)."""
        self.applied = deque()
        self.feedback.landed = deque()

    def prime(self) -> None:
        """Prepare the first buffer now, before the audio device starts.

        The first buffer is the most expensive one (the first bar, the first scene's layers
        starting): ~4 ms, more than a 128-frame buffer lasts. Done here, off the clock, the
        device's first callback finds it ready and skips it; every later buffer is prepared by its
        own callback as usual, so the timing is the same as offline.
        """
        self.process()
        self._primed = True

    # -- the audio callback -----------------------------------------------------------------
    def process(self) -> None:
        if self._primed:  # this buffer was prepared by prime()
            self._primed = False
            return
        try:
            now = self.clock()  # when this buffer starts computing: the stamps' anchor
            if self.receiver is not None:
                taken = self.receiver.due(now, defaults.OSC_TAKE_PER_BUFFER)
                for message in self._coalesced(taken):
                    self.ages.add(now - message.time)
                    self.apply(message)
            self.engine.tick()
            if self._staged is not None and self.engine.score is self._staged[0]:
                self._adopted(self._staged)
            while self._notices:
                self._tell(*self._notices.popleft())
            self.feedback.release(self.engine.sample, now)
            self.buffers += 1
        except Exception as exc:  # never into pyo's callback: count it and play on
            self.errors += 1
            self.last_error = f"{type(exc).__name__}: {exc}"

    # -- live reload (the player's reloader calls these from its own thread) ------------------
    def install(self, reload: Reload) -> None:
        """Hand a staged score to the engine for its next bar line (see :meth:`Engine.reload`),
        with its /engine/describe reply encoded here, off the audio thread."""
        router = reload.router
        self._staged = (
            reload.score,
            encode("/engine/describe", describe(reload.score)),
            frozenset(continuous_addresses(router)),
        )
        self.engine.reload(reload)

    def notify(self, address: str, args: list[object]) -> None:
        """Send ``address`` to the subscribers from the audio callback's next buffer (a bounded
        queue: the oldest notice goes when it is full)."""
        self._notices.append((address, args))

    def _adopted(self, staged: tuple[Score, bytes, frozenset[str]]) -> None:
        self._staged = None
        _, self._description, coalesce = staged
        self._coalesce = coalesce
        if self.receiver is not None:
            self.receiver.coalesce = coalesce
        self._tell("/engine/reloaded", [self.engine.conductor.transport.bar + 1])

    def _tell(self, address: str, args: list[object]) -> None:
        if self.feedback.subscribers:
            self.feedback.sender.send(self.feedback.subscribers, address, args)

    def apply(self, message: Message) -> None:
        address, args = message.address, message.args
        if address.startswith(CONTROL_PREFIX):
            self._control(message)
            return
        router = self.engine.router
        accepted = router.accepted
        self.engine.send(address, *args)
        if self.applied is not None and router.accepted > accepted:  # refused: nothing to replay
            self.applied.append((self.engine.sample, address, args))

    def _coalesced(self, taken: list[Message]) -> list[Message]:
        """``taken`` without the messages a later one to the same continuous address overrides
        in this buffer (the receiver coalesces its inbox; held messages released together are
        coalesced here). The survivors keep their order, which is the order they are applied
        and logged in, so a replay applies the same."""
        coalesce = self._coalesce
        seen: set[str] = set()
        kept: list[Message] = []
        for message in reversed(taken):
            address = message.address
            if address in coalesce:
                if address in seen:
                    self.coalesced += 1
                    continue
                seen.add(address)
            kept.append(message)
        kept.reverse()
        return kept

    # -- /engine/* ----------------------------------------------------------------------------
    def _control(self, message: Message) -> None:
        address = message.address
        if address not in CONTROL_ADDRESSES:
            self.control_dropped["unknown_address"] += 1
            return
        if not self._control_rate.can_take(self.engine.sample / self.engine.sr):
            self.control_dropped["control_rate"] += 1
            return
        self._control_rate.take()
        destination = destination_of(message.args, message.sender)
        if destination is None:
            self.control_dropped["bad_args"] += 1
            return
        if not own_or_allowed(destination, message.sender, self.allowlist):
            self.control_dropped["foreign_destination"] += 1
            return
        if address == "/engine/subscribe" and not self.feedback.subscribe(destination):
            self.control_dropped["too_many_subscribers"] += 1
            return
        self.control_accepted += 1
        if address == "/engine/unsubscribe":
            self.feedback.unsubscribe(destination)
        elif address == "/engine/stats":
            pairs: list[object] = []
            for name, value in self.stats().items():
                if isinstance(value, int):
                    pairs += [name, value]
            self.feedback.sender.send((destination,), "/engine/stats", pairs)
        elif address == "/engine/describe":
            self.feedback.sender.send_bytes(destination, self._description)
        elif address == "/engine/reload":
            self.reload_requests += 1
        elif address == "/engine/sensors":
            self.feedback.sender.send((destination,), "/engine/sensors", sensors(self.engine))

    def _meter(self) -> tuple[float, float]:
        """The master's meter, through the orchestra playing now (a restart builds a new one)."""
        return self.engine.orchestra.meter()

    def close(self) -> None:
        self.feedback.close()

    # -- counters -----------------------------------------------------------------------------
    def dropped(self) -> Counter[str]:
        dropped = self.engine.dropped()
        dropped.update(self.control_dropped)
        if self.receiver is not None:
            dropped.update(self.receiver.dropped)
        return dropped

    def stats(self) -> dict[str, Any]:
        """Counters for ``/engine/stats``, the status view and the exit summary."""
        dropped = self.dropped()
        xruns = self.xruns()
        return {
            "received": self.receiver.received if self.receiver is not None else 0,
            "coalesced": self.coalesced
            + (self.receiver.coalesced if self.receiver is not None else 0),
            "accepted": self.engine.router.accepted + self.control_accepted,
            "dropped": sum(dropped.values()),
            "xruns": -1 if xruns is None else xruns,
            "buffers": self.buffers,
            "errors": self.errors,
            "nan_recoveries": self.engine.orchestra.recoveries,
            "subscribers": len(self.feedback.subscribers),
            "feedback_sent": self.feedback.sender.sent,
            "subscriptions_expired": self.feedback.expired,
            "subscribers_replaced": self.feedback.replaced,
            "reloads": self.engine.reloads,
            "reload_failures": self.reload_failures,
            "why_dropped": self.feedback.why_dropped,
            "dropped_by_reason": dict(dropped),
        }


def sensors(engine: Engine) -> list[object]:
    """The reply to ``/engine/sensors``: ``name age state`` for every input the score declares
    (age in seconds since its last message, or since the start; state ``live``, ``stale`` or
    ``fallen back``), then ``heartrate.baseline BPM STATE`` (BPM 0 until there is one; state
    ``set``, ``learned``, ``learning`` or ``default``)."""
    bus = engine.conductor.bus
    reply: list[object] = []
    for name in engine.score.inputs:
        reply += [name, round(bus.age(name), 3), bus.state(name)]
    baseline = bus.baseline
    reply += [
        f"{defaults.BASELINE_INPUT}.baseline",
        round(baseline.value or 0.0, 2),
        baseline.state(bus.ticks),
    ]
    return reply


def continuous_addresses(router: Router) -> frozenset[str]:
    """Addresses where the last message of a buffer decides: each sets state outright (an
    input's target, the tempo override, the seed, the scene asked for). An earlier one that a
    later one overrides within the same 5 ms changes nothing for inputs and tempo (the target is
    set again before the buffer is computed); for seeds and scenes it would at most start a
    variation or a transition that is replaced at once."""
    return frozenset(router.routes) | {"/state/mood", "/tempo", "/seed", "/scene"}
