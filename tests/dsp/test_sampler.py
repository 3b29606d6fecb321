"""The sampler on sets of known content: onsets, pitch, loops, one-shots, zones, stealing, sleep.

The generic instrument tests (test_instruments, test_voices, test_calibration, the crash sweep)
cover the sampler too, playing sample_sets.typical_set().
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from engine.dsp.instrument import Instrument
from engine.dsp.instruments import CALIBRATION_LUFS, Pad, Sampler
from engine.dsp.pyolib import pyo
from engine.dsp.streams import streams
from engine.events import NoteEvent
from engine.samples.model import SampleSet
from engine.samples.soundfont import open_soundfont

from . import sample_sets as sets
from .render_helper import SR, Hit, clicks, first_onset, loudness, render
from .scenarios import SECONDS, TYPICAL
from .test_voices import LATENCY

FLUID = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
needs_fluid = pytest.mark.skipif(
    not FLUID.exists(), reason="FluidR3_GM not installed (scripts/install-test-deps.sh)"
)


def fluid_preset(preset: str) -> SampleSet:
    """A FluidR3 preset read by the engine's own SoundFont reader, at the tests' rate."""
    soundfont = open_soundfont(FLUID)
    return soundfont.read(soundfont.find(preset), SR)


def frequency(audio: np.ndarray) -> float:
    """Frequency from the first and last rising zero crossings (interpolated): exact for a sine."""
    rising = np.flatnonzero((audio[:-1] < 0) & (audio[1:] >= 0))
    exact = rising + audio[rising] / (audio[rising] - audio[rising + 1])
    return (len(exact) - 1) * SR / (exact[-1] - exact[0])


def cents(a: float, b: float) -> float:
    return 1200 * math.log2(a / b)


def dominant(audio: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(audio * np.hanning(len(audio))))
    return float(np.argmax(spectrum) * SR / len(audio))


@pytest.mark.parametrize("bs", [64, 512])
def test_every_offset_starts_on_its_sample(bs: int) -> None:
    """One note per offset 0..bs-1, 0.1 s apart: each first sound within LATENCY + 1 samples."""
    dc = sets.SampleSet("dc", SR, (np.full(960, 0.5),), (sets.Zone(0, (0, 127), (1, 127), 60.0),))
    step = math.ceil(0.1 * SR / bs)
    events = [(1 + i * step, NoteEvent(i, 60, 0.8, 0.005)) for i in range(bs)]
    audio = render("sampler", (bs * step + 2) * bs / SR, events=events, bs=bs, samples=dc)
    late = []
    for index, event in events:
        start = index * bs
        onset = first_onset(audio[: start + bs + LATENCY + 2], start, threshold=1e-6)
        if onset is None or not 0 <= onset - (start + event.offset) <= LATENCY + 1:
            late.append((event.offset, onset and onset - start))
    assert late == []


@pytest.mark.parametrize("interval", [7.0, -5.0, 3.3])
def test_pitch_comes_from_resampling(interval: float) -> None:
    """A fifth up (and a fourth down, and a fractional 3.3 semitones) within 2 cents."""
    pitch = sets.LOOP_ROOT + interval
    audio = render("sampler", 1.2, hits=[Hit(0.05, pitch, 0.8, 1.0)], samples=sets.looped_set())
    measured = frequency(audio[int(0.2 * SR) : int(1.0 * SR)])
    assert abs(cents(measured, sets.LOOP_HZ * 2 ** (interval / 12))) < 2.0


@pytest.mark.parametrize("mode", ["loop", "release"])
def test_a_loop_sustains_while_held_and_stops_after_release(mode: str) -> None:
    """The sample lasts 0.5 s; the note is held 2 s; seamless loop points give no click."""
    release = 0.1
    samples = sets.looped_set(mode, release)
    audio = render("sampler", 3.0, hits=[Hit(0.05, sets.LOOP_ROOT, 0.8, 2.0)], samples=samples)
    early = np.sqrt(np.mean(audio[int(0.2 * SR) : int(0.4 * SR)] ** 2))
    late = np.sqrt(np.mean(audio[int(1.7 * SR) : int(2.0 * SR)] ** 2))
    assert early > 0.05 and abs(late / early - 1) < 0.02
    after = audio[int((2.05 + 3 * release) * SR) :]
    assert np.abs(after).max() < 1e-3 * early
    assert clicks(audio) == 0


@pytest.mark.parametrize("interval", [0.0, 12.0, -7.0])
def test_the_decay_holds_then_falls_in_decibels_to_the_sustain(interval: float) -> None:
    """Hold 0.2 s, decay 1 s (100 dB), sustain 0.1: full level through the hold, then one-pole
    towards the sustain (level s + (1 - s) e^(-t / tau), tau = decay / ln 1e5), at any pitch."""
    hold, decay, sustain = 0.2, 1.0, 0.1
    envelope = sets.VolumeEnvelope(hold=hold, decay=decay, sustain=sustain, release=0.1)
    samples = sets.looped_set(envelope=envelope)
    audio = render(
        "sampler", 2.0, hits=[Hit(0.05, sets.LOOP_ROOT + interval, 0.8, 1.8)], samples=samples
    )

    period = SR / (sets.LOOP_HZ * 2 ** (interval / 12))

    def level(t: float) -> float:  # RMS over four whole periods from t seconds after the onset
        start = int((0.05 + t) * SR)
        return float(np.sqrt(np.mean(audio[start : start + round(4 * period)] ** 2)))

    full = level(0.1)
    assert level(0.18) == pytest.approx(full, rel=0.02)
    for t in (0.3, 0.4, 0.6, 1.5):
        expected = sustain + (1 - sustain) * math.exp(-(t - hold) * math.log(1e5) / decay)
        assert 20 * math.log10(level(t) / full / expected) == pytest.approx(0.0, abs=0.5)


@pytest.mark.parametrize(("before", "interval"), [(1.0, 1.3), (13.1, 0.0), (13.1, -0.37)])
def test_the_part_before_a_loop_plays_as_recorded(before: float, interval: float) -> None:
    """The 300 Hz attack before the loop sounds as 300 Hz (an index off by one loop read the
    480 Hz loop there instead: it did for these table layouts, before WRAP_MARGIN)."""
    samples = sets.attack_then_loop_set(before)
    rate = 2 ** (interval / 12)
    audio = render(
        "sampler", 1.0, hits=[Hit(0.05, sets.LOOP_ROOT + interval, 0.8, 0.9)], samples=samples
    )
    attack = audio[int((0.05 + 0.12 / rate) * SR) : int((0.05 + 0.28 / rate) * SR)]
    loop = audio[int((0.05 + 0.4 / rate) * SR) : int(0.9 * SR)]
    assert abs(dominant(attack) / rate - 300.0) < 15.0
    assert abs(cents(frequency(loop), sets.LOOP_HZ * rate)) < 2.0


@pytest.mark.parametrize("interval", [0, 12])
def test_a_one_shot_stops_at_its_end_while_held(interval: int) -> None:
    """0.3 s of sine held 2 s: silent after 0.3 s at its own pitch, 0.15 s an octave up."""
    samples = sets.one_shot_set(0.3)
    hit = Hit(0.05, sets.pitch_of(sets.LOOP_HZ) + interval, 0.8, 2.0)
    audio = render("sampler", 1.0, hits=[hit], samples=samples)
    ends = 0.05 + 0.3 / 2 ** (interval / 12)
    assert np.abs(audio[int((ends - 0.03) * SR) : int(ends * SR)]).max() > 0.05
    assert np.abs(audio[int((ends + 0.002) * SR) :]).max() < 1e-4


def test_round_robin_alternates() -> None:
    hits = [Hit(0.05 + 0.3 * i, 72, 0.8, 0.2) for i in range(4)]
    audio = render("sampler", 1.3, hits=hits, samples=sets.layered_set())
    heard = [
        dominant(audio[int((0.1 + 0.3 * i) * SR) : int((0.2 + 0.3 * i) * SR)]) for i in range(4)
    ]
    assert [round(f / 100) * 100 for f in heard] == [900, 1200, 900, 1200]


def test_velocity_layers_switch() -> None:
    """Velocity 0.5 is MIDI 64, in the soft layer (to 80); 0.9 is 114, in the hard one."""
    heard = []
    for velocity in (0.5, 0.9):
        hits = [Hit(0.05, 60, velocity, 0.3)]
        audio = render("sampler", 0.4, hits=hits, samples=sets.layered_set())
        heard.append(dominant(audio[int(0.1 * SR) : int(0.3 * SR)]))
    assert [round(f / 100) * 100 for f in heard] == [300, 600]


def test_stealing_fades_the_oldest_without_a_jump() -> None:
    """Cap 2, three held sines: the third note steals the first, which fades in 8 ms.

    The sines are low (no high-frequency content), so any jump would stand out: the largest
    sample-to-sample step around the steal stays under the material's own largest step (the
    same notes with no cap), and 20 ms later the render is the one without the first note.
    """
    pitches = [sets.LOOP_ROOT - 12, sets.LOOP_ROOT - 7, sets.LOOP_ROOT - 3]
    hits = [Hit(0.05 + 0.2 * i, p, 0.8, 2.0) for i, p in enumerate(pitches)]
    samples = sets.looped_set()
    capped = render("sampler", 1.0, hits=hits, params={"voices": 2}, samples=samples)
    free = render("sampler", 1.0, hits=hits, params={"voices": 32}, samples=samples)
    steal = int(0.45 * SR)
    material = np.abs(np.diff(free[int(0.5 * SR) : int(0.9 * SR)])).max()
    around = np.abs(np.diff(capped[steal - SR // 100 : steal + SR // 25])).max()
    assert around <= material
    assert clicks(capped) == 0
    without = render("sampler", 1.0, hits=hits[1:], params={"voices": 32}, samples=samples)
    assert np.abs(free - without)[int(0.5 * SR) :].max() > 0.05  # the first note was sounding
    assert np.abs(capped - without)[steal + SR // 50 :].max() < 1e-9


def test_the_cap_holds_and_notes_beyond_the_spares_are_dropped() -> None:
    """Cap 1 builds 3 voices: of five notes in one buffer, three start (two of them stealing),
    two find no voice and are counted; the newest note is the one left sounding."""
    freqs = [300.0, 400.0, 500.0, 600.0, 700.0]
    zones = tuple(sets.Zone(i, (60 + i, 60 + i), (1, 127), 60.0 + i) for i in range(5))
    samples = sets.SampleSet("five", SR, tuple(sets.sine(f, 2.0) for f in freqs), zones)
    counted: list[int] = []
    events = [(10, NoteEvent(0, 60 + i, 0.8, 1.0)) for i in range(5)]
    audio = render(
        "sampler",
        1.0,
        events=events,
        params={"voices": 1},
        samples=samples,
        probe=lambda inst: counted.append(inst.dropped),
    )
    assert counted == [2]
    assert round(dominant(audio[int(0.2 * SR) : int(0.8 * SR)])) == 500


def test_an_empty_set_is_silent_and_counts_its_notes() -> None:
    counted: list[int] = []
    audio = render(
        "sampler",
        0.5,
        hits=[Hit(0.1), Hit(0.2, 30, 1.0, 5.0)],
        samples=sets.empty_set(),
        probe=lambda inst: counted.append(inst.dropped),
    )
    assert counted == [2] and np.abs(audio).max() == 0.0


def test_no_set_at_all_builds_a_silent_instrument(server: pyo.Server) -> None:
    inst = Sampler(sr=SR, buffersize=256)
    inst.play(NoteEvent(0, 60, 0.8, 0.5))
    for _ in range(20):
        server.process()
    assert inst.dropped == 1


def test_renders_are_bit_identical() -> None:
    hits = [Hit(0.05 + 0.07 * i, 60 + i % 13, 0.5 + 0.05 * i, 0.4) for i in range(10)]
    for samples in (sets.looped_set(), sets.layered_set()):
        first = render("sampler", 1.2, hits=hits, params={"voices": 3}, samples=samples)
        second = render("sampler", 1.2, hits=hits, params={"voices": 3}, samples=samples)
        np.testing.assert_array_equal(first, second)


def running(inst: Instrument) -> int:
    """C streams of the instrument that are computing, but for the voices' triggers: those never
    stop (playing a Trig fires it) and only write a buffer of zeros; the sampler has 24 of them
    (16 + 8 spares), the pad 8."""
    return sum(
        bool(s.get()._getStream().isPlaying())
        for obj in inst._graph
        if not isinstance(obj, pyo.Trig)
        for s in streams(obj)
    )


def test_a_silent_sampler_sleeps_like_a_silent_synth(server: pyo.Server) -> None:
    """Voices are built asleep and a note wakes only its own: before, the sampler's running
    streams are no more than a pad's (both: the shared output chain only); a note adds one
    voice's; after its tail, the sampler is back to what it ran before."""
    sampler = Sampler(sr=SR, buffersize=256, samples=sets.typical_set())
    pad = Pad(sr=SR, buffersize=256, params={"release": 0.5})
    idle = {"sampler": running(sampler), "pad": running(pad)}
    assert idle["sampler"] <= idle["pad"]
    built = sum(len(streams(obj)) for obj in sampler._graph if not isinstance(obj, pyo.Trig))
    assert idle["sampler"] < built / 20
    for inst in (sampler, pad):
        inst.play(NoteEvent(0, 60, 0.8, 0.2))
    for _ in range(20):
        server.process()
    one_voice = len(sampler._sleep.streams_of(0)) if sampler._sleep else 0
    assert running(sampler) >= idle["sampler"] + one_voice - 2  # its triggers are not counted
    assert running(sampler) < idle["sampler"] + 2 * one_voice
    for _ in range(int(3 * SR / 256)):
        server.process()
    for inst in (sampler, pad):
        inst.tick()
    assert running(sampler) == idle["sampler"]
    assert running(pad) == idle["pad"]


@needs_fluid
def test_fluid_piano_measures_the_calibration_level() -> None:
    """LEVEL is fitted on FluidR3's grand piano playing the sampler's typical chords."""
    hits, params = TYPICAL["sampler"]
    audio = render("sampler", SECONDS, hits=hits, params=params, samples=fluid_preset("0/0"))
    assert abs(loudness(audio) - CALIBRATION_LUFS) < 1.0
    assert clicks(audio) == 0


@needs_fluid
def test_a_drum_generators_named_voices_play_their_general_midi_keys() -> None:
    """On a GM kit, the drums generator's "kick" (pitch 0) is the kit's key 36, bit for bit."""
    kit = fluid_preset("128/0")
    for name, key in (("kick", 36), ("snare", 38), ("hat", 42)):
        named = render("sampler", 1.0, hits=[Hit(0.1, 0.0, 0.8, 0.2, name)], samples=kit)
        keyed = render("sampler", 1.0, hits=[Hit(0.1, float(key), 0.8, 0.2)], samples=kit)
        assert np.abs(named).max() > 0.05, name
        assert np.array_equal(named, keyed), name
