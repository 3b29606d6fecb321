"""A small, bounds-checked OSC packet reader: one datagram in, its messages out, or one reason.

Why not python-osc's parser: it logs a warning per unknown type tag (one 64 KiB datagram wrote
2.7 MB to stderr), copies the rest of the datagram for every argument it reads (quadratic in the
number of arguments), and has no bound on bundle nesting or messages per datagram.

Every size this reader trusts is checked against the end of the element it is in before it is
used: string ends are searched for only up to that end, blob sizes and bundle element sizes must
be non-negative, whole words and fit, and each element advances the position by at least one
word, so parsing ends in time linear in the datagram's length. Memory is bounded too: at most
``max_messages`` messages of at most ``max_args`` arguments, nesting at most ``max_depth`` deep.

A datagram is accepted whole or refused whole (an OSC bundle is atomic) with one reason:
``too_large``, ``malformed`` (a size, string, padding or prefix that does not hold),
``unknown_tag`` (the OSC 1.0 spec says to discard a message with an unrecognized type tag: its
size is unknown, so nothing after it can be read), ``too_deep``, ``too_many_messages`` or
``too_many_args``.

Type tags: ``i h f d`` numbers, ``s S`` strings, ``c`` a character (as a one-letter string),
``b`` blobs (bytes), ``T F`` booleans, ``N`` None, ``I`` (impulse: no value), ``r`` an RGBA
colour (an unsigned int, as python-osc gives it), ``m`` MIDI (a tuple of four ints), ``t`` a time
tag (a tuple ``(seconds, fraction)``) and ``[ ]`` arrays (tuples).
"""

from __future__ import annotations

import struct
from typing import NamedTuple

from engine import defaults

#: Seconds between the NTP epoch (1900) and the Unix epoch (1970).
NTP_DELTA = 2208988800
#: The time tag of a message with no bundle, or of a bundle due "immediately" (tag 0 or 1) or
#: at a time before 1970: apply on arrival.
IMMEDIATELY = 0.0

_BUNDLE = b"#bundle\x00"
_INT = struct.Struct(">i")
_TAG = struct.Struct(">II")
#: Fixed-size tags that map one-to-one onto struct codes: a message made only of these (the
#: common case: ``,f`` ``,ff`` ``,i``) is read with one ``unpack_from``.
_FIXED = {"i": "i", "h": "q", "f": "f", "d": "d"}
#: Compiled structs for such tag strings; cleared when full so senders cannot grow it.
_FORMATS: dict[str, struct.Struct | None] = {}
_FORMATS_MAX = 256
_ARG_STRUCTS = {
    "i": struct.Struct(">i"),
    "h": struct.Struct(">q"),
    "f": struct.Struct(">f"),
    "d": struct.Struct(">d"),
    "r": struct.Struct(">I"),
    "m": struct.Struct(">4B"),
    "t": _TAG,
    "c": struct.Struct(">I"),
}
_NO_DATA = {"T": True, "F": False, "N": None}


class PacketError(Exception):
    """A datagram refused whole; :attr:`reason` is the counter it is dropped under."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Parsed(NamedTuple):
    """One message of a datagram: when it is due (Unix seconds, or :data:`IMMEDIATELY`), its
    address and arguments, and how many bytes of the datagram it took (for memory bounds)."""

    time: float
    address: str
    args: tuple[object, ...]
    size: int


class Limits(NamedTuple):
    max_size: int = defaults.OSC_MAX_DATAGRAM
    max_depth: int = defaults.OSC_MAX_DEPTH
    max_messages: int = defaults.OSC_MAX_MESSAGES
    max_args: int = defaults.OSC_MAX_ARGS


LIMITS = Limits()


def parse(data: bytes, limits: Limits = LIMITS) -> list[Parsed]:
    """The messages of one datagram, in order; raises :class:`PacketError` and nothing else."""
    size = len(data)
    if size > limits.max_size:
        raise PacketError("too_large")
    if size == 0 or size % 4:  # OSC packets are whole 4-byte words: this one was cut
        raise PacketError("malformed")
    out: list[Parsed] = []
    try:
        if data[0] == 0x2F:  # "/"
            out.append(_message(data, 0, size, IMMEDIATELY, limits))
        elif data.startswith(_BUNDLE):
            _bundle(data, 0, size, 1, limits, out)
        else:
            raise PacketError("malformed")
    except (struct.error, UnicodeDecodeError):  # bad UTF-8; struct errors cannot happen
        raise PacketError("malformed") from None
    return out


def _bundle(
    data: bytes, start: int, end: int, depth: int, limits: Limits, out: list[Parsed]
) -> None:
    if depth > limits.max_depth:
        raise PacketError("too_deep")
    if end - start < 16 or data[start : start + 8] != _BUNDLE:
        raise PacketError("malformed")
    time = _time(data, start + 8)
    pos = start + 16
    while pos < end:
        if pos + 4 > end:
            raise PacketError("malformed")
        (length,) = _INT.unpack_from(data, pos)
        pos += 4
        if length <= 0 or length % 4 or length > end - pos:
            raise PacketError("malformed")
        first = data[pos]
        if first == 0x2F:  # "/"
            if len(out) >= limits.max_messages:
                raise PacketError("too_many_messages")
            out.append(_message(data, pos, pos + length, time, limits))
        elif first == 0x23:  # "#"
            _bundle(data, pos, pos + length, depth + 1, limits, out)
        else:
            raise PacketError("malformed")
        pos += length


def _time(data: bytes, pos: int) -> float:
    seconds, fraction = _TAG.unpack_from(data, pos)
    if seconds <= NTP_DELTA:  # 0 and 1 ("immediately"), and anything before 1970
        return IMMEDIATELY
    return float(seconds - NTP_DELTA + fraction / 4294967296.0)


def _string(data: bytes, pos: int, end: int) -> tuple[str, int]:
    """An OSC string at ``pos``: ends at a NUL, padded with NULs to a whole word."""
    nul = data.find(b"\x00", pos, end)
    if nul < 0:
        raise PacketError("malformed")
    after = nul + 4 - ((nul - pos) & 3)
    if after > end:
        raise PacketError("malformed")
    return data[pos:nul].decode(), after


def _message(data: bytes, start: int, end: int, time: float, limits: Limits) -> Parsed:
    address, pos = _string(data, start, end)
    if pos == end:  # an address alone: no type tag string, no arguments
        return Parsed(time, address, (), end - start)
    if data[pos] != 0x2C:  # ","
        raise PacketError("malformed")
    tags, pos = _string(data, pos, end)
    tags = tags[1:]
    if len(tags) > limits.max_args + 2 * limits.max_depth:
        raise PacketError("too_many_args")
    fixed = _fixed(tags)
    if fixed is not None:
        if pos + fixed.size != end:
            raise PacketError("malformed")
        return Parsed(time, address, fixed.unpack_from(data, pos), end - start)
    args, pos = _args(data, pos, end, tags, limits)
    if pos != end:
        raise PacketError("malformed")
    return Parsed(time, address, args, end - start)


def _fixed(tags: str) -> struct.Struct | None:
    """One struct for a tag string made only of ``i h f d``, else None (both cached)."""
    try:
        return _FORMATS[tags]
    except KeyError:
        pass
    compiled = None
    if all(tag in _FIXED for tag in tags):
        compiled = struct.Struct(">" + "".join(_FIXED[tag] for tag in tags))
    if len(_FORMATS) >= _FORMATS_MAX:
        _FORMATS.clear()
    _FORMATS[tags] = compiled
    return compiled


def _args(
    data: bytes, pos: int, end: int, tags: str, limits: Limits
) -> tuple[tuple[object, ...], int]:
    """Arguments for a general tag string (strings, blobs, arrays...), bounds-checked."""
    stack: list[list[object]] = [[]]
    count = 0
    for tag in tags:
        if tag == "[":
            if len(stack) > limits.max_depth:
                raise PacketError("too_deep")
            stack.append([])
            continue
        if tag == "]":
            if len(stack) < 2:
                raise PacketError("malformed")
            array = tuple(stack.pop())
            stack[-1].append(array)
            continue
        count += 1
        if count > limits.max_args:
            raise PacketError("too_many_args")
        value: object
        if tag in _NO_DATA:
            value = _NO_DATA[tag]
        elif tag == "I":  # an impulse carries no value: /event ,sI is /event NAME
            count -= 1
            continue
        elif tag == "s" or tag == "S":
            value, pos = _string(data, pos, end)
        elif tag == "b":
            if pos + 4 > end:
                raise PacketError("malformed")
            (length,) = _INT.unpack_from(data, pos)
            pos += 4
            if length < 0 or length > end - pos:
                raise PacketError("malformed")
            value = data[pos : pos + length]
            pos += (length + 3) & ~3
            if pos > end:
                raise PacketError("malformed")
        elif tag in _ARG_STRUCTS:
            unpacker = _ARG_STRUCTS[tag]
            if pos + unpacker.size > end:
                raise PacketError("malformed")
            fields = unpacker.unpack_from(data, pos)
            pos += unpacker.size
            if tag == "m" or tag == "t":
                value = fields
            elif tag == "c":
                value = chr(fields[0] & 0xFF)
            else:
                value = fields[0]
        else:
            raise PacketError("unknown_tag")
        stack[-1].append(value)
    if len(stack) != 1:
        raise PacketError("malformed")
    return tuple(stack[0]), pos
