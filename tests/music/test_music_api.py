"""The package's public face: a sorted ``__all__`` whose names all resolve."""

from __future__ import annotations

import engine.music
import engine.music.generators


def isort_key(name: str) -> tuple[int, str]:
    """Constants, then classes, then functions (the order ruff's RUF022 keeps)."""
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def test_public_names_are_sorted_and_importable() -> None:
    for module in (engine.music, engine.music.generators):
        assert module.__all__ == sorted(module.__all__, key=isort_key)
        for name in module.__all__:
            assert getattr(module, name) is not None, name
