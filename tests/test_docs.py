"""The score reference stays true: every field, generator option and instrument parameter that
the loader accepts is documented, and every bundled score validates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine import defaults, load_score
from engine.catalog import default_catalog
from engine.music.generators import GENERATORS
from engine.score.loader import TOP_LEVEL

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "score-format.md").read_text(encoding="utf-8")
GENERATOR_DOC = DOC.split("### Generators")[1].split("### Instruments")[0]
INSTRUMENT_DOC = DOC.split("### Instruments")[1].split("\n## ")[0]


def documented(name: str) -> bool:
    return re.search(rf"`{re.escape(name)}`", DOC) is not None


@pytest.mark.parametrize("field", TOP_LEVEL)
def test_top_level_fields_are_documented(field: str) -> None:
    assert documented(field)


@pytest.mark.parametrize("name", sorted(defaults.LAYER_PARAMS) + sorted(defaults.BUILTIN_INPUTS))
def test_layer_parameters_and_inputs_are_documented(name: str) -> None:
    assert documented(name)


@pytest.mark.parametrize("kind", sorted(GENERATORS))
def test_generators_and_their_options_are_documented(kind: str) -> None:
    assert documented(kind)
    row = next(line for line in GENERATOR_DOC.splitlines() if line.startswith(f"| `{kind}` |"))
    for option in GENERATORS[kind].OPTIONS:
        assert f"`{option}`" in row, f"{kind}.{option} missing from the generator table"


def test_instruments_and_their_parameters_are_documented() -> None:
    for name, params in default_catalog().instruments.items():
        rows = INSTRUMENT_DOC.splitlines()
        row = next((line for line in rows if line.startswith(f"| `{name}` |")), "")
        assert row, f"instrument {name} missing"
        for param, spec in params.items():
            found = re.search(rf"`{param}` {spec.min:g}\.\.{spec.max:g}[^(]*\(([^)]*)\)", row)
            assert found, f"{name}.{param}: range {spec.min:g}..{spec.max:g} not documented"
            assert found[1] == f"{spec.default:g}", f"{name}.{param}: default {spec.default:g}"


@pytest.mark.parametrize("path", sorted((ROOT / "scores").glob("*.yaml")), ids=lambda p: p.name)
def test_bundled_scores_validate(path: Path) -> None:
    score = load_score(path)
    assert len(score.scenes) >= 2 and score.stingers


LIMITS_DOC = DOC.split("## Limits")[1]
LIMITS_HEADER = "# -- Limits on what a score, a timeline or a command line may ask for"


def limit_names() -> list[str]:
    """The constants of defaults.py's limits section (up to the next section or the end)."""
    source = (ROOT / "engine" / "defaults.py").read_text(encoding="utf-8")
    section = source.split(LIMITS_HEADER)[1].split("\n# -- ")[0]
    return re.findall(r"^(MAX_[A-Z_]+) = ", section, re.M)


def test_every_limit_is_documented_with_its_value() -> None:
    rows = {
        match[1]: float(match[2].replace(",", ""))
        for match in re.finditer(r"^\| `(MAX_[A-Z_]+)` \| ([0-9.,e]+) \|", LIMITS_DOC, re.M)
    }
    names = limit_names()
    assert len(names) > 10
    assert sorted(rows) == sorted(names)
    for name in names:
        value = getattr(defaults, name)
        assert rows[name] == value, f"{name}: documented {rows[name]:g}, code {value:g}"
