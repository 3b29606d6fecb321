"""Timelines from liblo's oscdump: what it prints, parsed back into timed messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import TimelineError
from engine.state.oscdump import looks_like_oscdump, parse_oscdump
from engine.state.timeline import TimedMessage, format_message, load_timeline, recorded_length

# printed by oscdump 0.31 (liblo-tools) for messages sent with oscsend
CAPTURE = """\
eeb11563.be1c1508 /state/heartrate f 72.500000
eeb11563.be5d9e40 /scene s "ruins"
eeb11563.bea1b5c7 /event si "discovery" 1
eeb11563.bee05ccb /x TFNIhdc #T #F Nil Infinitum 5 2.500000 'a'
eeb11564.bf1f3625 /s s "two "quoted" words"
eeb11565.00000000 /engine/stats
""".splitlines()


def test_oscdump_lines_become_timed_messages() -> None:
    messages = parse_oscdump(CAPTURE)
    assert messages[0] == TimedMessage(0.0, "/state/heartrate", (72.5,))
    assert messages[1].address == "/scene" and messages[1].args == ("ruins",)
    assert messages[2].args == ("discovery", 1)
    assert messages[3].args == (True, False, None, None, 5, 2.5, "a")
    assert messages[4].args == ('two "quoted" words',)
    assert messages[5].args == ()
    assert messages[4].time == pytest.approx(1 + (0xBF1F3625 - 0xBE1C1508) / 2**32)
    assert [m.time for m in messages] == sorted(m.time for m in messages)


def test_an_immediate_time_tag_keeps_the_time_before_it() -> None:
    messages = parse_oscdump(
        ["eeb11563.80000000 /a", "00000000.00000001 /b", "eeb11564.80000000 /c"]
    )
    assert [m.time for m in messages] == [0.0, 0.0, 1.0]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("eeb11563.be1c1508 /a f", "missing a value"),
        ("eeb11563.be1c1508 /a f 1.0 2.0", "more values"),
        ("eeb11563.be1c1508 /a s unquoted", "quoted string"),
        ("eeb11563.be1c1508 /a f abc", "could not convert"),
        ("eeb11563.be1c1508 /a b 0x00", "not supported"),
        ("not a line", "not an oscdump line"),
    ],
)
def test_bad_lines_name_file_and_line(line: str, problem: str) -> None:
    with pytest.raises(TimelineError) as error:
        parse_oscdump(["eeb11563.be1c1508 /ok", line], "capture.txt")
    assert "capture.txt:2" in str(error.value) and problem in str(error.value)


def test_load_timeline_tells_the_formats_apart(tmp_path: Path) -> None:
    dump = tmp_path / "session.txt"
    dump.write_text("\n".join(CAPTURE) + "\n")
    assert looks_like_oscdump(CAPTURE[0]) and not looks_like_oscdump('{"t": 0}')
    assert load_timeline(dump) == parse_oscdump(CAPTURE)
    jsonl = tmp_path / "session.jsonl"
    jsonl.write_text(
        "# a recording\n"
        + format_message(0.5, "/x", [1, 2.5, "s", True, b"\x00", float("nan")])
        + "\n# end 2.25\n"
    )
    assert load_timeline(jsonl) == [TimedMessage(0.5, "/x", (1, 2.5, "s", True, None, None))]
    assert recorded_length(jsonl) == 2.25
    assert recorded_length(dump) is None
