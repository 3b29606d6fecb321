"""Render one crash-sweep case and print its result as one JSON line (run as a subprocess).

Usage: ``python sweep_worker.py '{"instrument": "pad", "kind": "param", "arg": "cutoff"}'``.
A crash shows up to the parent as death by a signal; everything else is in the JSON. It records
the instrument's ``dry`` signal (before the output ceiling), so a blow-up cannot hide under it.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
from render_helper import render
from sample_sets import sweep_set
from sweep_cases import Case, plan


def main(spec: str) -> None:
    case = Case(**json.loads(spec))
    steps = plan(case, sr=case.sr, bs=case.bs)
    counts: dict[str, int] = {}

    def probe(inst: object) -> None:
        counts["rejected"] = int(getattr(inst, "rejected", -1))

    started = time.perf_counter()
    audio = render(
        case.instrument,
        case.seconds,
        calls=steps.calls,
        params=steps.params,
        probe=probe,
        tap="dry",
        sr=case.sr,
        bs=case.bs,
        samples=sweep_set() if case.instrument == "sampler" else None,
    )
    finite = bool(np.isfinite(audio).all())
    result = {
        "case": case.name,
        "finite": finite,
        "peak": float(np.abs(audio).max()) if finite else None,
        "rejected": counts.get("rejected", -1),
        "expected_rejected": steps.expected_rejected,
        "seconds": case.seconds,
        "elapsed": time.perf_counter() - started,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1])
