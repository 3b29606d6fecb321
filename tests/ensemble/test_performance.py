"""Many listeners, one piece (issue 15 item 1), offline through real listener engines on real
pyo servers: each listener plays its own notes, every listener crosses each bar line and scene
change on the same sample, and a listener's own inputs change only that listener's mix."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from engine import load_score
from engine.analysis.rhythm import onsets
from engine.ensemble.addresses import listener_seed, split_listener
from engine.ensemble.performance import Performance
from engine.events import Action, Play

ROOT = Path(__file__).resolve().parents[2]
SR, BUFFER = 48000, 256


class Heard:
    """What each listener engine of a performance did: its audio, its notes and its bar lines."""

    def __init__(self, performance: Performance) -> None:
        self.performance = performance
        self.audio: dict[str, list[np.ndarray]] = defaultdict(list)
        self.notes: dict[str, list[tuple[int, str, float]]] = defaultdict(list)
        self.bars: dict[str, dict[int, float]] = defaultdict(dict)
        self.scenes: dict[str, dict[int, str]] = defaultdict(dict)
        for listener_id, listener in performance.listeners.items():
            listener.engine.listeners.append(self._noter(listener_id))

    def _noter(self, listener_id: str):  # type: ignore[no-untyped-def]
        def hear(actions: list[Action]) -> None:
            for action in actions:
                if isinstance(action, Play):
                    self.notes[listener_id].append(
                        (action.sample, action.channel, action.note.pitch)
                    )

        return hear

    def play(self, seconds: float, at: dict[int, list[tuple]] | None = None) -> None:
        """Render ``seconds``; ``at`` maps a buffer index to messages sent before it."""
        at = at or {}
        start = self.performance.sample // BUFFER
        for index in range(start, start + round(seconds * SR / BUFFER)):
            for message in at.get(index, []):
                self.performance.send(*message)
            for listener_id, block in self.performance.step().items():
                self.audio[listener_id].append(block)
                conductor = self.performance.listeners[listener_id].engine.conductor
                self.bars[listener_id][conductor.transport.bar] = conductor.transport.bar_start
                self.scenes[listener_id][conductor.transport.bar] = conductor.scene.name

    def wav(self, listener_id: str) -> np.ndarray:
        return np.concatenate(self.audio[listener_id])


def every_second(address: str, *args: object, seconds: float, start: float = 0.0):  # type: ignore[no-untyped-def]
    """A message resent once a second, as a strap sends a heart rate: {buffer: [message]}."""
    return {
        round((start + t) * SR / BUFFER): [(address, *args)]
        for t in range(int(seconds - start) + 1)
    }


@pytest.fixture(scope="module")
def forest():  # type: ignore[no-untyped-def]
    return load_score(ROOT / "scores" / "forest.yaml")


def test_addresses_reach_one_listener_or_all() -> None:
    assert split_listener("/listener/3/state/heartrate") == ("3", "/state/heartrate")
    assert split_listener("/state/arousal") == (None, "/state/arousal")
    # issue 14's own addresses are not listener ids
    assert split_listener("/listener/baseline") == (None, "/listener/baseline")
    assert split_listener("/listener/orientation") == (None, "/listener/orientation")
    seeds = {listener_seed(7, str(n)) for n in range(1, 101)}
    assert len(seeds) == 100  # a seed of its own each
    assert listener_seed(7, "3") == listener_seed(7, "3") != listener_seed(8, "3")


def test_each_listener_plays_its_own_notes_on_one_bar_grid(forest) -> None:  # type: ignore[no-untyped-def]
    timeline = every_second("/state/heartrate", 72.0, seconds=16)
    timeline.setdefault(0, []).append(("/state/arousal", 0.3))
    with Performance(forest, 4, seed=11, sr=SR, buffersize=BUFFER) as performance:
        heard = Heard(performance)
        heard.play(16, timeline)
    ids = list(heard.notes)
    assert len(ids) == 4
    # distinct: every pair of listeners plays different notes (pitches at times)
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            shared = set(heard.notes[a]) & set(heard.notes[b])
            assert len(shared) < 0.5 * min(len(heard.notes[a]), len(heard.notes[b])), (a, b)
    # aligned: the same bar lines on the same samples, for every listener
    bars = heard.bars[ids[0]]
    assert len(bars) >= 5
    for other in ids[1:]:
        assert heard.bars[other] == bars


def test_bar_line_onsets_line_up_in_the_audio() -> None:
    """combat's drums on every beat: each listener's audio has an onset at each bar line within
    one buffer, and the listeners' onsets at bar lines agree within one buffer."""
    combat = load_score(ROOT / "scores" / "combat.yaml")
    timeline = {0: [("/state/arousal", 0.6), ("/scene", "alert")]}
    with Performance(combat, 3, seed=5, sr=SR, buffersize=BUFFER) as performance:
        heard = Heard(performance)
        heard.play(14, timeline)
    ids = list(heard.audio)
    bars = [s for b, s in heard.bars[ids[0]].items() if b >= 2]
    assert len(bars) >= 4
    found: dict[str, list[float]] = {}
    for listener_id in ids:
        times = onsets(heard.wav(listener_id), SR) * SR
        nearest = [float(times[np.argmin(np.abs(times - line))]) for line in bars]
        found[listener_id] = nearest
        hop = 512  # the onset detector's frame: its own resolution
        assert all(abs(n - line) <= BUFFER + hop for n, line in zip(nearest, bars, strict=True))
    for listener_id in ids[1:]:
        gaps = np.abs(np.array(found[listener_id]) - np.array(found[ids[0]]))
        assert float(gaps.max()) <= BUFFER + 512, gaps


def test_one_listeners_heart_changes_only_their_mix(forest) -> None:  # type: ignore[no-untyped-def]
    """Listener 2's heart races; listeners 1 and 3 are bit-identical to a performance where it
    did not, and listener 2's own mix changed. The tempo (which forest maps from the heart)
    stays shared: nobody's bar grid moves."""
    calm = every_second("/state/heartrate", 64.0, seconds=14)
    racing = {k: list(v) for k, v in calm.items()}
    for index, messages in every_second(
        "/listener/2/state/heartrate", 150.0, seconds=14, start=2.0
    ).items():
        racing.setdefault(index, []).extend(messages)
    runs = []
    for timeline in (calm, racing):
        with Performance(forest, 3, seed=3, sr=SR, buffersize=BUFFER) as performance:
            heard = Heard(performance)
            heard.play(14, timeline)
            runs.append(heard)
            refused = performance.refused()
        assert not refused, refused
    before, after = runs
    for listener_id in ("1", "3"):
        assert np.array_equal(before.wav(listener_id), after.wav(listener_id)), listener_id
    changed = np.abs(before.wav("2") - after.wav("2")).max()
    assert changed > 0.01
    assert before.bars == after.bars  # the shared tempo did not follow one listener's heart
    # the personal heart moved listener 2's own loudness (forest's heart curves), not theirs
    tail = slice(-6 * SR, None)
    rms = {
        k: float(np.sqrt(np.mean(r.wav("2")[tail] ** 2)))
        for k, r in (("calm", before), ("racing", after))
    }
    assert rms["racing"] != pytest.approx(rms["calm"], rel=0.02)


def test_scene_changes_land_together_and_a_listener_cannot_change_the_form(forest) -> None:  # type: ignore[no-untyped-def]
    scenes = list(forest.scenes)
    target = scenes[-1]
    timeline = every_second("/state/heartrate", 70.0, seconds=14)
    timeline.setdefault(round(4 * SR / BUFFER), []).extend(
        [("/listener/2/scene", scenes[0]), ("/listener/2/tempo", 150.0), ("/scene", target)]
    )
    with Performance(forest, 3, seed=9, sr=SR, buffersize=BUFFER) as performance:
        heard = Heard(performance)
        heard.play(14, timeline)
        refused = performance.refused()
    assert refused["shared_only"] == 2
    first = heard.scenes["1"]
    landed = min(bar for bar, scene in first.items() if scene == target)
    for listener_id in ("2", "3"):
        assert heard.scenes[listener_id] == first
    assert heard.bars["1"][landed] == heard.bars["2"][landed] == heard.bars["3"][landed]


def test_an_unknown_listener_is_counted(forest) -> None:  # type: ignore[no-untyped-def]
    with Performance(forest, 2, seed=1, sr=SR, buffersize=BUFFER) as performance:
        assert not performance.send("/listener/9/state/arousal", 0.5)
        assert not performance.send("/listener/a b/state/arousal", 0.5)
        assert performance.refused()["unknown_listener"] == 2
    with pytest.raises(ValueError, match="listener id"):
        Performance(forest, ["1", "baseline"])
    with pytest.raises(ValueError, match="1 to"):
        Performance(forest, 0)


def test_same_seed_same_performance(forest) -> None:  # type: ignore[no-untyped-def]
    """Determinism holds with many listeners: the same performance twice is bit-identical."""
    wavs = []
    for _ in range(2):
        with Performance(forest, 2, seed=4, sr=SR, buffersize=BUFFER) as performance:
            heard = Heard(performance)
            heard.play(4, {0: [("/state/arousal", 0.5)]})
            wavs.append({k: heard.wav(k) for k in heard.audio})
    for listener_id in wavs[0]:
        assert np.array_equal(wavs[0][listener_id], wavs[1][listener_id])


def test_an_event_for_one_listener_sounds_for_that_listener_only(forest) -> None:  # type: ignore[no-untyped-def]
    """A personal /event fires that listener's stinger; a shared one fires everyone's."""
    timeline = every_second("/state/heartrate", 70.0, seconds=8)
    timeline.setdefault(round(1 * SR / BUFFER), []).append(("/listener/2/event", "discovery"))
    timeline.setdefault(round(5 * SR / BUFFER), []).append(("/event", "discovery"))
    with Performance(forest, 3, seed=2, sr=SR, buffersize=BUFFER) as performance:
        heard = Heard(performance)
        heard.play(9, timeline)
    stung = {
        listener_id: sorted({s for s, channel, _ in notes if channel == "stinger:discovery"})
        for listener_id, notes in heard.notes.items()
    }
    early = {k: [s for s in v if s < 5 * SR] for k, v in stung.items()}
    late = {k: [s for s in v if s >= 5 * SR] for k, v in stung.items()}
    assert early["2"] and not early["1"] and not early["3"]
    assert late["1"] and late["1"] == late["3"]  # the shared one on the same beat
    # listener 2's own stinger gate is still cooling down from its personal one
    assert late["2"] in ([], late["1"])
