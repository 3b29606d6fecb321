"""SoundFont presets read with sf2utils: real FluidR3_GM presets, and every way a file can fail."""

from __future__ import annotations

import logging
import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from engine.samples.audio import AssetError
from engine.samples.soundfont import ATTENUATION_FACTOR, open_soundfont, read_preset
from tests.samples.sounds import FLUID, frequency, write_sine

SR = 48000

needs_fluid = pytest.mark.skipif(
    not FLUID.is_file(),
    reason=f"{FLUID} is not installed (scripts/install-test-deps.sh installs fluid-soundfont-gm)",
)

#: (preset as a score names it, FluidR3's name, the keys it covers: every one between, no gap)
PRESETS = [
    ("0/0", "Yamaha Grand Piano", (0, 108)),
    ("0/48", "Strings", (0, 96)),  # GM "String Ensemble 1"
    ("0/52", "Ahh Choir", (0, 96)),  # GM "Choir Aahs"
    ("0/46", "Harp", (0, 108)),  # GM "Orchestral Harp"
    ("0/47", "Timpani", (0, 127)),
    ("128/0", "Standard", (27, 87)),  # the GM drum kit (GM percussion keys are 35..81)
]


@needs_fluid
@pytest.mark.parametrize(("preset", "name", "keys"), PRESETS)
def test_real_presets_have_sane_zones(preset: str, name: str, keys: tuple[int, int]) -> None:
    sample_set = read_preset(FLUID, preset, SR)
    assert sample_set.name.endswith(name)
    assert sample_set.sr == SR and sample_set.zones and sample_set.samples
    covered = {k for z in sample_set.zones for k in range(z.keys[0], z.keys[1] + 1)}
    assert covered == set(range(keys[0], keys[1] + 1))
    for zone in sample_set.zones:
        buffer = sample_set.samples[zone.sample]
        assert buffer.dtype == np.float32 and buffer.ndim == 1 and len(buffer) > 100
        assert (
            np.all(np.isfinite(buffer)) and np.max(np.abs(buffer)) < 1.5
        )  # clipped drums overshoot
        assert 0 <= zone.keys[0] <= zone.keys[1] <= 127
        assert 0 <= zone.velocities[0] <= zone.velocities[1] <= 127
        assert -12 <= zone.root <= 140 and math.isfinite(zone.root)
        assert zone.loop_mode in ("none", "loop", "release")
        if zone.loop is not None:
            assert 0 <= zone.loop[0] < zone.loop[1] <= len(buffer)
        else:
            assert zone.loop_mode == "none"
        assert 0 < zone.gain <= 1.0
        env = zone.envelope
        times = (env.delay, env.attack, env.hold, env.decay, env.release)
        assert all(0 <= t <= 110 for t in times) and 0 <= env.sustain <= 1
    # only the samples the preset uses are held, each once
    assert len({id(b) for b in sample_set.samples}) == len(sample_set.samples)
    assert len(sample_set.samples) == len({z.sample for z in sample_set.zones})


@needs_fluid
def test_piano_zones_follow_the_soundfont() -> None:
    piano = read_preset(FLUID, "Yamaha Grand Piano", SR)
    loud, soft = piano.zones_for(60, 127), piano.zones_for(60, 20)
    assert len(loud) == 1 and len(soft) == 1  # the left half of each stereo pair only
    assert loud[0].keys[0] <= 60 <= loud[0].keys[1]
    assert loud[0].velocities[0] <= 127 <= loud[0].velocities[1]
    assert soft[0].velocities[0] <= 20 <= soft[0].velocities[1]
    assert loud[0].loop_mode == "loop"
    # FluidR3's piano: the preset's global zone attenuates every zone by 140 cB (added to the
    # instrument's 0), scaled by FluidSynth's 0.4; the soft layer is quieter by its own filter
    assert loud[0].gain == pytest.approx(10 ** (-ATTENUATION_FACTOR * 140 / 200))
    # a piano decays: no sustain to speak of, and seconds of decay
    assert loud[0].envelope.sustain < 0.01 and loud[0].envelope.decay > 1.0
    # the zone's sample sounds at its root: measured pitch of the buffer matches
    zone = piano.zones_for(69, 100)[0]
    buffer = piano.samples[zone.sample]
    measured = frequency(buffer[2000 : 2000 + 16384], SR)
    expected = 440.0 * 2 ** ((zone.root - 69) / 12)
    assert abs(1200 * math.log2(measured / expected)) < 15  # cents (a real piano's stretch)


@needs_fluid
def test_drum_kit_zones_are_one_key_each() -> None:
    kit = read_preset(FLUID, "128/0", SR)
    kick, snare = kit.zones_for(36, 100), kit.zones_for(38, 100)
    assert kick and snare and kick[0].sample != snare[0].sample
    assert all(z.keys[0] <= 36 <= z.keys[1] for z in kick)


@needs_fluid
def test_preset_lookup_by_name_case_and_bank_program() -> None:
    soundfont = open_soundfont(FLUID)
    assert soundfont.find("Strings") == soundfont.find("0/48") == soundfont.find("strings")
    assert str(soundfont.find(" 128 / 0 ")) == "128/0 'Standard'"
    assert len(soundfont.presets) == 189
    with pytest.raises(AssetError) as error:
        soundfont.find("Strngs")
    assert str(error.value) == (
        f"no preset 'Strngs' in {FLUID} (did you mean 'Strings', 'Slow Strings', "
        "'Synth Strings 3'?)"
    )
    with pytest.raises(AssetError, match=r"no preset '0/200' in .* \(it has 189 presets\)"):
        soundfont.find("0/200")


@needs_fluid
def test_load_time_and_memory_of_one_preset() -> None:
    """The structure is parsed once a process (cached); a preset's samples load in well
    under a second (measured: the piano, 23.4 MB at 48 kHz, ~0.1-0.2 s)."""
    open_soundfont(FLUID)
    start = time.perf_counter()
    piano = read_preset(FLUID, "0/0", SR)
    seconds = time.perf_counter() - start
    print(f"piano: {piano.nbytes / 1e6:.1f} MB in {seconds:.2f} s")
    assert seconds < 2.0
    soundfont = open_soundfont(FLUID)
    estimate = sum(soundfont.buffers(soundfont.find("0/0"), SR).values())
    assert abs(estimate - piano.nbytes) <= 8 * 4 * len(piano.samples)  # headers predict it
    assert open_soundfont(FLUID) is soundfont  # parsed once


@needs_fluid
def test_sf2utils_logs_never_reach_stderr() -> None:
    """FluidR3 makes sf2utils log a dozen warnings through the root logger; none is printed,
    and the root logger gets no handler behind the application's back."""
    code = (
        "import logging\n"
        "from pathlib import Path\n"
        "from engine.samples.soundfont import read_preset\n"
        f"read_preset(Path({str(FLUID)!r}), 'Timpani', 48000)\n"
        "assert not logging.getLogger().handlers, logging.getLogger().handlers\n"
        "logging.getLogger('x').warning('after')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "after\n"  # only the application's own warning (Python's last resort)


def test_sf2utils_records_go_to_a_named_logger(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A damaged file's warnings from sf2utils can still be read, at DEBUG on
    engine.samples.sf2utils (its chunk-by-chunk tracing is dropped)."""
    broken = tmp_path / "broken.sf2"
    broken.write_bytes(b"RIFF\x04\x00\x00\x00sfbk")
    with (
        caplog.at_level(logging.DEBUG, logger="engine.samples.sf2utils"),
        pytest.raises(AssetError),
    ):
        open_soundfont(broken)
    assert all(r.name == "engine.samples.sf2utils" for r in caplog.records)
    assert all(r.levelno == logging.DEBUG for r in caplog.records)
    assert not any("found chunk" in r.getMessage() for r in caplog.records)


def test_a_missing_file_is_an_asset_error(tmp_path: Path) -> None:
    with pytest.raises(AssetError, match=r"nope.sf2: no such file"):
        open_soundfont(tmp_path / "nope.sf2")


def test_a_file_that_is_not_a_soundfont_is_an_asset_error(tmp_path: Path) -> None:
    wav = write_sine(tmp_path / "tone.wav", 60)
    fake = tmp_path / "fake.sf2"
    fake.write_bytes(wav.read_bytes())
    with pytest.raises(AssetError, match=r"fake.sf2: not a readable SoundFont 2 file"):
        open_soundfont(fake)
    garbage = tmp_path / "garbage.sf2"
    garbage.write_bytes(b"RIFF\x10\x00\x00\x00sfbkLIST" + bytes(range(256)))
    with pytest.raises(AssetError, match=r"garbage.sf2: not a readable SoundFont 2 file"):
        open_soundfont(garbage)
