"""Does the browser console cost the engine xruns? Play with and without it, side by side.

Each row runs ``soundscape play combat --audio dummy --buffer 256`` as its own process, with
``--console 0`` or without, and beside it, for as long, the machine's xrun floor (one pyo sine on
its own private JACK dummy server, benchmarks/baseline_client.py), so both see the same load.
With the console, a WebSocket client stands in for a browser: it takes every push and drags a
slider (30 commands a second, as the page's throttle sends at most), so the console serves,
encodes and forwards over OSC the whole time; a real browser's own rendering is the browser's
cost, not the engine's. The rows alternate (off, on, off, on...) so a change in the machine's
load hits both.
"""

from __future__ import annotations

import asyncio
import json
import math
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarks.realtime import ROOT, SCORE, _free_port

#: Slider commands a second the stand-in browser sends.
DRAG_RATE = 30


@dataclass
class ConsoleRow:
    console: bool
    seconds: float
    xruns: int | None
    floor_xruns: int  # the baseline sine's, in the same seconds
    cpu_percent: float | None  # the engine process
    dsp_load_mean: float | None
    pushes: int  # pictures the stand-in browser received
    commands: int  # slider moves it sent


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


def measure(console: bool, seconds: float) -> ConsoleRow:
    port = _free_port()
    with tempfile.TemporaryDirectory() as folder:
        summary_path = Path(folder) / "summary.json"
        extra = ["--console", "0"] if console else []
        engine = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "engine",
                "play",
                str(SCORE),
                "--audio",
                "dummy",
                "--buffer",
                "256",
                "--port",
                str(port),
                "--quiet",
                "--duration",
                str(seconds + 1.0),
                "--summary",
                str(summary_path),
                *extra,
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert engine.stdout is not None
        url = None
        for line in engine.stdout:
            if line.startswith("console on "):
                url = line.split()[-1]
            if line.startswith("listening on"):
                break
        floor = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.baseline_client", "256", str(seconds)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        counts = {"pushes": 0, "commands": 0}
        browser = None
        if url is not None:
            browser = threading.Thread(target=_browse, args=(url, seconds, counts), daemon=True)
            browser.start()
        floor_out, _ = floor.communicate(timeout=seconds + 60)
        if browser is not None:
            browser.join(10)
        engine.communicate(timeout=seconds + 60)
        summary: dict[str, Any] = json.loads(summary_path.read_text())
    return ConsoleRow(
        console,
        seconds,
        summary["xruns"],
        int(json.loads(floor_out.splitlines()[-1])["xruns"]),
        summary["cpu_percent"],
        summary["dsp_load_mean"],
        counts["pushes"],
        counts["commands"],
    )


def run(seconds: float = 30.0, pairs: int = 3) -> list[ConsoleRow]:
    return [measure(console, seconds) for _ in range(pairs) for console in (False, True)]


def table(rows: list[ConsoleRow]) -> str:
    head = (
        f"{'console':<8} {'secs':>5} {'xruns':>5} {'floor':>5} {'cpu %':>6} {'dsp %':>6} "
        f"{'pushes':>6} {'moves':>6}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{'on' if r.console else 'off':<8} {r.seconds:>5.0f} "
            f"{'-' if r.xruns is None else r.xruns:>5} {r.floor_xruns:>5} "
            f"{'-' if r.cpu_percent is None else format(r.cpu_percent, '.1f'):>6} "
            f"{'-' if r.dsp_load_mean is None else format(r.dsp_load_mean, '.1f'):>6} "
            f"{r.pushes:>6} {r.commands:>6}"
        )
    return "\n".join(lines)


def as_json(rows: list[ConsoleRow]) -> list[dict[str, object]]:
    return [asdict(r) for r in rows]
