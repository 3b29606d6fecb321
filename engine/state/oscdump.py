"""Timelines captured with liblo's ``oscdump``: ``eeb11563.be1c1508 /state/heartrate f 72.500000``.

Each line is an NTP time tag (hex seconds.fraction), the address, the type tags and one printed
value per tag: numbers, ``"strings"``, ``'c'`` chars, ``#T``/``#F``, ``Nil``, ``Infinitum``.
Times become seconds from the first line, so ``oscdump -L PORT > session.txt`` during a game
turns into a timeline that ``soundscape render --timeline`` plays.
"""

from __future__ import annotations

import re

from engine import defaults
from engine.errors import TimelineError
from engine.state.timeline import TimedMessage, check_lines

LINE = re.compile(r"^([0-9a-fA-F]{8})\.([0-9a-fA-F]{8})\s+(/\S*)(?:\s+(\S+))?(?:\s(.*))?$")
#: liblo's time tag for "immediately": such a message keeps the time of the one before it.
IMMEDIATELY = (0, 1)


def looks_like_oscdump(line: str) -> bool:
    return LINE.match(line.strip()) is not None


def parse_oscdump(lines: list[str], file: str = "<oscdump>") -> list[TimedMessage]:
    check_lines(lines, file)
    messages: list[TimedMessage] = []
    start: float | None = None
    last = 0.0
    for number, raw in enumerate(lines, start=1):
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        match = LINE.match(text)
        column = len(raw) - len(raw.lstrip()) + 1
        if match is None:
            raise TimelineError(
                "not an oscdump line (TIMETAG /address types values)",
                file=file,
                line=number,
                column=column,
            )
        seconds, fraction = int(match[1], 16), int(match[2], 16)
        if (seconds, fraction) == IMMEDIATELY:
            when = last
        else:
            stamp = seconds + fraction / 2**32
            start = stamp if start is None else start
            when = max(0.0, stamp - start)
        if when > defaults.MAX_SECONDS:
            raise TimelineError(
                f"{when:.0f} s after the first message: at most {defaults.MAX_SECONDS:g}",
                file=file,
                line=number,
                column=column,
            )
        last = when
        tags = match[4] or ""
        try:
            args = _values(tags, match[5] or "")
        except ValueError as exc:  # the message quotes a token: a line is at most 64 KiB
            raise TimelineError(
                f"{match[3][: defaults.MAX_QUOTE]}: {str(exc)[: 2 * defaults.MAX_QUOTE]}",
                file=file,
                line=number,
                column=column,
            ) from None
        messages.append(TimedMessage(when, match[3], tuple(args)))
    messages.sort(key=lambda m: m.time)
    return messages


def _values(tags: str, text: str) -> list[object]:
    if len(tags) > defaults.MAX_TIMELINE_ARGS:
        raise ValueError(f"{len(tags)} type tags: at most {defaults.MAX_TIMELINE_ARGS} are allowed")
    values: list[object] = []
    rest = text
    for index, tag in enumerate(tags):
        rest = rest.lstrip(" ")
        if tag in "sS":
            if not rest.startswith('"'):
                raise ValueError(f"expected a quoted string for '{tag}'")
            end = rest.rstrip().rfind('"') if index == len(tags) - 1 else _string_end(rest)
            if end <= 0:
                raise ValueError("unterminated string")
            values.append(rest[1:end])
            rest = rest[end + 1 :]
            continue
        token, _, rest = rest.partition(" ")
        if not token:
            raise ValueError(f"missing a value for type '{tag}'")
        values.append(_scalar(tag, token))
    if rest.strip():
        raise ValueError(f"more values than type tags ({rest.strip()!r} left)")
    return values


def _string_end(text: str) -> int:
    """Index of the quote closing the string that ``text`` opens: liblo does not escape quotes,
    so a string that is not the last value ends at the first quote followed by a space."""
    index = 1
    while True:
        index = text.find('"', index)
        if index < 0:
            raise ValueError("unterminated string")
        if index + 1 == len(text) or text[index + 1] == " ":
            return index
        index += 1


def _scalar(tag: str, token: str) -> object:
    if tag in "ih":
        value = int(token)
        if not -(2**63) <= value < 2**63:
            raise ValueError(f"{token[:20]}... is beyond a 64-bit integer")
        return value
    if tag in "fd":
        return float(token)
    if tag == "T":
        return True
    if tag == "F":
        return False
    if tag == "N":
        return None
    if tag == "I":  # an impulse ("Infinitum") carries no value
        return None
    if tag == "c":
        return token.strip("'")
    if tag == "t":
        return token
    raise ValueError(f"type '{tag}' is not supported in a timeline")
