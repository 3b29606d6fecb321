"""The OSC receiver: datagrams in, timed messages out, in a thread that never touches the audio.

A thread blocks in ``recvfrom`` (so it releases the GIL between datagrams), parses each datagram
with python-osc's ``OscPacket`` (bundles are unpacked, nested ones too) and queues
``(due, address, args)``. The audio side calls :meth:`OscReceiver.due` once per buffer to take
what is due: messages without a time tag at once, bundles with a future time tag when their time
comes (python-osc's servers would sleep in the receive thread instead; we never do).

Nothing here raises into the caller: an unparseable datagram is counted in ``dropped`` and the
thread goes on. Validation of addresses and values happens later, in the router, which counts its
own drops.
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

from pythonosc.osc_packet import OscPacket, ParseError

#: Largest datagram accepted; bigger ones are cut by the OS and fail to parse (counted).
MAX_DATAGRAM = 65536
#: How often the thread looks up from ``recvfrom`` to see whether it should stop.
POLL = 0.2


class Message(NamedTuple):
    address: str
    args: tuple[object, ...]
    sender: tuple[str, int] | None = None  # where it came from: replies and feedback go there
    time: float = 0.0  # when it was due: its arrival, or its bundle's time tag (clock seconds)


class OscReceiver:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 9000,
        *,
        clock: Callable[[], float] = time.time,
        allow: Callable[[str], bool] | None = None,
    ) -> None:
        """Bind ``host:port`` now (port 0 picks a free one: see :attr:`port`). ``allow``, when
        given, is asked for each datagram's sender IP; refused senders are dropped (counted as
        ``not_allowed``) before their bytes are parsed."""
        self.clock = clock
        self.allow = allow
        self.received = 0
        self.dropped: Counter[str] = Counter()
        self._inbox: deque[tuple[float, Message]] = deque()
        self._later: list[tuple[float, int, Message]] = []
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
                self.dropped["not_allowed"] += 1
                continue
            self.accept(data, sender)

    def accept(self, data: bytes, sender: tuple[str, int] | None = None) -> None:
        """Parse one datagram and queue its messages (public so tests can feed raw bytes)."""
        if not data or len(data) % 4:  # OSC packets are whole 4-byte words: this one was cut
            self.dropped["malformed"] += 1
            return
        try:
            timed = OscPacket(data).messages
        except (ParseError, ValueError, IndexError, UnicodeDecodeError, OverflowError):
            self.dropped["malformed"] += 1
            return
        except Exception:  # python-osc raises odd things on odd input; never let it out
            self.dropped["malformed"] += 1
            return
        for item in timed:
            message = item.message
            self._inbox.append(
                (item.time, Message(message.address, tuple(message.params), sender, item.time))
            )
            self.received += 1

    # -- the audio side ---------------------------------------------------------------------
    def due(self, now: float | None = None) -> list[Message]:
        """Messages due by ``now`` (the receiver's clock by default), in arrival/time order."""
        now = self.clock() if now is None else now
        inbox, later = self._inbox, self._later
        ready: list[Message] = []
        while inbox:  # deque.popleft is atomic: safe against the receive thread
            when, message = inbox.popleft()
            if when <= now:
                ready.append(message)
            else:
                heapq.heappush(later, (when, next(self._order), message))
        while later and later[0][0] <= now:
            ready.append(heapq.heappop(later)[2])
        return ready
