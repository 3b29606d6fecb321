"""The codebase stays ruff-clean: part of the test suite, so one command checks everything."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_clean() -> None:
    targets = [p for p in ("engine", "tests", "benchmarks", "demos") if (ROOT / p).exists()]
    result = subprocess.run([sys.executable, "-m", "ruff", "check", *targets],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
