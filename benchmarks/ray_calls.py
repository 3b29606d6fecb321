"""What one Ray call costs a listener engine (docs/scale.md, "Across machines with Ray").

Side by side in one run: the same listener engine rendering N buffers in this process, and in a
Ray actor called once per buffer and once per 20 ms chunk (4 buffers at 48 kHz / 256). Prints
wall seconds per buffer for each and the ratios against in-process.

    python benchmarks/ray_calls.py [SCORE] [--buffers N]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import ray

from engine import load_score
from engine.ensemble.cluster import ListenerActor
from engine.ensemble.listener import ListenerEngine

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("score", nargs="?", default=str(ROOT / "scores" / "forest.yaml"))
    parser.add_argument("--buffers", type=int, default=1600)
    args = parser.parse_args()
    score = load_score(args.score)
    n = args.buffers
    local = ListenerEngine(score, "1", performance_seed=1, sr=48000, buffersize=256)
    began = time.perf_counter()
    for _ in range(n):
        local.render()
    in_process = (time.perf_counter() - began) / n
    local.close()
    ray.init(num_cpus=2, include_dashboard=False, logging_level="warning", log_to_driver=False)
    results = {"in process": in_process}
    for chunk in (1, 4):
        actor = ray.remote(ListenerActor).remote(score, "1", 1, 48000, 256, "stereo")
        ray.get(actor.alive.remote())
        sample = 0
        began = time.perf_counter()
        for _ in range(n // chunk):
            ray.get(actor.render.remote(sample, chunk, []))
            sample += chunk * 256
        results[f"actor, {chunk} per call"] = (time.perf_counter() - began) / (n // chunk * chunk)
        ray.kill(actor)
    for name, seconds in results.items():
        ratio = seconds / in_process
        print(f"{name:20s} {seconds * 1e3:7.3f} ms/buffer  {ratio:5.2f}x")
    per_call = results["actor, 1 per call"] - in_process
    print(f"one Ray call: about {per_call * 1e3:.2f} ms (round trip, this machine)")
    ray.shutdown()


if __name__ == "__main__":
    main()
