"""Listening in a browser (``serve --http``): end-to-end latency, and what streaming costs.

Latency: ``soundscape serve`` of a small score whose one layer (wind's noise) is silent until
the listener moves and loud at once when they do (``movement`` smoothed over 10 ms, its gain a
step from -80 dB to 0 dB). Headless chromium opens that listener's page, starts it, and in the
page a synthetic DeviceMotionEvent is dispatched; the time from that to the page's player
(its AudioWorklet) playing the loud audio is one trial: the page's throttle, the WebSocket up,
serve's inbox, a buffer rendered ahead, the 20 ms packet, the encoder, the WebSocket down, the
decoder and the jitter buffer (80 ms). The device's own output latency, which chromium reports
(``baseLatency + outputLatency``), comes after and is shown beside it. Trials are a few seconds
apart (movement back to 0, silent again, between).

Cost: ``serve --listeners 4 --http 0`` for a while with no page, then with a WebSocket client
(no browser: the server's cost alone) on every listener taking PCM, then Opus. The rows run
side by side in the same run; the process's CPU time (``os.wait4``) per second played, the
bytes a listener gets a second, and the encoder's time per 20 ms packet.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

#: A score whose sound follows the listener's movement at once: silent still, loud moving.
JUMP_SCORE = """\
version: 1
title: Jump
seed: 3
inputs:
  movement: {smoothing: 0.01}
  heartrate: {smoothing: 0.5}
layers:
  hiss:
    instrument: wind
    gain: {input: movement, curve: [[0, -80], [0.05, -80], [0.1, 0]]}
    reverb: 0
scenes: {only: {layers: [hiss]}}
"""

#: Chromium's options: headless, no sandbox (root in CI), audio without a gesture, fake media.
CHROMIUM_ARGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--autoplay-policy=no-user-gesture-required",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--window-size=800,700",
)


class Served:
    """``soundscape serve SCORE --http 0`` as its own process; stop it to get its summary."""

    def __init__(
        self, score: Path, listeners: int, *extra: str, encode_on: str | None = None
    ) -> None:
        """``encode_on``: run serve() from this module's child mode with that placement of the
        encoders (ServeOptions.stream_encode; ``extra`` is then the duration)."""
        self.folder = Path(tempfile.mkdtemp(prefix="serve-web-"))
        self.summary_path = self.folder / "summary.json"
        command = [
            *(sys.executable, "-m", "engine", "serve", str(score)),
            *("--listeners", str(listeners), "--port", "0", "--http", "0"),
            *("--summary", str(self.summary_path), *extra),
        ]
        if encode_on is not None:
            command = [
                *(sys.executable, "-m", "benchmarks.stream_latency", "--serve", str(score)),
                *(str(listeners), extra[0], encode_on, str(self.summary_path)),
            ]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._url = threading.Event()
        self.url = ""
        threading.Thread(target=self._read, daemon=True).start()
        if not self._url.wait(60):
            self.process.kill()
            raise RuntimeError("serve never printed its pages' address:\n" + self.output())
        self.rusage: Any = None

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)
            found = re.search(r"listener pages on (http://\S+/)", line)
            if found:
                self.url = found.group(1)
                self._url.set()

    def output(self) -> str:
        return "".join(self.lines)

    def stop(self, interrupt: bool = True) -> dict[str, Any]:
        """SIGINT, as Ctrl-C (or, not ``interrupt``, wait for its --duration): serve stops and
        writes its summary; returns it."""
        if interrupt:
            self.process.send_signal(2)
        try:
            _, status, self.rusage = os.wait4(self.process.pid, 0)
            self.process.returncode = os.waitstatus_to_exitcode(status)
        except ChildProcessError:
            self.process.wait(30)
        if self.process.returncode != 0:
            raise RuntimeError(f"serve exited {self.process.returncode}:\n{self.output()}")
        summary: dict[str, Any] = json.loads(self.summary_path.read_text())
        shutil.rmtree(self.folder, ignore_errors=True)
        return summary

    def cpu_seconds(self) -> float:
        return float(self.rusage.ru_utime + self.rusage.ru_stime)


def chromium_paths() -> tuple[str, str] | None:
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    return None if chromium is None or driver is None else (chromium, driver)


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's chromium, headless, driven by selenium."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    paths = chromium_paths()
    if paths is None:
        raise RuntimeError("chromium and chromedriver are needed (scripts/install-test-deps.sh)")
    options = webdriver.ChromeOptions()
    options.binary_location = paths[0]
    for argument in CHROMIUM_ARGS:
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(paths[1]), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def page_stats(driver: Any) -> dict[str, Any]:
    stats: dict[str, Any] = driver.execute_script("return window.listenerStats")
    return stats


def open_page(driver: Any, url: str, *, timeout: float = 20.0) -> None:
    """Open ``url`` (a listener's page), press start, wait until it plays decoded audio."""
    from selenium.webdriver.common.by import By

    driver.get(url)
    driver.find_element(By.ID, "start").click()
    wait(lambda: page_stats(driver)["played"] > 0, timeout, "the page playing")


def wait(check: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.02)
    raise TimeoutError(f"timed out waiting for {what}")


MOVE = "window.dispatchEvent(new DeviceMotionEvent('devicemotion', {acceleration: %s}));"


@dataclass
class LatencyRow:
    codec: str
    trials: int
    median_ms: float
    max_ms: float
    min_ms: float
    output_latency_ms: float  # the device's own, after the player (chromium's report)
    underruns: int


def latency(codec: str, trials: int) -> LatencyRow:
    folder = Path(tempfile.mkdtemp(prefix="stream-latency-"))
    score = folder / "jump.yaml"
    score.write_text(JUMP_SCORE)
    served = Served(score, 1)
    times: list[float] = []
    try:
        with chromium() as driver:
            open_page(driver, f"{served.url}listen/1?codec={codec}")
            time.sleep(1.0)  # the jitter buffer settles
            for _ in range(trials):
                wait(lambda: not page_stats(driver)["loud"], 10, "silence")
                time.sleep(0.5)
                began = driver.execute_script(
                    "window.listenerStats.loudAt = null; const t = performance.now();"
                    + MOVE % "{x: 3, y: 4, z: 0}"
                    + "return t;"
                )
                heard = wait(lambda: page_stats(driver)["loudAt"], 10, "the change heard")
                times.append(float(heard) - float(began))
                driver.execute_script(MOVE % "{x: 0, y: 0, z: 0}")
            stats = page_stats(driver)
    finally:
        served.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return LatencyRow(
        codec,
        trials,
        round(statistics.median(times), 1),
        round(max(times), 1),
        round(min(times), 1),
        round(1000 * float(stats["outputLatency"] or 0.0), 1),
        int(stats["underruns"]),
    )


@dataclass
class CostRow:
    codec: str  # "none": no page listening
    encode_on: str  # "loop": the web server's thread; "render": serve's render loop
    listeners: int
    seconds: float
    cpu_per_second: float  # the serve process's CPU seconds per second played
    kbytes_per_listener_second: float
    encode_us_per_packet: float
    sink_us_per_buffer: float
    load: float  # the render loop's busy share of the wall clock (rendering and sinks)
    stream_behind: int
    late: int


async def _listen(url: str, ids: list[str], codec: str, seconds: float) -> None:
    import websockets

    address = url.replace("http://", "ws://")

    async def one(listener_id: str) -> None:
        async with websockets.connect(
            f"{address}ws/{listener_id}?codec={codec}", origin=url.rstrip("/")
        ) as ws:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                await asyncio.wait_for(ws.recv(), 5)

    await asyncio.gather(*(one(i) for i in ids))


def cost(codec: str, listeners: int, seconds: float, encode_on: str = "loop") -> CostRow:
    served = Served(ROOT / "scores" / "forest.yaml", listeners, str(seconds), encode_on=encode_on)
    ids = [str(n) for n in range(1, listeners + 1)]
    if codec != "none":
        asyncio.run(_listen(served.url, ids, codec, seconds - 1.0))
    summary = served.stop(interrupt=False)
    http = summary["http"]
    played = summary["seconds"]
    packets = max(1, sum(http["encoded"].values()))
    buffers = summary["buffers"]
    return CostRow(
        codec,
        encode_on,
        listeners,
        played,
        round(served.cpu_seconds() / played, 3),
        round(sum(http["bytes"].values()) / 1000 / listeners / played, 1),
        round(1e6 * sum(http["encode_seconds"].values()) / packets, 1),
        round(1e6 * http["sink_seconds"] / max(1, buffers), 1),
        summary["load"],
        int(summary["dropped"].get("stream_behind", 0)),
        int(summary["late"]),
    )


def run(trials: int = 10, seconds: float = 20.0, listeners: int = 4) -> dict[str, Any]:
    lat = [latency(codec, trials) for codec in ("pcm", "opus")]
    rows = (("none", "loop"), ("pcm", "loop"), ("opus", "loop"), ("pcm", "render"))
    rows += (("opus", "render"),)
    costs = [cost(codec, listeners, seconds, where) for codec, where in rows]
    return {"latency": [asdict(r) for r in lat], "cost": [asdict(r) for r in costs]}


def table(result: dict[str, Any]) -> str:
    lines = [
        "| codec | trials | median ms | max ms | min ms | + device output ms | underruns |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in result["latency"]:
        lines.append(
            f"| {r['codec']} | {r['trials']} | {r['median_ms']} | {r['max_ms']} | "
            f"{r['min_ms']} | {r['output_latency_ms']} | {r['underruns']} |"
        )
    base = result["cost"][0]["cpu_per_second"]
    lines += [
        "",
        "| pages | encoded on | listeners | CPU s per s | vs none | render loop load | "
        "kB/s a listener | encode µs/packet | sink µs/buffer | stream_behind | late |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in result["cost"]:
        ratio = r["cpu_per_second"] / base if base else float("nan")
        lines.append(
            f"| {r['codec']} | {r['encode_on']} | {r['listeners']} | {r['cpu_per_second']} | "
            f"{ratio:.2f} | {r['load']} | "
            f"{r['kbytes_per_listener_second']} | {r['encode_us_per_packet']} | "
            f"{r['sink_us_per_buffer']} | {r['stream_behind']} | {r['late']} |"
        )
    return "\n".join(lines)


def _serve_child(score: str, listeners: str, seconds: str, encode_on: str, summary: str) -> None:
    """serve() with the encoders on ``encode_on``, as `soundscape serve --http 0` would."""
    from engine.catalog import default_catalog
    from engine.ensemble.serve import ServeOptions, serve
    from engine.live.player import write_summary
    from engine.score.loader import load_score

    options = ServeOptions(
        listeners=int(listeners),
        port=0,
        http=0,
        duration=float(seconds),
        stream_encode=encode_on,
    )
    outcome = serve(
        load_score(Path(score), default_catalog()),
        options,
        ready=lambda line: print(line, flush=True),
    )
    write_summary(outcome, Path(summary))


if __name__ == "__main__" and sys.argv[1:2] == ["--serve"]:
    _serve_child(*sys.argv[2:7])
elif __name__ == "__main__":
    quick = "--quick" in sys.argv
    outcome = run(3, 6.0, 2) if quick else run()
    print(table(outcome))
