"""The JSON Schema and the loader accept and refuse the same scores (Hypothesis).

Documents are generated from the structural part of the format only, because the schema
cannot check what needs two values at once, which stays the loader's alone: every name that
refers to another part of the score is drawn from the parts that exist (a scene's layers, a
term's input is a built-in one, no ``initial_scene``, ``follows`` or motifs), curves have
rising x and no ``exp`` shape (y > 0), ``[min, max]`` pairs have min below max, the tempo's
``bpm`` lies inside its ``range``, and no field names a file (no sampler, stem or ambience,
no one-shots). Integers are never written as ``4.0`` (JSON Schema counts that as a whole
number, the loader does not). Each valid document is checked as is and with one mutation: a
number out of its range, a value of the wrong type, an unknown key, a required key removed,
or a choice that is not one. Runs are derandomized, so CI sees the same examples every time.
"""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from engine import defaults
from engine.catalog import default_catalog
from engine.errors import ScoreError
from engine.music.generators import GENERATORS
from engine.music.mutation import OPERATORS
from engine.music.scales import MODES
from engine.score import format as fmt
from engine.score.loader import parse_score
from engine.score.schema import score_schema

CATALOG = default_catalog()
VALIDATOR = jsonschema.Draft202012Validator(score_schema(CATALOG))
FILES = {"sampler", "stem", "ambience"}  # instruments that need files on disk
SYNTHS = sorted(set(CATALOG.instruments) - FILES)
PLAIN = sorted(k for k, g in GENERATORS.items() if not {"follows", "motifs"} & set(g.OPTIONS))
INPUTS = sorted(defaults.BUILTIN_INPUTS)
NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,7}", fullmatch=True)


def number(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Numbers in [lo, hi], ends included, on a grid of a thousandth of the range."""
    return st.integers(0, 1000).map(lambda i: min(hi, max(lo, lo + (hi - lo) * i / 1000)))


def bounded(path: str) -> st.SearchStrategy[Any]:
    f = fmt.field(path)
    assert f.min is not None and f.max is not None
    if f.kind == "integer":
        return st.integers(int(f.min), int(f.max))
    return number(f.min, f.max)


@st.composite
def param(draw: st.DrawFn, lo: float, hi: float) -> Any:
    """A number, or a curve of a built-in input with rising x, inside [lo, hi]."""
    if draw(st.booleans()):
        return draw(number(lo, hi))
    xs = sorted(draw(st.sets(st.integers(-10, 10), min_size=1, max_size=4)))
    points = [[x / 10, draw(number(lo, hi))] for x in xs]
    term = {"input": draw(st.sampled_from(INPUTS)), "curve": points}
    if draw(st.booleans()):
        term["shape"] = draw(st.sampled_from(["linear", "smooth", "step"]))
    return term


@st.composite
def generator(draw: st.DrawFn) -> Any:
    kind = draw(st.sampled_from(PLAIN))
    options = GENERATORS[kind].OPTIONS
    if not options or draw(st.booleans()):
        return kind
    name = draw(st.sampled_from(sorted(options)))
    spec = options[name]
    if spec.choices is not None:
        value: Any = draw(st.sampled_from(spec.choices))
    elif spec.type is bool:
        value = draw(st.booleans())
    elif spec.type is int:
        value = draw(st.integers(int(spec.min or 0), int(spec.max or 8)))
    elif spec.type is float:
        value = draw(number(spec.min or 0.0, spec.max or 1.0))
    else:
        return kind
    return {"type": kind, name: value}


@st.composite
def layer(draw: st.DrawFn) -> dict[str, Any]:
    instrument = draw(st.sampled_from(SYNTHS))
    body: dict[str, Any] = {"instrument": instrument}
    if draw(st.booleans()):
        body["generator"] = draw(generator())
    for f in draw(st.lists(st.sampled_from(fmt.LAYER_PARAMS), max_size=3, unique=True)):
        assert f.min is not None and f.max is not None
        body[f.name] = draw(param(f.min, f.max))
    params = CATALOG.instruments[instrument]
    for name in draw(st.lists(st.sampled_from(sorted(params)), max_size=2, unique=True)):
        body.setdefault(name, draw(param(params[name].min, params[name].max)))
    if draw(st.booleans()):
        body["seed"] = draw(bounded("layers.seed"))
    return body


@st.composite
def stinger(draw: st.DrawFn) -> dict[str, Any]:
    note = st.tuples(
        bounded("stingers.notes.beat"),
        bounded("stingers.notes.degree"),
        bounded("stingers.notes.length"),
    ).map(list)
    body: dict[str, Any] = {
        "instrument": draw(st.sampled_from(SYNTHS)),
        "notes": draw(st.lists(note, min_size=1, max_size=3)),
    }
    if draw(st.booleans()):
        body["octave"] = draw(bounded("stingers.octave"))
    if draw(st.booleans()):
        body["duck"] = {"db": draw(bounded("stingers.duck.db"))}
    if draw(st.booleans()):
        body["cooldown"] = draw(st.sampled_from([1.5, "2 bars", "beat", 0]))
    if draw(st.booleans()):
        body["quantize"] = draw(st.sampled_from(["now", "beat", "bar", "4 bars"]))
    return body


@st.composite
def score(draw: st.DrawFn) -> dict[str, Any]:
    names = draw(st.lists(NAMES, min_size=1, max_size=3, unique=True))
    doc: dict[str, Any] = {"layers": {n: draw(layer()) for n in names}}
    scene_names = draw(st.lists(NAMES, min_size=1, max_size=2, unique=True))
    doc["scenes"] = {
        s: {"layers": draw(st.lists(st.sampled_from(names), max_size=3, unique=True))}
        for s in scene_names
    }
    if draw(st.booleans()):
        lo, hi = sorted(draw(st.sets(st.integers(40, 200), min_size=2, max_size=2)))
        doc["tempo"] = {"range": [lo, hi], "bpm": draw(param(lo, hi))}
        if draw(st.booleans()):
            doc["tempo"]["glide"] = draw(bounded("tempo.glide"))
    if draw(st.booleans()):
        doc["key"] = {
            "root": draw(st.sampled_from(["C", "F#", "Bb", "e"])),
            "mode": draw(st.sampled_from(sorted(MODES))),
        }
    if draw(st.booleans()):
        doc["master"] = {
            "loudness": draw(bounded("master.loudness")),
            "reverb": {"size": draw(bounded("master.reverb.size"))},
        }
    if draw(st.booleans()):
        doc["mutation"] = {
            "every": draw(bounded("mutation.every")),
            "operators": draw(st.lists(st.sampled_from(OPERATORS), min_size=1, unique=True)),
        }
    if draw(st.booleans()):
        doc["stingers"] = {draw(NAMES): draw(stinger())}
    if draw(st.booleans()):
        doc["transitions"] = [
            {"to": draw(st.sampled_from(scene_names)), "fade": draw(bounded("transitions.fade"))}
        ]
    if draw(st.booleans()):
        doc["seed"] = draw(bounded("seed"))
    return doc


# -- one mutation ---------------------------------------------------------------------------------
def numbers(doc: dict[str, Any]) -> list[tuple[dict[str, Any], str, str]]:
    """(container, key, format path) of every plain number the document sets."""
    found = []
    for top in ("seed", "max_sample_mb"):
        found.append((doc, top, top))
    for section in ("tempo", "master", "mutation"):
        for key, value in doc.get(section, {}).items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                found.append((doc[section], key, f"{section}.{key}"))
    for body in doc["layers"].values():
        for key, value in body.items():
            if key in fmt.LAYER.keys and isinstance(value, int | float):
                found.append((body, key, f"layers.{key}"))
    for body in doc.get("stingers", {}).values():
        for key in ("octave",):
            if key in body:
                found.append((body, key, f"stingers.{key}"))
    return found


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    doc = draw(score())
    how = draw(st.sampled_from(["none", "range", "type", "unknown", "missing", "enum"]))
    layer_name = draw(st.sampled_from(sorted(doc["layers"])))
    if how == "range":
        container, key, path = draw(st.sampled_from(numbers(doc)))
        f = fmt.field(path)
        assert f.min is not None and f.max is not None
        container[key] = draw(st.sampled_from([f.max + 1, f.min - 1, f.max + 0.5, f.min - 1000]))
    elif how == "type":
        target = draw(st.sampled_from(["glide", "gain", "layers", "mode", "title", "every"]))
        if target == "glide":
            doc["tempo"] = {"glide": "fast"}
        elif target == "gain":
            doc["layers"][layer_name]["gain"] = draw(st.sampled_from(["loud", True, None]))
        elif target == "layers":
            doc["scenes"][next(iter(doc["scenes"]))]["layers"] = {"a": 1}
        elif target == "mode":
            doc["key"] = {"mode": ["major"]}
        elif target == "title":
            doc["title"] = draw(st.sampled_from([True, None, [1], {"a": "b"}]))
        else:
            doc["mutation"] = {"every": draw(st.sampled_from([2.5, "four", False]))}
    elif how == "unknown":
        where = draw(st.sampled_from(["top", "layer", "tempo", "master", "scene"]))
        key = draw(st.sampled_from(["bogus", "tempi", "gian", "x1"]))
        if where == "top":
            doc[key] = 1
        elif where == "layer":
            doc["layers"][layer_name][key] = 1
        elif where == "scene":
            doc["scenes"][next(iter(doc["scenes"]))][key] = 1
        else:
            doc.setdefault(where, {})[key] = 1
    elif how == "missing":
        which = draw(st.sampled_from(["layers", "scenes", "instrument", "scene layers"]))
        if which in ("layers", "scenes"):
            del doc[which]
        elif which == "instrument":
            del doc["layers"][layer_name]["instrument"]
        else:
            del doc["scenes"][next(iter(doc["scenes"]))]["layers"]
    elif how == "enum":
        which = draw(st.sampled_from(["mode", "instrument", "generator", "quantize", "shape"]))
        if which == "mode":
            doc["key"] = {"mode": "ionic"}
        elif which == "instrument":
            doc["layers"][layer_name]["instrument"] = "kazoo"
        elif which == "generator":
            doc["layers"][layer_name]["generator"] = "arpeggiator"
        elif which == "quantize":
            doc["transitions"] = [{"quantize": "sometimes"}]
        else:
            doc["layers"][layer_name]["pan"] = {
                "input": "valence",
                "curve": [[0, 0]],
                "shape": "wobbly",
            }
    return how, doc


def loads(doc: dict[str, Any]) -> bool:
    try:
        parse_score(yaml.safe_dump(doc, sort_keys=False), CATALOG)
    except ScoreError:
        return False
    return True


@settings(
    max_examples=300,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutated())
def test_the_schema_and_the_loader_agree(case: tuple[str, dict[str, Any]]) -> None:
    how, doc = case
    schema_ok = VALIDATOR.is_valid(doc)
    loader_ok = loads(doc)
    event(f"{how}: {'accepted' if loader_ok else 'refused'}")
    assert schema_ok == loader_ok, (how, doc, [e.message for e in VALIDATOR.iter_errors(doc)])
    if how == "none":
        assert loader_ok, doc
    elif how in ("unknown", "missing", "enum", "type"):
        assert not loader_ok, doc


@pytest.mark.parametrize("value", [4.0])
def test_a_whole_float_is_where_they_differ(value: float) -> None:
    """The one documented difference: JSON Schema's integer takes 4.0, the loader wants 4."""
    doc = {
        "layers": {"a": {"instrument": "pad"}},
        "scenes": {"s": {"layers": ["a"]}},
        "mutation": {"every": value},
    }
    assert VALIDATOR.is_valid(doc) and not loads(doc)
