"""The ``soundscape`` command as a user runs it: a real process, real files, exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from engine.bundled import bundled_scores

ROOT = Path(__file__).resolve().parents[2]


def soundscape(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "engine", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_validate_accepts_the_bundled_scores() -> None:
    result = soundscape("validate", *map(str, sorted((ROOT / "scores").glob("*.yaml"))))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(": ok") == len(bundled_scores())


def test_validate_reports_file_line_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "layers:\n  pad:\n    instrument: pad\n    gain: 40\nscenes: {a: {layers: [pad]}}\n"
    )
    result = soundscape("validate", str(bad))
    assert result.returncode == 1
    assert f"{bad}:4:11: layers.pad.gain: must be in [-80, 12] (got 40)" in result.stderr


def test_render_default_score_writes_a_wav(tmp_path: Path) -> None:
    out = tmp_path / "default.wav"
    result = soundscape("render", "--out", str(out), "--duration", "4", "--quiet")
    assert result.returncode == 0, result.stderr
    assert "Forest" in result.stdout and out.stat().st_size > 4 * 48000 * 2 * 3


def test_render_reports_a_bad_timeline(tmp_path: Path) -> None:
    timeline = tmp_path / "t.jsonl"
    timeline.write_text('{"t": 0, "address": "/state/arousal", "args": [1]}\n{"t": "soon"}\n')
    result = soundscape(
        "render",
        "scores/combat.yaml",
        "--timeline",
        str(timeline),
        "--out",
        str(tmp_path / "x.wav"),
        "--duration",
        "1",
    )
    assert result.returncode == 1
    assert f"{timeline}:2:1: " in result.stderr and "'t'" in result.stderr


def test_send_delivers_one_message_over_udp() -> None:
    import time

    from engine.cli import osc_value
    from engine.osc.receiver import OscReceiver

    assert [osc_value(w) for w in ("72", "0.5", "true", "grove")] == [72, 0.5, True, "grove"]
    with OscReceiver("127.0.0.1", 0) as receiver:
        result = soundscape("send", "/event", "discovery", "0.5", "--port", str(receiver.port))
        assert result.returncode == 0, result.stderr
        deadline = time.monotonic() + 2
        while not receiver.received:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert [m[:2] for m in receiver.due()] == [("/event", ("discovery", 0.5))]
    assert soundscape("send", "event").returncode == 2


def test_render_to_a_path_it_cannot_write_fails_before_rendering(tmp_path: Path) -> None:
    blocker = tmp_path / "renders"
    blocker.write_text("a file where a folder should be")
    for out, reason in (
        (blocker / "x.wav", f"{blocker} is a file, not a directory"),
        (tmp_path, "it is a directory"),
    ):
        result = soundscape("render", "--out", str(out), "--duration", "2", "--quiet")
        assert result.returncode == 2
        assert result.stderr == f"error: cannot write {out}: {reason}\n"
        assert result.stdout == ""  # no success line
    assert blocker.read_text() == "a file where a folder should be"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["renders"]
