"""One definition of the score format (engine/score/format.py), and what is made from it: the
JSON Schema (checked in as docs/soundscape.schema.json), the field reference in
docs/score-format.md, and the bundled scores' ``$schema`` lines."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from engine import defaults
from engine.catalog import default_catalog
from engine.cli import REFERENCE_DOC, SCHEMA_DOC, main
from engine.score import format as fmt
from engine.score.reference import REGENERATE, checked_in, reference
from engine.score.safeyaml import compose, construct
from engine.score.schema import schema_text, score_schema

ROOT = Path(__file__).resolve().parents[2]
SCORES = sorted((ROOT / "engine" / "scores").glob("*.yaml"))


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = score_schema(default_catalog())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def read_yaml(path: Path) -> object:
    """The document as the loader reads it (YAML 1.2 core schema: ``yes`` is a string)."""
    node = compose(path.read_text(encoding="utf-8"))
    assert node is not None
    return construct(node)


def test_the_checked_in_schema_is_current() -> None:
    text = (ROOT / SCHEMA_DOC).read_text(encoding="utf-8")
    assert text == schema_text(default_catalog()), f"{SCHEMA_DOC} is stale: run `{REGENERATE}`"


def test_the_field_reference_is_current() -> None:
    doc = (ROOT / REFERENCE_DOC).read_text(encoding="utf-8")
    assert checked_in(doc) == reference(), (
        f"the reference in {REFERENCE_DOC} is stale: {REGENERATE}"
    )


def test_soundscape_schema_prints_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    printed = capsys.readouterr().out
    assert printed == schema_text(default_catalog())
    assert json.loads(printed)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_soundscape_schema_out_reports_a_failed_write(tmp_path: Path) -> None:
    assert main(["schema", "--out", str(tmp_path / "missing" / "s.json")]) == 2
    assert main(["schema", "--out", str(tmp_path / "s.json")]) == 0
    assert (tmp_path / "s.json").read_text(encoding="utf-8") == schema_text(default_catalog())


@pytest.mark.parametrize("path", SCORES, ids=lambda p: p.name)
def test_bundled_scores_validate_against_the_schema(
    path: Path, validator: jsonschema.Draft202012Validator
) -> None:
    errors = [
        f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(read_yaml(path))
    ]
    assert not errors


@pytest.mark.parametrize("path", SCORES, ids=lambda p: p.name)
def test_bundled_scores_name_the_schema(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    prefix = "# yaml-language-server: $schema="
    assert first.startswith(prefix)
    assert (path.parent / first.removeprefix(prefix)).resolve() == (ROOT / SCHEMA_DOC).resolve()


def test_the_schema_refuses_what_the_format_refuses(
    validator: jsonschema.Draft202012Validator,
) -> None:
    base = {"layers": {"pad": {"instrument": "pad"}}, "scenes": {"calm": {"layers": ["pad"]}}}
    assert validator.is_valid(base)
    bad = [
        {**base, "tempo": {"glide": 2}},  # out of range
        {**base, "bogus": 1},  # unknown key
        {"layers": base["layers"]},  # missing scenes
        {**base, "key": {"mode": "ionic"}},  # bad enum
        {**base, "layers": {"pad": {"instrument": "pad", "gain": "loud"}}},  # wrong type
        {**base, "layers": {"pad": {"instrument": "pad", "cutoff": 50}}},  # instrument range
        {
            **base,
            "layers": {"pad": {"instrument": "pad", "generator": {"type": "chords", "voices": 9}}},
        },
        {**base, "stingers": {"s": {"instrument": "bell", "notes": [[0, 1]]}}},
    ]
    for document in bad:
        assert not validator.is_valid(document), document


def test_every_field_has_a_known_kind_and_a_doc() -> None:
    for path in fmt.paths():
        f = fmt.field(path)
        assert f.kind in fmt.KINDS and f.doc, path
        if f.kind in ("number", "integer") and f.default is not None:
            lo, hi = f.bounds
            assert lo is None or lo <= float(f.default)  # type: ignore[arg-type]
            assert hi is None or float(f.default) <= hi  # type: ignore[arg-type]


def test_defaults_come_from_defaults_py() -> None:
    assert fmt.field("tempo.glide").default == defaults.TEMPO_GLIDE
    assert fmt.field("layers.gain").bounds == defaults.LAYER_PARAM_RANGES["gain"]
    assert fmt.field("stingers.duck.db").default == defaults.STINGER_DUCK_DB
    assert fmt.field("master.loudness").default == defaults.MASTER_LOUDNESS


def test_the_loader_fills_in_the_definitions_defaults() -> None:
    from engine.score.loader import parse_score

    text = """
layers: {pad: {instrument: pad}}
scenes: {calm: {layers: [pad]}}
mutation: {}
master: {reverb: {}}
stingers: {hit: {instrument: bell, notes: [[0, 1, 1]], duck: {}}}
"""
    score = parse_score(text, default_catalog())
    assert score.tempo.glide == fmt.field("tempo.glide").default
    assert score.master.loudness == fmt.field("master.loudness").default
    assert score.master.reverb_return == fmt.field("master.reverb.return").default
    assert score.mutation is not None
    assert score.mutation.every == fmt.field("mutation.every").default
    hit = score.stingers["hit"]
    assert hit.duck is not None
    assert (hit.duck.db, hit.duck.release) == (
        fmt.field("stingers.duck.db").default,
        fmt.field("stingers.duck.release").default,
    )
    assert hit.octave == fmt.field("stingers.octave").default
    assert hit.notes[0].velocity == fmt.field("stingers.notes").item.fields[3].default  # type: ignore[union-attr]
