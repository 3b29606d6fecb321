"""Wander, the soundscape demo game: ``python demos/wander/main.py [options]`` (docs/demo.md).

    --engine HOST:PORT   the engine to talk to (default 127.0.0.1:9000)
    --score PATH         the score the engine plays (default scores/forest.yaml); --sliders
                         builds its panel from it
    --autopilot SECONDS  walk a scripted route through every zone, print what happens, exit 0
    --sliders            a parameter panel for the score's inputs, scenes and events
    --screenshot PATH    save the window as a PNG (a moment in the ruins with --autopilot,
                         else at the end)
    --size WxH           window size (default 1280x720)
    --fps N              frames per second (default 60)

The game talks to the engine only over OSC; it never imports pyo or starts an engine.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if __package__ in (None, "") and str(ROOT) not in sys.path:  # run as a script
    sys.path.insert(0, str(ROOT))

from demos.wander.link import parse_engine  # noqa: E402
from demos.wander.options import Options  # noqa: E402
from engine.bundled import DEFAULT_SCORE  # noqa: E402  (a path only: the game never imports pyo)


def _size(text: str) -> tuple[int, int]:
    width, sep, height = text.lower().partition("x")
    if (
        not sep
        or not width.isdigit()
        or not height.isdigit()
        or not (320 <= int(width) <= 7680 and 240 <= int(height) <= 4320)
    ):
        raise argparse.ArgumentTypeError(f"expected WxH, e.g. 1280x720 (got {text!r})")
    return int(width), int(height)


def _engine(text: str) -> tuple[str, int]:
    try:
        return parse_engine(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 (got {text})")
    return value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="wander",
        description="Wander: walk a small world while "
        "the soundscape engine plays its music (talks OSC only).",
    )
    p.add_argument(
        "--engine",
        type=_engine,
        default=("127.0.0.1", 9000),
        metavar="HOST:PORT",
        help="the engine's OSC address (default: 127.0.0.1:9000)",
    )
    p.add_argument(
        "--score",
        type=Path,
        default=DEFAULT_SCORE,
        metavar="PATH",
        help="the score the engine plays (default: scores/forest.yaml)",
    )
    p.add_argument(
        "--autopilot",
        type=_positive,
        metavar="SECONDS",
        help="walk a scripted route through every zone, then exit 0",
    )
    p.add_argument(
        "--sliders",
        action="store_true",
        help="a parameter panel for the score's inputs, scenes and events",
    )
    p.add_argument("--screenshot", type=Path, metavar="PATH.png", help="save the window as a PNG")
    p.add_argument(
        "--size",
        type=_size,
        default=(1280, 720),
        metavar="WxH",
        help="window size (default: 1280x720)",
    )
    p.add_argument(
        "--fps",
        type=int,
        default=60,
        choices=range(5, 241),
        metavar="N",
        help="frames per second (default: 60)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    opts = Options(
        engine=args.engine,
        score=args.score,
        autopilot=args.autopilot,
        sliders=args.sliders,
        screenshot=args.screenshot,
        size=args.size,
        fps=args.fps,
    )
    try:
        import pygame  # noqa: F401
    except ImportError:
        print(
            "wander needs pygame: pip install -e '.[demo]' (or pip install pygame)", file=sys.stderr
        )
        return 1
    if opts.sliders:
        from demos.wander.sliders import run_sliders

        return run_sliders(opts)
    from demos.wander.app import run_game

    return run_game(opts)


if __name__ == "__main__":
    sys.exit(main())
