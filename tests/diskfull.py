"""Real write failures for tests: a disk that fills up, and a file size limit.

- :func:`small_disk`: a tmpfs of a few MB mounted for the test (needs root or CAP_SYS_ADMIN;
  skipped otherwise); :func:`fill` then takes its last byte, so the next write gets ENOSPC.
- :func:`file_size_limit`: a ``preexec_fn`` that gives a child process ``ulimit -f`` with
  SIGXFSZ ignored, so its writes past the limit fail with EFBIG instead of killing it. Children
  that a ``subprocess`` call starts get SIGXFSZ back (``restore_signals``), so a JACK server must
  be started outside the limited process.
"""

from __future__ import annotations

import contextlib
import resource
import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def small_disk(where: Path, megabytes: int) -> Iterator[Path]:
    where.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=True)


def fill(disk: Path) -> None:
    """Write a file on ``disk`` until the disk is full."""
    with (disk / "filler").open("wb", buffering=0) as filler, contextlib.suppress(OSError):
        while True:
            filler.write(b"\0" * 65536)


def file_size_limit(limit: int) -> Callable[[], None]:
    def limit_writes() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return limit_writes
