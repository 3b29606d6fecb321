"""``soundscape record``: log the OSC a game sends, as a timeline, without playing anything.

Each message is stamped with the seconds since recording started, measured at its arrival (or at
its bundle's time tag), so ``soundscape render SCORE --timeline FILE`` replays the session's
state changes on time (to within a buffer; ``play --record-osc`` stamps exact samples instead).
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

from engine.errors import SoundscapeError, listen_problem
from engine.osc.receiver import OscReceiver
from engine.state.timeline import END_MARK, format_message

#: How often queued messages are written out.
FLUSH_PERIOD = 0.05


def record(
    out: Path,
    *,
    host: str,
    port: int,
    duration: float | None = None,
    ready: Callable[[str], None] = print,
) -> int:
    """Record until ``duration`` seconds pass or SIGINT/SIGTERM; returns the message count."""
    try:
        receiver = OscReceiver(host, port)
    except OSError as exc:
        raise SoundscapeError(f"cannot listen on {host}:{port}: {listen_problem(exc)}") from None
    stop = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set())
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    try:
        with receiver, out.open("w", encoding="utf-8") as log:
            start = time.time()
            log.write(f"# soundscape record {host}:{port}, started {time.ctime(start)}\n")
            ready(f"listening on {host}:{receiver.port}")
            while True:
                stopping = stop.wait(FLUSH_PERIOD)
                now = time.time()
                if duration is not None and now - start >= duration:
                    stopping = True
                for message in receiver.due(now):
                    stamp = max(0.0, message.time - start)
                    log.write(format_message(stamp, message.address, message.args) + "\n")
                    count += 1
                log.flush()
                if stopping:
                    log.write(f"{END_MARK}{time.time() - start!r}\n")
                    break
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return count
