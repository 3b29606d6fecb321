"""Files the engine writes (renders, recordings, logs, summaries): checked before audio starts,
and a best guess at why writes stopped when they do.

A check that fails raises :class:`OutputError`, ``cannot write FILE: reason``, before any audio
server or JACK server starts, so a typo in a path costs nothing and loses nothing.
"""

from __future__ import annotations

import errno
import os
import resource
from pathlib import Path

from engine.errors import SoundscapeError

MB = 1_000_000


class OutputError(SoundscapeError):
    """A file the engine was asked to write cannot be written (or stopped being writable)."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"cannot write {path}: {reason}")


def check_output(path: Path, *, needs_bytes: int | None = None) -> None:
    """Make sure ``path`` can be created (its folders too) and, when its size is known, that the
    disk and the file size limit (``ulimit -f``) leave room for ``needs_bytes``.

    The file is opened for appending, so an existing file is not truncated; a file that did not
    exist is removed again (the real writer creates it).
    """
    if path.is_dir():
        raise OutputError(path, "it is a directory")
    existing = next(parent for parent in path.absolute().parents if parent.exists())
    if not existing.is_dir():  # mkdir would only say "File exists"
        raise OutputError(path, f"{existing} is a file, not a directory")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(path, describe(exc)) from None
    existed = path.exists()
    try:
        with path.open("ab"):
            pass
    except OSError as exc:
        raise OutputError(path, describe(exc)) from None
    finally:
        if not existed:
            path.unlink(missing_ok=True)
    if needs_bytes is None or not path.parent.exists():
        return
    disk = os.statvfs(path.parent)
    free = disk.f_bavail * disk.f_frsize
    if free < needs_bytes:
        raise OutputError(
            path, f"it needs {needs_bytes / MB:.1f} MB and the disk has {free / MB:.1f} MB free"
        )
    limit = file_size_limit()
    if limit is not None and needs_bytes > limit:
        raise OutputError(
            path,
            f"it needs {needs_bytes / MB:.1f} MB, more than the file size limit "
            f"(ulimit -f) of {limit / MB:.1f} MB",
        )


def why_writes_stopped(path: Path, size: int, next_write: int) -> str:
    """A best guess at why a file of ``size`` bytes stopped growing when a writer we cannot hear
    from (libsndfile inside pyo ignores its own write errors) tried to add ``next_write`` bytes."""
    limit = file_size_limit()
    if limit is not None and size + next_write > limit:
        return f"it reached the file size limit (ulimit -f) of {limit / MB:.1f} MB"
    try:
        disk = os.statvfs(path.parent)
    except OSError:
        return "its folder is gone"
    if disk.f_bavail * disk.f_frsize < next_write:
        return "No space left on device"
    return "the writes failed (the file stopped growing)"


def file_size_limit() -> int | None:
    """The process's file size limit in bytes (``ulimit -f``), or None when unlimited."""
    soft, _ = resource.getrlimit(resource.RLIMIT_FSIZE)
    return None if soft == resource.RLIM_INFINITY else int(soft)


def describe(exc: OSError) -> str:
    """An OSError as a reason for :class:`OutputError` ("No space left on device")."""
    reason = exc.strerror or str(exc)
    if exc.errno == errno.EFBIG:
        reason += " (the file size limit, ulimit -f)"
    return reason
