"""A text file written a batch of lines at a time, that outlives a kill and a failed write.

Each batch goes straight to the kernel (no Python buffer), so a process killed with ``kill -9``
leaves every batch but the one it was building. A failed write (a full disk, the file size limit)
truncates the file back to the end of the last whole batch, closes it and keeps the reason: the
file stays valid line by line, and nothing raises into the caller's loop.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from engine.render.outputs import describe


class LineLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = path.open("wb", buffering=0)
        self.written = 0  # bytes of whole batches on disk
        self.error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def closed(self) -> bool:
        return self._file.closed

    def write(self, lines: list[str]) -> bool:
        """Append ``lines`` (each gets a newline); False once the log has failed or closed."""
        if self.error is not None or self._file.closed:
            return False
        if not lines:
            return True
        data = memoryview("".join(line + "\n" for line in lines).encode("utf-8"))
        try:
            done = 0
            while done < len(data):
                done += self._file.write(data[done:])
        except OSError as exc:
            self._fail(exc)
            return False
        self.written += len(data)
        return True

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()

    def _fail(self, exc: OSError) -> None:
        self.error = describe(exc)
        # drop the part of the batch that made it, so the file ends on a whole line (a device
        # such as /dev/full has no length to cut)
        with contextlib.suppress(OSError):
            os.ftruncate(self._file.fileno(), self.written)
        self._file.close()
