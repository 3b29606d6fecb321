"""Imports point down the layers docs/architecture.md draws, and only dsp/ touches pyo.

The table below is the one in docs/architecture.md ("Layers"); a test checks the two agree. A
module may import from its own package and from lower layers, never from a higher one or from
another package of its own layer; every import counts, including those inside functions.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENGINE = ROOT / "engine"

#: Each unit of the engine (a subpackage, or a top-level module) and its layer.
LAYERS: dict[str, int] = {
    "errors": 0,
    "events": 0,
    "commands": 0,
    "curve": 0,
    "defaults": 0,
    "bundled": 0,
    "textfile": 1,
    "clock": 1,
    "osc": 1,
    "music": 1,
    "analysis": 1,
    "samples": 1,
    "score": 2,
    "state": 3,
    "conductor": 4,
    "dsp": 4,
    "catalog": 5,
    "render": 6,
    "live": 7,
    "plots": 7,
    "console": 7,
    "ensemble": 8,
    "cli": 9,
    "__init__": 10,
    "__main__": 10,
}
#: The only units that may import pyo.
PYO_USERS = {"dsp"}


def unit(module: str) -> str | None:
    """``engine.state.bus`` -> ``state``; None for what is not the engine's."""
    parts = module.split(".")
    if parts[0] != "engine":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in the file, relative ones resolved."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            if base != "engine":  # "from engine import defaults" imports engine.defaults
                found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


SOURCES = sorted(ENGINE.rglob("*.py"))


def test_every_unit_has_a_layer() -> None:
    units = {unit(".".join(p.relative_to(ROOT).with_suffix("").parts)) for p in SOURCES}
    assert units - set(LAYERS) == set(), "give new packages a layer here and in the docs"


def test_the_table_is_the_one_in_the_docs() -> None:
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| L(\d+) \| (.+?) \|", doc, re.M)
    declared = {
        name.removesuffix(".py").strip("/"): int(level)
        for level, cell in rows
        for name in re.findall(r"`([^`]+)`", cell)
    }
    assert declared == LAYERS


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_point_down(path: Path) -> None:
    here = unit(".".join(path.relative_to(ROOT).with_suffix("").parts))
    assert here is not None
    wrong = []
    for line, module in imports(path):
        touches_pyo = module.split(".")[0] in ("pyo", "pyo64") or module.startswith(
            "engine.dsp.pyolib"
        )
        if touches_pyo and here not in PYO_USERS:
            wrong.append(f"{path.name}:{line}: {module} (only dsp/ imports pyo)")
        there = unit(module)
        if there is None or there == here or there not in LAYERS:
            continue
        if LAYERS[there] >= LAYERS[here]:
            wrong.append(
                f"{path.name}:{line}: {here} (L{LAYERS[here]}) imports {module} (L{LAYERS[there]})"
            )
    assert not wrong, "\n".join(wrong)
