"""File reading, the public surface, and the promise that importing analysis stays light."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import engine.analysis as analysis
from engine.analysis import read_wav

REPO = Path(__file__).resolve().parents[2]


def test_read_wav_round_trips_mono_and_stereo(tmp_path: Path) -> None:
    soundfile = pytest.importorskip("soundfile")
    t = np.arange(4_800) / 48_000
    mono = 0.5 * np.sin(2 * np.pi * 440 * t)
    stereo = np.stack([mono, -mono], axis=1)
    for name, data in (("mono.wav", mono), ("stereo.wav", stereo)):
        path = tmp_path / name
        soundfile.write(path, data, 48_000, subtype="FLOAT")
        read, sr = read_wav(path)
        assert sr == 48_000
        assert read.dtype == np.float64
        assert read.shape == data.shape
        np.testing.assert_allclose(read, data, atol=1e-7)


def test_all_is_sorted_and_complete() -> None:
    assert analysis.__all__ == sorted(analysis.__all__)
    for name in analysis.__all__:
        assert hasattr(analysis, name), name


def test_import_does_not_pull_optional_dependencies() -> None:
    """scipy, pyloudnorm and soundfile are an optional extra; only calls may import them."""
    code = (
        "import sys, engine.analysis\n"
        "heavy = [m for m in ('scipy', 'pyloudnorm', 'soundfile') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
