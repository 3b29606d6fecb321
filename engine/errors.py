"""The engine's error tree.

::

    SoundscapeError
    ├── ScoreError        a score file is invalid; carries file, line, column and field path
    ├── TimelineError     a timeline (JSON Lines or oscdump) is invalid; carries file, line, column
    └── RenderError       the audio backend could not run

Every message a user sees names where the problem is, in the form editors understand:
``scores/forest.yaml:23:7: layers.pad.gain.curve: points must rise in x``.
"""

from __future__ import annotations

import errno


class SoundscapeError(Exception):
    """Base of every error the engine raises on purpose."""


class ScoreError(SoundscapeError):
    """A score is invalid. ``line`` and ``column`` are 1-based; 0 means unknown."""

    def __init__(
        self, message: str, *, file: str = "<score>", line: int = 0, column: int = 0, path: str = ""
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}:{self.column}"
        field = f" {self.path}:" if self.path else ""
        return f"{where}:{field} {self.message}"


class TimelineError(SoundscapeError):
    """A timeline line is invalid. ``line`` and ``column`` are 1-based; line 0: the whole file."""

    def __init__(
        self, message: str, *, file: str = "<timeline>", line: int = 0, column: int = 1
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        where = f"{file}:{line}:{column}" if line else file
        super().__init__(f"{where}: {message}")


class RenderError(SoundscapeError):
    """Rendering or playback failed."""


def listen_problem(exc: OSError) -> str:
    """What to tell a user whose UDP port could not be bound: a busy port suggests ``--port``."""
    if exc.errno == errno.EADDRINUSE:
        return f"{exc.strerror} (another program is using it: pick another with --port)"
    return str(exc.strerror or exc)
