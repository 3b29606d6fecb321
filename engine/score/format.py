"""The score format, defined once, as data: every section and field with its kind, range, units,
default (from :mod:`engine.defaults`), meaning and an example.

Three things are made from this definition and nothing else:

- the loader's checks (:mod:`engine.score.loader` reads ranges, defaults, choices and the
  allowed keys from here; its ``file:line:column: field: problem`` errors are its own);
- the JSON Schema (:mod:`engine.score.schema`, ``soundscape schema``), which editors use to
  complete and check scores;
- the field reference in docs/score-format.md (:mod:`engine.score.reference`).

Pure data: no pyo, no YAML. What depends on the engine's instruments (their parameters) comes
from a :class:`~engine.score.catalog.Catalog`, and generator options from the generators' own
``OPTIONS`` (engine/music/generators), so neither is repeated here.

>>> field("tempo.glide").bounds
(0.001, 1.0)
>>> field("master.reverb.return").units
'dB'
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from engine import defaults
from engine.curve import SHAPES
from engine.music.motifs import TONIC_OCTAVE
from engine.music.mutation import OPERATORS
from engine.music.scales import MODES

#: What a field holds. Numbers and integers have ``min``/``max`` (inclusive); a ``param`` is a
#: number, an ``{input, curve, shape}`` term or a list of terms (docs: "Parameters"); a
#: ``range`` is ``[min, max]`` within ``min``..``max``; a ``section`` has ``fields``; a ``map``
#: names entries (``item`` is each entry, ``limit`` the most); a ``list`` holds ``item``s.
KINDS = (
    "number",  # a number, int or float, inside [min, max]
    "integer",  # a whole number inside [min, max]
    "bool",  # true or false
    "text",  # a name or text (YAML numbers are read as their text)
    "choice",  # one of ``choices``
    "names",  # a name, or a list of names (of ``choices`` when they are fixed)
    "pattern",  # text of a documented shape (``pattern`` is its regular expression)
    "param",  # a number, a curve of an input, or a list of terms that add up
    "range",  # [min, max], min below max, both inside the field's bounds
    "curve",  # [[x, y], ...] points with rising x
    "section",  # a mapping of ``fields``
    "map",  # a mapping of names to ``item``
    "list",  # a list of ``item``
    "progression",  # chord degrees: 1..7 or roman numerals
    "bindings",  # an OSC address, a binding mapping, or a list of them
    "mode_map",  # [threshold, mode] pairs, thresholds rising
    "stinger_note",  # [beat, degree, length] or [beat, degree, length, velocity]
    "velocities",  # [lowest, highest] MIDI velocity
    "cooldown",  # seconds, or 'N beats' / 'N bars'
    "generator",  # a generator name, or {type: NAME, option: value ...}
    "notes",  # a motif's note list: a list of items or one comma-separated string
    "file",  # a path relative to the score's folder
    "recordings",  # a folder of recordings, or a list of {note, file, velocity}
    "null_or_section",  # an input: nothing (the defaults), or a section
    "goal",  # one of ``choices``, or a number inside [min, max]
    "fallback",  # ``default``, ``hold`` or a number
)

#: A layer, scene, stinger or input name (also checked to be at most MAX_NAME characters).
NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_-]*$"
#: ``N/D``: 1..16 beats of a 2, 4, 8 or 16 note.
METER_PATTERN = r"^\s*0*([1-9]|1[0-6])\s*/\s*0*(2|4|8|16)\s*$"
#: A key's tonic: a letter and accidentals.
NOTE_NAME_PATTERN = r"^\s*[A-Ga-g][#♯b♭]*\s*$"
#: An OSC address: starts with '/', no spaces or pattern characters.
ADDRESS_PATTERN = r"^/[^ #*,?\[\]{}]*$"
#: Largest seed.
SEED_MAX = 2**31 - 1


def _anycase(word: str) -> str:
    """A regular expression matching ``word`` in any case (JSON Schema has no flags)."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in word)


#: ``now``, ``beat``, ``bar`` or ``N bars`` (N 1..64), any case, spaces around.
QUANTIZE_PATTERN = (
    rf"^\s*({_anycase('now')}|{_anycase('beat')}|{_anycase('bar')}"
    rf"|0*([1-9]|[1-5][0-9]|6[0-4])\s*{_anycase('bar')}[sS]?)\s*$"
)
#: ``N beats`` or ``N bars`` (N at most MAX_STINGER_COOLDOWN = 600; ``beat`` alone is one).
COOLDOWN_PATTERN = (
    rf"^\s*((0*([0-5]?[0-9]?[0-9])(\.[0-9]+)?|0*600(\.0+)?)?\s*"
    rf"({_anycase('beat')}|{_anycase('bar')})[sS]?)\s*$"
)


@dataclass(frozen=True)
class Field:
    """One field of the score format.

    ``default`` is the value the loader uses when the field is absent (``None`` when there is
    none, or when it is computed: ``default_doc`` then says what it is).
    """

    name: str
    kind: str
    doc: str
    min: float | None = None
    max: float | None = None
    units: str = ""
    default: object = None
    default_doc: str = ""
    choices: tuple[str, ...] = ()
    required: bool = False
    example: object = None
    fields: tuple[Field, ...] = ()
    item: Field | None = None
    limit: int | None = None
    pattern: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: unknown kind {self.kind!r}")

    @property
    def bounds(self) -> tuple[float | None, float | None]:
        return self.min, self.max

    @property
    def int_bounds(self) -> tuple[int | None, int | None]:
        lo, hi = self.bounds
        return (None if lo is None else int(lo)), (None if hi is None else int(hi))

    @property
    def keys(self) -> tuple[str, ...]:
        """A section's field names, in the definition's order."""
        return tuple(f.name for f in self.fields)

    def sub(self, name: str) -> Field:
        """The field ``name`` of this section (or of its entries, for a map or a list)."""
        for f in self.fields or (self.item.fields if self.item else ()):
            if f.name == name:
                return f
        raise KeyError(f"{self.name} has no field {name!r}")

    def default_text(self) -> str:
        """The default as the reference shows it."""
        if self.default_doc:
            return self.default_doc
        if self.required:
            return "required"
        value = self.default
        if value is None:
            return "none"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float):
            return f"{value:g}"
        if isinstance(value, tuple | list):
            return (
                "[" + ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value) + "]"
            )
        return str(value)


def _f(name: str, kind: str, doc: str, **kw: object) -> Field:
    return Field(name, kind, doc, **kw)  # type: ignore[arg-type]


def _number(name: str, lo: float, hi: float, default: object, doc: str, units: str = "") -> Field:
    return Field(name, "number", doc, min=lo, max=hi, default=default, units=units)


def _integer(name: str, lo: int, hi: int, default: object, doc: str, **kw: object) -> Field:
    return _f(name, "integer", doc, min=lo, max=hi, default=default, **kw)


def _param(name: str, lo: float, hi: float, default: object, doc: str, units: str = "") -> Field:
    return Field(name, "param", doc, min=lo, max=hi, default=default, units=units)


# -- the sections -------------------------------------------------------------------------------
TEMPO = _f(
    "tempo",
    "section",
    "musical time: the target tempo, the range it never leaves and how fast it moves",
    default_doc=f"{defaults.TEMPO_BPM:g} BPM",
    fields=(
        _param(
            "bpm",
            *defaults.TEMPO_RANGE,
            defaults.TEMPO_BPM,
            "the target tempo, inside `range`",
            "BPM",
        ),
        _f(
            "range",
            "range",
            "the tempo never leaves [min, max]",
            min=defaults.TEMPO_RANGE[0],
            max=defaults.TEMPO_RANGE[1],
            default=defaults.TEMPO_RANGE,
            units="BPM",
            example=[40, 132],
        ),
        _number("glide", 0.001, 1.0, defaults.TEMPO_GLIDE, "the most the tempo may change per bar"),
    ),
)

MODE_MAP = _f(
    "modes",
    "section",
    "let an input choose the mode by threshold, with hysteresis",
    fields=(
        _f(
            "input",
            "text",
            "the input that chooses (a declared or built-in input)",
            default="valence",
        ),
        _f(
            "map",
            "mode_map",
            "[threshold, mode] pairs, thresholds strictly rising",
            required=True,
            limit=defaults.MAX_MODE_THRESHOLDS,
            choices=tuple(MODES),
            example=[[-1, "phrygian"], [0.25, "ionian"]],
        ),
        _number(
            "hysteresis",
            0,
            1,
            defaults.MODE_HYSTERESIS,
            "how far the input must cross a threshold to change the mode",
        ),
        _integer(
            "hold_bars",
            0,
            64,
            defaults.MODE_HOLD_BARS,
            "bars after a change before the next",
            units="bars",
        ),
    ),
)

KEY_FIELDS = (
    _f(
        "root",
        "pattern",
        "the tonic: a letter and accidentals (`C`, `F#`, `Bb`)",
        default=defaults.KEY_ROOT,
        pattern=NOTE_NAME_PATTERN,
    ),
    _f("mode", "choice", "the scale", choices=tuple(MODES), default=defaults.KEY_MODE),
    MODE_MAP,
)
KEY = _f("key", "section", "the tonic and mode", default_doc="C major", fields=KEY_FIELDS)

PROGRESSION = _f(
    "progression",
    "progression",
    "chord degrees, `1`..`7` or roman numerals (case is ignored: the mode decides quality)",
    default=defaults.PROGRESSION,
    limit=defaults.MAX_PROGRESSION,
    example=["I", "vi", "IV", "V"],
)

HARMONY = _f(
    "harmony",
    "section",
    "the chord progression and its pace",
    default_doc="see its fields",
    fields=(
        PROGRESSION,
        _param(
            "bars_per_chord",
            1,
            16,
            defaults.BARS_PER_CHORD,
            "bars each chord lasts (rounded): slower harmonic rhythm when calm",
            "bars",
        ),
        _param("tension", 0, 1, defaults.TENSION, "chord colour: 7ths above 0.4, 9ths above 0.75"),
    ),
)

BINDING = _f(
    "bind",
    "bindings",
    "the OSC addresses that set the input: an address, a binding, or a list of them",
    default_doc="`/state/NAME`",
    limit=defaults.MAX_BINDINGS,
    pattern=ADDRESS_PATTERN,
    fields=(
        _f("address", "pattern", "the OSC address", required=True, pattern=ADDRESS_PATTERN),
        _f("map", "curve", "a curve from the raw value to the input's", default_doc="as sent"),
        _f("shape", "choice", "the map's shape", choices=SHAPES, default="linear"),
        _integer("arg", 0, 15, 0, "which argument (0-based) carries the value"),
    ),
    example=["/state/heartrate", {"address": "/sensor/hr", "arg": 1}],
)

INPUT = _f(
    "input",
    "null_or_section",
    "a state input: a built-in one tuned, or a new one",
    fields=(
        _f(
            "range",
            "range",
            "values outside [min, max] are clamped",
            default_doc="built-in: its own; new: [0, 1]",
        ),
        _f(
            "default",
            "number",
            "the value before any message, inside `range`",
            default_doc="built-in: its own; new: 0",
        ),
        _f(
            "smoothing",
            "number",
            "seconds for a step to settle ~63 % (0 is instant)",
            min=0,
            max=120,
            units="s",
            default_doc="built-in: its own; new: 0.5",
        ),
        BINDING,
        # -- the watchdog (issue 14, docs/listener.md) --
        _f(
            "source",
            "choice",
            "where its values come from: a `sensor` is watched for silence, the `game` holds",
            choices=defaults.INPUT_SOURCES,
            default_doc="`sensor` for heartrate, else `game`",
        ),
        _f(
            "timeout",
            "number",
            "seconds without a message before the input is stale and eases to its fallback",
            min=0.1,
            max=defaults.MAX_SENSOR_TIMEOUT,
            units="s",
            default_doc=f"sensor: {defaults.SENSOR_TIMEOUT:g}; game: never",
        ),
        _f(
            "fallback",
            "fallback",
            "where a silent input goes: `default`, `hold` (stay put) or a number in its range",
            default="default",
        ),
    ),
)

INPUTS = _f(
    "inputs",
    "map",
    "the state inputs the score listens to; the four built-ins always exist",
    default_doc="the four built-ins",
    item=INPUT,
    limit=defaults.MAX_INPUTS,
    example={"danger": {"range": [0, 1], "default": 0, "smoothing": 0.8}},
)

#: Layer parameters every layer has (mix and music), from defaults.LAYER_PARAMS.
_LAYER_PARAM_DOCS = {
    "gain": ("layer level (−80 is silent)", "dB"),
    "pan": ("left .. right", ""),
    "reverb": ("send to the master reverb", ""),
    "density": ("share of the pattern's notes that play", ""),
    "intensity": ("rhythmic intensity: subdivisions, ghost notes, fills", ""),
    "register": ("semitones added to the generator's centre (snapped to the scale)", "semitones"),
    "velocity": ("base loudness of notes (accents vary around it)", ""),
    "gate": ("articulation: sounding / written length (1 = legato)", ""),
    "variation": (
        "`learned` layers: 0 states the motifs as written, 1 continues them freely",
        "",
    ),
}
LAYER_PARAMS = tuple(
    _param(
        name,
        *defaults.LAYER_PARAM_RANGES[name],
        defaults.LAYER_PARAMS[name],
        _LAYER_PARAM_DOCS[name][0],
        _LAYER_PARAM_DOCS[name][1],
    )
    for name in defaults.LAYER_PARAMS
)

GENERATOR = _f(
    "generator",
    "generator",
    "what notes the layer plays: a generator's name, or `{type: NAME, option: value ...}`",
    default="none",
    example={"type": "chords", "voices": 4},
)

#: Where a layer or stinger sounds around the listener (issue 14, docs/spatial.md).
POSITION = _f(
    "position",
    "section",
    "where it sounds around the listener (placed: `/source/NAME/position` may move it; "
    "rendered by `--spatial`)",
    default_doc="not placed (a layer pans by `pan`)",
    fields=(
        _param(
            "azimuth",
            *defaults.POSITION_RANGES["azimuth"],
            defaults.POSITION["azimuth"],
            "bearing from straight ahead, positive to the right",
            "degrees",
        ),
        _param(
            "elevation",
            *defaults.POSITION_RANGES["elevation"],
            defaults.POSITION["elevation"],
            "angle above the horizon (negative: below)",
            "degrees",
        ),
        _param(
            "distance",
            *defaults.POSITION_RANGES["distance"],
            defaults.POSITION["distance"],
            "from the listener; the level falls as 1/distance beyond 1 m",
            "m",
        ),
    ),
    example={"azimuth": 90, "elevation": 0, "distance": 2},
)

LAYER_FIELDS = (
    _f(
        "instrument",
        "choice",
        "what plays the layer (the engine's instruments)",
        required=True,
    ),
    GENERATOR,
    _integer(
        "seed",
        0,
        SEED_MAX,
        None,
        "changes this layer's random choices without touching the others",
        default_doc="the layer's position (1, 2 ...)",
    ),
    POSITION,
)

#: A sampler's sound source (a layer's or a note stinger's), exactly one of soundfont+preset
#: or samples (checked by the loader).
SAMPLER_SOURCE = (
    _f(
        "soundfont",
        "file",
        "a SoundFont 2 file: next to the score, else on the search path; needs `preset`",
    ),
    _f("preset", "text", "the preset: its name, or `bank/program` like `0/48`"),
    _f(
        "samples",
        "recordings",
        "a folder of recordings named by note, or a list of `{note, file, velocity}`",
        limit=defaults.MAX_RECORDINGS,
        fields=(
            _f("note", "text", "a note name with octave (`C4`) or a MIDI number", required=True),
            _f("file", "file", "the recording, relative to the score", required=True),
            _f(
                "velocity",
                "velocities",
                "[lowest, highest] MIDI velocity it answers",
                min=0,
                max=127,
                default=(0, 127),
            ),
        ),
    ),
)

#: Fields of layers that play a recording, by instrument.
RECORDING_FIELDS: dict[str, tuple[Field, ...]] = {
    "stem": (
        _f("file", "file", "the recorded loop, relative to the score", required=True),
        _number("tempo", *defaults.STEM_TEMPO_RANGE, None, "the tempo it was recorded at", "BPM"),
        _integer(
            "bars", 1, defaults.STEM_MAX_BARS, None, "its length in bars of the score's meter"
        ),
        _f(
            "follow",
            "choice",
            "how it follows another tempo: `stretch` keeps its pitch, `resample` does not",
            choices=defaults.STEM_FOLLOW_MODES,
            default=defaults.STEM_FOLLOW,
        ),
    ),
    "ambience": (
        _f("file", "file", "the field recording, relative to the score", required=True),
        _number(
            "crossfade",
            *defaults.BED_CROSSFADE_RANGE,
            defaults.BED_CROSSFADE,
            "seconds blended at the loop point",
            "s",
        ),
    ),
}
RECORDING_FIELDS["stem"] = tuple(  # a stem needs its tempo and length
    replace(f, required=True) if f.name in ("tempo", "bars") else f
    for f in RECORDING_FIELDS["stem"]
)
#: The instrument that plays sampler sources and one-shots (engine/dsp/instruments/sampler.py).
SAMPLER = "sampler"

LAYER = _f(
    "layer",
    "section",
    "a layer: an instrument, what it plays, and parameters (its instrument's too)",
    fields=(*LAYER_FIELDS, *LAYER_PARAMS),
)
LAYERS = _f(
    "layers",
    "map",
    "the layers, by name",
    required=True,
    min=1,
    item=LAYER,
    limit=defaults.MAX_LAYERS,
    example={"pad": {"instrument": "pad", "generator": "chords", "gain": -12}},
)

SCENE = _f(
    "scene",
    "section",
    "layers that play together, and what they change",
    fields=(
        _f(
            "layers",
            "names",
            "the layers that play",
            required=True,
            limit=defaults.MAX_LAYERS,
        ),
        _f(
            "tempo",
            "param",
            "the target tempo in this scene, inside `tempo.range`",
            min=defaults.TEMPO_RANGE[0],
            max=defaults.TEMPO_RANGE[1],
            units="BPM",
            default_doc="`tempo.bpm`",
        ),
        _f(
            "key",
            "section",
            "root, mode and/or modes; fields left out come from the score's `key`",
            fields=KEY_FIELDS,
            default_doc="the score's `key`",
        ),
        _f(
            "progression",
            "progression",
            PROGRESSION.doc,
            limit=defaults.MAX_PROGRESSION,
            default_doc="`harmony.progression`",
        ),
    ),
)
SCENES = _f(
    "scenes",
    "map",
    "the scenes, by name; the first (or `initial_scene`) starts",
    required=True,
    min=1,
    item=SCENE,
    limit=defaults.MAX_SCENES,
    example={"calm": {"layers": ["pad"]}},
)

QUANTIZE_DOC = "`now`, `beat`, `bar`, or `N bars` (a bar whose index is a multiple of N)"
TRANSITION = _f(
    "transition",
    "section",
    "a rule for scene changes; the most specific last wins",
    fields=(
        _f("from", "text", "a scene name or `*`", default="*"),
        _f("to", "text", "a scene name or `*`", default="*"),
        _f(
            "quantize",
            "pattern",
            QUANTIZE_DOC,
            default=defaults.TRANSITION_QUANTIZE,
            pattern=QUANTIZE_PATTERN,
        ),
        _number(
            "fade",
            0,
            60,
            defaults.TRANSITION_FADE,
            "seconds leaving layers fade out and entering ones fade in",
            "s",
        ),
    ),
)
TRANSITIONS = _f(
    "transitions",
    "list",
    "how scene changes land",
    default_doc=f"next {defaults.TRANSITION_QUANTIZE}, {defaults.TRANSITION_FADE:g} s fade",
    item=TRANSITION,
    limit=defaults.MAX_TRANSITIONS,
    example=[{"to": "fight", "quantize": "beat", "fade": 0.5}],
)

DUCK = _f(
    "duck",
    "section",
    "lower every other layer while it plays",
    fields=(
        _number("db", -40, 0, defaults.STINGER_DUCK_DB, "how far", "dB"),
        _number("release", 0.05, 30, defaults.STINGER_DUCK_RELEASE, "seconds to recover", "s"),
    ),
)

#: Fields every stinger takes, whatever plays it.
STINGER_COMMON = (
    _f("event", "text", "the event name that fires it", default_doc="the stinger's name"),
    _f(
        "quantize",
        "pattern",
        QUANTIZE_DOC,
        default=defaults.STINGER_QUANTIZE,
        pattern=QUANTIZE_PATTERN,
    ),
    _number(
        "gain",
        *defaults.LAYER_PARAM_RANGES["gain"],
        defaults.LAYER_PARAMS["gain"],
        "its level",
        "dB",
    ),
    _number(
        "reverb",
        *defaults.LAYER_PARAM_RANGES["reverb"],
        defaults.LAYER_PARAMS["reverb"],
        "its reverb send",
    ),
    DUCK,
    _f(
        "cooldown",
        "cooldown",
        "requests are refused this long after one is accepted: seconds, or `N beats`/`N bars`",
        min=0,
        max=defaults.MAX_STINGER_COOLDOWN,
        default=defaults.STINGER_COOLDOWN,
        pattern=COOLDOWN_PATTERN,
    ),
    _integer(
        "max_playing",
        1,
        defaults.MAX_STINGER_PLAYING,
        defaults.STINGER_MAX_PLAYING,
        "copies waiting or sounding at once",
    ),
    POSITION,
)
#: A note stinger's own fields (besides its instrument's parameters, as numbers).
STINGER_NOTES = (
    _f(
        "instrument",
        "choice",
        "what plays it (the engine's instruments)",
        required=True,
        default_doc="required (a phrase)",
    ),
    _f(
        "notes",
        "list",
        "the phrase",
        required=True,
        default_doc="required (a phrase)",
        min=1,
        limit=defaults.MAX_STINGER_NOTES,
        item=_f(
            "note",
            "stinger_note",
            "[beat, scale degree, length in beats] or [beat, degree, length, velocity]",
            fields=(
                _number("beat", 0, 64, None, "when, in beats", "beats"),
                _integer("degree", -28, 28, None, "scale degree of the current key"),
                _number("length", 0.01, 64, None, "how long", "beats"),
                _number("velocity", 0, 1, 1.0, "how loud"),
            ),
        ),
        example=[[0, 1, 1.5], [0.5, 3, 1.5, 0.8]],
    ),
    _integer("octave", 1, 8, defaults.STINGER_OCTAVE, "octave of degree 1"),
)
#: A one-shot stinger's own fields.
STINGER_ONE_SHOT = (
    _f(
        "sample",
        "file",
        "a recording played once, relative to the score",
        required=True,
        default_doc="required (a one-shot)",
    ),
    _f(
        "root",
        "text",
        "its pitch (`C3`, `Fs2` or a MIDI number): it then sounds the current tonic",
        default_doc="plays as recorded",
    ),
)
STINGER = _f(
    "stinger",
    "section",
    "a phrase (`instrument` and `notes`) or a recording (`sample`) fired by `/event NAME`",
    fields=(*STINGER_NOTES, *STINGER_ONE_SHOT, *STINGER_COMMON),
)
STINGERS = _f(
    "stingers",
    "map",
    "phrases fired by events, by name",
    item=STINGER,
    limit=defaults.MAX_STINGERS,
    example={"hit": {"instrument": "bell", "notes": [[0, 1, 1]]}},
)

MUTATION = _f(
    "mutation",
    "section",
    "how patterns evolve",
    fields=(
        _integer("every", 1, 256, defaults.MUTATION_EVERY, "bars between mutations", units="bars"),
        _number("probability", 0, 1, defaults.MUTATION_PROBABILITY, "chance per layer each time"),
        _f(
            "operators",
            "names",
            "operators drawn from",
            choices=OPERATORS,
            limit=defaults.MAX_OPTION_ITEMS,
            default_doc="all",
        ),
        _f(
            "layers",
            "names",
            "the layers that mutate",
            limit=defaults.MAX_LAYERS,
            default_doc="all",
        ),
    ),
)

MASTER = _f(
    "master",
    "section",
    "the master bus: loudness target, ceiling, reverb, dynamics",
    default_doc="see its fields",
    fields=(
        _number(
            "loudness", -40, -6, defaults.MASTER_LOUDNESS, "target integrated loudness", "LUFS"
        ),
        _number("ceiling", -20, 0, defaults.MASTER_CEILING, "true-peak ceiling", "dBTP"),
        _f(
            "reverb",
            "section",
            "the master reverb",
            fields=(
                _number("size", 0, 1, defaults.MASTER_REVERB_SIZE, "room size"),
                _number("damp", 0, 1, defaults.MASTER_REVERB_DAMP, "high-frequency damping"),
                _number("return", -80, 6, defaults.MASTER_REVERB_RETURN, "return level", "dB"),
            ),
        ),
        _param(
            "dynamics",
            -24,
            6,
            0.0,
            "gain after loudness normalisation: the deliberate loudness cue",
            "dB",
        ),
    ),
)

MOTIF = _f(
    "motif",
    "section",
    "a note list (`notes`) or a MIDI file (`midi`), exactly one",
    fields=(
        _f(
            "notes",
            "notes",
            "items `PITCH DURATION` (`D4 1/4`, `^5 1/8`, `r 1/4`, `|`), a list or one string",
            limit=defaults.MAX_MOTIF_ITEMS,
        ),
        _f("midi", "file", "a Standard MIDI File, relative to the score"),
        _f(
            "track",
            "text",
            "a track name or 0-based index (0..1023)",
            min=0,
            max=1023,
            default_doc="every track",
        ),
        _integer("channel", 1, 16, None, "MIDI channel", default_doc="all but 10"),
        _f(
            "drums",
            "bool",
            "a drum motif (for `learned-drums`)",
            default_doc="true when `channel` is 10",
        ),
        _f(
            "key",
            "text",
            "the key it is written in, `TONIC MODE` (`D major`)",
            default_doc="the file's, else the score's",
        ),
        _f("grid", "text", "the note value onsets are quantised to", default="1/16"),
        _integer("octave", 0, 8, TONIC_OCTAVE, "the octave of `^1` in a note list"),
        _f("meter", "pattern", "checked against the score's", default_doc="the score's"),
    ),
)
MOTIFS = _f(
    "motifs",
    "map",
    "the composer's melodies, for `learned` layers",
    item=MOTIF,
    limit=defaults.MAX_MOTIFS,
    example={"theme": {"notes": "D4 1/4, F#4 1/8, A4 1/8"}},
)

# -- issue 14: entrainment and the comfort budget ---------------------------------------------
ENTRAINMENT = _f(
    "entrainment",
    "section",
    "the tempo leads the heart: match it, then move a few percent toward calm or energy, under"
    " hard caps (docs/entrainment.md); replaces `tempo.bpm` while it plays",
    fields=(
        _f(
            "input",
            "text",
            "the input the tempo leads (a declared or built-in input, in BPM)",
            default="heartrate",
        ),
        _f(
            "goal",
            "goal",
            "`calm` (5 % below the heart), `energise` (5 % above), `match`, or a fraction"
            " (-0.05: 5 % below)",
            min=-defaults.ENTRAIN_GOAL_LIMIT,
            max=defaults.ENTRAIN_GOAL_LIMIT,
            choices=(*defaults.ENTRAIN_GOALS, "match"),
            default="calm",
        ),
        _number(
            "min",
            *defaults.ENTRAIN_TEMPO_LIMITS,
            defaults.ENTRAIN_TEMPO_LIMITS[0],
            "the slowest tempo (inside `tempo.range` too)",
            "BPM",
        ),
        _number(
            "max",
            *defaults.ENTRAIN_TEMPO_LIMITS,
            defaults.ENTRAIN_TEMPO_LIMITS[1],
            "the fastest tempo (inside `tempo.range` too)",
            "BPM",
        ),
        _number(
            "per_bar",
            0,
            defaults.ENTRAIN_PER_BAR_LIMIT,
            defaults.ENTRAIN_PER_BAR,
            "the most the tempo moves from one bar to the next, a fraction (`tempo.glide` too)",
        ),
        _number(
            "per_minute",
            0,
            defaults.ENTRAIN_PER_MINUTE_LIMIT,
            defaults.ENTRAIN_PER_MINUTE,
            "the most the tempo moves within any minute",
            "BPM",
        ),
        _integer(
            "match_bars",
            1,
            64,
            defaults.ENTRAIN_MATCH_BARS,
            "bars the tempo sits within `tolerance` of the heart before it leads",
            units="bars",
        ),
        _number(
            "tolerance",
            0,
            0.1,
            defaults.ENTRAIN_TOLERANCE,
            "how near the heart counts as matched, a fraction",
        ),
        _integer(
            "window",
            4,
            128,
            defaults.ENTRAIN_WINDOW,
            "bars over which the heart must follow while leading",
            units="bars",
        ),
        _number(
            "follow",
            0,
            0.1,
            defaults.ENTRAIN_FOLLOW,
            "the least the heart must move toward the goal over `window`, a fraction of its"
            " rate; else leading stops and the tempo holds",
        ),
    ),
    example={"input": "heartrate", "goal": "calm", "per_minute": 4},
)

_NO_LIMIT = "the preset's, else no limit"
COMFORT = _f(
    "comfort",
    "section",
    "a comfort budget: how fast gains, parameters, loudness and tempo may move, whatever the"
    " inputs do (docs/comfort.md); `render`/`play --comfort` sets a preset too",
    fields=(
        _f(
            "preset",
            "choice",
            "the budget to start from (its fields below override it)",
            choices=tuple(defaults.COMFORT_PRESETS),
            default_doc="none",
        ),
        *(
            _f(name, "number", doc, min=0, max=hi, units=units, default_doc=_NO_LIMIT)
            for name, hi, units, doc in (
                ("gain_rate", 200, "dB/s", "how fast a layer's gain may move"),
                ("gain_step", 100, "dB", "a layer's gain's largest single step"),
                (
                    "param_rate",
                    100,
                    "range/s",
                    "how fast an instrument parameter, pan or reverb"
                    " may move, in shares of its range",
                ),
                ("param_step", 1, "range", "their largest single step"),
                (
                    "loudness_rate",
                    200,
                    "dB/s",
                    "how fast the loudness may move (layers' gains"
                    " and the master dynamics share it)",
                ),
                ("loudness_step", 100, "dB", "the master dynamics' largest single step"),
                ("tempo_rate", 100, "BPM/s", "how fast the tempo may move"),
                ("tempo_step", 1, "", "the tempo's largest change at a bar line, a fraction"),
                ("fade", 60, "s", "the shortest scene fade"),
            )
        ),
    ),
    example={"preset": "vr", "tempo_step": 0.01},
)

#: The top level, in the order the reference lists it.
TOP = _f(
    "(top level)",
    "section",
    "a score",
    fields=(
        _integer("version", 1, 1, 1, "score format version"),
        _f("title", "text", "shown in logs", default_doc="the file name"),
        _integer(
            "seed",
            0,
            SEED_MAX,
            defaults.SEED,
            "random seed; `soundscape render --seed` overrides it",
        ),
        TEMPO,
        _f(
            "meter",
            "pattern",
            "`N/D`: N beats (1..16) of note value D (2, 4, 8 or 16)",
            default=defaults.METER,
            pattern=METER_PATTERN,
        ),
        KEY,
        HARMONY,
        INPUTS,
        LAYERS,
        SCENES,
        _f(
            "initial_scene",
            "text",
            "the scene that starts",
            default_doc="the first scene",
        ),
        TRANSITIONS,
        STINGERS,
        MUTATION,
        MASTER,
        _number(
            "max_sample_mb",
            0,
            defaults.MAX_SAMPLE_MB_LIMIT,
            defaults.MAX_SAMPLE_MB,
            "cap on the memory of the score's samples (8 bytes a sample at the engine's rate)",
            "MB",
        ),
        MOTIFS,
        ENTRAINMENT,
        COMFORT,
    ),
)
TOP_LEVEL = TOP.keys
SCORE_VERSION = 1


def _walk(f: Field, path: str, out: dict[str, Field]) -> None:
    out[path] = f
    children = f.fields or (f.item.fields if f.item is not None else ())
    for child in children:
        _walk(child, f"{path}.{child.name}" if path else child.name, out)


_INDEX: dict[str, Field] = {}
for _top in TOP.fields:
    _walk(_top, _top.name, _INDEX)
for _kind, _fields in RECORDING_FIELDS.items():
    for _rec in _fields:
        _INDEX[f"layers.{_kind}.{_rec.name}"] = _rec
for _src in SAMPLER_SOURCE:
    _walk(_src, f"layers.sampler.{_src.name}", _INDEX)


def field(path: str) -> Field:
    """The field at a dotted path: ``tempo.glide``, ``layers.gain`` (every layer's),
    ``layers.stem.tempo`` (a stem layer's), ``stingers.duck.db``.

    >>> field("harmony.tension").default
    0.2
    """
    try:
        return _INDEX[path]
    except KeyError:
        raise KeyError(f"the score format has no field {path!r}") from None


def paths() -> list[str]:
    """Every field's dotted path (instrument parameters and generator options aside)."""
    return list(_INDEX)
