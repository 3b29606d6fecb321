"""soundscape: an adaptive soundscape engine. Scores in YAML, state in, music out.

The public face is small: load a score, render it (offline), or build an :class:`Engine` on a pyo
server of your own. Everything else lives in modules named for what they do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["Engine", "ScoreError", "SoundscapeError", "load_score", "render"]

if TYPE_CHECKING:
    from engine.errors import ScoreError, SoundscapeError
    from engine.render.engine import Engine
    from engine.render.offline import render
    from engine.score.loader import load_score


def __getattr__(name: str) -> Any:
    """Import lazily, so ``import engine`` does not start pyo until audio is needed."""
    if name in ("ScoreError", "SoundscapeError"):
        from engine import errors

        return getattr(errors, name)
    if name == "Engine":
        from engine.render.engine import Engine

        return Engine
    if name == "render":
        from engine.render.offline import render

        return render
    if name == "load_score":
        from engine.score.loader import load_score

        return load_score
    raise AttributeError(name)
