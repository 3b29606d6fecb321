"""The OSC receiver: datagrams in, timed messages out, in a thread that never touches the audio.

A thread blocks in ``recvfrom`` (so it releases the GIL between datagrams), parses each datagram
with the bounds-checked reader in :mod:`engine.osc.packet` and queues its messages: those due now
in the *inbox*, those with a future time tag in a heap of *held* messages. The audio side calls
:meth:`OscReceiver.due` once per buffer to take at most a given number of what is due (held
messages whose time has come first, then the inbox, each in order); the rest waits for the next
buffer. Nothing ever sleeps in the receive thread.

Everything a sender can grow is bounded, and what does not fit is dropped and counted in
:attr:`dropped` by reason, never raised and never logged per packet:

- a datagram the reader refuses (``malformed``, ``unknown_tag``, ``too_large``, ``too_deep``,
  ``too_many_messages``, ``too_many_args``), or from a sender ``allow`` refuses (``not_allowed``);
- a time tag farther ahead than the horizon (``too_far_ahead``);
- held messages beyond a count or a byte budget (``held_full``);
- inbox messages beyond a count or a byte budget (``inbox_full``).

Continuous inputs are coalesced in the inbox: for an address in :attr:`coalesce`, a new message
replaces the one still waiting for the same address (in that one's place in the queue) and is
counted in :attr:`coalesced`, so a flood of ``/state/x`` costs the audio thread one message a
buffer. Validation of addresses and values happens later, in the router, which counts its own
drops.
"""

from __future__ import annotations

import heapq
import itertools
import os
import socket
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from typing import NamedTuple

from engine import defaults
from engine.osc.packet import PacketError, parse

#: Largest datagram accepted; bigger ones are refused before parsing (counted ``too_large``).
MAX_DATAGRAM = defaults.OSC_MAX_DATAGRAM
#: How often the thread looks up from ``recvfrom`` to see whether it should stop.
POLL = 0.2


class Message(NamedTuple):
    address: str
    args: tuple[object, ...]
    sender: tuple[str, int] | None = None  # where it came from: replies and feedback go there
    time: float = 0.0  # when it was due: its arrival, or its bundle's time tag (clock seconds)
    size: int = 0  # its bytes in the datagram: what the queues' byte budgets count


class Bounds(NamedTuple):
    horizon: float = defaults.OSC_HORIZON
    held_max: int = defaults.OSC_HELD_MAX
    held_bytes: int = defaults.OSC_HELD_BYTES
    inbox_max: int = defaults.OSC_INBOX_MAX
    inbox_bytes: int = defaults.OSC_INBOX_BYTES


BOUNDS = Bounds()


class OscReceiver:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 9000,
        *,
        clock: Callable[[], float] = time.time,
        allow: Callable[[str], bool] | None = None,
        bounds: Bounds = BOUNDS,
    ) -> None:
        """Bind ``host:port`` now (port 0 picks a free one: see :attr:`port`). ``allow``, when
        given, is asked for each datagram's sender IP; refused senders are dropped (counted as
        ``not_allowed``) before their bytes are parsed."""
        self.clock = clock
        self.allow = allow
        self.bounds = bounds
        #: Addresses whose waiting message a newer one replaces (the session sets them).
        self.coalesce: frozenset[str] = frozenset()
        self.datagrams = 0  # datagrams read, whatever became of them
        self.received = 0  # messages parsed from them
        self.coalesced = 0
        self.dropped: Counter[str] = Counter()
        # The inbox holds one-element lists ("slots"): the receive thread may replace a waiting
        # slot's message (slot[0] = newer) while the audio thread empties slots (slot.pop());
        # each is one atomic list operation, and assigning into an emptied slot raises, so a
        # message is never lost between the two.
        self._inbox: deque[list[Message]] = deque()
        self._waiting: dict[str, list[Message]] = {}  # coalesced address -> its slot
        self._bytes_in = 0  # written by the receive thread only
        self._bytes_out = 0  # written by the audio thread only
        self._held: list[tuple[float, int, Message]] = []
        self._held_bytes = 0
        self._held_lock = threading.Lock()  # the audio side never waits on it
        self._order = itertools.count()
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind((host, port))
        self._socket.settimeout(POLL)
        self.port = int(self._socket.getsockname()[1])
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="osc-receiver", daemon=True)

    def reply_socket(self) -> socket.socket:
        """A non-blocking socket on the same port, for sending: replies and feedback then come
        from the address games send to, which connected sockets, firewalls and NAT expect."""
        replies = socket.socket(fileno=os.dup(self._socket.fileno()))
        replies.setblocking(False)
        return replies

    def start(self) -> OscReceiver:
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2 * POLL + 1)
        self._socket.close()

    def __enter__(self) -> OscReceiver:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def held(self) -> int:
        """Messages waiting for a future time tag."""
        return len(self._held)

    @property
    def waiting(self) -> int:
        """Messages due and not yet taken by the audio side."""
        return len(self._inbox)

    # -- the receive thread -----------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data, sender = self._socket.recvfrom(MAX_DATAGRAM)
            except TimeoutError:
                continue
            except OSError:
                if self._stop.is_set():
                    return
                self.dropped["socket_error"] += 1
                continue
            if self.allow is not None and not self.allow(sender[0]):
                self.datagrams += 1
                self.dropped["not_allowed"] += 1
                continue
            self.accept(data, sender)

    def accept(self, data: bytes, sender: tuple[str, int] | None = None) -> None:
        """Parse one datagram and queue its messages (public so tests can feed raw bytes).
        Call it from one thread at a time: the receive thread, or a test without one."""
        self.datagrams += 1
        try:
            parsed = parse(data)
        except PacketError as exc:
            self.dropped[exc.reason] += 1
            return
        now = self.clock()
        bounds = self.bounds
        for item in parsed:
            self.received += 1
            message = Message(item.address, item.args, sender, max(item.time, now), item.size)
            if item.time <= now:
                self._enqueue(message)
            elif item.time - now > bounds.horizon:
                self.dropped["too_far_ahead"] += 1
            else:
                self._hold(message)

    def _enqueue(self, message: Message) -> None:
        if message.address in self.coalesce:
            slot = self._waiting.get(message.address)
            if slot is not None:
                try:
                    old = slot[0]
                    slot[0] = message  # raises if the audio side took it meanwhile
                except IndexError:
                    pass
                else:
                    self._bytes_in += message.size - old.size
                    self.coalesced += 1
                    return
        bounds = self.bounds
        if (
            len(self._inbox) >= bounds.inbox_max
            or self._bytes_in - self._bytes_out + message.size > bounds.inbox_bytes
        ):
            self.dropped["inbox_full"] += 1
            return
        slot = [message]
        if message.address in self.coalesce:
            self._waiting[message.address] = slot
        self._bytes_in += message.size
        self._inbox.append(slot)

    def _hold(self, message: Message) -> None:
        bounds = self.bounds
        with self._held_lock:
            if (
                len(self._held) >= bounds.held_max
                or self._held_bytes + message.size > bounds.held_bytes
            ):
                self.dropped["held_full"] += 1
                return
            heapq.heappush(self._held, (message.time, next(self._order), message))
            self._held_bytes += message.size

    # -- the audio side ---------------------------------------------------------------------
    def due(self, now: float | None = None, limit: int | None = None) -> list[Message]:
        """At most ``limit`` messages due by ``now`` (the receiver's clock by default): held
        ones whose time has come, then the inbox, each in order. The rest stay queued."""
        now = self.clock() if now is None else now
        room = limit if limit is not None else len(self._held) + len(self._inbox)
        ready: list[Message] = []
        held = self._held
        if held and held[0][0] <= now and self._held_lock.acquire(blocking=False):
            try:  # busy (the receive thread is pushing): the held ones wait one more buffer
                while held and held[0][0] <= now and len(ready) < room:
                    message = heapq.heappop(held)[2]
                    self._held_bytes -= message.size
                    ready.append(message)
            finally:
                self._held_lock.release()
        inbox = self._inbox
        while inbox and len(ready) < room:
            slot = inbox.popleft()  # deque.popleft is atomic: safe against the receive thread
            message = slot.pop()
            self._bytes_out += message.size
            ready.append(message)
        return ready
