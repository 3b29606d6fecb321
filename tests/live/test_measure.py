"""What a live session measures about itself."""

from __future__ import annotations

import time

from engine.live.measure import OscAges, PlayMeasures, percentiles_ms


def test_percentiles_in_milliseconds() -> None:
    assert percentiles_ms([]) == {"p50": None, "p99": None, "max": None}
    ages = OscAges()
    for n in range(1000):
        ages.add(n / 1000 * 0.005)  # 0 .. 5 ms
    assert ages.percentiles_ms() == {"p50": 2.5, "p99": 4.95, "max": 4.995}


def test_play_measures_report_startup_cpu_memory_and_load() -> None:
    measures = PlayMeasures()
    measures.audio_started()
    for load in (5.0, 7.0):
        measures.sample_load(load)
    time.sleep(0.05)
    results = measures.results()
    assert results["startup_seconds"] is not None and 0 <= results["startup_seconds"] < 3600
    assert results["cpu_percent"] is not None and results["cpu_percent"] >= 0
    assert results["peak_rss_mb"] > 10 and 0 < results["private_mb"] <= results["peak_rss_mb"]
    assert (results["dsp_load_mean"], results["dsp_load_max"]) == (6.0, 7.0)
