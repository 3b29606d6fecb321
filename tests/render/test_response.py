"""The music audibly follows the state: measured on real renders with the project's analysis."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from engine import load_score
from engine.analysis import (
    integrated_loudness,
    onset_rate,
    pitch_class_profile,
    spectral_centroid,
)
from engine.analysis.rhythm import estimate_tempo

ROOT = Path(__file__).resolve().parents[2]
SCORES = sorted((ROOT / "scores").glob("*.yaml"))
Render = Callable[..., tuple[np.ndarray, int]]

FOREST = ROOT / "scores" / "forest.yaml"
COMBAT = ROOT / "scores" / "combat.yaml"
MEDITATION = ROOT / "scores" / "meditation.yaml"


def mood(valence: float, arousal: float) -> tuple[tuple[str, tuple], ...]:
    return (("/state/mood", (valence, arousal)),)


@pytest.mark.parametrize("score", [FOREST, COMBAT], ids=lambda p: p.stem)
def test_high_arousal_is_busier_and_brighter(score: Path, render_wav: Render) -> None:
    calm, sr = render_wav(score, 40, state=mood(0.0, -0.9))
    tense, _ = render_wav(score, 40, state=mood(0.0, 0.9))
    calm, tense = calm[8 * sr :], tense[8 * sr :]  # after smoothing and the first tempo glide
    assert onset_rate(tense, sr) > 1.3 * onset_rate(calm, sr)
    assert spectral_centroid(tense, sr) > 1.15 * spectral_centroid(calm, sr)


def test_heart_rate_leads_the_meditation_tempo(render_wav: Render) -> None:
    tempi = {}
    for bpm in (60, 120):
        audio, sr = render_wav(MEDITATION, 75, state=(("/state/heartrate", (bpm,)),))
        expected = {60: 54, 120: 98}[bpm]  # narrow the search: exclude half and double tempo
        tempi[bpm] = estimate_tempo(audio[45 * sr :], sr, lo=expected / 1.5, hi=expected * 1.5)
    # the score maps heart rate 60 -> 54 BPM and 120 -> ~98 BPM, gliding 3 % a bar (from the
    # default 70 BPM heart, 120 takes ~12 bars, ~35 s, to reach)
    assert tempi[60] == pytest.approx(54, rel=0.08)
    assert tempi[120] == pytest.approx(98, rel=0.08)


def features(audio: np.ndarray, sr: int) -> np.ndarray:
    """Loudness, brightness, busyness and a coarse band profile: what a listener would notice."""
    mono = audio.mean(axis=1)
    spectrum = np.abs(np.fft.rfft(mono[: 2**20] if len(mono) > 2**20 else mono)) ** 2
    freqs = np.fft.rfftfreq(min(len(mono), 2**20), 1 / sr)
    edges = [20, 80, 160, 320, 640, 1280, 2560, 5120, 10240, 20000]
    bands = [
        spectrum[(freqs >= lo) & (freqs < hi)].sum() + 1e-12 for lo, hi in itertools.pairwise(edges)
    ]
    profile = 10 * np.log10(np.array(bands) / sum(bands))
    chroma = pitch_class_profile(audio, sr)
    return np.concatenate(
        [
            [
                integrated_loudness(audio, sr),
                np.log2(spectral_centroid(audio, sr)),
                onset_rate(audio, sr),
            ],
            profile,
            chroma,
        ]
    )


def audible(a: np.ndarray, b: np.ndarray) -> str | None:
    """Why ``a`` and ``b`` sound different, or None if they don't."""
    if abs(a[0] - b[0]) >= 1.0:
        return f"loudness {a[0]:.1f} vs {b[0]:.1f} LUFS"
    if abs(a[1] - b[1]) >= 0.15:
        return "brightness"
    if abs(a[2] - b[2]) >= 0.15 * max(a[2], b[2]) and max(a[2], b[2]) > 0.5:
        return "onset rate"
    if np.max(np.abs(a[3:12] - b[3:12])) >= 2.0:
        return "spectral balance"
    if np.abs(a[12:] - b[12:]).sum() >= 0.2:
        return "harmony (pitch classes)"
    return None


INPUT_CASES = [(score, name) for score in SCORES for name in load_score(score).inputs]


@pytest.mark.parametrize(
    ("score", "name"), INPUT_CASES, ids=[f"{s.stem}-{n}" for s, n in INPUT_CASES]
)
def test_every_declared_input_is_audible(score: Path, name: str, render_wav: Render) -> None:
    spec = load_score(score).inputs[name]
    low, sr = render_wav(score, 30, state=((f"/state/{name}", (spec.min,)),))
    high, _ = render_wav(score, 30, state=((f"/state/{name}", (spec.max,)),))
    low, high = low[10 * sr :], high[10 * sr :]
    reason = audible(features(low, sr), features(high, sr))
    assert reason is not None, f"{score.stem}: {name} from {spec.min} to {spec.max} is inaudible"
