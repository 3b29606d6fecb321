"""Recorded sound end to end: ``soundscape render`` on a score whose melody plays a folder of
recordings and whose stinger is a one-shot file, through real pyo, and on the bundled orchestral
score's General MIDI presets."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

from engine.analysis import pitch_class_profile
from tests.samples.sounds import FLUID, write_sine

ROOT = Path(__file__).resolve().parents[2]

SCORE = """\
title: Recorded
tempo: {bpm: 120}
key: {root: D, mode: dorian}
layers:
  lead:
    instrument: sampler
    samples: sounds
    generator: {type: arpeggio, rate: 2, octave: 4}
    gain: -6
stingers:
  gong:
    sample: hits/gong.wav
    root: C3
    event: discovery
    quantize: beat
scenes:
  main: {layers: [lead]}
"""


def render(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "engine", "render", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_score_plays_its_recordings_and_a_one_shot(tmp_path: Path) -> None:
    # three sampled roots a fifth apart: the arpeggio's other notes are resampled from them
    for name, pitch in (("D3.wav", 50), ("A3.wav", 57), ("E4.wav", 64)):
        write_sine(tmp_path / "sounds" / name, pitch, seconds=1.0)
    write_sine(tmp_path / "hits" / "gong.wav", 48, seconds=2.0, amp=0.9)
    (tmp_path / "score.yaml").write_text(SCORE)
    timeline = tmp_path / "t.jsonl"
    timeline.write_text(json.dumps({"t": 4.0, "address": "/event", "args": ["discovery"]}) + "\n")
    out = tmp_path / "out.wav"
    result = render(
        tmp_path, str(tmp_path / "score.yaml"), "--timeline", str(timeline), "--duration", "8",
        "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "samples: " in result.stdout  # the memory and load time are reported
    audio, sr = soundfile.read(str(out))
    mono = audio.mean(axis=1)
    assert np.abs(mono[sr : 4 * sr]).max() > 0.01  # the recordings play the generated notes
    # the one-shot (a C3 file pitched to D, the key's tonic) is the loudest thing after 4 s
    before = pitch_class_profile(audio[2 * sr : 4 * sr], sr)
    after = pitch_class_profile(audio[4 * sr + sr // 2 : 6 * sr], sr)
    assert after[2] > before[2]  # D (pitch class 2) grows with the gong
    assert after[0] < 0.5 * after[2]  # and it is not heard at its recorded C


def test_a_missing_recording_folder_is_reported_where_the_score_names_it(tmp_path: Path) -> None:
    (tmp_path / "score.yaml").write_text(SCORE)
    result = render(tmp_path, str(tmp_path / "score.yaml"), "--out", str(tmp_path / "x.wav"))
    assert result.returncode == 1
    assert f"{tmp_path / 'score.yaml'}:" in result.stderr and "layers.lead.samples" in result.stderr
    assert not (tmp_path / "x.wav").exists()


@pytest.mark.skipif(not FLUID.is_file(), reason="fluid-soundfont-gm is not installed")
def test_the_orchestral_score_renders_its_general_midi_presets(tmp_path: Path) -> None:
    out = tmp_path / "voyage.wav"
    result = render(tmp_path, "voyage", "--duration", "6", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "samples: " in result.stdout
    audio, sr = soundfile.read(str(out))
    assert np.isfinite(audio).all() and np.abs(audio[sr:]).max() > 0.01
