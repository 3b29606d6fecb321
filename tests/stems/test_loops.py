"""Stem and ambience fields in a score, the files they name, and the bed's seamless loop."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

from engine import load_score
from engine.dsp.instruments.ambience import Ambience
from engine.dsp.pyolib import pyo
from engine.errors import ScoreError
from engine.samples.loops import StemSet, seamless_loop
from engine.score.assets import load_assets

from .clicks import click_track

SR = 48000


def score(folder: Path, layer: str) -> Path:
    path = folder / "score.yaml"
    path.write_text(f"layers:\n  loop: {layer}\nscenes: {{a: {{layers: [loop]}}}}\n")
    return path


def error(folder: Path, layer: str) -> str:
    with pytest.raises(ScoreError) as caught:
        load_score(score(folder, layer))
    return str(caught.value)


def wander(seconds: float, seed: int = 1) -> np.ndarray:
    """Brown-ish noise: its end sits far from its start, so a plain loop of it clicks."""
    steps = np.random.default_rng(seed).normal(0, 0.01, round(seconds * SR))
    walk = np.cumsum(steps)
    return 0.5 * walk / np.abs(walk).max()


def test_stem_fields_load_and_the_file_defines_its_bars(tmp_path: Path) -> None:
    click_track(tmp_path / "c.flac", sr=44100, bpm=96, bars=4)
    loaded = load_score(
        score(tmp_path, "{instrument: stem, file: c.flac, tempo: 97, bars: 4, follow: resample}")
    )
    stem = loaded.layers["loop"].stem
    assert stem is not None and stem.follow == "resample" and stem.bars == 4
    assert stem.bar_seconds == pytest.approx(2.5, abs=1e-4)  # the file's, not 97 BPM's
    assets = load_assets(loaded, SR)
    sample_set = assets.sets["loop"]
    assert isinstance(sample_set, StemSet) and sample_set.follow == "resample"
    assert len(sample_set.samples[0]) == pytest.approx(10 * SR, abs=2)


def test_stem_and_bed_errors_say_where_and_why(tmp_path: Path) -> None:
    click_track(tmp_path / "c.wav", sr=SR, bpm=96, bars=4)
    (tmp_path / "bad.wav").write_bytes(b"RIFF not really")
    base = "{instrument: stem, file: %s, tempo: 96, bars: %s%s}"
    missing = error(tmp_path, base % ("nope.wav", 4, ""))
    assert "layers.loop.file" in missing and "nope.wav: no such file" in missing
    assert "not a readable audio file" in error(tmp_path, base % ("bad.wav", 4, ""))
    wrong = error(tmp_path, base % ("c.wav", 3, ""))
    assert "layers.loop.bars" in wrong and "10.000 s" in wrong and "7.500 s" in wrong
    assert "did you mean" in error(tmp_path, base % ("c.wav", 4, ", follow: strech"))
    assert "no generator" in error(tmp_path, base % ("c.wav", 4, ", generator: chords"))
    assert "'tempo'" in error(tmp_path, "{instrument: stem, file: c.wav, bars: 4}")
    short = error(tmp_path, "{instrument: ambience, file: c.wav, crossfade: 6}")
    assert "layers.loop.crossfade" in short and "too short to loop" in short
    assert "'file'" in error(tmp_path, "{instrument: ambience}")


def test_two_layers_naming_one_file_read_it_once(tmp_path: Path) -> None:
    soundfile.write(tmp_path / "rain.wav", wander(3.0), SR)
    path = tmp_path / "two.yaml"
    path.write_text(
        "layers:\n  a: {instrument: stem, file: rain.wav, tempo: 80, bars: 1}\n"
        "  b: {instrument: stem, file: rain.wav, tempo: 80, bars: 1, follow: resample}\n"
        "scenes: {s: {layers: [a, b]}}\n"
    )
    assets = load_assets(load_score(path), SR)
    assert assets.sets["a"].samples[0] is assets.sets["b"].samples[0]
    assert assets.nbytes == 3 * SR * 8


def test_seamless_loop_blends_the_tail_into_the_head() -> None:
    raw = wander(4.0)
    loop = seamless_loop(raw, SR)
    assert len(loop) == 3 * SR
    steps = np.abs(np.diff(raw)).max()
    assert abs(raw[0] - raw[-1]) > 50 * steps  # a plain loop would jump here
    assert abs(loop[0] - loop[-1]) <= steps  # the blended one steps like anywhere else
    np.testing.assert_array_equal(loop[SR:], raw[SR : 3 * SR].astype(np.float32))
    with pytest.raises(ValueError):
        seamless_loop(raw, 2 * SR)


def test_ambience_loops_without_a_click(tmp_path: Path) -> None:
    soundfile.write(tmp_path / "bed.wav", wander(2.0), SR)
    loaded = load_score(score(tmp_path, "{instrument: ambience, file: bed.wav, crossfade: 0.5}"))
    bed = load_assets(loaded, SR).sets["loop"]
    length = len(bed.samples[0])
    assert length == round(1.5 * SR)
    server = pyo.Server(sr=SR, nchnls=1, buffersize=256, duplex=0, audio="manual").boot()
    try:
        server.start()
        inst = Ambience(sr=SR, buffersize=256, samples=bed)
        table = pyo.NewTable(length=4.0)
        recorder = pyo.TableRec(inst.output, table).play()
        for _ in range(4 * SR // 256):
            server.process()
        audio = np.asarray(table.getBuffer()).copy()
        del recorder
    finally:
        server.shutdown()
    steps = np.abs(np.diff(audio[SR // 10 :]))  # after the 20 ms fade-in
    seams = [round(k * length) - SR // 10 for k in (1, 2)]
    at_seams = max(steps[s - 200 : s + 200].max() for s in seams)
    elsewhere = np.delete(
        steps, np.r_[seams[0] - 200 : seams[0] + 200, seams[1] - 200 : seams[1] + 200]
    )
    assert at_seams <= 1.2 * elsewhere.max(), (at_seams, elsewhere.max())
    assert np.sqrt(np.mean(audio[SR:] ** 2)) > 0.001, np.sqrt(np.mean(audio[SR:] ** 2))  # it plays
