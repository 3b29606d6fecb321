"""Writing files safely: output paths checked before any audio, a WAV header that stays true
while pyo appends to it, and renders that fail loudly (and keep what they wrote) when the disk
fills up. Real pyo, real files, real write failures."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest
import soundfile

from engine import load_score
from engine.dsp.pyolib import pyo
from engine.dsp.server import record_to, running_manual_server
from engine.live.linelog import LineLog
from engine.render.offline import render
from engine.render.outputs import OutputError, check_output
from engine.render.wavfile import GrowingWav, read_layout
from tests.diskfull import file_size_limit, fill, small_disk

ROOT = Path(__file__).resolve().parents[2]
FOREST = ROOT / "scores" / "forest.yaml"


def test_paths_that_cannot_be_written_are_refused_and_nothing_is_left_behind(
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, not a folder")
    with pytest.raises(OutputError, match=r"notes.txt/deep/take.wav: .*notes.txt is a file, not a"):
        check_output(blocker / "deep" / "take.wav")
    with pytest.raises(OutputError, match="it is a directory"):
        check_output(tmp_path)
    with pytest.raises(OutputError, match=r"needs 1000000\.0 MB and the disk has"):
        check_output(tmp_path / "huge.wav", needs_bytes=10**12)
    check_output(tmp_path / "new" / "deep" / "take.wav", needs_bytes=1000)
    assert (tmp_path / "new" / "deep").is_dir()
    assert not (tmp_path / "new" / "deep" / "take.wav").exists()  # the probe is removed
    blocker_bytes = blocker.read_bytes()
    check_output(blocker)  # an existing file is checked, not truncated
    assert blocker.read_bytes() == blocker_bytes


def test_a_render_bigger_than_the_file_size_limit_is_refused_before_it_starts(
    tmp_path: Path,
) -> None:
    out = tmp_path / "long.wav"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "engine",
            "render",
            str(FOREST),
            "--out",
            str(out),
            "--duration",
            "10",
            "--quiet",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=file_size_limit(1_000_000),
    )
    assert result.returncode == 2
    assert f"error: cannot write {out}: it needs 2.9 MB, more than the file size limit" in (
        result.stderr
    )
    assert result.stdout == "" and not out.exists()


def record_sine(path: Path, buffers: int, *, refresh_every: int = 0) -> int | None:
    """Record ``buffers`` buffers of a sine with pyo; with ``refresh_every``, rewrite the header
    that often and return the frames its header says just before recstop."""
    declared = None
    with running_manual_server(sr=48000, buffersize=256, seed=1) as server:
        sine = pyo.Sine(440, mul=0.3).out()
        record_to(server, str(path))
        with GrowingWav(path) as wav:
            for index in range(buffers):
                server.process()
                if refresh_every and (index + 1) % refresh_every == 0:
                    wav.refresh_header()
                    with wave.open(str(path), "rb") as reader:  # the file is readable now
                        declared = reader.getnframes()
        server.recstop()
        del sine
    return declared


def test_the_header_follows_the_growing_file_and_the_finished_file_is_unchanged(
    tmp_path: Path,
) -> None:
    watched, plain = tmp_path / "watched.wav", tmp_path / "plain.wav"
    assert record_sine(watched, 200, refresh_every=50) == 200 * 256
    record_sine(plain, 200)
    digest = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (watched, plain)]
    assert digest[0] == digest[1]
    layout = read_layout(watched.read_bytes()[:4096])
    assert (layout.sr, layout.block_align, layout.data_start) == (48000, 6, 44)
    with pytest.raises(ValueError, match="not a RIFF"):
        read_layout(b"OggS" + bytes(40))


def test_a_render_that_fills_the_disk_stops_says_so_and_keeps_what_it_wrote(
    tmp_path: Path,
) -> None:
    score = load_score(FOREST)
    with small_disk(tmp_path / "disk", 4) as disk:
        out = disk / "take.wav"
        filled: list[int] = []

        def fill_halfway(done: int, total: int) -> None:
            if done >= total // 2 and not filled:
                filled.append(done)
                fill(disk)

        with pytest.raises(OutputError) as error:
            render(score, out, 5, progress=fill_halfway)
        message = str(error.value)
        assert message.startswith(f"cannot write {out}: No space left on device")
        assert "keeps its first 2." in message and "of 5.0 s" in message
        with wave.open(str(out), "rb") as reader:  # sealed by recstop: opens, holds ~half
            frames = reader.getnframes()
        audio, sr = soundfile.read(out)
        assert len(audio) == frames and 2.4 * sr <= frames <= 3.0 * sr
        assert np.abs(audio).max() > 0.01


def test_a_line_log_on_a_full_disk_keeps_its_whole_lines(tmp_path: Path) -> None:
    script = (
        "import sys; from pathlib import Path; from engine.live.linelog import LineLog\n"
        "log = LineLog(Path(sys.argv[1]))\n"
        "for i in range(100):\n"
        "    if not log.write([f'line {i} ' + 'x' * 40 for _ in range(3)]):\n"
        "        print(i, log.written, log.error); break\n"
    )
    path = tmp_path / "log.txt"
    result = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=file_size_limit(1000),
    )
    batch, written, error = result.stdout.split(" ", 2)
    assert error.strip() == "File too large (the file size limit, ulimit -f)"
    text = path.read_text()
    assert len(text) == int(written) < 1000 and text.endswith("\n")
    assert text.count("\n") == 3 * int(batch)
    full = LineLog(Path("/dev/full"))
    assert not full.write(["lost"]) and full.error == "No space left on device"
    assert full.closed
