"""The output tap (engine/dsp/tap.py): after each buffer, exactly what the server computed,
and safe to let go of in any order."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from engine import load_score
from engine.analysis import read_wav
from engine.dsp.server import record_to, running_manual_server
from engine.render.engine import Engine

ROOT = Path(__file__).resolve().parents[2]


def test_the_tap_holds_the_buffer_just_computed(tmp_path: Path) -> None:
    score = load_score(ROOT / "scores" / "forest.yaml")
    out = tmp_path / "forest.wav"
    blocks = []
    with running_manual_server(sr=48000, buffersize=256, seed=3) as server:
        engine = Engine(score, sr=48000, buffersize=256, seed=3, capture=True)
        record_to(server, str(out))
        engine.send("/state/arousal", 0.5)
        for _ in range(400):
            engine.tick()
            server.process()
            blocks.append(engine.orchestra.captured())
        server.recstop()
    tapped = np.concatenate(blocks)
    recorded, sr = read_wav(out)
    assert sr == 48000 and tapped.shape == recorded.shape == (400 * 256, 2)
    assert float(np.abs(tapped).max()) > 0.01  # music, not silence
    # the WAV is 24-bit: the tap is the same audio to within its quantisation (after pyo's
    # recorder's own short fade-in at its start)
    assert float(np.abs(tapped[1024:] - recorded[1024:]).max()) < 2.0**-22


def test_a_tap_let_go_whole_does_not_crash_the_interpreter() -> None:
    """Its numpy views are released before pyo's tables (a view outliving its table crashed
    Python at exit, or corrupted its heap when collected mid-run)."""
    code = (
        "import gc\n"
        "from engine import load_score\n"
        "from engine.dsp.server import manual_server\n"
        "from engine.render.engine import Engine\n"
        f"score = load_score({str(ROOT / 'scores' / 'combat.yaml')!r})\n"
        "server = manual_server(sr=48000, buffersize=256, seed=1)\n"
        "engine = Engine(score, sr=48000, buffersize=256, seed=1, capture=True)\n"
        "engine.tick(); server.process(); engine.orchestra.captured()\n"
        "engine.orchestra.tap = None\n"
        "gc.collect()\n"
        "server.stop(); server.shutdown()\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONMALLOC": "debug", "PATH": "/usr/bin:/bin"},
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("ok")
