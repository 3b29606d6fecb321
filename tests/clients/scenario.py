"""The scenario every client driver plays (demos/godot/tests/client_test.gd,
demos/unity/tests/ClientTest.cs), and the checks of its report and of the engine's summary.

A driver subscribes, sends the five messages below, listens for SECONDS and prints one line per
piece of feedback (``BEAT bar beat tempo``, ``SCENE name``, ``STINGER name``, ``LEVELS n``,
``STATS name=value ...``) and finally ``DONE beats=N ...``.

The Godot and C# drivers first ask ``/engine/describe`` and print what they parsed
(``DESCRIBE inputs=name:min:max:default,... scenes=... events=... stingers=name:event,...``),
send a sixth message, ``movement`` beyond the maximum the description gave (the client clamps
it), and try a scene, an event and an input the score lacks, which the client refuses
(``WARNING ...``, ``REFUSED 3``): the engine drops nothing, which only a client that parsed the
description right achieves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.playing import FOREST

#: How long a driver listens. Long enough for the scene change to land on the next bar
#: (forest.yaml at about 70 BPM: a bar is about 3.4 s).
SECONDS = 6.0
#: The engine's subscription TTL in these tests (its default is 10 s): a client that did not
#: renew its subscription (every 3 s) would lose it within SECONDS, and the engine would count it.
SUBSCRIPTION_TTL = 4.0
#: The score messages a driver sends: all valid, so all must be accepted.
VALID_MESSAGES = 5
STATE = {"valence": 0.8, "arousal": -0.5, "heartrate": 72.0}
#: What the describing drivers send: STATE and movement clamped to its maximum by the client.
DESCRIBED_STATE = {**STATE, "movement": 1.0}
DESCRIBED_MESSAGES = VALID_MESSAGES + 1
#: The names the describing drivers try and the client must refuse: not in forest.yaml.
REFUSED = ("nowhere", "thunder", "wind")


@dataclass
class Report:
    beats: list[tuple[int, int, float]] = field(default_factory=list)
    scenes: list[str] = field(default_factory=list)
    stingers: list[str] = field(default_factory=list)
    levels: int = 0
    stats: dict[str, str] = field(default_factory=dict)
    done: dict[str, str] = field(default_factory=dict)
    description: str | None = None
    warnings: list[str] = field(default_factory=list)
    refused: int = 0
    #: per stamped beat: ms from its stamp to its callback, and from arrival to its stamp
    stamped: list[tuple[float, float]] = field(default_factory=list)


def parse_report(stdout: str) -> Report:
    report = Report()
    for line in stdout.splitlines():
        word, _, rest = line.strip().partition(" ")
        if word == "BEAT":
            bar, beat, tempo = rest.split()
            report.beats.append((int(bar), int(beat), float(tempo)))
        elif word == "STAMPED":
            late, waited = rest.split()
            report.stamped.append((float(late), float(waited)))
        elif word == "SCENE":
            report.scenes.append(rest)
        elif word == "STINGER":
            report.stingers.append(rest)
        elif word == "LEVELS":
            report.levels = int(rest)
        elif word == "DESCRIBE":
            report.description = rest
        elif word == "WARNING":
            report.warnings.append(rest)
        elif word == "REFUSED":
            report.refused = int(rest)
        elif word in ("STATS", "DONE"):
            pairs = dict(item.split("=", 1) for item in rest.split())
            setattr(report, word.lower(), pairs)
    return report


def check_feedback(report: Report, output: str) -> None:
    """Beats came back at the tempo's rate, in order; the scene change, the stinger, levels and
    the stats reply came back too."""
    assert report.done, f"the driver never finished\n{output}"
    assert int(report.done["beats"]) == len(report.beats), output
    assert report.done["malformed"] == "0", f"the client could not parse some feedback\n{output}"
    check_beats(report.beats, float(report.done.get("seconds", SECONDS)), output)
    assert "grove" in report.scenes, f"no /engine/scene grove\n{output}"
    assert report.stingers == ["discovery"], output
    assert report.levels > 0, f"no /engine/levels with layers\n{output}"
    assert int(report.stats.get("received", "0")) >= VALID_MESSAGES, output


def check_beats(beats: list[tuple[int, int, float]], seconds: float, output: str) -> None:
    """About seconds × BPM / 60 beats, counting up through 4/4 bars."""
    assert beats, f"no /engine/beat came back\n{output}"
    bpm = sum(tempo for _, _, tempo in beats) / len(beats)
    assert 50 <= bpm <= 130, f"forest.yaml's tempo, not {bpm}"
    expected = seconds * bpm / 60
    # generous: the first beat may come up to a beat late, and CI machines stutter
    assert 0.6 * expected - 1 <= len(beats) <= expected + 2, (
        f"{len(beats)} beats in {seconds:.1f} s at {bpm:.0f} BPM\n{output}"
    )
    assert len(beats) >= 2 * seconds / 3, output
    positions = [bar * 4 + beat for bar, beat, _ in beats]
    assert positions == sorted(positions), f"beats out of order: {beats}"
    assert all(0 <= beat < 4 for _, beat, _ in beats), "forest.yaml is in 4/4"


def check_summary(
    summary: dict[str, Any], state: dict[str, float] = STATE, valid: int = VALID_MESSAGES
) -> None:
    """The engine took every message sent (``valid`` of them, all valid) and steered the music
    with them (the values it last heard: a heart rate sent once has since fallen back to its
    default, as a silent sensor does)."""
    for name, value in state.items():
        assert summary["heard"][name] == pytest.approx(value, abs=1e-6), name
    assert summary["scene"] == "grove"
    assert summary["accepted"] >= valid
    assert summary["dropped"] == {}
    assert summary.get("subscribers", 0) == 0, "the client did not unsubscribe"
    assert summary["subscriptions_expired"] == 0, "the client did not renew its subscription"


def expected_description() -> dict[str, Any]:
    """What forest.yaml offers, from the engine's own ``describe`` (what it sends)."""
    from engine import load_score
    from engine.score.describe import describe

    args = describe(load_score(FOREST))
    sections: dict[str, Any] = {}
    pos = 0
    for name, width in (("inputs", 4), ("scenes", 1), ("events", 1), ("stingers", 2)):
        assert args[pos] == name
        count = args[pos + 1]
        assert isinstance(count, int)
        items = args[pos + 2 : pos + 2 + count * width]
        sections[name] = [tuple(items[i : i + width]) for i in range(0, len(items), width)]
        pos += 2 + count * width
    return {
        "inputs": [(n, float(lo), float(hi), float(d)) for n, lo, hi, d in sections["inputs"]],
        "scenes": [name for (name,) in sections["scenes"]],
        "events": [name for (name,) in sections["events"]],
        "stingers": sections["stingers"],
    }


def parse_description_line(line: str) -> dict[str, Any]:
    """A driver's ``DESCRIBE`` line back into sections (numbers as floats: Godot 4 prints
    ``-1.0`` where Godot 3 and C# print ``-1``)."""
    fields = dict(item.split("=", 1) for item in line.split())
    assert sorted(fields) == ["events", "inputs", "scenes", "stingers"], line

    def items(name: str) -> list[str]:
        return fields[name].split(",") if fields[name] else []

    inputs = []
    for item in items("inputs"):
        name, low, high, default = item.split(":")
        inputs.append((name, float(low), float(high), float(default)))
    stingers = [tuple(item.split(":")) for item in items("stingers")]
    return {
        "inputs": inputs,
        "scenes": items("scenes"),
        "events": items("events"),
        "stingers": stingers,
    }


def check_description(report: Report, output: str) -> None:
    """The client parsed forest.yaml's description exactly, clamped the movement it sent past
    the maximum, and refused (with a warning each) the names the score lacks."""
    assert report.description is not None, f"the client printed no description\n{output}"
    assert parse_description_line(report.description) == expected_description(), output
    assert report.done.get("describe_errors") == "0", output
    assert report.done.get("clamped") == "1", f"movement above its range was not clamped\n{output}"
    assert report.refused == len(REFUSED), output
    for name in REFUSED:
        assert any(f'"{name}"' in warning for warning in report.warnings), (name, output)


#: How late a client may fire a stamped beat's callback (ms): its frame loop's period (a
#: headless Godot 3 runs a frame every ~10 ms, the C# driver polls every 10 ms) and a loaded
#: machine's scheduling; well under the ~40 ms ahead a beat arrives (30 ms and the latency).
STAMP_LATE_MS = 12.0


def check_stamped(report: Report, output: str) -> None:
    """Every beat came stamped (the engine plays with its default --feedback-ahead) and its
    callback fired at its stamp, not on arrival: never before it (1 ms: a clock read in whole
    milliseconds) and at most STAMP_LATE_MS after, though it arrived well ahead of it."""
    assert report.stamped, f"no stamped beats\n{output}"
    assert len(report.stamped) == len(report.beats), output
    late = sorted(late for late, _ in report.stamped)
    assert late[0] >= -1.0, f"a callback fired before its stamp: {late}\n{output}"
    assert late[len(late) // 2] <= STAMP_LATE_MS, f"median {late}\n{output}"
    assert late[-1] <= STAMP_LATE_MS * 2, f"{late}\n{output}"
    waited = sorted(waited for _, waited in report.stamped)
    assert waited[len(waited) // 2] >= 10.0, f"beats did not arrive ahead: {waited}\n{output}"
