"""``play --console``: the browser console as a child process, started and stopped by the player.

The console (``python -m engine.console``) is a client of the engine like any game: it talks to
the engine only over OSC on 127.0.0.1, so its web serving never runs in the engine's process and
never holds the audio thread's GIL. The player starts it before the audio, waits for its ready
line (``console on http://127.0.0.1:PORT/``) and stops it when playing stops; the console also
exits by itself if the player dies. Its error output is passed through to the player's.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Sequence
from pathlib import Path

from engine import defaults
from engine.errors import SoundscapeError

READY = "console on "


class ConsoleProcess:
    def __init__(self, process: subprocess.Popen[str], url_line: str) -> None:
        self.process = process
        self.ready_line = url_line

    @classmethod
    def start(
        cls,
        *,
        engine_port: int,
        port: int,
        engine_host: str = "127.0.0.1",
        score: Path | None,
        soundfonts: Sequence[str] = (),
        timeout: float = defaults.CONSOLE_START_TIMEOUT,
    ) -> ConsoleProcess:
        """Start the console and wait until it serves; SoundscapeError if it cannot (its port is
        taken, say), with what it said."""
        command = [
            sys.executable,
            "-m",
            "engine.console",
            "--engine-host",
            engine_host,
            "--engine-port",
            str(engine_port),
            "--port",
            str(port),
            "--orphan-exit",
        ]
        if score is not None:
            command += ["--score", str(score)]
        for soundfont in soundfonts:
            command += ["--soundfont", str(soundfont)]
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # a terminal's Ctrl-C goes to the player, which stops it
        )
        said: deque[str] = deque(maxlen=20)
        lines: deque[str] = deque()
        got_line = threading.Event()

        def read_stdout() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                lines.append(line.rstrip("\n"))
                got_line.set()

        def pass_stderr() -> None:
            assert process.stderr is not None
            for line in process.stderr:
                said.append(line.rstrip("\n"))
                if ready.is_set():
                    print(f"console: {line.rstrip()}", file=sys.stderr, flush=True)

        ready = threading.Event()
        threading.Thread(target=read_stdout, name="console-out", daemon=True).start()
        threading.Thread(target=pass_stderr, name="console-err", daemon=True).start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            while lines:
                line = lines.popleft()
                if line.startswith(READY):
                    ready.set()
                    return cls(process, line)
            if process.poll() is not None and not lines:
                process.wait()
                time.sleep(0.1)  # let the reader take its last words
                problem = said[-1] if said else f"it exited with status {process.returncode}"
                raise SoundscapeError(
                    f"the console did not start: {problem.removeprefix('error: ')}"
                )
            got_line.wait(0.05)
            got_line.clear()
        _end(process)
        raise SoundscapeError(f"the console did not start within {timeout:g} s")

    def ended(self) -> str | None:
        """None while the console runs; else how it ended."""
        code = self.process.poll()
        return None if code is None else f"exit status {code}"

    def stop(self) -> None:
        _end(self.process)


def _end(process: subprocess.Popen[str]) -> None:
    """SIGTERM, then SIGKILL after 3 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(3.0)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(3.0)
