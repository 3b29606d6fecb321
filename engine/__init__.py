"""soundscape: an adaptive soundscape engine. Scores in YAML, state in, music out.

The public face is small: load a score, render it (offline), or build an :class:`Engine` on a pyo
server of your own. Everything else lives in modules named for what they do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["Engine", "ScoreError", "SoundscapeError", "load_score", "render"]

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from engine.errors import ScoreError, SoundscapeError
    from engine.render.engine import Engine
    from engine.render.offline import render
    from engine.score.catalog import Catalog
    from engine.score.model import Score


def load_score(
    path: str | Path, catalog: Catalog | None = None, *, soundfonts: Sequence[str | Path] = ()
) -> Score:
    """Read and validate the score at ``path``, against the real instruments unless another
    catalogue is given (``engine.score.loader.load_score`` is the loader itself). ``soundfonts``
    are SoundFont files or folders to look in first for a SoundFont not next to the score (the
    ``--soundfont`` option; see docs/samples.md for the rest of the search path)."""
    from engine.score.loader import load_score as load

    if catalog is None:
        from engine.catalog import default_catalog

        catalog = default_catalog()
    return load(path, catalog, soundfonts)


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
    raise AttributeError(name)
