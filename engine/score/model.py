"""The score as frozen data, after validation. Nothing here parses or plays; see loader.py.

A score says which layers play (scenes), what each layer plays (a generator of notes and an
instrument), how the player's state moves it (mappings from inputs to parameters through curves),
and how the whole evolves (tempo, key, harmony, transitions, stingers, mutation, master bus).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from engine import defaults
from engine.curve import Curve
from engine.errors import ScoreError
from engine.music.motifs import Motif
from engine.samples.recordings import Recording


@dataclass(frozen=True)
class Where:
    """Where a field stands in the score file, kept for problems found after validation (a
    sound file that turns out unreadable when it is loaded for playing)."""

    file: str
    line: int
    column: int
    path: str

    def error(self, message: str) -> ScoreError:
        return ScoreError(
            message, file=self.file, line=self.line, column=self.column, path=self.path
        )


@dataclass(frozen=True)
class Term:
    """One additive part of a parameter: a constant, or a curve of one input."""

    value: float = 0.0
    input: str | None = None
    curve: Curve | None = None

    def evaluate(self, inputs: dict[str, float]) -> float:
        if self.input is None or self.curve is None:
            return self.value
        return self.curve(inputs[self.input])


@dataclass(frozen=True)
class ParamMap:
    """A parameter's value as the sum of its terms (cues add up; see docs/score-format.md)."""

    terms: tuple[Term, ...]

    @staticmethod
    def constant(value: float) -> ParamMap:
        return ParamMap((Term(value=value),))

    def evaluate(self, inputs: dict[str, float]) -> float:
        return sum(term.evaluate(inputs) for term in self.terms)

    @property
    def inputs(self) -> tuple[str, ...]:
        return tuple(t.input for t in self.terms if t.input is not None)

    @property
    def is_constant(self) -> bool:
        return not self.inputs


@dataclass(frozen=True)
class Binding:
    """An OSC address bound to an input, with an optional transform of the raw value."""

    address: str
    map: Curve | None = None
    arg: int = 0  # which argument of the message carries the value


@dataclass(frozen=True)
class InputSpec:
    name: str
    min: float
    max: float
    default: float
    smoothing: float
    bindings: tuple[Binding, ...]
    #: The watchdog (docs/listener.md): ``source`` is "sensor" or "game"; ``timeout`` seconds
    #: without a message make the input stale (None: never); then its target eases to
    #: ``fallback`` (None: it holds its last value).
    source: str = "game"
    timeout: float | None = None
    fallback: float | None = None
    #: Forms read against the listener's baseline that the score maps ("relative", "ratio"):
    #: the bus computes them as inputs named ``heartrate.relative`` and so on.
    derived: tuple[str, ...] = ()

    def clamp(self, value: float) -> float:
        return min(self.max, max(self.min, value))


@dataclass(frozen=True)
class TempoSpec:
    bpm: ParamMap
    min: float
    max: float
    glide: float  # max fraction of change per bar


@dataclass(frozen=True)
class Meter:
    beats: int
    unit: int

    @property
    def steps_per_beat(self) -> int:
        return max(1, 16 // self.unit)


@dataclass(frozen=True)
class ModeMap:
    input: str
    thresholds: tuple[tuple[float, str], ...]
    hysteresis: float
    hold_bars: int


@dataclass(frozen=True)
class KeySpec:
    root: int  # pitch class
    mode: str
    modes: ModeMap | None = None


@dataclass(frozen=True)
class HarmonySpec:
    progression: tuple[int, ...]
    bars_per_chord: ParamMap
    tension: ParamMap


@dataclass(frozen=True)
class SamplerSource:
    """Where a sampler layer's sounds come from: a SoundFont preset, or recordings (a folder's
    files or a list). Paths are resolved (next to the score, or on the SoundFont search path);
    the ``Where``s point at the fields, for problems found when the files are read."""

    where: Where  # the source field: ``soundfont`` or ``samples``
    soundfont: str | None = None
    preset: str | None = None
    preset_where: Where | None = None
    recordings: tuple[Recording, ...] = ()


@dataclass(frozen=True)
class StemSpec:
    """A recorded loop played in sync with the transport (``instrument: stem``).

    ``seconds`` is the file's own duration, which defines its bars (``seconds / bars`` each): a
    file within the length tolerance of ``bars`` at ``tempo`` still loops seamlessly.
    """

    file: str  # resolved path
    tempo: float  # the stem's own BPM
    bars: int
    follow: str  # "stretch" or "resample"
    seconds: float
    where: Where

    @property
    def bar_seconds(self) -> float:
        return self.seconds / self.bars


@dataclass(frozen=True)
class BedSpec:
    """A long recording looped without a click (``instrument: ambience``)."""

    file: str  # resolved path
    crossfade: float  # seconds blended at the loop point, at load
    seconds: float
    where: Where


@dataclass(frozen=True)
class PositionSpec:
    """Where a layer or stinger sounds around the listener, in the world (before the head turns):
    azimuth in degrees (positive to the right), elevation in degrees (positive up), distance in
    metres; each a constant or a curve of inputs."""

    azimuth: ParamMap
    elevation: ParamMap
    distance: ParamMap

    @property
    def is_constant(self) -> bool:
        return self.azimuth.is_constant and self.elevation.is_constant and self.distance.is_constant

    def evaluate(self, inputs: dict[str, float]) -> tuple[float, float, float]:
        return (
            self.azimuth.evaluate(inputs),
            self.elevation.evaluate(inputs),
            self.distance.evaluate(inputs),
        )


@dataclass(frozen=True)
class LayerSpec:
    name: str
    instrument: str
    generator: str
    generator_options: dict[str, object]
    params: dict[str, ParamMap]  # mix, music and instrument parameters by name
    seed: int  # offset mixed into the score seed so layers differ
    source: SamplerSource | None = None  # instrument "sampler" only
    stem: StemSpec | None = None  # for instrument: stem
    bed: BedSpec | None = None  # for instrument: ambience
    position: PositionSpec | None = None  # placed around the listener (docs/spatial.md)


@dataclass(frozen=True)
class SceneSpec:
    name: str
    layers: tuple[str, ...]
    tempo: ParamMap | None = None
    key: KeySpec | None = None
    progression: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Quantize:
    """Where a change lands: ``unit`` is "now", "beat" or "bar"; ``count`` bars for "bar"."""

    unit: str
    count: int = 1


@dataclass(frozen=True)
class TransitionSpec:
    source: str  # scene name or "*"
    target: str
    quantize: Quantize
    fade: float


@dataclass(frozen=True)
class StingerNote:
    beat: float
    degree: int
    length: float
    velocity: float = 1.0


@dataclass(frozen=True)
class DuckSpec:
    db: float
    release: float


@dataclass(frozen=True)
class OneShot:
    """A stinger that plays a recorded file once: at its recorded pitch, or, with a ``root``
    (MIDI note), pitched to the tonic of the current key in the octave nearest the root."""

    file: str
    root: int | None
    seconds: float  # the file's length: the stinger's note lasts this long
    where: Where


@dataclass(frozen=True)
class Cooldown:
    """How long after an accepted request a stinger refuses the next: ``amount`` of ``unit``
    ("seconds", "beats" or "bars"; beats and bars at the tempo of the request)."""

    amount: float = 0.0
    unit: str = "seconds"


@dataclass(frozen=True)
class StingerSpec:
    name: str
    event: str
    instrument: str
    notes: tuple[StingerNote, ...]
    octave: int
    quantize: Quantize
    gain: float
    reverb: float
    duck: DuckSpec | None
    params: dict[str, float] = field(default_factory=dict)
    sample: OneShot | None = None  # a one-shot: instrument "sampler" and no notes
    source: SamplerSource | None = None  # notes on instrument "sampler": where its sounds are
    cooldown: Cooldown = Cooldown()
    max_playing: int = 1  # the loader fills in defaults.STINGER_MAX_PLAYING
    position: PositionSpec | None = None  # placed around the listener (docs/spatial.md)

    @property
    def beats(self) -> float:
        return max((n.beat + n.length for n in self.notes), default=0.0)


@dataclass(frozen=True)
class MutationSpec:
    every: int
    probability: float
    operators: tuple[str, ...]
    layers: tuple[str, ...] | None  # None: every layer


@dataclass(frozen=True)
class MasterSpec:
    loudness: float
    ceiling: float
    reverb_size: float
    reverb_damp: float
    reverb_return: float
    dynamics: ParamMap  # dB after the leveler: the deliberate loudness cue (e.g. from arousal)


@dataclass(frozen=True)
class EntrainmentSpec:
    """The tempo leads an input (the heart): match it, then move ``goal`` (a fraction) away from
    it under hard caps (docs/entrainment.md). ``min``/``max`` in BPM, ``per_bar`` a fraction,
    ``per_minute`` BPM; following is judged over ``window`` bars."""

    input: str = "heartrate"
    goal: float = defaults.ENTRAIN_GOALS["calm"]
    min: float = defaults.ENTRAIN_TEMPO_LIMITS[0]
    max: float = defaults.ENTRAIN_TEMPO_LIMITS[1]
    per_bar: float = defaults.ENTRAIN_PER_BAR
    per_minute: float = defaults.ENTRAIN_PER_MINUTE
    match_bars: int = defaults.ENTRAIN_MATCH_BARS
    tolerance: float = defaults.ENTRAIN_TOLERANCE
    window: int = defaults.ENTRAIN_WINDOW
    follow: float = defaults.ENTRAIN_FOLLOW


@dataclass(frozen=True)
class ComfortSpec:
    """How fast what the conductor sends may move (docs/comfort.md); ``inf``: no limit.
    Rates are per second, steps per action; parameters in shares of their range, gains and
    loudness in dB, tempo in BPM per second and a fraction per bar; ``fade`` is the shortest
    scene fade (s)."""

    gain_rate: float = math.inf
    gain_step: float = math.inf
    param_rate: float = math.inf
    param_step: float = math.inf
    loudness_rate: float = math.inf
    loudness_step: float = math.inf
    tempo_rate: float = math.inf
    tempo_step: float = math.inf
    fade: float = 0.0

    @staticmethod
    def preset(name: str) -> ComfortSpec:
        return ComfortSpec(**defaults.COMFORT_PRESETS[name])


@dataclass(frozen=True)
class Score:
    file: str
    title: str
    seed: int
    inputs: dict[str, InputSpec]
    tempo: TempoSpec
    meter: Meter
    key: KeySpec
    harmony: HarmonySpec
    layers: dict[str, LayerSpec]
    scenes: dict[str, SceneSpec]
    initial_scene: str
    transitions: tuple[TransitionSpec, ...]
    stingers: dict[str, StingerSpec]
    mutation: MutationSpec | None
    master: MasterSpec
    #: The cap on sample memory (MB of float64 at the engine's rate), and where the score sets
    #: it (the file's start when it does not), to report a score that needs more.
    max_sample_mb: float = defaults.MAX_SAMPLE_MB
    max_sample_where: Where | None = None
    #: The composer's motifs by name (``motifs:``), learned by ``learned`` generators.
    motifs: dict[str, Motif] = field(default_factory=dict)
    #: The tempo leads the heart (``entrainment:``); None: the tempo follows its mapping.
    entrainment: EntrainmentSpec | None = None
    #: The comfort budget (``comfort:``, ``--comfort``); None: no limits.
    comfort: ComfortSpec | None = None

    def transition(self, source: str, target: str) -> TransitionSpec:
        """The most specific rule for ``source -> target`` (exact beats wildcard; later wins)."""
        best: TransitionSpec | None = None
        best_rank = -1
        for rule in self.transitions:
            if rule.source not in ("*", source) or rule.target not in ("*", target):
                continue
            rank = (rule.source != "*") + (rule.target != "*")
            if rank >= best_rank:
                best, best_rank = rule, rank
        assert best is not None  # the loader always adds a "* -> *" rule
        return best
