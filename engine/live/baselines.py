"""Listeners' resting heart rates kept between sessions (``play --baselines FILE``).

The file is a JSON object from a listener's seed (the ``/seed`` a game sends for its player, or
the session's seed) to their baseline in BPM: ``{"5": 61.5, "1234": 58.0}``. It is read when
``play`` starts (a missing file is an empty one; a broken one is an error naming line and
column) and written when it stops, atomically: a temporary file beside it, flushed to disk, then
renamed over it, so a crash leaves the old file or the new one, never half of one. A failed
write is an error (exit status 3), never a success line.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

from engine import defaults
from engine.errors import SoundscapeError
from engine.textfile import TextFileError, position_of_char, read_text


def read_baselines(path: Path) -> dict[int, float]:
    """The baselines kept in ``path`` (none if it does not exist yet)."""
    if not path.exists():
        return {}
    try:
        text = read_text(path, defaults.MAX_BASELINES_BYTES)
    except TextFileError as exc:
        raise SoundscapeError(f"{path}:{exc.line}:{exc.column}: {exc.message}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        line, column = position_of_char(text, exc.pos)
        raise SoundscapeError(f"{path}:{line}:{column}: not JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise SoundscapeError(f"{path}: expected an object of seed: BPM")
    if len(data) > defaults.MAX_BASELINES:
        raise SoundscapeError(f"{path}: {len(data)} listeners, at most {defaults.MAX_BASELINES}")
    lo, hi = defaults.BASELINE_PLAUSIBLE
    baselines: dict[int, float] = {}
    for key, value in data.items():
        if not key.isdigit() or int(key) >= 2**31:
            raise SoundscapeError(f"{path}: {key[:40]!r}: a seed is a whole number below 2**31")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SoundscapeError(f"{path}: {key}: expected a number of BPM")
        if not (math.isfinite(value) and lo <= value <= hi):
            raise SoundscapeError(f"{path}: {key}: {value} BPM is not in [{lo:g}, {hi:g}]")
        baselines[int(key)] = float(value)
    return baselines


def write_baselines(path: Path, baselines: dict[int, float]) -> None:
    """Write ``baselines`` to ``path`` atomically; raises OSError if that fails."""
    text = json.dumps({str(k): round(v, 2) for k, v in sorted(baselines.items())}, indent=1)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text + "\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
