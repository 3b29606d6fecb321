"""Feedback to games: beats, scene changes, stingers and layer levels, sent over OSC.

The conductor reports what it schedules (an observer call stamped with the sample where it
sounds). Those reports can lie ahead of the buffer being computed (a stinger quantized to the next
beat), so they wait here until the engine computes the buffer holding their sample: a game gets
``/engine/beat`` when that beat's audio leaves the engine, not when it was planned.

Messages (docs/osc.md): ``/engine/beat i bar, i beat, f tempo``, ``/engine/scene s name``,
``/engine/stinger s name``, ``/engine/key s tonic s mode`` (when the key or mode changes),
``/engine/levels s layer f gain ...`` and ``/engine/meter f lufs_short f true_peak_db`` (both
every ``LEVELS_PERIOD``), ``/engine/why s kind s subject s cause`` (why the music changed:
conductor/why.py; at most ``WHY_RATE`` a second, the excess counted in ``why_dropped``, and the
newest ``WHY_KEEP`` kept in :attr:`Feedback.whys` for the status view and the exit summary).

Subscriptions last ``SUBSCRIPTION_TTL`` seconds of audio unless renewed (subscribing again), so a
client that vanishes leaves the table by itself; expiry is checked with the levels, five times a
second, not every buffer. A full table takes a newcomer in place of the subscriber renewed least
recently, if that one has been silent for more than ``SUBSCRIPTION_REPLACEABLE`` of the TTL.
Destinations the operator named (``--feedback``) are permanent. Time here is the engine's sample
count: what the game hears, and the same offline as live.

Stamped ahead (``ahead`` > 0, ``--feedback-ahead``): the conductor tells beats, keys, bar-line
scene changes and stingers as soon as their bar is decided (up to ``BAR_LEAD`` early), and they
leave here ``ahead`` samples before their sample, each as an OSC bundle whose time tag (NTP) is
the wall-clock moment the sound reaches the listener: the wall time the buffer now being computed
started at (``started``, read at the start of the audio callback), plus the beat's distance from
that buffer's start in audio time, plus the device's output latency. A game schedules its
visual or haptic pulse on the tag instead of acting on arrival.
"""

from __future__ import annotations

import heapq
import ipaddress
import itertools
from collections import deque
from collections.abc import Callable, Mapping

from engine import defaults
from engine.dsp.master import LIMITER_LOOKAHEAD_MS
from engine.music.scales import PITCH_CLASS_NAMES
from engine.osc.allow import Allowlist
from engine.osc.sender import Destination, OscSender, encode, encode_bundle
from engine.state.router import TokenBucket

#: What ``landed`` keeps for the --record-osc log: where requests landed (beats and keys were
#: never requested).
LANDED = frozenset({"/engine/scene", "/engine/stinger"})
#: How /engine/key names a tonic.
TONICS = PITCH_CLASS_NAMES
#: What is sent stamped when ``ahead`` is on (levels, meters and replies go at once, un-bundled).
STAMPED = frozenset(
    {"/engine/beat", "/engine/scene", "/engine/stinger", "/engine/key", "/engine/why"}
)
#: The engine's own delay between a note's sample and its sound at the output: the master
#: limiter's lookahead (measured: a pluck's first non-zero sample 50 samples after its note's at
#: 48 kHz, 48 of them the lookahead). Every stamp adds it.
ENGINE_DELAY = LIMITER_LOOKAHEAD_MS / 1000.0


class SampleClock:
    """The wall time of the engine's samples, from when each buffer began computing.

    A buffer starts computing late when the machine is busy, never early, so the clock keeps the
    earliest start seen (as the wall time of sample 0) and only creeps up toward later ones
    (``STAMP_DRIFT`` of the way per buffer: the two clocks' rates may differ by a few ppm). A
    start later by more than ``STAMP_RESYNC`` means the audio clock lost time (an xrun skipped
    buffers): the clock jumps to it. So stamps follow the audio, not one buffer's jitter.
    """

    def __init__(self, sr: int) -> None:
        self.sr = sr
        self.origin: float | None = None  # wall time (Unix seconds) of sample 0

    def update(self, first: int, started: float) -> None:
        """The buffer starting at sample ``first`` began computing at wall time ``started``."""
        measured = started - first / self.sr
        origin = self.origin
        if origin is None or measured < origin or measured - origin > defaults.STAMP_RESYNC:
            self.origin = measured
        else:
            self.origin = origin + (measured - origin) * defaults.STAMP_DRIFT

    def wall(self, sample: int) -> float:
        return (self.origin or 0.0) + sample / self.sr


class Feedback:
    def __init__(
        self,
        *,
        sr: int,
        buffersize: int,
        levels: Callable[[], Mapping[str, float]] | None = None,
        meter: Callable[[], tuple[float, float]] | None = None,
        sender: OscSender | None = None,
        ttl: float = defaults.SUBSCRIPTION_TTL,
        ahead: float = 0.0,
        latency: float = 0.0,
    ) -> None:
        #: destination -> the sample it last (re)subscribed at
        self.subscribers: dict[Destination, int] = {}
        self.permanent: set[Destination] = set()  # never expire, never replaced
        self.ttl = max(1, round(ttl * sr))  # samples
        self.replaceable = round(defaults.SUBSCRIPTION_REPLACEABLE * self.ttl)
        self.expired = 0  # subscriptions that ran out without renewal
        self.replaced = 0  # silent subscribers a newcomer took the place of
        self.now = 0  # the end of the last buffer released: the current sample
        self.sender = sender or OscSender()
        self.levels = levels
        self.meter = meter
        self.levels_every = max(1, round(defaults.LEVELS_PERIOD * sr / buffersize))
        self.scene = ""
        self.key: tuple[str, str] | None = None  # (tonic, mode) last sent
        #: When on (a deque), scene changes and stingers as they sound: (sample, address, args),
        #: for the --record-osc log (a request's time is not when it lands).
        self.landed: deque[tuple[int, str, tuple[object, ...]]] | None = None
        #: The newest reasons the music changed: (seconds of audio, "kind subject: cause").
        self.whys: deque[tuple[float, str]] = deque(maxlen=defaults.WHY_KEEP)
        self.why_dropped = 0  # /engine/why messages over the rate, not sent (still kept)
        self._why_bucket = TokenBucket(defaults.WHY_RATE, defaults.WHY_BURST)
        self.sr, self.buffersize = sr, buffersize
        #: Sent this long before their sample, stamped (samples; 0: un-bundled, when computed).
        self.ahead = max(0, round(ahead * sr))
        #: The device's output latency added to every stamp (s).
        self.latency = latency
        #: When on (a deque), every stamped message as sent: (sample, stamp in Unix seconds,
        #: address, args), for tests and the --record-osc log.
        self.stamped: deque[tuple[int, float, str, tuple[object, ...]]] | None = None
        self.clock = SampleClock(sr)
        self._countdown = self.levels_every
        self._pending: list[tuple[int, int, str, tuple[object, ...]]] = []
        self._order = itertools.count()

    # -- subscribers --------------------------------------------------------------------------
    def subscribe(self, destination: Destination, *, permanent: bool = False) -> bool:
        """Add ``destination``, or renew it; False if the table is full of subscribers that
        renewed recently (or permanent ones)."""
        if destination in self.subscribers:
            self.subscribers[destination] = self.now
            if permanent:
                self.permanent.add(destination)
            return True
        if len(self.subscribers) >= defaults.MAX_SUBSCRIBERS and not self._replace_silent():
            return False
        self.subscribers[destination] = self.now
        if permanent:
            self.permanent.add(destination)
        if self.scene:  # a new listener learns where the music is at once
            self.sender.send((destination,), "/engine/scene", (self.scene,))
        if self.key is not None:
            self.sender.send((destination,), "/engine/key", self.key)
        return True

    def unsubscribe(self, destination: Destination) -> bool:
        self.permanent.discard(destination)
        return self.subscribers.pop(destination, None) is not None

    def _replace_silent(self) -> bool:
        """Drop the subscriber renewed least recently if it has been silent long enough."""
        expiring = [d for d in self.subscribers if d not in self.permanent]
        if not expiring:
            return False
        oldest = min(expiring, key=self.subscribers.__getitem__)
        if self.now - self.subscribers[oldest] <= self.replaceable:
            return False
        del self.subscribers[oldest]
        self.replaced += 1
        return True

    def _expire(self) -> None:
        ended = [
            d
            for d, renewed in self.subscribers.items()
            if self.now - renewed >= self.ttl and d not in self.permanent
        ]
        for destination in ended:
            del self.subscribers[destination]
        self.expired += len(ended)

    # -- the conductor's observer -----------------------------------------------------------
    def observe(self, sample: int, kind: str, detail: Mapping[str, object]) -> None:
        message: tuple[str, tuple[object, ...]]
        if kind == "beat":
            bpm = detail["bpm"]
            assert isinstance(bpm, (int, float))
            message = ("/engine/beat", (detail["bar"], detail["beat"], float(bpm)))
        elif kind == "scene":
            message = ("/engine/scene", (detail["scene"],))
        elif kind == "stinger":
            message = ("/engine/stinger", (detail["stinger"],))
        elif kind == "key":  # the conductor reports it when the key or the mode changes
            root = detail["root"]
            assert isinstance(root, int)
            message = ("/engine/key", (TONICS[root % 12], str(detail["mode"])))
        elif kind == "why":
            message = ("/engine/why", (detail["kind"], detail["subject"], detail["cause"]))
        else:
            return
        heapq.heappush(self._pending, (sample, next(self._order), *message))

    # -- once per buffer --------------------------------------------------------------------
    def stamp(self, sample: int) -> float:
        """When ``sample`` reaches the listener (Unix seconds): its time on the audio clock
        (:class:`SampleClock`), plus the device's ``latency`` and the engine's own
        :data:`ENGINE_DELAY`."""
        return self.clock.wall(sample) + ENGINE_DELAY + self.latency

    def release(self, end: int, started: float = 0.0) -> None:
        """Send what sounds before sample ``end`` (the end of the buffer just prepared), or,
        stamped ahead, before ``end + ahead``; ``started`` is the wall time (Unix seconds) the
        buffer began computing at."""
        self.now = end
        pending = self._pending
        ahead = self.ahead
        if ahead:
            self.clock.update(end - self.buffersize, started)
        while pending and pending[0][0] < end + ahead:
            sample, _, address, args = heapq.heappop(pending)
            if address == "/engine/why" and not self._tell_why(sample, args):
                continue
            if ahead and address in STAMPED:
                self._send_stamped(sample, self.stamp(sample), address, args)
                continue
            self._note(sample, address, args)
            if self.subscribers:
                self.sender.send(self.subscribers, address, args)
        self._countdown -= 1
        if self._countdown <= 0:
            self._countdown = self.levels_every
            if self.subscribers:
                self._expire()
            if self.subscribers and self.levels is not None:
                pairs: list[object] = []
                for name, level in self.levels().items():
                    pairs += [name, float(level)]
                self.sender.send(self.subscribers, "/engine/levels", pairs)
            if self.subscribers and self.meter is not None:
                self.sender.send(self.subscribers, "/engine/meter", self.meter())

    def _note(self, sample: int, address: str, args: tuple[object, ...]) -> None:
        """Remember what a message going out tells: the scene and key a newcomer is greeted
        with, and where requests landed (for the --record-osc log)."""
        if address == "/engine/scene":
            self.scene = str(args[0])
        elif address == "/engine/key":
            self.key = (str(args[0]), str(args[1]))
        if self.landed is not None and address in LANDED:
            self.landed.append((sample, address, args))

    def _tell_why(self, sample: int, args: tuple[object, ...]) -> bool:
        """Keep a reason; True if it may be sent now (within the rate, on the engine's time)."""
        seconds = sample / self.sr
        self.whys.append((seconds, f"{args[0]} {args[1]}: {args[2]}"))
        if not self._why_bucket.can_take(seconds):
            self.why_dropped += 1
            return False
        self._why_bucket.take()
        return True

    def _send_stamped(
        self, sample: int, stamp: float, address: str, args: tuple[object, ...]
    ) -> None:
        self._note(sample, address, args)
        if self.stamped is not None:
            self.stamped.append((sample, stamp, address, args))
        if self.subscribers:
            data = encode_bundle(stamp, (encode(address, args),))
            for destination in self.subscribers:
                self.sender.send_bytes(destination, data)

    def close(self) -> None:
        self.sender.close()


# -- who may subscribe (/engine/subscribe [port] [host]): play and serve ---------------------
def destination_of(args: tuple[object, ...], sender: Destination | None) -> Destination | None:
    """``[port] [host]`` with the sender's own port and host as defaults; IP literals only (no
    name lookups in the audio callback), ``localhost`` aside."""
    port: object = sender[1] if sender else None
    host: object = sender[0] if sender else None
    if args:
        port = args[0]
    if len(args) > 1:
        host = args[1]
    if isinstance(port, float) and port.is_integer():
        port = int(port)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        return None
    if host == "localhost":
        host = "127.0.0.1"
    if not isinstance(host, str):
        return None
    try:
        return str(ipaddress.ip_address(host)), port  # one spelling per address
    except ValueError:
        return None


def own_or_allowed(
    destination: Destination, sender: Destination | None, allowlist: Allowlist
) -> bool:
    """Replies go to the asker's own host (any port: games often listen on a port of their own),
    or to a host in a network the operator allowed; anywhere else would make the engine a
    reflector of traffic at third parties."""
    host = destination[0]
    return (sender is not None and host == sender[0]) or allowlist.lists(host)
