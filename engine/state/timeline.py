"""Timelines: state changes at given times, as JSON Lines (or liblo ``oscdump`` output).

One OSC message per line, ``{"t": 12.5, "address": "/state/heartrate", "args": [96]}``; blank
lines and lines starting with ``#`` are skipped, except ``# end SECONDS``, which a recording
writes when it stops: the length of the session, so a replay renders exactly as long. Each
message is applied at the start of the audio buffer that contains its sample position, exactly as
a live message arriving during the previous buffer would be.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from engine.errors import TimelineError


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
    for line in reversed(_read(path)):
        if line.startswith(END_MARK):
            try:
                seconds = float(line[len(END_MARK) :].split()[0])
            except (ValueError, IndexError):
                return None
            return seconds if math.isfinite(seconds) and seconds > 0 else None
    return None


def format_message(time: float, address: str, args: tuple[object, ...] | list[object]) -> str:
    """One timeline line; arguments JSON cannot carry (blobs) become null."""
    safe = [a if a is None or isinstance(a, bool | int | float | str) else None for a in args]
    safe = [None if isinstance(a, float) and not math.isfinite(a) else a for a in safe]
    return json.dumps({"t": time, "address": address, "args": safe}, ensure_ascii=False)


def _read(path: str | Path) -> list[str]:
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise TimelineError(f"cannot read: {exc.strerror}", file=str(path)) from None


def parse_timeline(lines: list[str], file: str = "<timeline>") -> list[TimedMessage]:
    messages = []
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        messages.append(_parse_line(text, file, number))
    messages.sort(key=lambda m: m.time)  # stable: equal times keep file order
    return messages


def _parse_line(text: str, file: str, number: int) -> TimedMessage:
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TimelineError(f"not JSON: {exc.msg}", file=file, line=number) from None
    if not isinstance(record, dict):
        raise TimelineError("expected an object with t, address, args", file=file, line=number)
    t, address, args = record.get("t"), record.get("address"), record.get("args", [])
    if isinstance(t, bool) or not isinstance(t, int | float) or not math.isfinite(t) or t < 0:
        raise TimelineError(f"'t' must be seconds >= 0 (got {t!r})", file=file, line=number)
    if not isinstance(address, str) or not address.startswith("/"):
        raise TimelineError(
            f"'address' must start with '/' (got {address!r})", file=file, line=number
        )
    if not isinstance(args, list):
        args = [args]
    return TimedMessage(float(t), address, tuple(args))
