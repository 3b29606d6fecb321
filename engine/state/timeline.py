"""Timelines: state changes at given times, as JSON Lines (or liblo ``oscdump`` output).

One OSC message per line, ``{"t": 12.5, "address": "/state/heartrate", "args": [96]}``; blank
lines and lines starting with ``#`` are skipped, except ``# end SECONDS``, which a recording
writes when it stops: the length of the session, so a replay renders exactly as long. Each
message is applied at the start of the audio buffer that contains its sample position, exactly as
a live message arriving during the previous buffer would be.

A timeline comes from outside, so it is read with limits (``defaults.MAX_TIMELINE_*``): strict
UTF-8 without control characters, bounded bytes, lines and line length, ``t`` in seconds within
``[0, MAX_SECONDS]``, and arguments that an OSC message can carry. Every problem is a
:class:`TimelineError` naming ``file:line:column``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from engine import defaults
from engine.errors import TimelineError
from engine.textfile import TextFileError, quote, read_text


@dataclass(frozen=True, slots=True)
class TimedMessage:
    time: float  # seconds from the start
    address: str
    args: tuple[object, ...]


#: The comment a recording ends with: ``# end 12.5``.
END_MARK = "# end "


def load_timeline(path: str | Path) -> list[TimedMessage]:
    """A timeline file: JSON Lines, or what liblo's ``oscdump`` prints (told apart by content)."""
    lines = _read(path)
    from engine.state.oscdump import looks_like_oscdump, parse_oscdump

    first = next((line for line in lines if line.strip() and not line.startswith("#")), "")
    if looks_like_oscdump(first):
        return parse_oscdump(lines, str(path))
    return parse_timeline(lines, str(path))


def recorded_length(path: str | Path) -> float | None:
    """The ``# end`` length of a recorded timeline, or None if it has none."""
    lines = _read(path)
    for number in range(len(lines), 0, -1):
        line = lines[number - 1]
        if line.startswith(END_MARK):
            try:
                seconds = float(line[len(END_MARK) :].split()[0])
            except (ValueError, IndexError):
                return None
            if not 0 < seconds <= defaults.MAX_SECONDS:  # also false for NaN
                raise TimelineError(
                    f"'{END_MARK.strip()}' must be seconds in (0, {defaults.MAX_SECONDS:g}]",
                    file=str(path),
                    line=number,
                )
            return seconds
    return None


def format_message(time: float, address: str, args: tuple[object, ...] | list[object]) -> str:
    """One timeline line; arguments JSON cannot carry (blobs) become null."""
    safe = [a if a is None or isinstance(a, bool | int | float | str) else None for a in args]
    safe = [None if isinstance(a, float) and not math.isfinite(a) else a for a in safe]
    return json.dumps({"t": time, "address": address, "args": safe}, ensure_ascii=False)


def _read(path: str | Path) -> list[str]:
    """The file's lines, refused whole if it is too big, not UTF-8, or has control characters,
    too many lines or a line too long (each a TimelineError with line and column)."""
    try:
        text = read_text(path, defaults.MAX_TIMELINE_BYTES)
    except TextFileError as exc:
        raise TimelineError(exc.message, file=str(path), line=exc.line, column=exc.column) from None
    lines = text.splitlines()
    check_lines(lines, str(path))
    return lines


def check_lines(lines: list[str], file: str) -> None:
    if len(lines) > defaults.MAX_TIMELINE_LINES:
        raise TimelineError(
            f"{len(lines)} lines: at most {defaults.MAX_TIMELINE_LINES} are allowed",
            file=file,
            line=defaults.MAX_TIMELINE_LINES + 1,
        )
    for number, line in enumerate(lines, start=1):
        if len(line) > defaults.MAX_TIMELINE_LINE:
            raise TimelineError(
                f"a line of {len(line)} characters: at most {defaults.MAX_TIMELINE_LINE}",
                file=file,
                line=number,
            )


def parse_timeline(lines: list[str], file: str = "<timeline>") -> list[TimedMessage]:
    check_lines(lines, file)
    messages = []
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        column = len(line) - len(line.lstrip()) + 1
        messages.append(_parse_line(text, file, number, column))
    messages.sort(key=lambda m: m.time)  # stable: equal times keep file order
    return messages


def _parse_line(text: str, file: str, number: int, column: int) -> TimedMessage:
    def error(message: str, offset: int = 0) -> TimelineError:
        return TimelineError(message, file=file, line=number, column=column + offset)

    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"not JSON: {exc.msg}", exc.colno - 1) from None
    except (ValueError, RecursionError) as exc:  # a 5,000-digit number, 10,000 nested brackets
        raise error(f"not usable JSON: {str(exc)[: 2 * defaults.MAX_QUOTE]}") from None
    if not isinstance(record, dict):
        raise error("expected an object with t, address, args")
    t, address, args = record.get("t"), record.get("address"), record.get("args", [])
    if (
        isinstance(t, bool)
        or not isinstance(t, int | float)
        or not 0 <= t <= defaults.MAX_SECONDS  # also false for NaN and infinities
    ):
        raise error(f"'t' must be seconds in [0, {defaults.MAX_SECONDS:g}] (got {quote(t)})")
    if not isinstance(address, str) or not address.startswith("/"):
        raise error(f"'address' must start with '/' (got {quote(address)})")
    if not isinstance(args, list):
        args = [args]
    if len(args) > defaults.MAX_TIMELINE_ARGS:
        raise error(f"{len(args)} args: at most {defaults.MAX_TIMELINE_ARGS} are allowed")
    for index, arg in enumerate(args):
        if not _is_osc_value(arg):
            raise error(
                f"args[{index}] must be a number, a string, true, false or null (got {quote(arg)})"
            )
    return TimedMessage(float(t), address, tuple(args))


def _is_osc_value(value: object) -> bool:
    """What an OSC argument can be in a timeline: a 64-bit int, a float, a string, a bool or
    nil (non-finite floats are allowed: the router counts and drops them, as it does live)."""
    if isinstance(value, bool) or value is None or isinstance(value, float | str):
        return True
    return isinstance(value, int) and -(2**63) <= value < 2**63
