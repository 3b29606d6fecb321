"""Does the browser console cost the engine xruns? Play with and without it, side by side.

Each row runs ``soundscape play combat --audio dummy --buffer 256`` as its own process, with
``--console 0`` or without, and beside it, for as long, the machine's xrun floor (one pyo sine on
its own private JACK dummy server, benchmarks/baseline_client.py), so both see the same load.
With the console, a WebSocket client stands in for a browser: it takes every push and drags a
slider (30 commands a second, as the page's throttle sends at most), so the console serves,
encodes and forwards over OSC the whole time; a real browser's own rendering is the browser's
cost, not the engine's. The rows alternate (off, osc, console, off...) so a change in the
machine's load hits all. A third row drags the same slider with plain OSC and no console: what the
music's reaction to the moves costs (the engine re-evaluates mix and instruments while an input
moves), apart from the console.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.realtime import ROOT, SCORE, Playing

#: Slider commands a second the stand-in browser sends.
DRAG_RATE = 30


@dataclass
class ConsoleRow:
    mode: str  # off: nothing steers; osc: a plain OSC client drags; console: a browser's stand-in
    seconds: float
    xruns: int | None
    floor_xruns: int  # the baseline sine's, in the same seconds
    cpu_percent: float | None  # the engine process
    dsp_load_mean: float | None
    pushes: int  # pictures the stand-in browser received
    commands: int  # slider moves it sent
    console_cpu_percent: float | None  # the console's own process (not the engine's)


def _browse(url: str, seconds: float, counts: dict[str, int]) -> None:
    import websockets

    async def run() -> None:
        address = url.replace("http://", "ws://") + "ws"
        async with websockets.connect(address, origin=url.rstrip("/")) as socket:

            async def take() -> None:
                async for _ in socket:
                    counts["pushes"] += 1

            taker = asyncio.create_task(take())
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                value = math.sin(time.monotonic())
                await socket.send(json.dumps({"op": "state", "input": "arousal", "value": value}))
                counts["commands"] += 1
                await asyncio.sleep(1 / DRAG_RATE)
            taker.cancel()

    asyncio.run(run())


def _drag_osc(port: int, seconds: float, counts: dict[str, int]) -> None:
    """The same slider moves as plain OSC, straight to the engine: what the music's reaction
    costs without any console."""
    from engine.osc.sender import encode

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            value = math.sin(time.monotonic())
            sender.sendto(encode("/state/arousal", (value,)), ("127.0.0.1", port))
            counts["commands"] += 1
            time.sleep(1 / DRAG_RATE)


def _cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _console_pid(engine: int) -> int | None:
    try:
        children = Path(f"/proc/{engine}/task/{engine}/children").read_text().split()
    except OSError:
        return None
    for child in children:
        try:
            if b"engine.console" in Path(f"/proc/{child}/cmdline").read_bytes():
                return int(child)
        except OSError:
            continue
    return None


def measure(mode: str, seconds: float) -> ConsoleRow:
    with tempfile.TemporaryDirectory() as folder:
        extra = ["--console", "0"] if mode == "console" else []
        engine = Playing(SCORE, seconds + 1.0, 256, Path(folder), *extra)
        port = engine.port
        consoles = [line.split()[-1] for line in engine.started if line.startswith("console on ")]
        url = consoles[-1] if consoles else None
        floor = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.baseline_client", "256", str(seconds)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        counts = {"pushes": 0, "commands": 0}
        browser = None
        console_pid = _console_pid(engine.process.pid) if mode == "console" else None
        console_start = _cpu_seconds(console_pid) if console_pid else None
        started = time.monotonic()
        if url is not None:
            browser = threading.Thread(target=_browse, args=(url, seconds, counts), daemon=True)
        elif mode == "osc":
            browser = threading.Thread(target=_drag_osc, args=(port, seconds, counts), daemon=True)
        if browser is not None:
            browser.start()
        floor_out, _ = floor.communicate(timeout=seconds + 60)
        if browser is not None:
            browser.join(10)
        console_cpu = None
        if console_pid is not None and console_start is not None:
            console_end = _cpu_seconds(console_pid)
            if console_end is not None:
                console_cpu = 100 * (console_end - console_start) / (time.monotonic() - started)
        summary = engine.finish()
    return ConsoleRow(
        mode,
        seconds,
        summary["xruns"],
        int(json.loads(floor_out.splitlines()[-1])["xruns"]),
        summary["cpu_percent"],
        summary["dsp_load_mean"],
        counts["pushes"],
        counts["commands"],
        None if console_cpu is None else round(console_cpu, 1),
    )


MODES = ("off", "osc", "console")


def run(seconds: float = 30.0, rounds: int = 3) -> list[ConsoleRow]:
    return [measure(mode, seconds) for _ in range(rounds) for mode in MODES]


def table(rows: list[ConsoleRow]) -> str:
    head = (
        f"{'steered by':<10} {'secs':>5} {'xruns':>5} {'floor':>5} {'cpu %':>6} {'dsp %':>6} "
        f"{'pushes':>6} {'moves':>6} {'console cpu %':>13}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r.mode:<10} {r.seconds:>5.0f} "
            f"{'-' if r.xruns is None else r.xruns:>5} {r.floor_xruns:>5} "
            f"{'-' if r.cpu_percent is None else format(r.cpu_percent, '.1f'):>6} "
            f"{'-' if r.dsp_load_mean is None else format(r.dsp_load_mean, '.1f'):>6} "
            f"{r.pushes:>6} {r.commands:>6} "
            f"{'-' if r.console_cpu_percent is None else r.console_cpu_percent:>13}"
        )
    return "\n".join(lines)


def as_json(rows: list[ConsoleRow]) -> list[dict[str, object]]:
    return [asdict(r) for r in rows]
