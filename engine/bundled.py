"""The scores that ship inside the package, found the same way from a checkout and a wheel.

They live in ``engine/scores/`` (package data, so ``pip install .`` carries them); the checkout's
top-level ``scores`` is a link to that folder, for the paths the docs use. A bundled score can
also be named without its path: ``soundscape play combat``.
"""

from __future__ import annotations

from pathlib import Path

SCORES_DIR = Path(__file__).resolve().parent / "scores"
#: The score ``soundscape render``, ``play`` and ``demo`` use when none is named.
DEFAULT_SCORE = SCORES_DIR / "forest.yaml"


def bundled_scores() -> list[Path]:
    return sorted(SCORES_DIR.glob("*.yaml"))


def demo_timeline(score: Path) -> Path:
    """Where a bundled score's demo timeline lies (it may not exist for other scores)."""
    return score.with_suffix(".timeline.jsonl")


def resolve_score(name: str | Path) -> Path:
    """``name`` as a path if something is there, else the bundled score of that name
    (``combat`` or ``combat.yaml``); an unknown name comes back as given, for the loader to
    report."""
    path = Path(name)
    if path.exists():
        return path
    bundled = SCORES_DIR / (path.name if path.suffix == ".yaml" else f"{path.name}.yaml")
    if path.parent == Path(".") and bundled.exists():
        return bundled
    return path
