"""The machine's own xrun floor: one sine on pyo, on a private JACK dummy server, nothing else.

    python -m benchmarks.baseline_client BUFFER SECONDS

Prints ``{"xruns": N, "dsp_load": L}``. The dummy driver is timer-driven: when the operating
system wakes it late (a shared machine, a VM), JACK counts an xrun whoever the client is, so
the engine's xruns mean something only beside this.
"""

from __future__ import annotations

import json
import sys
import time

from engine.dsp.pyolib import pyo
from engine.dsp.realtime import realtime_server
from engine.live.jack import DummyJackServer, JackMonitor


def main() -> None:
    buffersize, seconds = int(sys.argv[1]), float(sys.argv[2])
    with DummyJackServer(sr=48000, buffersize=buffersize) as jackd:
        monitor = JackMonitor.connect(jackd.name)
        server = realtime_server(
            "dummy", sr=48000, buffersize=buffersize, seed=1, jack_server=jackd.name
        )
        sine = pyo.Sine(440, mul=0.1).out()
        server.start()
        loads = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            time.sleep(0.25)
            loads.append(monitor.load)
        server.stop()
        server.shutdown()
        del sine
        print(json.dumps({"xruns": monitor.xruns, "dsp_load": sum(loads) / len(loads)}))
        monitor.close()


if __name__ == "__main__":
    main()
