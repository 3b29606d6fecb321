"""Live reload in real time: ``soundscape play --watch`` on a private JACK server, its score
file edited by the test as a designer would (a gain, a curve, a new layer, a broken line, then
the fix), and ``/engine/reload`` over OSC. Each good edit is adopted on a bar line with no
restart; a broken one is reported as ``file:line:column: field: problem`` and the last good
score plays on; and the engine misses no more deadlines than the machine's floor allows."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable
from pathlib import Path

from pythonosc.udp_client import SimpleUDPClient

from tests.live.conftest import Listener
from tests.playing import FOREST, PlayingEngine, XrunFloor, xruns_allowed

ORIGINAL = FOREST.read_text()
#: Each step: (what to replace, with what) in the text as the previous step left it.
EDITS = {
    "gain": ("    gain: -15\n    pan: 0.35", "    gain: -9\n    pan: 0.35"),
    "curve": (
        "cutoff: {input: arousal, curve: [[-1, 450], [1, 1600]]",
        "cutoff: {input: arousal, curve: [[-1, 900], [1, 2400]]",
    ),
    "layer": (
        "layers: [wind, drone, pad, birds, melody]\n",
        "layers: [wind, drone, pad, birds, melody, drums]\n",
    ),
    "broken": ("    reverb: 0.6\n    density:", "    reverb: [0.6\n    density:"),
    "fix": ("    reverb: [0.6\n    density:", "    reverb: 0.6\n    density:"),
}


def edit(path: Path, step: str) -> None:
    old, new = EDITS[step]
    text = path.read_text()
    assert old in text, step
    path.write_text(text.replace(old, new, 1))


def wait_for(
    condition: Callable[[], bool], what: str, engine: PlayingEngine, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}\n{engine.output()}"
        time.sleep(0.05)


def test_edits_to_a_playing_score_are_adopted_on_bar_lines_and_a_broken_one_changes_nothing(
    player: Callable[..., PlayingEngine], listener: Listener, tmp_path: Path
) -> None:
    score = tmp_path / "forest.yaml"
    score.write_text(ORIGINAL)
    floor = XrunFloor(30.0)
    live = player("--watch", "--feedback", f"127.0.0.1:{listener.port}", score=score)
    time.sleep(2.0)
    for reloads, step in enumerate(("gain", "curve", "layer"), start=1):
        edit(score, step)
        wait_for(
            lambda n=reloads: len(listener.of("/engine/reloaded")) >= n,  # type: ignore[misc]
            f"reload {reloads} ({step})",
            live,
            timeout=12.0,
        )
        time.sleep(1.0)
    edit(score, "broken")
    wait_for(lambda: bool(listener.of("/engine/error")), "the error", live, timeout=12.0)
    error = str(listener.of("/engine/error")[0][1][0])
    # file:line:column: field: problem, the line being the one the edit broke
    line = ORIGINAL[: ORIGINAL.index("    reverb: 0.6\n    density:")].count("\n") + 1
    assert re.match(rf"{re.escape(str(score))}:{line + 1}:\d+: ", error), error
    assert any("reload failed, the last good score plays on" in text for text in live.lines)
    time.sleep(1.0)
    edit(score, "fix")
    wait_for(lambda: len(listener.of("/engine/reloaded")) >= 4, "the fix", live, timeout=12.0)
    time.sleep(2.0)
    summary = live.stop()
    assert summary["reloads"] == 4 and summary["reload_failures"] == 1
    assert summary["errors"] == 0
    assert summary["xruns"] is not None and summary["xruns"] <= xruns_allowed(floor.xruns())
    # each reload lands on a bar line: /engine/reloaded names the bar about to start, which the
    # next /engine/beat with beat 0 starts
    beats = listener.of("/engine/beat")
    for when, args in listener.of("/engine/reloaded"):
        bar = int(args[0])
        downbeats = [t for t, b in beats if int(b[0]) == bar and int(b[1]) == 0]
        assert downbeats and 0 <= downbeats[0] - when < 1.0, (bar, when)
    # the music never stopped: beats kept coming through every reload
    times = [t for t, _ in beats]
    assert max(b - a for a, b in itertools.pairwise(times)) < 1.5
    # the drums the third edit added are in the levels the engine reports
    levels = listener.of("/engine/levels")
    assert "drums" in levels[-1][1][0::2]
    drums = dict(zip(levels[-1][1][0::2], levels[-1][1][1::2], strict=True))["drums"]
    assert float(drums) > 0.0  # type: ignore[arg-type]


def test_engine_reload_over_osc_reads_the_score_again_without_watching(
    player: Callable[..., PlayingEngine], listener: Listener, tmp_path: Path
) -> None:
    score = tmp_path / "forest.yaml"
    score.write_text(ORIGINAL)
    live = player("--feedback", f"127.0.0.1:{listener.port}", score=score)
    edit(score, "layer")
    time.sleep(1.0)
    assert not listener.of("/engine/reloaded")  # nobody is watching
    client = SimpleUDPClient("127.0.0.1", live.port)
    client.send_message("/engine/reload", [])
    wait_for(lambda: bool(listener.of("/engine/reloaded")), "the reload", live, timeout=12.0)
    edit(score, "broken")
    client.send_message("/engine/reload", [])
    wait_for(lambda: bool(listener.of("/engine/error")), "the error", live, timeout=12.0)
    summary = live.stop()
    assert summary["reloads"] == 1 and summary["reload_failures"] == 1
