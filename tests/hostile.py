"""Run ``soundscape`` on hostile input the way a user would, but fenced: its own process, a
timeout and a 2 GB address-space limit, so a regression (a recursion, an alias bomb, a segfault)
fails the test instead of eating the machine."""

from __future__ import annotations

import re
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Address space a hostile-input run may use: an engine that validates a score needs ~300 MB.
MEMORY_LIMIT = 2 << 30
#: Wall time a hostile-input run may take (the machine is shared; a clean error takes ~1-2 s).
TIME_LIMIT = 60.0


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str
    seconds: float


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def soundscape(*args: str, timeout: float = TIME_LIMIT) -> Run:
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "engine", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
        preexec_fn=_limit_memory,
    )
    return Run(result.returncode, result.stdout, result.stderr, time.monotonic() - start)


def assert_clean_error(run: Run, file: Path, code: int = 1) -> str:
    """The run ended with ``code`` and one ``file:line:column: ...`` line, no traceback."""
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    assert run.returncode == code, (run.returncode, run.stderr[-3000:])
    match = re.search(rf"^(?:error: )?{re.escape(str(file))}:(\d+):(\d+): (.*)$", run.stderr, re.M)
    assert match, run.stderr[-3000:]
    assert len(match[3]) < 400, f"the message is {len(match[3])} characters long"
    return match[3]
