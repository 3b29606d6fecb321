"""A game gone wild: RATE OSC messages a second at PORT for SECONDS, from its own process.

    python -m benchmarks.flood PORT RATE SECONDS

Sends state changes (floats that move), moods and a few malformed datagrams, paced in 5 ms
batches, and prints how many it sent of each kind.
"""

from __future__ import annotations

import json
import math
import socket
import sys
import time

from pythonosc.osc_message_builder import OscMessageBuilder

BATCH = 0.005
GARBAGE_EVERY = 100


def message(address: str, *args: float) -> bytes:
    builder = OscMessageBuilder(address)
    for arg in args:
        builder.add_arg(arg)
    return builder.build().dgram


def main() -> None:
    port, rate, seconds = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
    target = ("127.0.0.1", port)
    sent = {"valid": 0, "garbage": 0}
    per_batch = rate * BATCH
    start = time.perf_counter()
    due = 0.0
    n = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        while (now := time.perf_counter() - start) < seconds:
            due += per_batch
            while n < due:
                if n % GARBAGE_EVERY == GARBAGE_EVERY - 1:
                    s.sendto(b"/state/arousal\x00\x00,f\x00", target)
                    sent["garbage"] += 1
                else:
                    phase = math.sin(n / 500)
                    data = (
                        message("/state/mood", phase, -phase)
                        if n % 3 == 0
                        else message("/state/arousal", phase)
                        if n % 3 == 1
                        else message("/state/heartrate", 90 + 40 * phase)
                    )
                    s.sendto(data, target)
                    sent["valid"] += 1
                n += 1
            time.sleep(max(0.0, (n / rate) - (time.perf_counter() - start)))
            del now
    print(json.dumps(sent))


if __name__ == "__main__":
    main()
