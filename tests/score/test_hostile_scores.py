"""Every hostile score reported in issue 10 (part 6) is a clean ``file:line:column: field:
problem`` error with exit status 1, in bounded time and memory (tests/hostile.py fences each run
in its own process with a timeout and a 2 GB address-space limit)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import soundfile

from engine import defaults
from engine.errors import ScoreError
from engine.score.catalog import Catalog, ParamRange
from engine.score.loader import parse_score
from tests.hostile import TIME_LIMIT, assert_clean_error, soundscape

TAIL = "layers:\n  pad: {instrument: pad}\nscenes: {a: {layers: [pad]}}\n"


def alias_bomb() -> bytes:
    """Nine levels of nine aliases: 396 bytes that expand to 9**9 (387 M) strings, which an
    error message that repr()s the value turns into gigabytes."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in "bcdefgh":
        previous = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [" + ",".join([f"*{previous}"] * 9) + "]")
    lines.append("layers: {p: {instrument: pluck, generator: {type: sparkle, periods: *h}}}")
    return ("\n".join(lines) + "\n").encode()


def many_layers(count: int, instrument: str = "pad", generator: str = "none") -> bytes:
    names = [f"l{i}" for i in range(count)]
    body = "".join(
        f"  {name}: {{instrument: {instrument}, generator: {generator}}}\n" for name in names
    )
    return f"layers:\n{body}scenes: {{a: {{layers: [{', '.join(names)}]}}}}\n".encode()


# name: (file contents, "line:column: " where the error is, words of the message)
REPRODUCERS: dict[str, tuple[bytes, str, str]] = {
    "non_utf8_bytes": (b"title: Caf\xe9\n" + TAIL.encode(), "1:11: ", "not UTF-8: byte 0xe9"),
    "nul_byte": (b"title: a\x00b\n" + TAIL.encode(), "1:9: ", "control character U+0000"),
    "nesting_2000_deep": (
        ("x: " + "[" * 2000 + "]" * 2000 + "\n" + TAIL).encode(),
        "1:35: x[0][0]",
        f"nested more than {defaults.MAX_SCORE_DEPTH} levels deep",
    ),
    "custom_tag": (("title: !foo bar\n" + TAIL).encode(), "1:8: title: ", "tag '!foo'"),
    "python_tag": (
        ("title: !!python/object/apply:os.system [echo pwned]\n" + TAIL).encode(),
        "1:8: title: ",
        "tag '!!python/object/apply:os.system' is not allowed",
    ),
    "merge_key": (
        b"layers:\n  p: {instrument: pad}\n  q: {<<: {instrument: pad}}\n"
        b"scenes: {a: {layers: [p]}}\n",
        "3:7: layers.q: ",
        "merge keys (<<) are not supported",
    ),
    "merge_key_with_alias": (
        b"layers:\n  p: &p {instrument: pad}\n  q: {<<: *p}\nscenes: {a: {layers: [p]}}\n",
        "2:6: layers.p: ",
        "anchors (&name) are not supported",
    ),
    "recursive_alias": (("title: &a [*a]\n" + TAIL).encode(), "1:8: title: ", "anchors"),
    "alias_alone": (
        ("title: *a\n" + TAIL).encode(),
        "1:8: title: ",
        "aliases (*name) are not supported",
    ),
    "unhashable_key": (
        ("? [a, b]\n: 1\n" + TAIL).encode(),
        "1:3: (top level): ",
        "a key must be a name, not a list or mapping",
    ),
    "int_tag_on_letters": (("seed: !!int abc\n" + TAIL).encode(), "1:7: seed: ", "'abc'"),
    "int_of_4301_digits": (
        ("seed: " + "9" * 4301 + "\n" + TAIL).encode(),
        "1:7: seed: ",
        "an integer of 4301 digits",
    ),
    "alias_bomb_396_bytes": (alias_bomb(), "1:4: a: ", "anchors (&name) are not supported"),
    "layers_5000": (
        many_layers(5000),
        "2:3: layers: ",
        f"5000 entries: at most {defaults.MAX_LAYERS} are allowed",
    ),
    "tempo_negative": (
        ("tempo: {bpm: -10}\n" + TAIL).encode(),
        "1:14: tempo.bpm: ",
        "must be in [40, 200] (got -10)",
    ),
    "tempo_zero": (("tempo: {bpm: 0}\n" + TAIL).encode(), "1:14: tempo.bpm: ", "(got 0)"),
    "tempo_1.0e+9": (("tempo: {bpm: 1.0e+9}\n" + TAIL).encode(), "1:14: ", "(got 1e+09)"),
    "tempo_1e9_is_a_number": (("tempo: {bpm: 1e9}\n" + TAIL).encode(), "1:14: ", "(got 1e+09)"),
    "scene_tempo_outside_the_score_range": (
        b"tempo: {range: [60, 120]}\nlayers: {p: {instrument: pad}}\n"
        b"scenes: {a: {layers: [p], tempo: 150}}\n",
        "3:34: scenes.a.tempo: ",
        "must be in [60, 120] (got 150)",
    ),
    "file_over_the_size_cap": (
        b"# " + b"x" * defaults.MAX_SCORE_BYTES + b"\n" + TAIL.encode(),
        "",
        "larger than the limit of 1 MiB",
    ),
    "too_many_values": (
        ("x: [" + "0," * defaults.MAX_SCORE_NODES + "0]\n" + TAIL).encode(),
        "1:",
        f"more than {defaults.MAX_SCORE_NODES} values",
    ),
    "a_megabyte_string_is_not_quoted_whole": (
        ("title: Forest\nmeter: " + "x" * 900_000 + "\n" + TAIL).encode(),
        "2:8: meter: ",
        "(900000 characters) is not a meter",
    ),
    "nan_generator_option": (
        b"layers: {p: {instrument: pluck, generator: {type: melody, rest: .nan}}}\n"
        b"scenes: {a: {layers: [p]}}\n",
        "1:65: layers.p.generator.rest: ",
        "must be a finite number",
    ),
}


@pytest.mark.parametrize("name", REPRODUCERS)
def test_hostile_score_is_a_clean_error(name: str, tmp_path: Path) -> None:
    content, where, words = REPRODUCERS[name]
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(content)
    run = soundscape("validate", str(path))
    if where:
        message = assert_clean_error(run, path)
        assert f"{path}:{where}" in run.stderr, run.stderr[-2000:]
    else:  # about the whole file: no line to point at
        assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr[-2000:]
        message = run.stderr
    assert words in message, message
    assert run.seconds < TIME_LIMIT / 2


def test_validate_reports_every_file_even_after_a_broken_one(tmp_path: Path) -> None:
    broken = tmp_path / "a.yaml"
    broken.write_bytes(b"title: Caf\xe9\n" + TAIL.encode())
    bomb = tmp_path / "b.yaml"
    bomb.write_bytes(alias_bomb())
    good = tmp_path / "c.yaml"
    good.write_text(TAIL)
    run = soundscape("validate", str(broken), str(bomb), str(good))
    assert run.returncode == 1
    assert f"{broken}:1:11: not UTF-8" in run.stderr
    assert f"{bomb}:1:4: a: anchors" in run.stderr
    assert f"{good}: ok (1 layers, 1 scenes, 0 stingers)" in run.stdout


def test_render_and_play_of_a_bad_score_exit_1(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("tempo: {bpm: 0}\n" + TAIL)
    for command in (("render", str(path), "--out", str(tmp_path / "x.wav"), "--duration", "1"),):
        run = soundscape(*command)
        assert_clean_error(run, path)
    run = soundscape("play", str(path), "--audio", "dummy", "--duration", "1", "--quiet")
    assert_clean_error(run, path)


def test_a_score_at_the_layer_and_stinger_caps_renders(tmp_path: Path) -> None:
    """The caps are safe: the most channels a score may build render without a crash (keys is
    the instrument with the most pyo objects, every layer playing chords), and one layer more
    is refused."""
    layers = many_layers(defaults.MAX_LAYERS, "keys", "chords").decode()
    stingers = "".join(
        f"  s{i}: {{instrument: bell, notes: [[0, 1, 1]]}}\n" for i in range(defaults.MAX_STINGERS)
    )
    path = tmp_path / "full.yaml"
    path.write_text(layers + "stingers:\n" + stingers)
    out = tmp_path / "full.wav"
    render = ("render", str(path), "--out", str(out), "--duration", "2", "--quiet")
    run = soundscape(*render, timeout=600)  # ~8 s alone; the machine is shared
    assert run.returncode == 0, run.stderr[-3000:]
    audio, _ = soundfile.read(out)
    assert len(audio) == 2 * 48000 and 0.01 < abs(audio).max() <= 1.0  # it played, in bounds
    over = tmp_path / "over.yaml"
    over.write_bytes(many_layers(defaults.MAX_LAYERS + 1))
    message = assert_clean_error(soundscape("validate", str(over)), over)
    assert f"at most {defaults.MAX_LAYERS}" in message


# -- in process: what the strict reader accepts ------------------------------------------------
CATALOG = Catalog(instruments={"pad": {"cutoff": ParamRange(100.0, 12000.0, 1500.0)}})


def parse(text: str):
    return parse_score(textwrap.dedent(text), CATALOG, file="t.yaml")


def test_yaml_1_2_numbers_are_numbers() -> None:
    score = parse(
        """\
        tempo: {bpm: 1.2e2, glide: .05}
        master: {loudness: -1.8e1}
        layers: {pad: {instrument: pad, cutoff: 1e3}}
        scenes: {a: {layers: [pad]}}
        """
    )
    assert score.tempo.bpm.evaluate({}) == 120.0 and score.tempo.glide == 0.05
    assert score.master.loudness == -18.0
    assert score.layers["pad"].params["cutoff"].evaluate({}) == 1000.0


def test_core_tags_that_fit_are_accepted() -> None:
    score = parse(
        """\
        title: !!str 2024
        seed: !!int 0x1f
        layers: {pad: {instrument: pad, gain: !!float -12}}
        scenes: !!map {a: {layers: [pad]}}
        """
    )
    assert score.title == "2024" and score.seed == 31
    assert score.layers["pad"].params["gain"].evaluate({}) == -12.0


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("title: 2024-01-01\nseed: yes\n", "expected a whole number, got str 'yes'"),
        ("seed: !!float abc\n", "'abc' is not a valid float"),
        ("seed: !!seq 3\n", "does not fit a single value"),
        ("seed: !!int [3]\n", "does not fit a list"),
        ("inputs: {d: {range: [0, 1e300]}}\n", "must be within ±1e+09 (got 1e+300)"),
        ("inputs: {" + ", ".join(f"i{n}: {{}}" for n in range(100)) + "}\n", "at most 64"),
        ("x" * 100 + ": 1\n", "unknown field 'xxxx"),
        (
            "stingers: {" + "a" * 70 + ": {instrument: pad, notes: [[0, 1, 1]]}}\n",
            "longer than 64 characters",
        ),
    ],
)
def test_refusals_in_process(text: str, words: str) -> None:
    with pytest.raises(ScoreError) as info:
        parse(text + "layers: {pad: {instrument: pad}}\nscenes: {a: {layers: [pad]}}\n")
    assert words in str(info.value)
    assert len(str(info.value)) < 400
