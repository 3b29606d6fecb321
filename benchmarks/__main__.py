"""Run the benchmarks: ``python -m benchmarks [--quick] [--json FILE]``.

The quick mode (a few seconds per score) is for CI and only catches gross regressions; the full
mode is for people and docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from benchmarks import render_speed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--quick", action="store_true", help="short runs, one repeat")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    seconds, repeats = (10.0, 1) if args.quick else (60.0, 3)
    rows = render_speed.run(seconds, repeats)
    print("Offline render speed (48 kHz stereo, 256-frame buffers, one core)")
    print(render_speed.table(rows))
    if args.json:
        args.json.write_text(json.dumps({"render_speed": render_speed.as_json(rows)}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
