"""The private JACK dummy server and the xrun monitor: a late buffer must be counted."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tests.playing import ROOT, require

LATE_CLIENT = textwrap.dedent("""
    import time
    from engine.dsp.realtime import realtime_server
    from engine.live.jack import DummyJackServer, JackMonitor
    from engine.dsp.pyolib import pyo

    with DummyJackServer(sr=48000, buffersize=256) as jackd:
        monitor = JackMonitor.connect(jackd.name)
        server = realtime_server("dummy", sr=48000, buffersize=256, seed=1,
                                 jack_server=jackd.name)
        calls = [0]
        def callback():
            calls[0] += 1
            if LATE and calls[0] % 50 == 0:
                time.sleep(0.03)  # six buffers late
        server.setCallback(callback)
        sine = pyo.Sine(440, mul=0.1).out()
        server.start()
        time.sleep(3.0)
        server.stop()
        server.shutdown()
        print(calls[0], monitor.xruns)
        monitor.close()
""")


def run(late: bool) -> tuple[int, int]:
    require("jackd")
    result = subprocess.run(
        [sys.executable, "-c", f"LATE = {late}\n" + LATE_CLIENT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    calls, xruns = result.stdout.split()[-2:]
    return int(calls), int(xruns)


def test_the_monitor_counts_xruns_of_a_late_client_and_none_of_a_punctual_one() -> None:
    calls, xruns = run(late=True)
    assert calls > 300  # it ran in real time, about 187 buffers a second
    assert xruns >= 5  # a late buffer every ~0.27 s
    calls, xruns = run(late=False)
    # a punctual client sees only the machine's own xruns: none when idle, two in 3 s in two
    # CI runs on a busy machine; the late client's come every 0.27 s, eleven in that time
    assert calls > 500 and xruns <= 3


def private_servers(engine_pid: int) -> list[int]:
    found = subprocess.run(
        ["pgrep", "-f", f"jackd .* -n soundscape-{engine_pid}-"], capture_output=True, text=True
    )
    return [int(pid) for pid in found.stdout.split()]


def test_a_killed_engine_takes_its_private_server_with_it(player) -> None:
    live = player()
    [server] = private_servers(live.process.pid)
    live.process.kill()  # SIGKILL: no cleanup code runs
    live.process.wait(10)
    deadline = time.monotonic() + 10
    while private_servers(live.process.pid):
        assert time.monotonic() < deadline, f"jackd {server} outlived its engine"
        time.sleep(0.1)
    # jackd may die without leaving JACK's 8-entry server registry: the next private server
    # started on this machine takes the dead one's entry back
    from engine.live.jack import REGISTRY, DummyJackServer, stale_servers

    name = f"soundscape-{live.process.pid}-0"
    entry = f":{name}:".encode()
    while entry in Path(REGISTRY).read_bytes() and name not in stale_servers():
        assert time.monotonic() < deadline, "jackd's process never went"  # (a zombie a while)
        time.sleep(0.05)
    DummyJackServer(sr=48000, buffersize=256).start().stop()
    assert entry not in Path(REGISTRY).read_bytes()


def test_sighup_stops_the_engine_cleanly(player) -> None:
    live = player()
    pid = live.process.pid
    summary = live.stop(signal.SIGHUP)
    assert summary["errors"] == 0
    assert not private_servers(pid)


def test_a_private_server_that_fails_to_start_says_what_jackd_said() -> None:
    require("jackd")
    import pytest

    from engine.errors import SoundscapeError
    from engine.live.jack import DummyJackServer

    with pytest.raises(SoundscapeError, match=r"jackd exited .*jackd said:\n.+"):
        DummyJackServer(sr=-5, buffersize=256).start()  # an impossible rate
