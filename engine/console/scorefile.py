"""The score file as the console shows it: its text, and whether it validates now.

The console loads the file itself with the project's loader (the engine's process is never asked)
and looks again whenever its size or modification time changes, so an edit shows its
``file:line:column: field: problem`` at once, before a live reload would refuse it.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from engine import defaults
from engine.catalog import default_catalog
from engine.errors import ScoreError
from engine.score.loader import load_score
from engine.textfile import TextFileError, read_bytes


class ScoreFile:
    def __init__(self, path: Path, soundfonts: Sequence[str] = ()) -> None:
        self.path = path
        self.soundfonts = tuple(soundfonts)
        self.version = 0  # bumped at every change browsers must be sent
        self._seen: tuple[int, int] | None = None
        self._shown: dict[str, Any] = {"path": str(path), "text": "", "error": None, "line": 0}
        self._lock = threading.Lock()

    def shown(self) -> tuple[int, dict[str, Any]]:
        with self._lock:
            return self.version, dict(self._shown)

    def check(self) -> bool:
        """Read and validate the file again if it changed; True if it did."""
        try:
            stat = self.path.stat()
            seen: tuple[int, int] | None = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            seen = None
        if seen == self._seen and self.version:
            return False
        self._seen = seen
        text, error, line = "", None, 0
        try:
            data = read_bytes(self.path, defaults.MAX_SCORE_BYTES)
            text = data.decode("utf-8", errors="replace")
        except TextFileError as exc:
            error = f"{self.path}: {exc.message}"
        except OSError as exc:
            error = f"{self.path}: {exc.strerror or exc}"
        if error is None:
            try:
                load_score(self.path, default_catalog(), self.soundfonts)
            except ScoreError as exc:
                error, line = str(exc), exc.line
        with self._lock:
            self.version += 1
            self._shown = {"path": str(self.path), "text": text, "error": error, "line": line}
        return True

    def watch(self, stop: threading.Event) -> None:
        """Check every ``CONSOLE_SCORE_CHECK`` until ``stop`` (a thread's target)."""
        while not stop.is_set():
            self.check()
            stop.wait(defaults.CONSOLE_SCORE_CHECK)
