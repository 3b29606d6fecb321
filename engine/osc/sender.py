"""Sending OSC: encode a message and send it to a set of destinations without ever blocking.

Used for feedback to games (beats, scenes, levels) from inside the audio callback, so the socket
is non-blocking and a failed send (a full buffer, a port nobody listens on) is counted, never
raised.
"""

from __future__ import annotations

import math
import socket
import struct
from collections import Counter
from collections.abc import Iterable, Sequence

from pythonosc.osc_message_builder import OscMessageBuilder

from engine.osc.packet import NTP_DELTA

Destination = tuple[str, int]


def encode(address: str, args: Sequence[object] = ()) -> bytes:
    """One OSC message as bytes: ints as ``i``, floats as ``f``, strings as ``s``, bools T/F."""
    builder = OscMessageBuilder(address)
    for arg in args:
        if not isinstance(arg, str | bytes | bool | int | float):
            raise TypeError(f"OSC cannot carry a {type(arg).__name__}")
        builder.add_arg(arg)
    return builder.build().dgram


_BUNDLE = b"#bundle\x00"


def time_tag(unix: float) -> bytes:
    """An OSC time tag for ``unix`` seconds: NTP seconds and a 32-bit binary fraction."""
    seconds = math.floor(unix)
    fraction = min(0xFFFFFFFF, round((unix - seconds) * 4294967296.0))
    return struct.pack(">II", (seconds + NTP_DELTA) & 0xFFFFFFFF, fraction)


def encode_bundle(unix: float, messages: Sequence[bytes]) -> bytes:
    """One OSC bundle of encoded ``messages``, time-tagged with ``unix`` seconds."""
    parts = [_BUNDLE, time_tag(unix)]
    for message in messages:
        parts += [struct.pack(">i", len(message)), message]
    return b"".join(parts)


class OscSender:
    def __init__(self, sock: socket.socket | None = None) -> None:
        """Send from ``sock`` (e.g. :meth:`OscReceiver.reply_socket`) or from a port of its own."""
        self._socket = sock or socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.setblocking(False)
        self.sent = 0
        self.failed: Counter[str] = Counter()

    def send(
        self, destinations: Iterable[Destination], address: str, args: Sequence[object] = ()
    ) -> None:
        data = encode(address, args)
        for destination in destinations:
            self.send_bytes(destination, data)

    def send_bytes(self, destination: Destination, data: bytes) -> None:
        try:
            self._socket.sendto(data, destination)
            self.sent += 1
        except BlockingIOError:
            self.failed["would_block"] += 1
        except OSError:
            self.failed["unreachable"] += 1

    def close(self) -> None:
        self._socket.close()
