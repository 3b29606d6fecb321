"""``soundscape play --record/--record-osc`` when files cannot be written: refused before the
audio starts, or, when writes fail during the session (a full disk, the file size limit), the
file is sealed with what it holds, a message says so, the music plays on to the end and the
exit status is 3. A session killed with ``kill -9`` leaves files that open.

Real processes, a real JACK dummy server, real OSC and real write failures (tests/diskfull.py).
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import wave
from pathlib import Path

import numpy as np
import pytest
import soundfile
from pythonosc.udp_client import SimpleUDPClient

from engine.live.jack import DummyJackServer
from engine.state.timeline import load_timeline
from tests.diskfull import file_size_limit, fill, small_disk
from tests.playing import FOREST, ROOT, PlayingEngine, require_tool


class Sender:
    """A game sending ``/state/arousal`` with a new value every ``period`` seconds, in a thread;
    ``sent`` holds (monotonic time, value)."""

    def __init__(self, port: int, period: float) -> None:
        self.client = SimpleUDPClient("127.0.0.1", port)
        self.period = period
        self.sent: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        step = 0
        while not self._stop.wait(self.period):
            step += 1
            value = round(-1 + (step % 2000) / 1000, 3)
            self.client.send_message("/state/arousal", value)
            self.sent.append((time.monotonic(), value))

    def close(self) -> None:
        self._stop.set()
        self._thread.join()

    def values_before(self, moment: float) -> list[float]:
        return [value for at, value in self.sent if at < moment]


def logged_values(log: Path) -> list[float]:
    """The values the log holds, as the float32 that OSC carried them in."""
    return [float(np.float32(m.args[0])) for m in load_timeline(log)]


def float32s(values: list[float]) -> list[float]:
    return [float(np.float32(value)) for value in values]


def applied_in_order(logged: list[float], sent: list[float]) -> int:
    """How many of ``sent`` the log skips: it must hold the rest in order, through the last one
    (only a value that a later one replaced may be missing, so the last is always there)."""
    position = 0
    skipped = 0
    for value in sent:
        if position < len(logged) and logged[position] == value:
            position += 1
        else:
            skipped += 1
    assert sent == [] or (position > 0 and logged[position - 1] == sent[-1]), (
        f"the log stops before {sent[-1]}: {logged[max(0, position - 3) : position + 3]}"
    )
    return skipped


def play_unwritable(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "engine",
            "play",
            str(FOREST),
            "--audio",
            "dummy",
            "--duration",
            "2",
            "--quiet",
            *args,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("option", ["--record", "--record-osc", "--summary"])
def test_an_output_under_a_file_is_refused_before_any_audio_starts(
    option: str, tmp_path: Path
) -> None:
    blocker = tmp_path / "take"
    blocker.write_text("a file where a folder should be")
    started = time.monotonic()
    result = play_unwritable(option, str(blocker / "out.wav"))
    assert result.returncode == 2, result.stderr
    assert f"error: cannot write {blocker}/out.wav: {blocker} is a file, not a directory" in (
        result.stderr
    )
    assert "listening" not in result.stdout and "played" not in result.stdout
    assert "jackd" not in result.stderr
    assert time.monotonic() - started < 15  # no JACK server was started and waited for


def test_a_log_that_cannot_take_its_first_line_stops_the_start(tmp_path: Path) -> None:
    require_tool("jackd")
    result = play_unwritable("--record-osc", "/dev/full")
    assert result.returncode == 2, result.stderr
    assert "error: cannot write /dev/full: No space left on device" in result.stderr
    assert "listening" not in result.stdout


def finish(engine: PlayingEngine, timeout: float = 30.0) -> int:
    """Wait for a session with a --duration to end by itself."""
    try:
        return engine.process.wait(timeout)
    except subprocess.TimeoutExpired:
        engine.kill()
        pytest.fail(f"the engine did not stop by itself\n{engine.output()}", pytrace=False)


def test_a_take_that_hits_the_file_size_limit_is_sealed_and_the_music_plays_on(
    tmp_path: Path,
) -> None:
    require_tool("jackd")
    wav, log = tmp_path / "take.wav", tmp_path / "take.jsonl"
    # JACK gets SIGXFSZ back in any child the engine starts: it runs outside the limit
    with DummyJackServer(sr=48000, buffersize=256) as jackd:
        engine = PlayingEngine(
            tmp_path,
            *("--audio", "jack", "--jack-server", jackd.name, "--duration", "6"),
            *("--record", str(wav), "--record-osc", str(log), "--seed", "11"),
            preexec_fn=file_size_limit(1_000_000),  # 3.5 s of 24-bit stereo at 48 kHz
        ).wait_ready()
        ready = time.monotonic()
        sender = Sender(engine.port, 0.25)
        try:
            code = finish(engine)
        finally:
            sender.close()
            engine.kill()
        summary = engine.stop(expect=3)
    assert code == 3
    stderr = engine.stderr_path.read_text()
    assert f"error: recording {wav} failed after 3.5 s: it reached the file size limit" in stderr
    assert "the music plays on" in stderr
    assert f"error: cannot write {wav}: it reached the file size limit" in stderr
    assert any(line.startswith("played 6.") for line in engine.lines), engine.output()
    # the music went on to the end, and the log of what was applied is whole
    assert summary["seconds"] >= 6.0 and summary["errors"] == 0
    take, osc = summary["recordings"]
    assert take["path"] == str(wav) and take["kind"] == "audio" and not take["ok"]
    assert "file size limit (ulimit -f) of 1.0 MB" in take["error"]
    assert 3.4 <= take["seconds"] <= 3.48
    assert osc == {"path": str(log), "kind": "osc", "ok": True, "seconds": osc["seconds"]} | {
        "error": None
    }
    assert osc["seconds"] >= 6.0
    due = sender.values_before(ready + 5.5)  # the log is written until 6 s of audio
    assert len(due) >= 20 and logged_values(log)[: len(due)] == float32s(due)
    # the take opens everywhere and holds the 3.5 s that fit
    with wave.open(str(wav), "rb") as reader:
        assert reader.getnframes() == round(take["seconds"] * 48000)
    audio, sr = soundfile.read(wav)
    assert len(audio) == round(take["seconds"] * sr)
    assert np.abs(audio[sr:]).max() > 0.01
    # and it is still an exact replay: the first 3.5 s of the logged session, sample for sample
    replay = tmp_path / "replay.wav"
    rendered = subprocess.run(
        [
            sys.executable,
            "-m",
            "engine",
            "render",
            str(FOREST),
            "--timeline",
            str(log),
            "--seed",
            "11",
            "--out",
            str(replay),
            "--quiet",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert rendered.returncode == 0, rendered.stderr
    heard, _ = soundfile.read(wav, dtype="int32")
    again, _ = soundfile.read(replay, dtype="int32")
    assert len(again) >= 6 * sr and np.array_equal(heard, again[: len(heard)])


def test_filling_the_disk_mid_session_seals_both_files_and_the_music_plays_on(
    tmp_path: Path,
) -> None:
    require_tool("jackd")
    with small_disk(tmp_path / "disk", 3) as disk:
        wav, log = disk / "take.wav", disk / "take.jsonl"
        engine = PlayingEngine(
            tmp_path,
            *("--duration", "6", "--record", str(wav), "--record-osc", str(log)),
        ).wait_ready()
        sender = Sender(engine.port, 0.01)  # ~60 bytes of log each: a page fills in a second
        try:
            time.sleep(2.0)
            fill(disk)
            filled = time.monotonic()
            code = finish(engine)
        finally:
            sender.close()
            engine.kill()
        summary = engine.stop(expect=3)
        assert code == 3
        take, osc = summary["recordings"]
        assert not take["ok"] and take["error"] == "No space left on device", take
        assert not osc["ok"] and osc["error"] == "No space left on device", osc
        assert 1.8 <= take["seconds"] <= 2.6 and 1.8 <= osc["seconds"] <= 4.0
        assert summary["seconds"] >= 6.0 and summary["errors"] == 0
        stderr = engine.stderr_path.read_text()
        assert f"error: recording {wav} failed after" in stderr
        assert f"error: logging applied messages to {log} failed after" in stderr
        audio, sr = soundfile.read(wav)
        assert len(audio) == round(take["seconds"] * sr) and np.abs(audio).max() > 0.01
        # the log ends on a whole line, and holds what was applied before the disk filled: what
        # was sent, in order, but for values a later one overrode in the same buffer (a loaded
        # machine delivers two packets 10 ms apart together; the engine applies, and logs, the
        # later one and counts the other as coalesced)
        before = float32s(sender.values_before(filled - 0.5))
        logged = logged_values(log)
        skipped = applied_in_order(logged, before)
        assert skipped <= summary["coalesced"], (skipped, summary["coalesced"])


def test_a_session_killed_with_sigkill_leaves_files_that_open(tmp_path: Path) -> None:
    wav, log = tmp_path / "take.wav", tmp_path / "take.jsonl"
    engine = PlayingEngine(tmp_path, "--record", str(wav), "--record-osc", str(log)).wait_ready()
    started = time.monotonic()
    sender = Sender(engine.port, 0.1)
    try:
        time.sleep(3.2)
        engine.process.kill()  # SIGKILL: no handler, no recstop, no last write
        killed = time.monotonic()
        engine.process.wait(10)
    finally:
        sender.close()
        engine.kill()
    elapsed = killed - started
    with wave.open(str(wav), "rb") as reader:
        frames = reader.getnframes()
    audio, sr = soundfile.read(wav)
    assert len(audio) == frames
    assert frames / sr >= elapsed - 1.0, (frames / sr, elapsed)
    assert np.abs(audio[sr // 2 :]).max() > 0.01  # music, not a zeroed file
    # the log holds every message sent more than a second before the kill
    text = log.read_text()
    assert text.endswith("\n") and "# end" not in text
    due = sender.values_before(killed - 1.0)
    assert len(due) >= 20 and logged_values(log)[: len(due)] == float32s(due)
