"""The master bus's live meter (``/engine/meter``) against the offline analysis of the same
audio: short-term loudness (pyloudnorm over the last 3 s) and true peak (4x oversampled), and
building the meter does not change a sample of the output."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyloudnorm
import pytest
import soundfile

from engine import load_score
from engine.analysis.peaks import true_peak_db
from engine.dsp.server import record_to, running_manual_server
from engine.render.engine import Engine

SCORES = Path(__file__).resolve().parents[2] / "scores"
SR, BUFFER, SECONDS = 48000, 256, 10


def play(name: str, wav: Path, *, metering: bool) -> tuple[float, float] | None:
    with running_manual_server(sr=SR, buffersize=BUFFER, seed=1) as server:
        engine = Engine(
            load_score(SCORES / f"{name}.yaml"), sr=SR, buffersize=BUFFER, seed=1, metering=metering
        )
        record_to(server, str(wav))
        for _ in range(SECONDS * SR // BUFFER):
            engine.tick()
            server.process()
        server.recstop()
        return engine.orchestra.meter() if metering else None


@pytest.mark.parametrize("name", ["forest", "combat"])
def test_the_meter_reads_what_the_offline_analysis_measures(name: str, tmp_path: Path) -> None:
    metered, plain = tmp_path / "metered.wav", tmp_path / "plain.wav"
    reading = play(name, metered, metering=True)
    assert reading is not None
    lufs, peak = reading
    audio, sr = soundfile.read(metered)
    short_term = pyloudnorm.Meter(sr).integrated_loudness(audio[-3 * sr :])
    assert lufs == pytest.approx(short_term, abs=1.0)
    # a held peak falling 5 dB/s: at least the last 0.2 s's peak less 1 dB of fall (and the
    # half-sample estimate's shortfall), at most the loudest peak heard
    assert true_peak_db(audio[-sr // 5 :], sr) - 1.5 <= peak <= true_peak_db(audio, sr) + 0.5
    play(name, plain, metering=False)
    assert np.array_equal(soundfile.read(plain)[0], audio)  # metering changes no sample
