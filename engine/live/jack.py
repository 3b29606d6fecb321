"""JACK: a private server with the dummy driver, and a monitor that counts its xruns.

The dummy driver gives a real audio clock without a sound card, so the engine runs in real time
in CI and on servers. pyo cannot tell when it misses a deadline, so a second, passive JACK client
(the ``JACK-Client`` package, a binding of libjack) listens for xruns and reads the server's DSP
load.
"""

from __future__ import annotations

import ctypes
import itertools
import os
import shutil
import signal
import subprocess
import threading
import time
from collections import deque

from engine.errors import SoundscapeError

#: How long to wait for a private server to accept clients.
START_TIMEOUT = 10.0
#: Ports the private server allows: a few are used (pyo's outputs, the dummy's system ports);
#: JACK sizes the shared memory every client maps by it (256 ports: ~105 MB of RSS a client).
PORT_MAX = 64
#: prctl(2) option: the signal a child gets when its parent dies.
PR_SET_PDEATHSIG = 1
_names = itertools.count()


class DummyJackServer:
    """``jackd -d dummy`` as a child process, named uniquely so tests can run several."""

    def __init__(self, *, sr: int, buffersize: int) -> None:
        self.sr = sr
        self.buffersize = buffersize
        self.name = f"soundscape-{os.getpid()}-{next(_names)}"
        self.process: subprocess.Popen[str] | None = None
        self.output: deque[str] = deque(maxlen=200)  # jackd's last lines, for error messages

    def start(self) -> DummyJackServer:
        jackd = shutil.which("jackd")
        if jackd is None:
            raise SoundscapeError(
                "--audio dummy needs jackd: install Debian's jackd2 "
                "(sudo apt-get install jackd2, or scripts/install-test-deps.sh)"
            )
        command = [
            jackd,
            "--no-mlock",
            "--port-max",
            str(PORT_MAX),
            "-n",
            self.name,
            "-d",
            "dummy",
            "-r",
            str(self.sr),
            "-p",
            str(self.buffersize),
        ]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # a Ctrl-C goes to us, not it
            preexec_fn=_die_with_parent,
        )
        threading.Thread(target=self._read, name="jackd-output", daemon=True).start()
        try:
            monitor = JackMonitor.connect(self.name, timeout=START_TIMEOUT, process=self.process)
        except SoundscapeError as exc:
            self.stop()
            said = "\n".join(list(self.output)[-10:])
            raise SoundscapeError(f"{exc}; jackd said:\n{said}" if said else str(exc)) from None
        monitor.close()
        return self

    def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line.rstrip())

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def __enter__(self) -> DummyJackServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux to send it SIGTERM if we die (even by SIGKILL), so a
    crashed or killed engine never leaves its private server running."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the server is stopped by stop() only
        pass


class JackMonitor:
    """A JACK client with no ports: counts the server's xruns and reads its DSP load."""

    def __init__(self, client: object) -> None:
        self._client = client
        self.xruns = 0
        client.set_xrun_callback(self._xrun)  # type: ignore[attr-defined]
        client.activate()  # type: ignore[attr-defined]

    def _xrun(self, _delay: float) -> None:
        self.xruns += 1

    @classmethod
    def connect(
        cls,
        server: str | None,
        *,
        timeout: float = 0.0,
        process: subprocess.Popen[str] | None = None,
    ) -> JackMonitor:
        """Connect to ``server`` (None: the default), retrying for up to ``timeout`` seconds."""
        try:
            import jack
        except (ImportError, OSError) as exc:
            raise SoundscapeError(
                f"JACK is not available ({exc}): install Debian's jackd2 "
                "and the JACK-Client package"
            ) from None
        jack.set_error_function(lambda _message: None)  # "cannot connect" while it starts
        deadline = time.monotonic() + timeout
        while True:
            try:
                client = jack.Client("soundscape-monitor", no_start_server=True, servername=server)
                return cls(client)
            except jack.JackError:
                if process is not None and process.poll() is not None:
                    raise SoundscapeError(
                        f"jackd exited with status {process.returncode}"
                    ) from None
                if time.monotonic() >= deadline:
                    where = f"JACK server {server!r}" if server else "a JACK server"
                    raise SoundscapeError(
                        f"cannot connect to {where}: is it running? "
                        "(--audio dummy starts a private one)"
                    ) from None
                time.sleep(0.05)

    @property
    def load(self) -> float:
        """The server's DSP load in percent."""
        return float(self._client.cpu_load())  # type: ignore[attr-defined]

    def close(self) -> None:
        try:
            self._client.deactivate()  # type: ignore[attr-defined]
            self._client.close()  # type: ignore[attr-defined]
        except Exception:  # closing after the server died: nothing left to release
            pass
