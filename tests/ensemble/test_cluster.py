"""Listener engines as Ray actors (issue 15 item 3), on a real local Ray cluster: one node
started by ``ray.init`` with four logical CPUs on this machine's two cores (a second node
process did not fit beside the other tests' engines). Listeners on actors play bit-identically
to in-process engines; a listener actor killed mid-performance is restarted by Ray and rejoins
at the next bar line with its state, and the other listener never notices."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine import load_score
from engine.ensemble.addresses import listener_seed
from engine.ensemble.performance import Performance

ray = pytest.importorskip("ray", reason="pip install '.[cluster]'")

from engine.ensemble.cluster import Cluster  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SR, BUFFER = 48000, 256
SEED = 5
CHUNKS = 440  # of 4 buffers: 9.4 s
KILL = 110  # before this chunk (2.3 s): inside bar 1
SCRIPT: dict[int, list[tuple[object, ...]]] = {
    0: [("/state/arousal", 0.4)],
    30: [("/listener/1/state/heartrate", 80.0), ("/listener/2/listener/baseline", 61.0)],
}
for _second in range(0, CHUNKS, 47):  # listener 2's strap sends its heart once a second
    SCRIPT.setdefault(_second, []).append(("/listener/2/state/heartrate", 95.0))


@pytest.fixture(scope="module")
def cluster_ray():  # type: ignore[no-untyped-def]
    ray.init(num_cpus=4, include_dashboard=False, logging_level="warning", log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def combat():  # type: ignore[no-untyped-def]
    return load_score(ROOT / "scores" / "combat.yaml")


def perform(cluster: Cluster, kill: int | None = None) -> tuple[dict[str, np.ndarray], dict]:  # type: ignore[type-arg]
    audio: dict[str, list[np.ndarray]] = {i: [] for i in cluster.ids}
    pid = None
    for index in range(CHUNKS):
        if index == kill:
            actor = cluster.actor("2")
            pid = ray.get(actor.alive.remote())
            ray.kill(actor, no_restart=False)  # a real kill: Ray restarts it
        for message in SCRIPT.get(index, []):
            cluster.send(*message)
        for listener_id, block in cluster.step().items():
            audio[listener_id].append(block)
    report = cluster.report()
    report["pid"] = pid
    return {i: np.concatenate(blocks) for i, blocks in audio.items()}, report


@pytest.fixture(scope="module")
def undisturbed(cluster_ray, combat):  # type: ignore[no-untyped-def]
    with Cluster(combat, 2, seed=SEED, sr=SR, buffersize=BUFFER) as cluster:
        assert cluster.chunk == 4
        return perform(cluster)


def test_listeners_on_actors_play_as_in_process(combat, undisturbed) -> None:  # type: ignore[no-untyped-def]
    """Each actor's audio is bit-identical to the same listener engine in this process, fed the
    same messages at the same samples (one listener per process: pyo's random draws are the
    process's, shared between the servers in it)."""
    audio, report = undisturbed
    for listener_id in ("1", "2"):
        blocks = []
        with Performance(combat, [listener_id], seed=SEED, sr=SR, buffersize=BUFFER) as local:
            for index in range(CHUNKS):
                for message in SCRIPT.get(index, []):
                    local.send(*message)
                for _ in range(4):
                    blocks.append(local.step()[listener_id])
        assert np.array_equal(audio[listener_id], np.concatenate(blocks)), listener_id
    assert report["bars"]["1"] == report["bars"]["2"]
    assert len(report["bars"]["1"]) >= 4
    assert report["listeners"]["2"]["seed"] == listener_seed(SEED, "2")


def test_a_killed_listener_rejoins_at_the_next_bar(cluster_ray, combat, undisturbed) -> None:  # type: ignore[no-untyped-def]
    calm, calm_report = undisturbed
    with Cluster(combat, 2, seed=SEED, sr=SR, buffersize=BUFFER, wait_restart=60.0) as cluster:
        audio, report = perform(cluster, kill=KILL)
    # the other listener was not disturbed: bit-identical to the performance with no kill
    assert np.array_equal(audio["1"], calm["1"])
    (rejoin,) = report["rejoins"]
    assert rejoin["listener"] == "2"
    assert rejoin["lost_at"] >= KILL * 4 * BUFFER
    status = report["listeners"]["2"]
    assert status["pid"] != report["pid"]  # a new process: Ray restarted the actor
    # its seed, its inputs (its own heart, the shared arousal) and its baseline came back
    assert status["seed"] == listener_seed(SEED, "2")
    assert status["inputs"]["heartrate"] == pytest.approx(95.0)
    assert status["inputs"]["arousal"] == pytest.approx(0.4)
    # settled at once where the undisturbed listener is still gliding to (slow smoothing)
    assert status["inputs"] == pytest.approx(calm_report["listeners"]["2"]["inputs"], rel=0.05)
    assert status["baseline"] == 61.0
    # it rejoined on the shared bar grid: every bar line since is the other listener's
    bars = report["bars"]
    joined = rejoin["bar"]
    assert bars["2"][joined] == bars["1"][joined] == rejoin["bar_sample"]
    later = {b: s for b, s in bars["1"].items() if b >= joined}
    assert len(later) >= 2
    assert {b: s for b, s in bars["2"].items() if b >= joined} == later
    # silent from the death to its bar line, playing after it; at most about a bar lost
    line = round(rejoin["bar_sample"])
    lost = audio["2"][rejoin["lost_at"] : line]
    assert not lost.any()
    assert np.abs(audio["2"][line : line + SR]).max() > 0.01
    bar_length = bars["1"][joined] - bars["1"][joined - 1]
    assert line - rejoin["lost_at"] <= bar_length + 4 * BUFFER, (line, rejoin)
    # before the kill it played as it did undisturbed
    assert np.array_equal(audio["2"][: rejoin["lost_at"]], calm["2"][: rejoin["lost_at"]])
    print(f"restart {rejoin['restart_seconds']} s, lost {(line - rejoin['lost_at']) / SR:.2f} s")


def test_serve_with_ray(cluster_ray, combat) -> None:  # type: ignore[no-untyped-def]
    """``serve --ray``: the same OSC front and summary, listeners on actors (Ray is already
    running here, so ``local`` uses it)."""
    from engine.ensemble.serve import ServeOptions, serve

    lines: list[str] = []
    summary = serve(
        combat,
        ServeOptions(listeners=2, seed=SEED, port=0, duration=1.0, ray="local"),
        ready=lines.append,
    )
    assert "serving 2 listeners" in lines[-1]
    assert set(summary["listeners"]) == {"1", "2"}
    assert summary["listeners"]["2"]["seed"] == listener_seed(SEED, "2")
    assert summary["buffers"] == 188  # 47 chunks of 4 buffers: 1 s
    assert summary["rejoins"] == []


def test_without_ray_the_error_says_how_to_install_it(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import sys

    from engine.ensemble.cluster import require_ray
    from engine.errors import SoundscapeError

    monkeypatch.setitem(sys.modules, "ray", None)  # what an environment without Ray imports
    with pytest.raises(SoundscapeError, match=r"pip install '\.\[cluster\]'"):
        require_ray()
