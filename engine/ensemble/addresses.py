"""Who a message is for, and each listener's seed: pure, no audio.

``/listener/ID/REST`` reaches listener ``ID`` alone, as the engine address ``/REST``
(``/listener/3/state/heartrate 80``); every other address reaches every listener, as it does
one engine today. ``/listener/baseline`` and ``/listener/orientation`` (issue 14) stay
addresses of their own, so those two words are never ids.
"""

from __future__ import annotations

import re
import zlib

from engine import defaults
from engine.conductor.conductor import derive_seed

_ID = re.compile(defaults.LISTENER_ID_PATTERN)
PREFIX = "/listener/"


def is_listener_id(text: str) -> bool:
    return _ID.fullmatch(text) is not None and text not in defaults.LISTENER_RESERVED


def check_listener_id(text: str) -> str:
    """``text`` if it can name a listener, else ValueError saying why."""
    if not is_listener_id(text):
        reserved = " or ".join(defaults.LISTENER_RESERVED)
        raise ValueError(
            f"listener id {text!r}: use 1 to 32 letters, digits, '-' or '_' (not {reserved})"
        )
    return text


def split_listener(address: str) -> tuple[str | None, str]:
    """(listener id, engine address) for ``/listener/ID/REST``; (None, address) for the rest,
    which is for every listener. A malformed id is returned as it is, for the caller to count
    as unknown."""
    if not address.startswith(PREFIX):
        return None, address
    head, slash, rest = address[len(PREFIX) :].partition("/")
    if head in defaults.LISTENER_RESERVED or not slash:
        return None, address
    return head, "/" + rest


def listener_seed(seed: int, listener_id: str) -> int:
    """A listener's own seed: stable across runs and machines (crc32, not Python's salted
    ``hash``), different for each id, and moved by the performance's seed."""
    return derive_seed(seed, zlib.crc32(listener_id.encode()) % 2**31)


def seed_of(args: tuple[object, ...]) -> int | None:
    """The performance seed a broadcast ``/seed N`` asks for, or None if it is not one whole
    number 0 or more."""
    value = args[0] if len(args) == 1 else None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def default_ids(count: int) -> list[str]:
    """The ids ``serve --listeners N`` gives: ``1`` … ``N``."""
    return [str(n) for n in range(1, count + 1)]
