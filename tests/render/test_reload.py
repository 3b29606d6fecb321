"""A score replaced while it plays (live reload), offline and sample-exact: each kind of edit is
heard from the next bar line, what the edit does not touch carries on, and everything before
the swap is the same audio, bit for bit, as without the edit."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from engine import defaults, load_score
from engine.dsp.server import running_manual_server
from engine.errors import SoundscapeError
from engine.events import Action, Fade, Play, Retire, SetMix, SetParam
from engine.render.engine import Engine
from engine.render.offline import render
from engine.score.assets import load_assets
from engine.score.model import Score
from engine.state.timeline import TimedMessage

ROOT = Path(__file__).resolve().parents[2]
FOREST = (ROOT / "scores" / "forest.yaml").read_text()
SR, BUFFER = 48000, 256
RELOAD_AT = 5.0  # s
LEAD = round(defaults.BAR_LEAD * SR)


def variant(tmp_path: Path, old: str, new: str, name: str = "edited") -> Score:
    assert old in FOREST
    path = tmp_path / f"{name}.yaml"
    path.write_text(FOREST.replace(old, new, 1))
    return load_score(path)


@pytest.fixture
def forest(tmp_path: Path) -> Score:
    path = tmp_path / "forest.yaml"
    path.write_text(FOREST)
    return load_score(path)


@dataclass
class Played:
    """What a render did: each buffer's actions (by the buffer's first sample), bar lines."""

    actions: list[tuple[int, Action]] = field(default_factory=list)
    bars: list[tuple[int, int, float]] = field(default_factory=list)  # (sample, bar, bpm)
    scenes: list[tuple[int, str]] = field(default_factory=list)
    audio: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))

    def listen(self, actions: list[Action]) -> None:
        sample = len(self._buffers) * BUFFER
        self._buffers.append(sample)
        self.actions.extend((sample, a) for a in actions)

    def observe(self, sample: int, kind: str, detail: dict[str, object]) -> None:
        if kind == "beat" and detail["beat"] == 0:
            bpm = detail["bpm"]
            assert isinstance(bpm, float)
            self.bars.append((sample, int(detail["bar"]), bpm))  # type: ignore[call-overload]
        elif kind == "scene":
            self.scenes.append((sample, str(detail["scene"])))

    def __post_init__(self) -> None:
        self._buffers: list[int] = []

    def line_after(self, seconds: float) -> int:
        """The bar line a reload at ``seconds`` lands on: the first whose window opens after."""
        return min(s for s, _, _ in self.bars if s - LEAD > seconds * SR + BUFFER)

    def of(self, kind: type, channel: str) -> list[tuple[int, Action]]:
        return [(s, a) for s, a in self.actions if isinstance(a, kind) and a.channel == channel]  # type: ignore[attr-defined]


def play(
    score: Score,
    out: Path,
    seconds: float,
    reloads: list[tuple[float, Score]],
    timeline: list[TimedMessage] | None = None,
) -> Played:
    played = Played()
    render(
        score,
        out,
        seconds,
        sr=SR,
        buffersize=BUFFER,
        observer=played.observe,
        listeners=[played.listen],
        reloads=reloads,
        timeline=timeline or [],
    )
    played.audio, _ = sf.read(out)
    return played


@pytest.fixture
def unedited(forest: Score, tmp_path: Path) -> Played:
    return play(forest, tmp_path / "unedited.wav", 14.0, [])


def rms_db(audio: np.ndarray, start: int, end: int) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(audio[start:end] ** 2)) + 1e-12))


def test_a_gain_edit_is_heard_from_the_next_bar_line_and_nothing_before_it_changes(
    forest: Score, unedited: Played, tmp_path: Path
) -> None:
    pad_gain = "      - {input: arousal, curve: [[-1, -10], [0, -13], [1, -19]]}\n"
    louder = variant(tmp_path, pad_gain, "      - -2\n")
    edited = play(forest, tmp_path / "edited.wav", 14.0, [(RELOAD_AT, louder)])
    line = edited.line_after(RELOAD_AT)
    gains = [(s, a.gain_db) for s, a in edited.of(SetMix, "pad")]  # type: ignore[attr-defined]
    assert [s for s, g in gains if g > -3] and min(
        s for s, g in gains if g > -3
    ) == line // BUFFER * BUFFER
    decided = line - LEAD - BUFFER  # the swap is in the buffer whose window opens
    assert np.array_equal(edited.audio[:decided], unedited.audio[:decided])
    after = slice(line + SR // 2, line + 3 * SR)
    louder_by = rms_db(edited.audio, after.start, after.stop) - rms_db(
        unedited.audio, after.start, after.stop
    )
    assert louder_by > 2.0, louder_by
    assert edited.bars == unedited.bars  # the transport never noticed


def test_a_curve_edit_moves_the_tempo_and_a_parameter_from_that_bar(
    forest: Score, unedited: Played, tmp_path: Path
) -> None:
    faster = variant(tmp_path, "  bpm:\n    - 76\n", "  bpm:\n    - 110\n")
    brighter = variant(
        tmp_path,
        "cutoff: {input: arousal, curve: [[-1, 450], [1, 1600]], shape: exp}",
        "cutoff: {input: arousal, curve: [[-1, 900], [1, 2900]], shape: exp}",
        "brighter",
    )
    edited = play(forest, tmp_path / "tempo.wav", 14.0, [(RELOAD_AT, faster)])
    line = edited.line_after(RELOAD_AT)
    before = [bpm for s, _, bpm in edited.bars if s < line]
    after = [bpm for s, _, bpm in edited.bars if s >= line]
    assert before == [bpm for s, _, bpm in unedited.bars if s < line]
    glide = forest.tempo.glide
    assert after[0] == pytest.approx(before[-1] * (1 + glide))  # glides, at the score's rate
    assert all(b > a for a, b in itertools.pairwise(after))
    cut = play(forest, tmp_path / "cutoff.wav", 10.0, [(RELOAD_AT, brighter)])
    line = cut.line_after(RELOAD_AT)
    cutoffs = [(s, a.value) for s, a in cut.of(SetParam, "wind") if a.name == "cutoff"]  # type: ignore[attr-defined]
    first = line // BUFFER * BUFFER  # the buffer holding the line
    assert [v for s, v in cutoffs if s < first] and all(v < 1200 for s, v in cutoffs if s < first)
    assert next(s for s, v in cutoffs if v > 1200) == first


def test_a_layer_added_to_the_scene_playing_fades_in_on_the_line(
    forest: Score, tmp_path: Path
) -> None:
    drums = variant(
        tmp_path,
        "layers: [wind, drone, pad, birds, melody]\n",
        "layers: [wind, drone, pad, birds, melody, drums]\n",
    )
    edited = play(forest, tmp_path / "drums.wav", 12.0, [(RELOAD_AT, drums)])
    line = edited.line_after(RELOAD_AT)
    fades = edited.of(Fade, "drums")
    assert [(s, a.level, a.seconds) for s, a in fades] == [  # type: ignore[attr-defined]
        (line // BUFFER * BUFFER, 1.0, defaults.RELOAD_FADE)
    ]
    hits = [a.sample for s, a in edited.of(Play, "drums")]  # type: ignore[attr-defined]
    assert hits and min(hits) >= line
    bar = edited.bars[1][0] - edited.bars[0][0]
    assert min(hits) < line + bar


def test_a_removed_layer_fades_out_from_the_line_and_leaves(forest: Score, tmp_path: Path) -> None:
    birds = FOREST[FOREST.index("  birds:\n") : FOREST.index("  melody:\n")]
    text = FOREST.replace(birds, "").replace("pad, birds, melody", "pad, melody")
    path = tmp_path / "gone.yaml"
    path.write_text(text.replace("wind, pad, birds, melody, arp", "wind, pad, melody, arp"))
    gone = load_score(path)
    with running_manual_server(sr=SR, buffersize=BUFFER, seed=1):
        engine = Engine(forest, sr=SR, buffersize=BUFFER, seed=1)
        played = Played()
        engine.listeners.append(played.listen)
        engine.conductor.observer = played.observe
        for n in range(round(12 * SR / BUFFER)):
            if n == round(RELOAD_AT * SR / BUFFER):
                engine.reload(engine.stage(gone, load_assets(gone, SR), set()))
            engine.tick()
        line = played.line_after(RELOAD_AT - BUFFER / SR)
        fades = [(s, a.level) for s, a in played.of(Fade, "birds")]  # type: ignore[attr-defined]
        assert fades[-1] == (line // BUFFER * BUFFER, 0.0)
        retired = played.of(Retire, "birds")
        gone_at = line + defaults.RELOAD_FADE * SR
        assert len(retired) == 1 and gone_at <= retired[0][0] + BUFFER <= gone_at + 2 * BUFFER
        assert not [s for s, _ in played.of(Play, "birds") if s > retired[0][0]]
        assert "birds" not in engine.orchestra.channels and "birds" not in engine.conductor.layers
        assert engine.conductor.scene.name == "meadow" and engine.reloads == 1


def test_the_inputs_scene_and_bar_count_carry_on(forest: Score, tmp_path: Path) -> None:
    louder = variant(tmp_path, "    gain: -15\n    pan: 0.35", "    gain: -9\n    pan: 0.35")
    timeline = [
        TimedMessage(1.0, "/state/arousal", (0.8,)),
        TimedMessage(1.0, "/scene", ("grove",)),
    ]
    edited = play(forest, tmp_path / "carry.wav", 12.0, [(RELOAD_AT, louder)], timeline)
    assert [bar for _, bar, _ in edited.bars] == list(range(len(edited.bars)))
    assert [name for _, name in edited.scenes] == ["grove"]  # no scene change from the reload
    with running_manual_server(sr=SR, buffersize=BUFFER, seed=1):
        engine = Engine(forest, sr=SR, buffersize=BUFFER, seed=1)
        engine.schedule(timeline)
        for n in range(round(9 * SR / BUFFER)):
            if n == round(RELOAD_AT * SR / BUFFER):
                engine.reload(engine.stage(louder, load_assets(louder, SR), set()))
            engine.tick()
        assert engine.reloads == 1 and engine.score is louder
        assert engine.conductor.bus.targets["arousal"] == 0.8
        assert engine.conductor.bus.values["arousal"] == pytest.approx(0.8, abs=0.01)
        assert engine.conductor.scene is louder.scenes["grove"]


def test_a_score_without_the_scene_playing_moves_to_its_first_scene(
    forest: Score, tmp_path: Path
) -> None:
    path = tmp_path / "renamed.yaml"
    text = FOREST.replace("  meadow:\n", "  field:\n").replace("scene: meadow", "scene: field")
    path.write_text(text)
    renamed = load_score(path)
    edited = play(forest, tmp_path / "field.wav", 10.0, [(RELOAD_AT, renamed)])
    line = edited.line_after(RELOAD_AT)
    assert edited.scenes == [(line, "field")]


def test_a_changed_instrument_crossfades_into_its_successor(forest: Score, tmp_path: Path) -> None:
    text = FOREST.replace("  melody:\n    instrument: keys", "  melody:\n    instrument: pluck")
    path = tmp_path / "plucked.yaml"  # a pluck has no FM index
    path.write_text(text.replace("    index: {input: arousal, curve: [[-1, 1.0], [1, 3.0]]}\n", ""))
    plucked = load_score(path)
    with running_manual_server(sr=SR, buffersize=BUFFER, seed=1) as server:
        engine = Engine(forest, sr=SR, buffersize=BUFFER, seed=1)
        before = engine.orchestra.channels["melody"]
        played = Played()
        engine.listeners.append(played.listen)
        peaks = []
        for n in range(round(12 * SR / BUFFER)):
            if n == round(RELOAD_AT * SR / BUFFER):
                engine.reload(engine.stage(plucked, load_assets(plucked, SR), set()))
            engine.tick()
            server.process()
            peaks.append(max(abs(v) for v in engine.orchestra.master.output.get(all=True)))
        after = engine.orchestra.channels["melody"]
        assert (
            after is not before
            and type(after.instrument).__name__ != type(before.instrument).__name__
        )
        assert np.isfinite(peaks).all() and max(peaks) <= 10 ** (forest.master.ceiling / 20) + 1e-9
        notes = [s for s, _ in played.of(Play, "melody")]
        assert [s for s in notes if s > 8 * SR]  # the melody plays on, on its new instrument


def test_a_new_meter_is_refused_and_the_score_plays_on(forest: Score, tmp_path: Path) -> None:
    waltz = variant(tmp_path, "meter: 4/4", "meter: 3/4")
    with running_manual_server(sr=SR, buffersize=BUFFER, seed=1):
        engine = Engine(forest, sr=SR, buffersize=BUFFER, seed=1)
        with pytest.raises(SoundscapeError, match="meter: cannot change while playing"):
            engine.stage(waltz, load_assets(waltz, SR), set())
        assert engine.score is forest


def test_a_render_with_reloads_is_the_same_every_time(forest: Score, tmp_path: Path) -> None:
    drums = variant(
        tmp_path,
        "layers: [wind, drone, pad, birds, melody]\n",
        "layers: [wind, drone, pad, melody, drums]\n",
    )
    first = play(forest, tmp_path / "a.wav", 9.0, [(3.0, drums), (6.5, forest)])
    second = play(forest, tmp_path / "b.wav", 9.0, [(3.0, drums), (6.5, forest)])
    assert np.array_equal(first.audio, second.audio)
    assert (tmp_path / "a.wav").read_bytes() == (tmp_path / "b.wav").read_bytes()
