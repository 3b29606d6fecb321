"""Hostile timelines (issue 10, part 6): each is a clean ``file:line:column: problem`` with exit
status 1 from ``soundscape render --timeline``, in bounded time and memory (tests/hostile.py)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from engine import defaults
from engine.errors import TimelineError
from engine.state.oscdump import parse_oscdump
from engine.state.timeline import load_timeline, parse_timeline, recorded_length
from tests.hostile import TIME_LIMIT, assert_clean_error, soundscape

GOOD = b'{"t": 0, "address": "/state/arousal", "args": [0.5]}\n'


def garbage() -> bytes:
    return bytes(random.Random(10).randrange(256) for _ in range(4096))


# name: (file contents, "line:column: " where the error is, words of the message)
REPRODUCERS: dict[str, tuple[bytes, str, str]] = {
    "garbage_bytes": (garbage(), "1:", ""),
    "a_png_image": (b"\x89PNG\r\n\x1a\n" + garbage(), "1:1: ", "not UTF-8: byte 0x89"),
    "non_utf8": (GOOD + b'{"t": 1, "address": "/scene", "args": ["Caf\xe9"]}\n', "2:44: ", "UTF-8"),
    "nul_byte": (GOOD + b'{"t": 1,\x00 "address": "/a"}\n', "2:9: ", "U+0000"),
    "t_1e308": (GOOD + b'{"t": 1e308, "address": "/a"}\n', "2:1: ", "'t' must be seconds in"),
    "t_infinity": (GOOD + b'{"t": Infinity, "address": "/a"}\n', "2:1: ", "(got inf)"),
    "t_nan": (GOOD + b'  {"t": NaN, "address": "/a"}\n', "2:3: ", "(got nan)"),
    "t_negative": (GOOD + b'{"t": -1, "address": "/a"}\n', "2:1: ", "(got -1)"),
    "t_5000_digits": (GOOD + b'{"t": ' + b"9" * 5000 + b"}\n", "2:1: ", "not usable JSON"),
    "nested_10000_deep": (
        GOOD + b'{"t": 1, "address": "/a", "args": ' + b"[" * 10000 + b"]" * 10000 + b"}\n",
        "2:1: ",
        "not usable JSON",
    ),
    "nested_args": (
        GOOD + b'{"t": 1, "address": "/a", "args": [[1, 2]]}\n',
        "2:1: ",
        "args[0] must be a number",
    ),
    "huge_int_arg": (
        GOOD + b'{"t": 1, "address": "/a", "args": [' + b"9" * 30 + b"]}\n",
        "2:1: ",
        "args[0]",
    ),
    "too_many_args": (
        GOOD + b'{"t": 1, "address": "/a", "args": [' + b",".join([b"1"] * 100) + b"]}\n",
        "2:1: ",
        f"at most {defaults.MAX_TIMELINE_ARGS}",
    ),
    "line_too_long": (
        GOOD + b'{"t": 1, "address": "/' + b"a" * defaults.MAX_TIMELINE_LINE + b'"}\n',
        "2:1: ",
        f"at most {defaults.MAX_TIMELINE_LINE}",
    ),
    "bad_json": (GOOD + b'{"t": 1, "address": }\n', "2:21: ", "not JSON"),
    "oscdump_a_year_later": (
        b"eeb11563.00000000 /a f 1.0\nef000000.00000000 /b f 2.0\n",
        "2:1: ",
        "after the first message",
    ),
    "oscdump_huge_int": (
        b"eeb11563.00000000 /a i " + b"9" * 4000 + b"\n",
        "1:1: ",
        "beyond a 64-bit integer",
    ),
    "end_mark_1e308": (GOOD + b"# end 1e308\n", "2:1: ", "'# end' must be seconds"),
}


@pytest.mark.parametrize("name", REPRODUCERS)
def test_hostile_timeline_is_a_clean_error(name: str, tmp_path: Path) -> None:
    content, where, words = REPRODUCERS[name]
    path = tmp_path / f"{name}.jsonl"
    path.write_bytes(content)
    args = [
        "render",
        "scores/combat.yaml",
        "--timeline",
        str(path),
        "--out",
        str(tmp_path / "x.wav"),
    ]
    if not name.startswith("end_mark"):  # there, the recording's length is the duration
        args += ["--duration", "1"]
    run = soundscape(*args)
    message = assert_clean_error(run, path)
    assert f"{path}:{where}" in run.stderr, run.stderr[-2000:]
    assert words in message, message
    assert run.seconds < TIME_LIMIT / 2
    assert not (tmp_path / "x.wav").exists()


def test_a_file_over_the_size_cap_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    with path.open("wb") as stream:  # sparse: no disk is spent on it
        stream.truncate(defaults.MAX_TIMELINE_BYTES + 1)
    with pytest.raises(TimelineError) as info:
        load_timeline(path)
    assert str(info.value) == f"{path}: larger than the limit of 64 MiB"


def test_too_many_lines_is_refused_before_parsing() -> None:
    lines = [""] * (defaults.MAX_TIMELINE_LINES + 1)
    with pytest.raises(TimelineError) as info:
        parse_timeline(lines, "t.jsonl")
    assert str(info.value).startswith(f"t.jsonl:{defaults.MAX_TIMELINE_LINES + 1}:1: ")
    with pytest.raises(TimelineError):
        parse_oscdump(lines, "t.txt")


def test_good_timelines_still_load(tmp_path: Path) -> None:
    path = tmp_path / "ok.jsonl"
    path.write_text(
        '\ufeff{"t": 0, "address": "/a", "args": [1, 2.5, "x", true, null, NaN]}\n# end 2.5\n',
        encoding="utf-8",
    )
    (message,) = load_timeline(path)
    assert message.args[:5] == (1, 2.5, "x", True, None)
    assert recorded_length(path) == 2.5
