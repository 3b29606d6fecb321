"""``/key ROOT [MODE]`` and ``/mode MODE`` (docs/osc.md, "Key and mode"): a game steers the
harmony directly. A real offline render of forest.yaml with a timeline: every note that starts
after the bar line following a request is in the new key and mode (from the render's own note
log: what the orchestra was told to play), ``/engine/key`` reports the change on that line,
``score`` hands the key back, and bad names are refused and counted."""

from __future__ import annotations

from pathlib import Path

from engine import load_score
from engine.events import Action, Play
from engine.music.scales import MODES, Scale
from engine.render.offline import render
from engine.state.timeline import TimedMessage

ROOT = Path(__file__).resolve().parents[2]
SR = 48000


def run(
    tmp_path: Path, timeline: list[TimedMessage], seconds: float
) -> tuple[list[tuple[int, str, float]], list[tuple[int, int, str]], list[int], dict[str, int]]:
    """(sample, channel, pitch) of every melodic note, (sample, root, mode) of every key report,
    the bar lines, and what was dropped."""
    notes: list[tuple[int, str, float]] = []
    keys: list[tuple[int, int, str]] = []
    bars: list[int] = []

    def observe(sample: int, kind: str, detail: dict[str, object]) -> None:
        if kind == "key":
            root, mode = detail["root"], detail["mode"]
            assert isinstance(root, int) and isinstance(mode, str)
            keys.append((sample, root, mode))
        elif kind == "beat" and detail["beat"] == 0:
            bars.append(sample)

    def take(actions: list[Action]) -> None:
        for a in actions:
            if isinstance(a, Play) and not a.note.voice:  # drums have voices, not pitches
                notes.append((a.sample, a.channel, a.note.pitch))

    result = render(
        load_score(ROOT / "scores" / "forest.yaml"),
        tmp_path / "out.wav",
        seconds,
        timeline=timeline,
        sr=SR,
        observer=observe,
        listeners=[take],
    )
    return notes, keys, bars, result.dropped


def in_scale(pitch: float, root: int, mode: str) -> bool:
    return (round(pitch) - root) % 12 in MODES[mode]


def test_key_and_mode_change_on_the_next_bar_line_and_hand_back(tmp_path: Path) -> None:
    timeline = [
        TimedMessage(0.0, "/state/mood", (0.6, -0.7)),
        TimedMessage(5.0, "/key", ("F#", "dorian")),
        TimedMessage(5.0, "/key", ("H",)),  # refused: no such note
        TimedMessage(5.0, "/mode", ("bebop",)),  # refused: no such mode
        TimedMessage(12.0, "/mode", ("lydian",)),
        TimedMessage(19.0, "/key", (3,)),  # a pitch class: E flat, still lydian
        TimedMessage(26.0, "/key", ("score",)),
    ]
    notes, keys, bars, dropped = run(tmp_path, timeline, 34.0)
    assert dropped == {"unknown_key": 1, "unknown_mode": 1}
    (tmp_path / "plain").mkdir()
    _, plain, _, _ = run(tmp_path / "plain", timeline[:1], 34.0)  # the score's own keys

    def line_after(seconds: float) -> int:
        return next(b for b in bars if b > seconds * SR)

    back = line_after(26.0)
    score_key = next(k for k in reversed(plain) if k[0] <= back)[1:]  # the score's there
    assert keys[0] == plain[0]
    asked = [(5.0, 6, "dorian"), (12.0, 6, "lydian"), (19.0, 3, "lydian"), (26.0, *score_key)]
    expected_keys = [keys[0]]
    for seconds, root, mode in asked:
        expected_keys.append((line_after(seconds), root, mode))
    assert keys == expected_keys  # each on the first bar line after its request, nowhere else
    for (start, root, mode), (end, *_) in zip(
        expected_keys[1:], [*expected_keys[2:], (34 * SR, 0, "")], strict=True
    ):
        inside = [n for n in notes if start <= n[0] < end - SR // 10]  # a last bar's tail aside
        assert len(inside) > 3  # forest is sparse; a pad chord is four
        outside = [n for n in inside if not in_scale(n[2], root, str(mode))]
        assert not outside, (Scale(root, str(mode)), outside[:5])


def test_a_key_change_is_reported_to_a_subscriber(tmp_path: Path) -> None:
    """The report carries the key by name, as /engine/key sends it."""
    from engine.live.feedback import TONICS

    notes, keys, _, _ = run(tmp_path, [TimedMessage(1.0, "/key", ("Bb", "phrygian"))], 12.0)
    assert notes
    assert (TONICS[keys[-1][1]], keys[-1][2]) == ("A#", "phrygian")
