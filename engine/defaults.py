"""Every default the engine uses when a score is silent: the one documented place for them.

Musical choices belong in scores; what is here is what a score gets when it does not say.
Each value carries its reason. Sources are in docs/score-format.md and the team's music notes
(EBU R128 for loudness, the emotion-mapping literature for ranges).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InputDefault:
    min: float
    max: float
    default: float
    smoothing: float  # seconds for a step change to settle ~63 %


#: Built-in state inputs. Mood is -1..1 (valence: negative..positive, arousal: calm..intense);
#: movement 0..1; heart rate in BPM, smoothed over seconds because raw heart-rate streams jitter.
BUILTIN_INPUTS: dict[str, InputDefault] = {
    "valence": InputDefault(-1.0, 1.0, 0.0, 1.5),
    "arousal": InputDefault(-1.0, 1.0, 0.0, 1.5),
    "movement": InputDefault(0.0, 1.0, 0.0, 0.5),
    "heartrate": InputDefault(40.0, 200.0, 70.0, 4.0),
}

#: A declared input with no range of its own.
CUSTOM_INPUT = InputDefault(0.0, 1.0, 0.0, 0.5)

#: Tempo: base BPM, the hard range no input can push it out of, and how far it may move per bar
#: (tempo lurches sound broken; ~5 % per bar is the most a listener accepts as a glide).
TEMPO_BPM = 90.0
TEMPO_RANGE = (40.0, 200.0)
TEMPO_GLIDE = 0.05

METER = "4/4"
KEY_ROOT = "C"
KEY_MODE = "major"
#: Mode changes need valence to cross a threshold by this much, and then hold this many bars.
MODE_HYSTERESIS = 0.15
MODE_HOLD_BARS = 4

PROGRESSION = (1, 6, 4, 5)
BARS_PER_CHORD = 2.0
TENSION = 0.2

#: Scene transitions: where they land and how long layers crossfade.
TRANSITION_QUANTIZE = "bar"
TRANSITION_FADE = 2.0

#: Stingers land on the next beat; ducking lowers the other layers and recovers afterwards.
STINGER_QUANTIZE = "beat"
STINGER_OCTAVE = 5
STINGER_DUCK_ATTACK = 0.05

#: Mutation: every N bars, with this probability per layer.
MUTATION_EVERY = 4
MUTATION_PROBABILITY = 0.5

#: Layer mix and music parameters when a layer does not set them.
LAYER_PARAMS: dict[str, float] = {
    "gain": -6.0,  # dB
    "pan": 0.0,  # -1 left .. 1 right
    "reverb": 0.25,  # send level 0..1
    "density": 1.0,  # share of the pattern that plays
    "intensity": 0.5,  # rhythmic intensity: subdivisions, fills
    "register": 0.0,  # semitones
    "velocity": 0.75,  # 0..1
    "gate": 0.9,  # sounding / nominal note length
}
#: Ranges a score or OSC can reach for those parameters.
LAYER_PARAM_RANGES: dict[str, tuple[float, float]] = {
    "gain": (-80.0, 12.0),
    "pan": (-1.0, 1.0),
    "reverb": (0.0, 1.0),
    "density": (0.0, 1.0),
    "intensity": (0.0, 1.0),
    "register": (-24.0, 24.0),
    "velocity": (0.0, 1.0),
    "gate": (0.05, 1.0),
}
#: Ramp for layer gain and pan changes: fast enough to follow state, slow enough not to click.
GAIN_RAMP = 0.08

#: Master bus. -18 LUFS suits games on PC and console speakers with headroom for SFX;
#: EBU R128 broadcast is -23. The ceiling is in dB true peak.
MASTER_LOUDNESS = -18.0
MASTER_CEILING = -1.0
MASTER_REVERB_SIZE = 0.8
MASTER_REVERB_DAMP = 0.5
MASTER_REVERB_RETURN = -6.0  # dB
#: The loudness leveler: how slowly it listens and how far it may correct.
LEVELER_WINDOW = 10.0  # seconds of energy averaging
LEVELER_RANGE = (-12.0, 12.0)  # dB of correction
LEVELER_SLEW = 0.5  # dB per second: slow enough that state changes stay audible
LEVELER_GATE = -50.0  # LUFS: quieter blocks do not count (silence is not boosted)
LEVELER_PERIOD = 0.1  # seconds between leveler updates
LIMITER_HEADROOM = 1.0  # dB the limiter threshold sits below the ceiling (intersample peaks)

#: Render defaults.
SAMPLE_RATE = 48000
BUFFER_SIZE = 256
SEED = 1

#: The live engine (``soundscape play``).
OSC_HOST = "127.0.0.1"  # loopback only unless the user says otherwise
OSC_PORT = 9000
#: How often a Python thread must hand the GIL over (s). pyo's audio callback needs the GIL; at
#: Python's default 5 ms a busy thread caused thousands of xruns, at 0.5 ms none at 256 frames
#: (notes/pyo.md). At 128 frames under a 2,000 msg/s flood, 0.5 ms still gave 6 xruns in five
#: 30 s runs and 0.1 ms gave none, at the same CPU (benchmarks/realtime.py, interleaved runs).
SWITCH_INTERVAL = 0.0001
FADE_OUT = 0.5  # s of fade when playback is stopped (SIGINT/SIGTERM)
LEVELS_PERIOD = 0.2  # s between /engine/levels messages to subscribers
STATUS_PERIOD = 0.25  # s between status view refreshes
MAX_SUBSCRIBERS = 16  # feedback destinations (each costs a send per message)

# -- Bar preparation (engine/conductor/preparation.py) -----------------------------------------
#: How far ahead of its bar line a bar is decided (tempo, mode, chord, mutation, a scene change
#: landing on it) and then written one layer per buffer (s). It must hold one buffer per slice:
#: a layer's bar (~0.1-0.3 ms of Python) or an entering instrument's wake (~0.1-0.25 ms); 0.1 s
#: is ~19 buffers of 256 frames, enough for 8 layers plus 8 entries at one slice per buffer, and
#: short beside a bar (1.5-4 s), so decisions still follow the state within a beat. Quantized
#: scene changes and stingers land at least this long after they are requested (their entries
#: are prepared in that time).
BAR_LEAD = 0.1
