"""The instrument registry, and the one place their output levels are documented.

``INSTRUMENTS`` maps each score-facing name to its class. Every instrument's ``output`` is a
single mono stream; its class constant ``LEVEL`` scales it so that the *typical use* below, at
velocity 0.8 (textures at intensity 0.8), measures about -20 LUFS on its own (BS.1770 integrated,
``pyloudnorm``; a centred equal-power pan keeps that level in stereo). Layers therefore add up
predictably, and the mixer's layer gains read as offsets from a common reference. The typical
uses are rendered by ``tests/dsp/scenarios.py`` and checked (within 1 LU; the brief allows 3) by
``tests/dsp/test_calibration.py``; the table lists what they measured with these LEVELs. After
changing an instrument's sound, ``python -m tests.dsp.scenarios`` prints the LEVEL that restores
its calibration.

==========  ==============================================================  =====  =====
instrument  typical use (velocity 0.8, default parameters)                  LUFS   peak
==========  ==============================================================  =====  =====
pad         3-note open chords (C3 G3 E4 ...), 4 s each                     -20.0  0.61
bass        8th notes at 100 BPM around C2, 80 % legato                     -20.0  0.20
pluck       8th-note arpeggio at 110 BPM, C4-G5, 50 % legato                -20.0  0.52
keys        3-note chords every 1.33 s, held 1.2 s, C4-C5                   -20.0  0.56
bell        one note per second, C5-C6, 0.5 s                               -20.0  0.23
drone       one note (C3) held                                              -20.0  0.35
drums       kick/snare/hat/openhat/shaker 16-step pattern at 110 BPM        -20.0  0.57
wind        intensity 0.8                                                   -20.0  0.46
rain        intensity 0.8                                                   -20.0  0.47
ocean       intensity 0.8                                                   -20.0  0.43
sampler     the keys' chords on FluidR3's grand piano (tests: struck tones)  -20.0  0.75
stem        the score's recording, as recorded (LEVEL 1: its own loudness)  file   file
ambience    the score's recording, as recorded (LEVEL 1: its own loudness)  file   file
==========  ==============================================================  =====  =====

The sampler scales each sample set so that its loudest sample peaks at 1.0 and is calibrated on
FluidR3's grand piano (tests/dsp/test_sampler.py measures it); the tests' own set (struck tones
with a hammer knock, tests/dsp/sample_sets.py) is built to measure the same. Other presets are
as loud as their designer balanced them against the piano: on the same chords FluidR3's strings
measure -13.2, choir -13.7 and harp -18.6 LUFS (held tones are louder than a decaying piano).

Peaks are sample peaks of the mono output. Each output also passes a soft ceiling
(:func:`engine.dsp.safety.ceiling`: linear to 0.7, never above 0.95), which typical use does not
reach; it only rounds off extremes such as eight full-velocity voices at once. Loudness moves
with the music, as it should: velocity (squared: 0.5 is -12 dB), brightness and decay
parameters, texture intensity. The pad's ``detune``/``chorus`` and the bass's ``brass`` are
level-compensated timbre controls (tests/dsp/test_calibration.py keeps them within 1.5 LU).
"""

from __future__ import annotations

from engine.dsp.instrument import Instrument
from engine.dsp.instruments.ambience import Ambience
from engine.dsp.instruments.bass import Bass
from engine.dsp.instruments.bell import Bell
from engine.dsp.instruments.drone import Drone
from engine.dsp.instruments.drums import Drums
from engine.dsp.instruments.keys import Keys
from engine.dsp.instruments.ocean import Ocean
from engine.dsp.instruments.pad import Pad
from engine.dsp.instruments.pluck import Pluck
from engine.dsp.instruments.rain import Rain
from engine.dsp.instruments.sampler import Sampler
from engine.dsp.instruments.stem import Stem
from engine.dsp.instruments.wind import Wind

#: Loudness every instrument is calibrated to in its typical use (LUFS).
CALIBRATION_LUFS = -20.0

INSTRUMENTS: dict[str, type[Instrument]] = {
    cls.NAME: cls
    for cls in (
        Pad,
        Bass,
        Pluck,
        Keys,
        Bell,
        Drone,
        Drums,
        Wind,
        Rain,
        Ocean,
        Sampler,
        Stem,
        Ambience,
    )
}

__all__ = [
    "CALIBRATION_LUFS",
    "INSTRUMENTS",
    "Ambience",
    "Bass",
    "Bell",
    "Drone",
    "Drums",
    "Keys",
    "Ocean",
    "Pad",
    "Pluck",
    "Rain",
    "Sampler",
    "Stem",
    "Wind",
]
