"""Live reload under real time: does reading and swapping scores while playing cost xruns?

Each round plays forest with ``--watch`` on the JACK dummy server at 256 frames three ways, one
after the other: the machine's floor (one pyo sine, benchmarks/baseline_client.py), the engine
with no edits, and the engine while its score file is edited ``edits`` times (a gain, a layer
added to the scene playing, a curve, a layer removed, in turn), each edit a real write that the
watcher sees and the engine reads in its worker process and plays from a bar line. The rounds
alternate so a machine that gets busier part-way does not favour one side; the table shows the
median xruns of each, and the reloads the engine counted.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.realtime import Playing

ROOT = Path(__file__).resolve().parent.parent
SCORE = ROOT / "scores" / "forest.yaml"
MARGIN = 2.0  # s played before the first edit and after the last

#: Edits of forest.yaml, each applied to the original text (so each differs from the last).
EDITS = (
    ("    gain: -15\n    pan: 0.35", "    gain: -9\n    pan: 0.35"),  # birds louder
    (
        "layers: [wind, drone, pad, birds, melody]\n",
        "layers: [wind, drone, pad, birds, melody, arp]\n",
    ),  # a layer in
    ("cutoff: {input: arousal, curve: [[-1, 450]", "cutoff: {input: arousal, curve: [[-1, 900]"),
    ("layers: [wind, drone, pad, birds, melody]\n", "layers: [wind, drone, pad, melody]\n"),
)


@dataclass
class ReloadRow:
    case: str  # floor, still, edited
    buffersize: int
    seconds: float
    edits: int
    xruns: list[int]  # per round
    reloads: int  # scores the engine adopted (last round)
    failures: int

    @property
    def median(self) -> float:
        return statistics.median(self.xruns)


def _engine(folder: Path, seconds: float, buffersize: int, edits: int) -> tuple[int, int, int]:
    score = folder / "forest.yaml"
    original = SCORE.read_text()
    score.write_text(original)
    engine = Playing(score, seconds, buffersize, folder, "--watch")
    if edits:
        interval = (seconds - 2 * MARGIN) / edits
        time.sleep(MARGIN)
        for index in range(edits):
            old, new = EDITS[index % len(EDITS)]
            score.write_text(original.replace(old, new, 1))
            time.sleep(interval)
    summary = engine.finish()
    return summary["xruns"], summary["reloads"], summary["reload_failures"]


def _floor(seconds: float, buffersize: int) -> int:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.baseline_client", str(buffersize), str(seconds)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(json.loads(result.stdout.splitlines()[-1])["xruns"])


def run(
    seconds: float = 60.0, edits: int = 10, rounds: int = 3, buffersize: int = 256
) -> list[ReloadRow]:
    floor = ReloadRow("floor", buffersize, seconds, 0, [], 0, 0)
    still = ReloadRow("still", buffersize, seconds, 0, [], 0, 0)
    edited = ReloadRow("edited", buffersize, seconds, edits, [], 0, 0)
    with tempfile.TemporaryDirectory() as folder:
        for index in range(rounds):
            order = (still, edited) if index % 2 == 0 else (edited, still)
            floor.xruns.append(_floor(seconds, buffersize))
            for row in order:
                xruns, reloads, failures = _engine(Path(folder), seconds, buffersize, row.edits)
                row.xruns.append(xruns)
                row.reloads, row.failures = reloads, failures
    return [floor, still, edited]


def table(rows: list[ReloadRow]) -> str:
    head = (
        f"{'case':<8} {'buffer':>6} {'secs':>5} {'edits':>5} {'reloads':>7} "
        f"{'xruns (median)':>14}   per round"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r.case:<8} {r.buffersize:>6} {r.seconds:>5.0f} {r.edits:>5} {r.reloads:>7} "
            f"{r.median:>14g}   {r.xruns}"
        )
    return "\n".join(lines)


def as_json(rows: list[ReloadRow]) -> list[dict[str, object]]:
    return [{**asdict(r), "median": r.median} for r in rows]


if __name__ == "__main__":
    print(table(run(*(float(a) if i == 0 else int(a) for i, a in enumerate(sys.argv[1:])))))
