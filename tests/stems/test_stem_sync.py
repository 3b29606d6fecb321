"""A stem stays on the engine's beat: ten minutes of rendered audio with tempo changes.

One render carries two click-track stems of the same file, panned apart: the left one follows the
tempo by resampling, the right one by stretching. Every beat the observer reports (with its
sample) is looked for in each channel; the error is the click's onset minus the beat's sample,
less the master limiter's constant 1 ms lookahead. The right stem enters later, by a scene change,
so its bar numbering starts there.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
import soundfile

from engine import defaults, load_score
from engine.dsp.master import LIMITER_LOOKAHEAD_MS
from engine.render.offline import render
from engine.state.timeline import TimedMessage

from .clicks import DOWNBEAT_HZ, click_track, onsets, which_click

SR = 48000
STEM_BPM = 96.0
LATENCY = round(LIMITER_LOOKAHEAD_MS * SR / 1000)
SCORE = """
tempo: {bpm: 96, range: [40, 200]}
master: {reverb: {return: -80}}
layers:
  tape: {instrument: stem, file: clicks.flac, tempo: 96, bars: 4, follow: resample, pan: -1,
         reverb: 0}
  shifted: {instrument: stem, file: clicks.flac, tempo: 96, bars: 4, follow: stretch, pan: 1,
           reverb: 0}
scenes:
  one: {layers: [tape]}
  both: {layers: [tape, shifted]}
transitions: [{quantize: bar, fade: 0}]
"""
#: Tempo overrides (s, BPM): faster and slower than the stem, back to its own tempo in between;
#: the score glides at most 5 % a bar, so most bars move.
TEMPI = [
    (20, 120), (50, 80), (80, 110), (110, 72), (140, 96), (170, 130), (200, 96), (230, 88),
    (260, 115), (290, 70), (320, 100), (350, 125), (380, 96), (410, 84), (440, 118), (470, 76),
    (500, 105), (530, 96), (560, 92),
]  # fmt: skip
ENTRY = 7.3  # s: the right stem's scene change (lands on the next bar line)


def make_score(folder: Path) -> Path:
    click_track(folder / "clicks.flac", sr=44100, bpm=STEM_BPM, bars=4)  # resampled at load
    (folder / "score.yaml").write_text(SCORE)
    return folder / "score.yaml"


def rendered(folder: Path, seconds: float) -> tuple[np.ndarray, list[tuple[int, int, int, float]]]:
    beats: list[tuple[int, int, int, float]] = []

    def observe(sample: int, kind: str, detail: dict[str, object]) -> None:
        if kind == "beat":
            beats.append((sample, int(detail["bar"]), int(detail["beat"]), float(detail["bpm"])))  # type: ignore[call-overload]

    timeline = [TimedMessage(ENTRY, "/scene", ("both",))]
    timeline += [TimedMessage(t, "/tempo", (float(bpm),)) for t, bpm in TEMPI if t < seconds]
    score = load_score(make_score(folder))
    render(score, folder / "out.wav", seconds, sr=SR, timeline=timeline, observer=observe)
    audio, sr = soundfile.read(folder / "out.wav")
    assert sr == SR
    return audio, beats


@pytest.fixture(scope="module")
def ten_minutes(tmp_path_factory: pytest.TempPathFactory):
    return rendered(tmp_path_factory.mktemp("sync"), 600.0)


def errors(channel: np.ndarray, beats: list[tuple[int, int, int, float]]) -> np.ndarray:
    window = round(0.02 * SR)
    inside = [b[0] for b in beats if b[0] + window < len(channel)]
    return np.array(onsets(channel, inside, window=window)) - LATENCY


def test_ten_minutes_of_tempo_changes_never_drift(ten_minutes) -> None:
    audio, beats = ten_minutes
    bpms = {round(b[3]) for b in beats}
    assert min(bpms) <= 72 and max(bpms) >= 125 and len(bpms) > 30  # the tempo really moved
    entry = next(b[1] for b in beats if b[0] >= ENTRY * SR)  # the first bar line after it
    tape = errors(audio[:, 0], [b for b in beats if b[1] >= 1])
    shifted = errors(audio[:, 1], [b for b in beats if b[1] >= entry])
    # Resampled: every click within two samples (0.04 ms) of its beat, at every tempo, for ten
    # minutes (beats are rounded to samples, the clicks were resampled from 44.1 kHz).
    assert np.abs(tape).max() <= 2, np.abs(tape).max()
    # Stretched: the pitch shifter's delay swings within its window, so a click lands within
    # half a window of its beat (15 ms); bounded, and the same at the end as at the start.
    smear = defaults.STEM_WINDOW / 2 * SR
    assert np.abs(shifted).max() <= smear, (np.abs(shifted).max(), smear)
    third = len(shifted) // 3
    assert np.abs(shifted[-third:]).max() <= np.abs(shifted[:third]).max() + 0.001 * SR
    # Back at the stem's own tempo both are exact again, however long they have played (from
    # the second bar: on the bar line back, the outgoing shifted voice may still sound the
    # downbeat up to half a window early).
    tempo = {b[1]: b[3] for b in beats}
    at_own = [
        b for b in beats if b[3] == STEM_BPM and b[1] > entry and tempo.get(b[1] - 1) == STEM_BPM
    ]
    assert len(at_own) > 100
    assert np.abs(errors(audio[:, 1], at_own)).max() <= 2
    assert np.abs(errors(audio[:, 0], at_own)).max() <= 2
    print(f"resample max {np.abs(tape).max()} samples, stretch max {np.abs(shifted).max()}")


def test_bars_start_on_bar_lines_and_loop_every_four_bars(ten_minutes) -> None:
    audio, beats = ten_minutes
    entry = next(b[1] for b in beats if b[0] >= ENTRY * SR)
    downbeats = [b for b in beats if b[2] == 0 and b[0] + SR // 10 < len(audio)]
    # Nothing of the entering stem before its bar line; the first bar it plays is its bar 0.
    entry_sample = next(b[0] for b in downbeats if b[1] == entry)
    before = audio[round(ENTRY * SR) : entry_sample - 1, 1]
    assert np.abs(before).max() == 0.0
    for sample, bar, _, bpm in downbeats:
        if bar >= 1:  # the tape reads its bar (bar mod 4) at a pitch moved by the tempo
            rate = bpm / STEM_BPM
            tape = which_click(audio[:, 0], sample + LATENCY, SR, [f * rate for f in DOWNBEAT_HZ])
            assert tape == bar % 4, (bar, bpm)
        # The stretched one counts from its entry; its clicks are told apart where it plays at its
        # own tempo (elsewhere the shifter moves each click by up to half its window, 15 ms,
        # about the window this looks in).
        if bar >= entry and bpm == STEM_BPM:
            shifted = which_click(audio[:, 1], sample + LATENCY, SR, list(DOWNBEAT_HZ))
            assert shifted == (bar - entry) % 4, (bar, bpm)


def test_renders_are_identical(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, _ = rendered(tmp_path / "a", 25.0)
    second, _ = rendered(tmp_path / "b", 25.0)
    digest = [
        hashlib.sha256(np.ascontiguousarray(x).tobytes()).hexdigest() for x in (first, second)
    ]
    assert digest[0] == digest[1]
    assert np.abs(first[:, 1]).max() > 0.1  # both stems played
