"""JACK: a private server with the dummy driver, and a monitor that counts its xruns.

The dummy driver gives a real audio clock without a sound card, so the engine runs in real time
in CI and on servers. pyo cannot tell when it misses a deadline, so a second, passive JACK client
(the ``JACK-Client`` package, a binding of libjack) listens for xruns and reads the server's DSP
load. The monitor also hears when the server shuts down or dies, and the private server can be
asked whether its process is still alive and be started again under a new name.
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import itertools
import os
import re
import shutil
import signal
import subprocess
import sys
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
        self.name = _fresh_name()
        self.process: subprocess.Popen[str] | None = None
        self.output: deque[str] = deque(maxlen=200)  # jackd's last lines, for error messages

    def start(self) -> DummyJackServer:
        for name in stale_servers():
            _reclaim_name(name, sr=self.sr, buffersize=self.buffersize)
        _remove_orphans()
        self.process = self._launch()
        threading.Thread(target=self._read, name="jackd-output", daemon=True).start()
        try:
            monitor = JackMonitor.connect(self.name, timeout=START_TIMEOUT, process=self.process)
        except SoundscapeError as exc:
            self.stop()
            said = "\n".join(list(self.output)[-10:])
            raise SoundscapeError(f"{exc}; jackd said:\n{said}" if said else str(exc)) from None
        monitor.close()
        return self

    def _launch(self, output: int = subprocess.PIPE) -> subprocess.Popen[str]:
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
        return subprocess.Popen(
            command,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # a Ctrl-C goes to us, not it
            preexec_fn=_die_with_parent,
        )

    def _read(self) -> None:
        process = self.process
        assert process is not None and process.stdout is not None
        for line in process.stdout:
            self.output.append(line.rstrip())

    @property
    def pid(self) -> int | None:
        """The jackd process's id while it runs (tests kill it to see the engine survive)."""
        return self.process.pid if self.process is not None else None

    def death(self) -> str | None:
        """None while jackd runs; once it has exited, how (for the error message)."""
        if self.process is None or self.process.poll() is None:
            return None
        return f"jackd {_how_it_ended(self.process.returncode)}"

    def restart(self) -> DummyJackServer:
        """Kill this server if it still runs (it stopped serving us: it may not answer a
        SIGTERM), and start it again under the same name: the new server takes over the registry
        entry the killed one left (see :meth:`_reclaim`)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None
        return self.start()

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self._terminate(self.process)
        if self.process.returncode < 0:  # killed, or died of a signal while shutting down
            self._reclaim()
        _remove_leftovers(self.name)
        self.process = None

    def _reclaim(self) -> None:
        """Release what a killed jackd left registered. JACK keeps 8 server entries per user in
        /dev/shm/jack-shm-registry and frees a dead server's entry only when a server of the same
        name starts: left alone, 8 killed servers stop every later jackd on the machine ("Too
        many servers already active"). So start one of this name, and stop it cleanly."""
        process = self._launch(output=subprocess.DEVNULL)
        try:
            JackMonitor.connect(self.name, timeout=START_TIMEOUT, process=process).close()
        except SoundscapeError:
            pass  # it could not start: nothing more to do here
        finally:
            self._terminate(process)

    @staticmethod
    def _terminate(process: subprocess.Popen[str]) -> None:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def __enter__(self) -> DummyJackServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


#: JACK's server registry: 8 entries a user, each a 4-byte pid then ``jack-UID:NAME:``.
REGISTRY = "/dev/shm/jack-shm-registry"


def stale_servers() -> list[str]:
    """Names of our private servers that JACK's registry still holds although both the server
    and the engine that started it are gone (a SIGKILLed engine's jackd can exit without leaving
    the registry: measured on every run of tests/live/test_jack.py's killed-engine test)."""
    try:
        with open(REGISTRY, "rb") as registry:
            data = registry.read(64 * 1024)
    except OSError:
        return []
    stale = []
    pattern = rb"jack-%d:(soundscape-(\d+)-\d+):" % os.getuid()
    for match in re.finditer(pattern, data):
        server_pid = int.from_bytes(data[match.start() - 4 : match.start()], sys.byteorder)
        if not _alive(server_pid) and not _alive(int(match.group(2))):
            stale.append(match.group(1).decode())
    return stale


def _remove_orphans() -> None:
    """Semaphores that clients of our private servers left in /dev/shm when their engine was
    killed (the engine's pid is in the name; jackd removes only its own)."""
    for path in glob.glob(f"/dev/shm/jack_sem.{os.getuid()}_soundscape-*"):
        found = re.search(r"_soundscape-(\d+)-\d+_", path)
        if found is not None and not _alive(int(found.group(1))):
            with contextlib.suppress(OSError):
                os.unlink(path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return pid > 0


def _reclaim_name(name: str, *, sr: int, buffersize: int) -> None:
    server = DummyJackServer(sr=sr, buffersize=buffersize)
    server.name = name
    server._reclaim()
    _remove_leftovers(name)


def _fresh_name() -> str:
    return f"soundscape-{os.getpid()}-{next(_names)}"


def _how_it_ended(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"was killed by signal {-returncode}"
    return f"exited with status {returncode}"


def _remove_leftovers(name: str) -> None:
    """Clients of a killed jackd leave their semaphores in /dev/shm, named after the server;
    remove them (once it has exited) so they do not pile up."""
    for path in glob.glob(f"/dev/shm/jack_sem.{os.getuid()}_{name}_*") + glob.glob(
        f"/dev/shm/jack_{name}_*"
    ):
        with contextlib.suppress(OSError):  # another cleanup got there first
            os.unlink(path)


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux to send it SIGTERM if we die (even by SIGKILL), so a
    crashed or killed engine never leaves its private server running.

    And ignore SIGPIPE: once we are dead nobody reads jackd's output, and jackd, shutting down
    with a client still registered, prints; SIGPIPE would kill it before it left JACK's server
    registry, whose 8 entries then fill up with dead servers (measured: each killed engine left
    one).
    """
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the server is stopped by stop() only
        pass


class JackMonitor:
    """A JACK client with no ports: counts the server's xruns, reads its DSP load, and hears
    when the server goes away (:attr:`shutdown` then says why)."""

    def __init__(self, client: object) -> None:
        self._client = client
        self.xruns = 0
        #: Why the server shut this client down (JACK's words); None while it serves us.
        self.shutdown: str | None = None
        self._closed = False
        client.set_xrun_callback(self._xrun)  # type: ignore[attr-defined]
        client.set_shutdown_callback(self._shutdown)  # type: ignore[attr-defined]
        client.activate()  # type: ignore[attr-defined]

    def _xrun(self, _delay: float) -> None:
        self.xruns += 1

    def _shutdown(self, _status: object, reason: str) -> None:
        # JACK's own thread; libjack may not be called from here (JACK-Client's docs).
        self.shutdown = reason or "the JACK server shut down"

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
        """The server's DSP load in percent (0 once the server has gone)."""
        if self.shutdown is not None:
            return 0.0
        return float(self._client.cpu_load())  # type: ignore[attr-defined]

    def close(self) -> None:
        """Leave the server (once: a second call does nothing)."""
        if self._closed:
            return
        self._closed = True
        if self.shutdown is None:
            self.shutdown = "closed"  # nothing may call into the client any more (load)
        try:
            self._client.deactivate()  # type: ignore[attr-defined]
            self._client.close()  # type: ignore[attr-defined]
        except Exception:  # closing after the server died: nothing left to release
            pass
