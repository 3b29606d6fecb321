"""``soundscape record``: log the OSC a game sends, as a timeline, without playing anything.

Each message is stamped with the seconds since recording started, measured at its arrival (or at
its bundle's time tag), so ``soundscape render SCORE --timeline FILE`` replays the session's
state changes on time (to within a buffer; ``play --record-osc`` stamps exact samples instead).

The output is checked before the port is opened; every batch of lines goes straight to the
kernel (a killed recorder keeps all but its last ``FLUSH_PERIOD``), and a failed write (a full
disk) ends the recording with :class:`OutputError`, the file cut back to its last whole line.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

from engine.errors import SoundscapeError, listen_problem
from engine.live.linelog import LineLog
from engine.osc.allow import Allowlist, check_binding, exposure
from engine.osc.receiver import OscReceiver
from engine.render.outputs import OutputError, check_output, describe
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
    allow: Allowlist | None = None,
) -> int:
    """Record until ``duration`` seconds pass or SIGINT/SIGTERM; returns the message count.
    Beyond loopback only senders in ``allow`` are recorded (as for ``play``).

    Raises :class:`OutputError` if ``out`` cannot be written, before listening or as soon as a
    write fails (what was written before stays, line by line)."""
    allow = allow if allow is not None else Allowlist()
    check_binding(host, allow)
    check_output(out)
    try:
        receiver = OscReceiver(host, port, allow=allow.permits)
    except OSError as exc:
        raise SoundscapeError(f"cannot listen on {host}:{port}: {listen_problem(exc)}") from None
    stop = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set())
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    }
    count = 0
    try:
        with receiver:
            try:
                log = LineLog(out)
            except OSError as exc:
                raise OutputError(out, describe(exc)) from None
            start = time.time()
            if not log.write([f"# soundscape record {host}:{port}, started {time.ctime(start)}"]):
                raise OutputError(out, log.error or "the first line could not be written")
            if allow:
                ready(exposure(host, receiver.port, allow, replies=False))
            ready(f"listening on {host}:{receiver.port}")
            kept, stopping = 0.0, False
            while not stopping:
                stopping = stop.wait(FLUSH_PERIOD)
                now = time.time()
                if duration is not None and now - start >= duration:
                    stopping = True
                lines = [
                    format_message(max(0.0, m.time - start), m.address, m.args)
                    for m in receiver.due(now)
                ]
                end = [f"{END_MARK}{time.time() - start!r}"] if stopping else []
                if not log.write(lines + end):
                    raise OutputError(
                        out,
                        f"{log.error}; the recording stopped there, and the file keeps "
                        f"{count} messages ({kept:.1f} s)",
                    )
                count, kept = count + len(lines), now - start
            log.close()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if receiver.dropped:
        ready("dropped: " + ", ".join(f"{n} {why}" for why, n in sorted(receiver.dropped.items())))
    return count
