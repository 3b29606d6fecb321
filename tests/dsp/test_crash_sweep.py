"""Crash sweep: every instrument, every parameter and hostile notes, each case in its own process.

pyo bugs kill the process (SIGSEGV/SIGABRT) or poison the output with NaN, sometimes only after
seconds of audio (the team's pyo sweep found crashes at 9 s), so each case renders
:data:`~sweep_cases.SECONDS` of audio in a fresh subprocess and the parent records how it died.
A case fails on a signal, a non-zero exit, a timeout, any non-finite sample, a peak above
:data:`~sweep_cases.PEAK_BOUND`, or a ``rejected`` count that differs from the number of
non-finite values it sent. Two cases run at a time (CI has two cores). The summary (cases,
minutes of audio, wall time, loudest peak per instrument, failures) is printed: see it with
``pytest -s`` / ``-rP``, or run ``python -m tests.dsp.test_crash_sweep [filter]``.

Findings so far (the fixes are in engine/dsp; none of these is in the team's pyo notes):
* ``MoogLP`` diverges to inf when its input exceeds about ±2.4 (its cubic soft-clip term
  ``y4 -= y4**3 / 6`` turns unstable): 8 pad voices at full velocity reached 9.3. Its input is
  now clipped to ±1 (``safety.moog_input``).
* ``MidiAdsr`` with ``exp != 1`` scales by ``(level / velocity) ** exp`` on a re-attack, so a
  ringing voice re-struck softly jumped to 1e35 (bell, drums). Curved decays now come from
  one-pole ``Strikes`` (engine/dsp/voices.py); MidiAdsr stays linear.
* (Found by tests/dsp/test_instruments.py's suspend test, kept here with its kin.) Stopping only
  some objects left a ``ButHP`` running with a stopped cutoff source, i.e. at 0 Hz: -3000 on
  resume. ``Instrument.suspend`` now stops the whole reachable graph.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path

from .sweep_cases import PEAK_BOUND, Case, cases

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
WORKER = HERE / "sweep_worker.py"
TIMEOUT = 120.0
JOBS = 2


def run_case(case: Case) -> dict[str, object]:
    """Run one case in a subprocess; return its JSON result plus ``problem`` (None if fine)."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    spec = json.dumps({k: v for k, v in asdict(case).items()})
    started = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, str(WORKER), spec],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            env=env,
            cwd=ROOT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"case": case.name, "problem": f"hang (> {TIMEOUT:.0f} s)"}
    wall = time.perf_counter() - started
    if proc.returncode < 0:
        return {"case": case.name, "problem": f"killed by signal {-proc.returncode}", "wall": wall}
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-1:] or ["?"]
        return {"case": case.name, "problem": f"exit {proc.returncode}: {tail[0]}", "wall": wall}
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall"] = wall
    result["problem"] = _problem(result)
    return result


def _problem(result: dict[str, object]) -> str | None:
    if not result["finite"]:
        return "non-finite output"
    peak = float(result["peak"])  # type: ignore[arg-type]
    if peak > PEAK_BOUND:
        return f"peak {peak:.3f} > {PEAK_BOUND}"
    if result["rejected"] != result["expected_rejected"]:
        return f"rejected {result['rejected']} != expected {result['expected_rejected']}"
    return None


def run_sweep(selected: list[Case]) -> list[dict[str, object]]:
    with ThreadPoolExecutor(max_workers=JOBS) as pool:
        return list(pool.map(run_case, selected))


def summary(results: list[dict[str, object]], wall: float) -> str:
    audio = sum(float(r.get("seconds", 0.0)) for r in results)  # type: ignore[arg-type]
    failed = [r for r in results if r["problem"]]
    peaks: dict[str, float] = {}
    for r in results:
        name = str(r["case"]).split(":")[0]
        if r.get("peak") is not None:
            peaks[name] = max(peaks.get(name, 0.0), float(r["peak"]))  # type: ignore[arg-type]
    lines = [
        f"crash sweep: {len(results)} cases, {audio / 60:.1f} min of audio, {wall:.0f} s wall, "
        f"{len(failed)} failed",
        "max peak per instrument: " + ", ".join(f"{k} {v:.2f}" for k, v in sorted(peaks.items())),
        *(f"  FAIL {r['case']}: {r['problem']}" for r in failed),
    ]
    return "\n".join(lines)


def test_crash_sweep() -> None:
    started = time.perf_counter()
    results = run_sweep(cases())
    report = summary(results, time.perf_counter() - started)
    print(report)
    assert not any(r["problem"] for r in results), report


def test_worker_reports_a_crash_as_a_signal() -> None:
    """The harness itself: a child that segfaults must be seen as a crash, not a pass."""
    proc = subprocess.run(
        [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"],
        capture_output=True,
        check=False,
    )
    assert proc.returncode == -11


if __name__ == "__main__":  # python -m tests.dsp.test_crash_sweep [name filter]
    wanted = sys.argv[1] if len(sys.argv) > 1 else ""
    start = time.perf_counter()
    res = run_sweep([c for c in cases() if wanted in c.name])
    print(summary(res, time.perf_counter() - start))
    raise SystemExit(1 if any(r["problem"] for r in res) else 0)
