"""What a Ray call and a Ray actor cost a listener engine (docs/scale.md, "Across machines with
Ray"; docs/performance.md, "Listener engines on Ray").

Side by side in one run, for groups of K listener engines (K = 1, 4, 8 by default):

- speed: K engines rendering N buffers each in this process (as ``Performance`` does), and a
  ``GroupActor`` of the same K engines called once per 20 ms chunk (4 buffers at 48 kHz / 256);
  for K = 1 also once per buffer. Wall ms per listener-buffer and the ratio against in process
  (noisy on a shared machine: the renders compete with whatever else runs), and what a call
  costs beyond its rendering: the median over calls of the call's wall time less the time the
  actor spent rendering inside it (timed by the actor), for the group and per listener.
- memory: each actor's private memory (Private_Clean + Private_Dirty of its
  /proc/PID/smaps_rollup, read by the actor itself) after its renders, and that of an actor with
  no engine (the imports alone); the figure per listener is the actor's divided by K.

    python benchmarks/ray_calls.py [SCORE] [--buffers N] [--groups 1,4,8]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import ray

from engine import defaults, load_score
from engine.ensemble.addresses import default_ids, listener_seed
from engine.ensemble.cluster import GroupActor
from engine.ensemble.performance import Performance

ROOT = Path(__file__).resolve().parents[1]
SR, BUFFER, CHUNK = 48000, 256, 4
MB = 1e6


class TimedGroup(GroupActor):
    """A group actor that also answers how long its rendering took inside the call."""

    def timed_render(self, start: int, buffers: int) -> float:
        began = time.perf_counter()
        self.render(start, buffers, {})
        return time.perf_counter() - began


def in_process(score: object, k: int, n: int) -> float:
    """Seconds per listener-buffer, K engines in this process rendering in turn."""
    with Performance(score, k, seed=1, sr=SR, buffersize=BUFFER) as performance:  # type: ignore[arg-type]
        began = time.perf_counter()
        for _ in range(n):
            performance.step()
        return (time.perf_counter() - began) / (n * k)


def on_actor(score: object, k: int, n: int, chunk: int) -> tuple[float, float, int]:
    """Seconds per listener-buffer from a group actor of K called once per ``chunk`` buffers,
    the median seconds a call cost beyond its rendering, and the actor's private memory (bytes)
    after it."""
    ids = default_ids(k)
    remote = ray.remote(TimedGroup).options(num_cpus=defaults.RAY_GROUP_CPUS)
    actor = remote.remote(score, ids, [listener_seed(1, i) for i in ids], SR, BUFFER, "stereo")
    ray.get(actor.alive.remote())
    calls = n // chunk
    sample = 0
    beyond: list[float] = []
    began = time.perf_counter()
    for _ in range(calls):
        call = time.perf_counter()
        inside = ray.get(actor.timed_render.remote(sample, chunk))
        beyond.append(time.perf_counter() - call - inside)
        sample += chunk * BUFFER
    seconds = (time.perf_counter() - began) / (calls * chunk * k)
    memory = int(ray.get(actor.memory.remote()))
    ray.kill(actor)
    return seconds, statistics.median(beyond), memory


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("score", nargs="?", default=str(ROOT / "scores" / "forest.yaml"))
    parser.add_argument("--buffers", type=int, default=1600, help="per listener")
    parser.add_argument("--groups", default="1,4,8", help="the K to measure, comma-separated")
    args = parser.parse_args()
    score = load_score(args.score)
    n = args.buffers
    sizes = [int(k) for k in args.groups.split(",")]
    ray.init(num_cpus=2, include_dashboard=False, logging_level="warning", log_to_driver=False)
    empty = ray.remote(GroupActor).options(num_cpus=defaults.RAY_GROUP_CPUS)
    bare = empty.remote(score, [], [], SR, BUFFER, "stereo")
    base = int(ray.get(bare.memory.remote()))
    ray.kill(bare)
    print(f"an actor with no engine (the imports): {base / MB:.1f} MB private")
    alone = in_process(score, 1, n)
    per_buffer, one_call, _ = on_actor(score, 1, n, 1)
    print(f"in process, 1 engine       {alone * 1e3:7.3f} ms/buffer")
    print(f"actor of 1, 1 per call     {per_buffer * 1e3:7.3f} ms/buffer  "
          f"{per_buffer / alone:5.2f}x  (a call beyond its rendering: "
          f"{one_call * 1e3:.2f} ms, median)")  # fmt: skip
    heads = ("in process", "actor", "ratio", "call", "call/listener", "actor MB", "MB/listener")
    widths = (11, 9, 6, 9, 14, 9, 12)
    print(f"{'K':>3} " + " ".join(f"{h:>{w}}" for h, w in zip(heads, widths, strict=True))
          + f" {'(MB-base)/K':>12}")  # fmt: skip
    for k in sizes:
        local = in_process(score, k, n)
        remote, call, memory = on_actor(score, k, n, CHUNK)
        print(f"{k:3d} {local * 1e3:8.3f} ms {remote * 1e3:6.3f} ms {remote / local:5.2f}x "
              f"{call * 1e3:6.3f} ms {call / k * 1e3:11.3f} ms {memory / MB:9.1f} "
              f"{memory / MB / k:12.1f} {(memory - base) / MB / k:12.1f}")  # fmt: skip
    ray.shutdown()


if __name__ == "__main__":
    main()
