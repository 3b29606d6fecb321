"""Score validation: good scores load; bad ones name file, line, column and field."""

from __future__ import annotations

import textwrap

import pytest

from engine.errors import ScoreError
from engine.score.catalog import Catalog, ParamRange
from engine.score.loader import parse_quantize, parse_score

CATALOG = Catalog(
    instruments={
        "pad": {"cutoff": ParamRange(100.0, 12000.0, 1500.0), "attack": ParamRange(0.01, 8.0, 1.0)},
        "bell": {},
        "wind": {"intensity": ParamRange(0.0, 1.0, 0.5)},
    }
)

GOOD = """\
version: 1
title: Test
tempo: {bpm: [80, {input: arousal, curve: [[-1, -10], [1, 30]]}], range: [60, 140]}
meter: 3/4
key: {root: Eb, mode: dorian, modes: {map: [[-1, phrygian], [0, dorian], [0.5, lydian]]}}
harmony: {progression: [i, iv, V, 1], bars_per_chord: 2}
inputs:
  danger: {range: [0, 10], default: 2, smoothing: 0.5}
  heartrate:
    bind: [/state/heartrate,
           {address: /avatar/parameters/HeartRateFloat01, map: [[0, 40], [1, 200]]}]
layers:
  pad:
    instrument: pad
    generator: {type: chords, voices: 4}
    gain: {input: arousal, curve: [[-1, -20], [1, -8]], shape: smooth}
    cutoff: {input: danger, curve: [[0, 500], [10, 5000]], shape: exp}
  air:
    instrument: wind
    intensity: 0.3
scenes:
  calm: {layers: [pad, air]}
  storm: {layers: air, tempo: 120, key: {mode: phrygian}}
transitions:
  - {from: calm, to: storm, quantize: beat, fade: 0.5}
stingers:
  found: {instrument: bell, notes: [[0, 1, 1], [0.5, 3, 1, 0.8]], duck: {db: -6, release: 2}}
mutation: {every: 8, probability: 0.25, operators: [rotate, substitute]}
master: {loudness: -20, ceiling: -1.5}
"""


def parse(text: str):
    return parse_score(textwrap.dedent(text), CATALOG, file="t.yaml")


def error_of(text: str) -> ScoreError:
    with pytest.raises(ScoreError) as info:
        parse(text)
    return info.value


def test_good_score_loads_every_section() -> None:
    score = parse(GOOD)
    assert score.title == "Test"
    assert score.meter.beats == 3
    assert score.key.root == 3 and score.key.mode == "dorian"
    assert score.key.modes is not None and score.key.modes.input == "valence"
    assert score.harmony.progression == (1, 4, 5, 1)
    assert set(score.inputs) == {"valence", "arousal", "movement", "heartrate", "danger"}
    assert score.inputs["danger"].max == 10
    hr = score.inputs["heartrate"]
    assert [b.address for b in hr.bindings] == [
        "/state/heartrate",
        "/avatar/parameters/HeartRateFloat01",
    ]
    assert hr.bindings[1].map is not None and hr.bindings[1].map(0.5) == 120
    assert score.tempo.bpm.evaluate({"arousal": 1.0}) == 110
    assert score.layers["pad"].params["cutoff"].evaluate({"danger": 10}) == pytest.approx(5000)
    assert score.scenes["storm"].layers == ("air",)
    assert score.scenes["storm"].key is not None and score.scenes["storm"].key.root == 3
    assert score.transition("calm", "storm").quantize.unit == "beat"
    assert score.transition("storm", "calm").quantize.unit == "bar"
    assert score.stingers["found"].notes[1].velocity == 0.8
    assert score.mutation is not None and score.mutation.operators == ("rotate", "substitute")
    assert score.master.ceiling == -1.5


@pytest.mark.parametrize(
    ("old", "new", "where", "words"),
    [
        ("curve: [[-1, -20], [1, -8]]", "curve: [[1, -20], [-1, -8]]", "16:", "rise"),
        ("gain: {input: arousal", "gain: {input: arousl", "t.yaml:", "did you mean 'arousal'"),
        (
            "cutoff: {input: danger, curve: [[0, 500]",
            "cutoff: {input: danger, curve: [[0, 50]",
            "17:",
            "[100, 12000]",
        ),
        ("instrument: wind", "instrument: wnd", "19:", "did you mean 'wind'"),
        ("meter: 3/4", "meter: 3/5", "4:", "meter"),
        ("root: Eb", "root: H", "5:", "H"),
        ("progression: [i, iv, V, 1]", "progression: [i, iv, X, 1]", "6:", "X"),
        (
            "generator: {type: chords, voices: 4}",
            "generator: {type: chords, voices: 40}",
            "15:",
            "40",
        ),
        ("generator: {type: chords, voices: 4}", "generator: {type: chordz}", "15:", "chords"),
        ("layers: air, tempo", "layers: wind, tempo", "23:", "wind"),
        ("probability: 0.25", "probability: 1.25", "28:", "[0, 1]"),
        ("operators: [rotate, substitute]", "operators: [rotate, explode]", "28:", "explode"),
        ("loudness: -20", "loudness: loud", "29:", "number"),
        ("quantize: beat", "quantize: sometimes", "25:", "quantization"),
    ],
)
def test_errors_name_file_line_and_field(old: str, new: str, where: str, words: str) -> None:
    assert old in GOOD
    message = str(error_of(GOOD.replace(old, new, 1)))
    assert message.startswith("t.yaml:"), message
    assert where in message, message
    assert words in message, message


def test_error_carries_field_path_and_column() -> None:
    err = error_of(GOOD.replace("[[0, 500], [10, 5000]]", "[[0, 500], [10, -5]]"))
    assert err.line == 17
    assert err.column > 1
    assert err.path == "layers.pad.cutoff.curve[1][1]"
    assert str(err).startswith("t.yaml:17:")


def test_unknown_field_is_reported_at_its_key() -> None:
    err = error_of(GOOD.replace("    intensity: 0.3", "    intensity: 0.3\n    gian: -3"))
    assert err.line == 21 and "gian" in err.message and "gain" in err.message


def test_duplicate_keys_and_yaml_syntax() -> None:
    assert "duplicate" in error_of(GOOD.replace("title: Test", "title: Test\ntitle: Again")).message
    syntax = error_of("layers: [unclosed\n")
    assert syntax.line >= 1 and "YAML" in syntax.message


def test_missing_sections() -> None:
    assert "scenes" in error_of("layers: {a: {instrument: bell}}\n").message
    assert "layers" in error_of("scenes: {}\n").message


def test_transitions_pick_the_most_specific_rule() -> None:
    text = GOOD.replace(
        "  - {from: calm, to: storm, quantize: beat, fade: 0.5}",
        "  - {to: storm, quantize: 2 bars, fade: 3}\n  - {from: calm, to: storm, quantize: now}",
    )
    score = parse(text)
    assert score.transition("calm", "storm").quantize.unit == "now"
    rule = score.transition("storm", "storm")
    assert rule.quantize.count == 2 and rule.fade == 3


@pytest.mark.parametrize(
    ("text", "unit", "count"),
    [
        ("beat", "beat", 1),
        ("bar", "bar", 1),
        ("4 bars", "bar", 4),
        ("2bars", "bar", 2),
        ("now", "now", 1),
    ],
)
def test_quantize_forms(text: str, unit: str, count: int) -> None:
    q = parse_quantize(text)
    assert (q.unit, q.count) == (unit, count)
