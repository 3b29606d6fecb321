"""Note timing and voice handling: sample-accurate onsets, durations, allocation, drums."""

from __future__ import annotations

import numpy as np
import pytest

from engine.dsp.instrument import Texture
from engine.dsp.instruments import INSTRUMENTS
from engine.dsp.instruments.drums import KIT
from engine.dsp.pyolib import pyo
from engine.dsp.voices import VoiceBank
from engine.events import NoteEvent

from .render_helper import BS, LOOP_PLAYERS, SR, Hit, clicks, first_onset, render

PLAYED = sorted(
    n for n, c in INSTRUMENTS.items() if not issubclass(c, Texture) and n not in LOOP_PLAYERS
)
#: Samples between a note's offset and its first non-zero sample (gate zero + envelope step).
LATENCY = 2


@pytest.mark.parametrize("name", PLAYED)
@pytest.mark.parametrize("offset", [0, 1, 77, BS - 1])
def test_onset_is_sample_accurate(name: str, offset: int) -> None:
    voice = "snare" if name == "drums" else ""
    audio = render(name, 0.4, events=[(20, NoteEvent(offset, 60, 0.8, 0.2, voice))])
    onset = first_onset(audio, 0, threshold=0.0)
    assert onset is not None
    assert 0 <= onset - (20 * BS + offset) <= LATENCY + 1


@pytest.mark.parametrize("bs", [64, 1024])
def test_onset_is_sample_accurate_at_other_buffer_sizes(bs: int) -> None:
    offset = bs - 3
    audio = render("keys", 0.4, events=[(5, NoteEvent(offset, 60, 0.8, 0.2))], bs=bs)
    onset = first_onset(audio, 0, threshold=0.0)
    assert onset is not None and 0 <= onset - (5 * bs + offset) <= LATENCY + 1


def test_two_notes_in_one_buffer_start_at_their_own_offsets() -> None:
    events = [(30, NoteEvent(10, 60, 0.8, 0.05)), (30, NoteEvent(200, 72, 0.8, 0.05))]
    both = render("keys", 0.5, events=events)
    first = render("keys", 0.5, events=events[:1])
    start = 30 * BS
    np.testing.assert_array_equal(both[: start + 200], first[: start + 200])
    assert not np.array_equal(both[start + 200 + LATENCY + 1 :], first[start + 200 + LATENCY + 1 :])


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("pad", {"attack": 0.05, "release": 0.1}),
        ("bass", {"release": 0.02}),
        ("keys", {"release": 0.05}),
        ("bell", {"release": 0.1}),
        ("pluck", {"release": 0.02}),
        ("drone", {"attack": 0.1, "release": 0.2}),
    ],
)
def test_notes_release_after_their_duration(name: str, params: dict[str, float]) -> None:
    release = params["release"]
    audio = render(name, 2.0, hits=[Hit(0.1, 60, 0.8, 0.5)], params=params)
    held = audio[int(0.35 * SR) : int(0.6 * SR)]
    after = audio[int((0.6 + release + 0.15) * SR) :]  # (+ the pad's chorus echo)
    assert np.abs(held).max() > 0.01
    assert np.abs(after).max() < 1e-3 * np.abs(held).max()


@pytest.mark.parametrize("name", PLAYED)
def test_stealing_voices_does_not_click(name: str) -> None:
    """Three times the polyphony in quick succession: every voice is stolen while sounding."""
    poly = max(INSTRUMENTS[name].POLYPHONY, 1)
    voices = KIT if name == "drums" else ("",)
    hits = [
        Hit(0.05 + 0.06 * i, 48 + (i * 7) % 24, 0.3 + 0.7 * (i % 2), 2.0, voices[i % len(voices)])
        for i in range(3 * poly)
    ]
    audio = render(name, 3.0, hits=hits)
    assert np.isfinite(audio).all() and clicks(audio) == 0


def test_allocation_prefers_free_voices_then_steals_the_oldest(server: pyo.Server) -> None:
    bank = VoiceBank(3, sr=SR, buffersize=BS)
    order = []
    for dur in (10.0, 0.001, 10.0):
        voice = bank.allocate()
        order.append(voice)
        bank.start(voice, offset=0, freq=100.0, gain=0.5, dur=dur, tail=0.0)
        server.process()
    assert sorted(order) == [0, 1, 2]
    for _ in range(10):
        server.process()
    assert bank.allocate() == order[1]  # the short note's voice is free again
    bank.start(order[1], offset=0, freq=100.0, gain=0.5, dur=10.0, tail=0.0)
    assert bank.allocate() == order[0]  # all busy: the oldest note is stolen


def test_drums_voices_sound_and_unknown_voices_are_dropped() -> None:
    counted: list[int] = []
    for voice in KIT:
        audio = render("drums", 0.6, hits=[Hit(0.1, 60, 0.8, 0.1, voice)])
        assert np.abs(audio).max() > 0.02, voice
    audio = render(
        "drums",
        0.5,
        hits=[Hit(0.1, 60, 0.8, 0.1, "cowbell")],
        probe=lambda inst: counted.append(inst.dropped),
    )
    assert counted == [1] and np.abs(audio).max() == 0.0


def test_closed_hat_chokes_open_hat() -> None:
    ring = render("drums", 1.0, hits=[Hit(0.1, voice="openhat")])
    choked = render("drums", 1.0, hits=[Hit(0.1, voice="openhat"), Hit(0.3, voice="hat")])
    late = slice(int(0.5 * SR), int(0.7 * SR))
    assert np.abs(choked[late]).max() < 0.05 * np.abs(ring[late]).max()


def test_kick_and_hat_on_the_same_sample_both_land() -> None:
    hits = [Hit(0.2, voice="kick"), Hit(0.2, voice="hat")]
    both = render("drums", 0.5, hits=hits)
    kick = render("drums", 0.5, hits=hits[:1])
    hat = render("drums", 0.5, hits=hits[1:])
    onset = round(0.2 * SR)
    for audio in (both, kick, hat):
        first = first_onset(audio, 0, threshold=0.0)
        assert first is not None and 0 <= first - onset <= LATENCY + 1
    # The kit bus soft-clips, so the sum is close to, not exactly, the parts.
    assert np.corrcoef(both, kick + hat)[0, 1] > 0.99


def test_velocity_scales_level() -> None:
    loud = render("keys", 1.0, hits=[Hit(0.1, 60, 1.0, 0.5)])
    soft = render("keys", 1.0, hits=[Hit(0.1, 60, 0.5, 0.5)])
    ratio = np.abs(loud).max() / np.abs(soft).max()
    assert 3.0 < ratio < 6.0  # velocity squared: about 12 dB


@pytest.mark.parametrize("name", PLAYED)
@pytest.mark.parametrize("offset", [0, 77, BS - 1])
def test_a_sleeping_voice_wakes_sample_accurately(name: str, offset: int) -> None:
    """Voices stop when idle (engine.dsp.sleep); a note that wakes one lands just as precisely."""
    voice = "snare" if name == "drums" else ""
    first, again = 5, 5 + int(8 * SR / BS)  # the first note's voice is long asleep by then
    events = [
        (first, NoteEvent(0, 60, 0.8, 0.05, voice)),
        (again, NoteEvent(offset, 67, 0.8, 0.2, voice)),
    ]
    calls = [(first - 1, lambda inst: inst.tick()), (again - 1, lambda inst: inst.tick())]
    audio = render(name, 8.5, events=events, calls=calls)
    silent_from = again * BS - int(0.5 * SR)
    # asleep: silent but for shared filters' decay tails (< -400 dB)
    assert np.abs(audio[silent_from : again * BS]).max() < 1e-20
    onset = first_onset(audio, again * BS, threshold=1e-20)
    assert onset is not None
    assert 0 <= onset - (again * BS + offset) <= LATENCY + 1
