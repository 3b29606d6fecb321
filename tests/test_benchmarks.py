"""The benchmark suite's quick mode, as CI runs it: every section works and nothing is grossly
broken. The bounds are deliberately loose (a regression by a factor, not noise); the numbers
themselves are for people, in docs/performance.md."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_quick_benchmarks_run_and_show_no_gross_regression(tmp_path: Path) -> None:
    if not shutil.which("jackd") and not os.environ.get("CI"):
        pytest.skip("jackd is not installed (scripts/install-test-deps.sh installs it)")
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr
    for title in (
        "Offline render speed",
        "Engine overhead",
        "Reaction latency",
        "Real time",
        "OSC ingest",
        "Memory and output safety",
        "Scaling",
        "OSC reader",
        "Recorded sound",
        "Generators",
        "Console",
        "Live reload",
        "Audience",
        "Listening in a browser",
    ):
        assert title in result.stdout
    data = json.loads(out.read_text())
    assert [row["score"] for row in data["render"]] == [
        "combat",
        "forest",
        "legend",
        "meditation",
        "voyage",
    ]
    assert all(row["realtime_wall"] > 2 for row in data["render"])
    aligned = data["audience"]["alignment"]
    assert aligned["mismatched_bars"] == 0 and aligned["distinct_notes"] == 1.0
    assert all(row["per_core"] > 1 for row in data["audience"]["listeners"])
    for row in data["overhead"]:
        assert row["identical"] and row["ratio"] < 2.0
    for row in data["latency"]:
        # an input moves the sound within the applying buffer (never before it); a scene's
        # entering layer sounds from its bar line on (0: on the line itself)
        earliest = 0 if row["case"].startswith("/scene") else 1
        assert earliest <= row["reaction_samples"] <= 2 * row["buffersize"]
    assert [row["buffersize"] for row in data["realtime"]["baseline"]] == [256]
    # loose, beside the floor measured in the same run: a callback that really misses its
    # deadlines makes hundreds in these seconds; a busy machine makes tens (11 once idle, 19 in
    # a CI run whose floor elsewhere reached 198)
    floor = data["realtime"]["baseline"][0]["xruns"]
    for row in data["realtime"]["engine"] + data["ingest"]:
        assert row["xruns"] is not None and row["xruns"] <= 40 + 3 * floor
        assert row["lost_percent"] < 5
    assert [row["score"] for row in data["soak"]] == ["forest", "combat", "meditation"]
    for row in data["soak"]:
        assert row["minutes"] > 0.5 and row["samples"] >= row["minutes"] * 0.99 * 60 * 48000 * 2
        assert row["non_finite"] == 0 and row["over_ceiling"] == 0
        assert row["refusals_as_expected"] and sum(row["dropped"].values()) > 0
        assert row["rss_growth_mb"] < 20
    assert all(row["realtime"] > 1 for row in data["scaling"])
    assert data["fuzz"]["fuzz"]["cases"] == 10_000 and data["fuzz"]["fuzz"]["slowest_ms"] < 50
    assert data["fuzz"]["speed"]["ratio"] > 1  # at least as fast as python-osc
    # a page hears a motion well within a second (the target, 250 ms, is for docs/performance.md)
    assert [row["codec"] for row in data["stream"]["latency"]] == ["pcm", "opus"]
    for row in data["stream"]["latency"]:
        assert 0 < row["median_ms"] < 1000
    for row in data["stream"]["cost"]:
        assert row["stream_behind"] == 0
    loads = {row["score"]: row for row in data["samples"]["load"]}
    assert loads["voyage"]["sample_mb"] > 10 and loads["forest"]["sample_mb"] == 0
    assert loads["voyage"]["load_s"] < 10 and loads["voyage"]["peak_rss_mb"] < 600
    assert {row["instrument"] for row in data["samples"]["voices"]} >= {"pad", "sampler (piano)"}
    bars = {row["kind"]: row for row in data["generators"]["bars"]}
    assert bars["learned"]["us_p99"] < 1000  # the budget: a bar <= 1 ms at p99
    assert all(row["ms_median"] < 50 for row in data["generators"]["learning"])
    assert [row["mode"] for row in data["console"]] == ["off", "osc", "console"]
    steered = data["console"][2]  # loose: a console costing deadlines by a factor, not noise
    assert steered["xruns"] is not None and steered["xruns"] <= 5 + 3 * steered["floor_xruns"]
    assert steered["pushes"] >= 3 * steered["seconds"] and steered["commands"] > 0
    reload = {row["case"]: row for row in data["reload"]}
    assert reload["edited"]["reloads"] == reload["edited"]["edits"] == 3  # every edit adopted
    assert reload["edited"]["failures"] == 0 and reload["still"]["reloads"] == 0
    # loose: reloads costing deadlines by a factor (a parse on the audio's GIL), not noise
    floor = max(reload["floor"]["median"], reload["still"]["median"])
    assert reload["edited"]["median"] <= 5 + 3 * floor


def test_engines_per_core_quotes_the_reference_graph_and_memory_per_engine() -> None:
    """The scaling figure issue 15 asks for: engines side by side beside the fixed reference
    graph timed in the same run, and the private memory one engine adds (its budget: 50 MB)."""
    from benchmarks import scaling

    row = scaling.per_core(1.0, 1, 2, 2)
    assert row.case == "engines per core" and row.value == 2
    assert row.realtime > 1 and row.reference is not None and row.reference > 1
    assert row.private_mb is not None and 1 < row.private_mb < 50
    assert "reference graph" in scaling.table([row])
