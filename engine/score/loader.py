"""Load and validate a score: YAML text in, a frozen :class:`Score` out, or a ScoreError that
names file, line, column and field.

Validation happens here and only here; everything downstream trusts the model.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from engine import defaults
from engine.curve import SHAPES, Curve
from engine.errors import ScoreError
from engine.music.generators import GENERATORS
from engine.music.harmony import parse_degree
from engine.music.motifs import Motif
from engine.music.mutation import OPERATORS
from engine.music.options import Option
from engine.music.scales import MODES, pitch_class
from engine.samples.audio import AssetError, audio_info
from engine.score import format as fmt
from engine.score.catalog import Catalog
from engine.score.format import Field
from engine.score.model import (
    BedSpec,
    Binding,
    ComfortSpec,
    Cooldown,
    DuckSpec,
    EntrainmentSpec,
    HarmonySpec,
    InputSpec,
    KeySpec,
    LayerSpec,
    MasterSpec,
    Meter,
    ModeMap,
    MutationSpec,
    ParamMap,
    PositionSpec,
    Quantize,
    SceneSpec,
    Score,
    StemSpec,
    StingerNote,
    StingerSpec,
    TempoSpec,
    Term,
    TransitionSpec,
    Where,
)
from engine.score.motifs import read_motifs
from engine.score.sampled import SAMPLER, SOURCE_FIELDS, read_one_shot, read_source
from engine.score.yamlnode import Node, parse_yaml
from engine.textfile import TextFileError, quote, read_text

SCORE_VERSION = fmt.SCORE_VERSION
TOP_LEVEL = fmt.TOP_LEVEL
LAYER_FIELDS = tuple(f.name for f in fmt.LAYER_FIELDS)
#: Fields of layers that play a recording instead of generated notes, by instrument.
RECORDING_FIELDS = {k: tuple(f.name for f in v) for k, v in fmt.RECORDING_FIELDS.items()}
_LAYER_PARAMS = {f.name: f for f in fmt.LAYER_PARAMS}
_NAME = re.compile(fmt.NAME_PATTERN)
F = fmt.field


def number(fields: dict[str, Node], spec: Field) -> float:
    """The field ``spec`` of ``fields`` checked against its range, or its default."""
    if spec.name in fields:
        return fields[spec.name].as_float(*spec.bounds)
    assert isinstance(spec.default, int | float), spec.name
    return float(spec.default)


def integer(fields: dict[str, Node], spec: Field) -> int:
    """The whole-number field ``spec`` of ``fields`` checked against its range, or its default."""
    if spec.name in fields:
        return fields[spec.name].as_int(*spec.int_bounds)
    assert isinstance(spec.default, int), spec.name
    return spec.default


def load_score(path: str | Path, catalog: Catalog, soundfonts: Sequence[str | Path] = ()) -> Score:
    """Read and validate the score at ``path`` against ``catalog`` (what instruments exist:
    ``engine.load_score`` passes the real ones). ``soundfonts`` are ``--soundfont`` paths, the
    first places a SoundFont not found next to the score is looked for (engine.samples.search).
    """
    try:
        text = read_text(path, defaults.MAX_SCORE_BYTES)
    except TextFileError as exc:
        raise ScoreError(exc.message, file=str(path), line=exc.line, column=exc.column) from None
    return parse_score(text, catalog, file=str(path), soundfonts=soundfonts)


def parse_score(
    text: str, catalog: Catalog, file: str = "<score>", soundfonts: Sequence[str | Path] = ()
) -> Score:
    """Validate score ``text``; ``file`` names it in errors, and its folder is where the sound
    files the score names are looked for."""
    return _ScoreReader(parse_yaml(text, file), catalog, soundfonts).read()


class _ScoreReader:
    def __init__(self, root: Node, catalog: Catalog, soundfonts: Sequence[str | Path]) -> None:
        self.root = root
        self.catalog = catalog
        self.inputs: dict[str, InputSpec] = {}
        self.score_dir = Path(root.file).parent
        self.soundfonts = [Path(p) for p in soundfonts]
        self.motifs: dict[str, Motif] = {}

    def read(self) -> Score:
        top = self.root.check_keys(TOP_LEVEL)
        if "version" in top:
            integer(top, F("version"))
        for required in (f.name for f in fmt.TOP.fields if f.required):
            if required not in top:
                raise self.root.error(f"a score needs {required!r}")
        self.inputs = read_inputs(top.get("inputs"))
        tempo = self.read_tempo(top.get("tempo"))
        self.motifs = read_motifs(
            top.get("motifs"),
            self.read_key(top.get("key"), base=None),
            read_meter(top.get("meter")),
            self.score_dir,
        )
        layers = self.read_layers(top["layers"])
        scenes = self.read_scenes(top["scenes"], layers, tempo)
        initial = next(iter(scenes))
        if "initial_scene" in top:
            initial = top["initial_scene"].as_str(scenes)
        return Score(
            file=self.root.file,
            title=top["title"].as_str() if "title" in top else Path(self.root.file).stem,
            seed=integer(top, F("seed")),
            inputs=self.inputs,
            tempo=tempo,
            meter=read_meter(top.get("meter")),
            key=self.read_key(top.get("key"), base=None),
            harmony=self.read_harmony(top.get("harmony")),
            layers=layers,
            scenes=scenes,
            initial_scene=initial,
            transitions=read_transitions(top.get("transitions"), scenes),
            stingers=self.read_stingers(top.get("stingers")),
            mutation=read_mutation(top.get("mutation"), layers),
            master=self.read_master(top.get("master")),
            max_sample_mb=number(top, F("max_sample_mb")),
            max_sample_where=top["max_sample_mb"].where()
            if "max_sample_mb" in top
            else Where(self.root.file, 1, 1, "max_sample_mb"),
            motifs=self.motifs,
            entrainment=self.read_entrainment(top.get("entrainment")),
            comfort=read_comfort(top.get("comfort")),
        )

    # -- parameters -------------------------------------------------------------------------
    def param(self, node: Node, lo: float | None = None, hi: float | None = None) -> ParamMap:
        """A number, a ``{input, curve, shape}`` term, or a list of them (which add up)."""
        items = node.seq(defaults.MAX_TERMS) if node.is_seq else [node]
        if len(items) > 1:  # terms are offsets from each other: only their sum must be in range
            lo = hi = None
        terms = tuple(self.term(item, lo, hi) for item in items)
        if not terms:
            raise node.error("needs at least one term")
        return ParamMap(terms)

    def term(self, node: Node, lo: float | None, hi: float | None) -> Term:
        if node.is_scalar:
            return Term(value=node.as_float(lo, hi))
        fields = node.check_keys(("input", "curve", "shape"))
        if "input" not in fields or "curve" not in fields:
            raise node.error("a mapping term needs 'input' and 'curve'")
        name = self.input_name(fields["input"])
        curve = read_curve(fields["curve"], fields.get("shape"), lo, hi)
        return Term(input=name, curve=curve)

    def input_name(self, node: Node) -> str:
        """A built-in or declared input, or a form of the heart rate read against the
        listener's baseline (``heartrate.relative``, ``heartrate.ratio``), which the input then
        carries in its ``derived`` for the bus to compute."""
        base = defaults.BASELINE_INPUT
        forms = {f"{base}.{form}": form for form in defaults.DERIVED_INPUTS}
        name = node.as_str([*self.inputs, *forms])
        form = forms.get(name)
        if form is not None and form not in self.inputs[base].derived:
            spec = self.inputs[base]
            self.inputs[base] = replace(spec, derived=(*spec.derived, form))
        return name

    # -- sections ---------------------------------------------------------------------------
    def read_tempo(self, node: Node | None) -> TempoSpec:
        if node is None:
            return TempoSpec(
                ParamMap.constant(defaults.TEMPO_BPM), *defaults.TEMPO_RANGE, defaults.TEMPO_GLIDE
            )
        fields = node.check_keys(fmt.TEMPO.keys)
        lo, hi = defaults.TEMPO_RANGE
        if "range" in fields:
            lo, hi = read_pair(fields["range"], *F("tempo.range").bounds)
        bpm = (
            self.param(fields["bpm"], lo, hi)
            if "bpm" in fields
            else ParamMap.constant(min(hi, max(lo, defaults.TEMPO_BPM)))
        )
        glide = number(fields, F("tempo.glide"))
        return TempoSpec(bpm, lo, hi, glide)

    def read_key(self, node: Node | None, base: KeySpec | None) -> KeySpec:
        root = base.root if base else pitch_class(defaults.KEY_ROOT)
        mode = base.mode if base else defaults.KEY_MODE
        modes = base.modes if base else None
        if node is None:
            return KeySpec(root, mode, modes)
        fields = node.check_keys(fmt.KEY.keys)
        if "root" in fields:
            try:
                root = pitch_class(fields["root"].as_str())
            except ValueError as exc:
                raise fields["root"].error(str(exc)) from None
        if "mode" in fields:
            mode = fields["mode"].as_str(MODES)
            if base is not None:
                modes = None  # a scene that names a mode fixes it
        if "modes" in fields:
            modes = self.read_mode_map(fields["modes"])
        return KeySpec(root, mode, modes)

    def read_mode_map(self, node: Node) -> ModeMap:
        spec = fmt.MODE_MAP
        fields = node.check_keys(spec.keys)
        if "map" not in fields:
            raise node.error("needs 'map': a list of [threshold, mode] pairs")
        name = (
            self.input_name(fields["input"])
            if "input" in fields
            else str(spec.sub("input").default)
        )
        if name not in self.inputs and "." not in name:
            raise node.error(f"input {quote(name)} is not declared")
        thresholds = []
        for pair in fields["map"].seq(spec.sub("map").limit):
            items = pair.seq()
            if len(items) != 2:
                raise pair.error("expected [threshold, mode]")
            thresholds.append((items[0].as_float(), items[1].as_str(MODES)))
        if [t for t, _ in thresholds] != sorted({t for t, _ in thresholds}):
            raise fields["map"].error("thresholds must strictly rise")
        hyst = number(fields, spec.sub("hysteresis"))
        hold = integer(fields, spec.sub("hold_bars"))
        return ModeMap(name, tuple(thresholds), hyst, hold)

    def read_harmony(self, node: Node | None) -> HarmonySpec:
        progression = tuple(defaults.PROGRESSION)
        bars = ParamMap.constant(defaults.BARS_PER_CHORD)
        tension = ParamMap.constant(defaults.TENSION)
        if node is not None:
            fields = node.check_keys(fmt.HARMONY.keys)
            if "progression" in fields:
                progression = read_progression(fields["progression"])
            if "bars_per_chord" in fields:
                bars = self.param(fields["bars_per_chord"], *F("harmony.bars_per_chord").bounds)
            if "tension" in fields:
                tension = self.param(fields["tension"], *F("harmony.tension").bounds)
        return HarmonySpec(progression, bars, tension)

    def read_layers(self, node: Node) -> dict[str, LayerSpec]:
        layers: dict[str, LayerSpec] = {}
        for index, (name, body) in enumerate(node.items(fmt.LAYERS.limit)):
            check_name(body, name)
            layers[name] = self.read_layer(name, body, index)
        if not layers:
            raise node.error("a score needs at least one layer")
        for name, body in node.items(fmt.LAYERS.limit):
            self.check_follows(name, body, layers)
        return layers

    def check_follows(self, name: str, node: Node, layers: dict[str, LayerSpec]) -> None:
        """A harmonize layer follows another layer that writes notes and follows none itself."""
        spec = layers[name]
        if "follows" not in GENERATORS[spec.generator].OPTIONS:
            return
        generator = node.mapping()["generator"]
        fields = generator.mapping() if generator.is_map else {}
        follows = spec.generator_options.get("follows", "")
        if not follows:
            raise generator.error(
                f"a {spec.generator} generator needs 'follows': the layer it plays under"
            )
        where = fields.get("follows", generator)
        leader = layers.get(str(follows))
        if leader is None:
            known = ", ".join(n for n in layers if n != name)
            raise where.error(f"no layer named {quote(str(follows))} (the layers: {known})")
        if leader.name == name or "follows" in GENERATORS[leader.generator].OPTIONS:
            raise where.error(
                f"{quote(str(follows))} must write its own melody (a learned or melody layer), "
                "not follow another"
            )
        if leader.generator == "none":
            raise where.error(f"layer {quote(str(follows))} plays no notes to harmonize")

    def read_layer(self, name: str, node: Node, index: int) -> LayerSpec:
        fields = node.mapping()
        if "instrument" not in fields:
            raise node.error("a layer needs an 'instrument'")
        instrument = fields["instrument"].as_str(self.catalog.instruments)
        instrument_params = self.catalog.instruments[instrument]
        kind: str = "none"
        options: dict[str, object] = {}
        if "generator" in fields:
            kind, options = read_generator(fields["generator"])
            self.check_motifs(fields["generator"], kind, options)
        sampled = SOURCE_FIELDS if instrument == SAMPLER else ()
        recording = RECORDING_FIELDS.get(instrument, ())
        allowed = (*LAYER_FIELDS, *_LAYER_PARAMS, *instrument_params, *sampled, *recording)
        node.check_keys(allowed)
        source = (
            read_source(node, fields, self.score_dir, self.soundfonts)
            if instrument == SAMPLER
            else None
        )
        params: dict[str, ParamMap] = {}
        for key, value in fields.items():
            if key in _LAYER_PARAMS:
                params[key] = self.param(value, *_LAYER_PARAMS[key].bounds)
            elif key in instrument_params:
                spec = instrument_params[key]
                params[key] = self.param(value, spec.min, spec.max)
        seed = (
            fields["seed"].as_int(*F("layers.seed").int_bounds) if "seed" in fields else index + 1
        )
        stem = self.read_stem(node, fields) if instrument == "stem" else None
        bed = self.read_bed(node, fields) if instrument == "ambience" else None
        position = self.read_position(fields["position"]) if "position" in fields else None
        return LayerSpec(name, instrument, kind, options, params, seed, source, stem, bed, position)

    def read_position(self, node: Node) -> PositionSpec:
        """A ``position``: azimuth, elevation and distance, each a number or a mapping."""
        fields = node.check_keys(fmt.POSITION.keys)
        maps = {}
        for spec in fmt.POSITION.fields:
            if spec.name in fields:
                maps[spec.name] = self.param(fields[spec.name], *spec.bounds)
            else:
                assert isinstance(spec.default, float), spec.name
                maps[spec.name] = ParamMap.constant(spec.default)
        return PositionSpec(maps["azimuth"], maps["elevation"], maps["distance"])

    def check_motifs(self, node: Node, kind: str, options: dict[str, object]) -> None:
        """A generator that learns names motifs the score has, of one scale size."""
        if "motifs" not in GENERATORS[kind].OPTIONS:
            return
        names = options.get("motifs") or []
        assert isinstance(names, list)
        if not names:
            raise node.error(f"a {kind} generator needs 'motifs': names from the score's motifs")
        items = node.mapping()["motifs"]
        for i, name in enumerate(names):
            if name not in self.motifs:
                where = items.seq()[i] if items.is_seq else items
                known = ", ".join(self.motifs) or "none: add a 'motifs:' block"
                raise where.error(f"no motif named {quote(str(name))} (the score's: {known})")
        drums = GENERATORS[kind].LEARNS_DRUMS
        for i, name in enumerate(names):
            if self.motifs[str(name)].is_drums != drums:
                where = items.seq()[i] if items.is_seq else items
                raise where.error(
                    f"motif {quote(str(name))} is "
                    + (
                        "a melody: learned-drums learns drum motifs (MIDI channel 10)"
                        if drums
                        else "a drum motif: use it with learned-drums"
                    )
                )
        if len({self.motifs[str(n)].key.scale.size for n in names}) > 1:
            raise items.error(
                "these motifs are in scales of different sizes (e.g. pentatonic and major): "
                "one learned layer needs one kind of scale"
            )

    # -- recorded loops (stems and ambience beds) -------------------------------------------
    def recording(self, node: Node, fields: dict[str, Node]) -> tuple[str, float]:
        """The layer's ``file`` resolved against the score's folder, and its duration; a file
        that is missing or unreadable is an error at the ``file`` field, naming the file."""
        if "generator" in fields:
            raise fields["generator"].error("this layer plays its file: it takes no generator")
        if "file" not in fields:
            raise node.error("this layer needs a 'file' (relative to the score)")
        path = self.score_dir / fields["file"].as_str()
        try:
            _, _, seconds = audio_info(path)
        except AssetError as exc:
            raise fields["file"].error(str(exc)) from None
        if seconds <= 0.0:
            raise fields["file"].error(f"{path}: holds no audio")
        return str(path), seconds

    def read_stem(self, node: Node, fields: dict[str, Node]) -> StemSpec:
        """A stem's file, tempo, bars and follow mode; its length must match bars at tempo."""
        for required in ("tempo", "bars"):
            if required not in fields:
                raise node.error(f"a stem needs {required!r} (its own BPM and length in bars)")
        path, seconds = self.recording(node, fields)
        tempo = number(fields, F("layers.stem.tempo"))
        bars = integer(fields, F("layers.stem.bars"))
        spec = F("layers.stem.follow")
        follow = fields["follow"].as_str(spec.choices) if "follow" in fields else str(spec.default)
        meter = read_meter(self.root.mapping().get("meter"))
        expected = bars * meter.beats * 60.0 / tempo
        off = abs(seconds - expected) / expected
        if off > defaults.STEM_LENGTH_TOLERANCE:
            raise fields["bars"].error(
                f"{path} lasts {seconds:.3f} s, but {bars} bars of {meter.beats}/{meter.unit} "
                f"at {tempo:g} BPM last {expected:.3f} s ({off:.1%} off, more than "
                f"{defaults.STEM_LENGTH_TOLERANCE:.0%}): check 'tempo' and 'bars'"
            )
        return StemSpec(path, tempo, bars, follow, seconds, fields["file"].where())

    def read_bed(self, node: Node, fields: dict[str, Node]) -> BedSpec:
        """An ambience bed's file and loop crossfade; the file must outlast two crossfades."""
        path, seconds = self.recording(node, fields)
        crossfade = number(fields, F("layers.ambience.crossfade"))
        if seconds <= 2 * crossfade:
            where = fields.get("crossfade", fields["file"])
            raise where.error(
                f"{path} lasts {seconds:.3f} s: too short to loop with a {crossfade:g} s "
                "crossfade (it needs more than twice the crossfade)"
            )
        return BedSpec(path, crossfade, seconds, fields["file"].where())

    def read_scenes(
        self, node: Node, layers: dict[str, LayerSpec], tempo: TempoSpec
    ) -> dict[str, SceneSpec]:
        scenes: dict[str, SceneSpec] = {}
        for name, body in node.items(fmt.SCENES.limit):
            check_name(body, name)
            fields = body.check_keys(fmt.SCENE.keys)
            if "layers" not in fields:
                raise body.error("a scene needs 'layers'")
            bpm = self.param(fields["tempo"], tempo.min, tempo.max) if "tempo" in fields else None
            key = self.read_key(fields["key"], base=self._base_key()) if "key" in fields else None
            progression = (
                read_progression(fields["progression"]) if "progression" in fields else None
            )
            scenes[name] = SceneSpec(
                name,
                tuple(fields["layers"].as_str_list(layers, limit=F("scenes.layers").limit)),
                bpm,
                key,
                progression,
            )
        if not scenes:
            raise node.error("a score needs at least one scene")
        return scenes

    def _base_key(self) -> KeySpec:
        top = self.root.mapping()
        return self.read_key(top.get("key"), base=None)

    def read_stingers(self, node: Node | None) -> dict[str, StingerSpec]:
        if node is None:
            return {}
        stingers = {}
        for name, body in node.items(fmt.STINGERS.limit):
            check_name(body, name)
            stingers[name] = self.read_stinger(name, body)
        return stingers

    def read_stinger(self, name: str, node: Node) -> StingerSpec:
        fields = node.mapping()
        one_shot = None
        if "sample" in fields:
            for field in ("instrument", "notes", "octave"):
                if field in fields:
                    raise fields[field].error(
                        "a one-shot stinger plays its 'sample' file: it takes no "
                        "'instrument', 'notes' or 'octave'"
                    )
            if SAMPLER not in self.catalog.instruments:
                raise fields["sample"].error(
                    f"one-shot stingers play on the {SAMPLER!r} instrument, which this engine "
                    "does not have"
                )
            instrument = SAMPLER
        elif "instrument" not in fields or "notes" not in fields:
            raise node.error(
                "a stinger needs 'instrument' and 'notes', or a 'sample' file (a one-shot)"
            )
        else:
            instrument = fields["instrument"].as_str(self.catalog.instruments)
        inst_params = self.catalog.instruments[instrument]
        shape = tuple(f.name for f in fmt.STINGER_ONE_SHOT)
        if "sample" not in fields:
            shape = tuple(f.name for f in fmt.STINGER_NOTES)
            if instrument == SAMPLER:  # notes on a SoundFont preset or recordings
                shape = (*shape, *SOURCE_FIELDS)
        common = tuple(f.name for f in fmt.STINGER_COMMON)
        node.check_keys((*shape, *common, *inst_params))
        source = None
        if instrument == SAMPLER and "sample" not in fields:
            source = read_source(node, fields, self.score_dir, self.soundfonts)
        if "sample" in fields:
            one_shot = read_one_shot(node, self.score_dir)
            notes: tuple[StingerNote, ...] = ()
        else:
            notes = tuple(
                read_stinger_note(n) for n in fields["notes"].seq(F("stingers.notes").limit)
            )
            if not notes:
                raise fields["notes"].error("needs at least one note")
        duck = None
        if "duck" in fields:
            duck_fields = fields["duck"].check_keys(fmt.DUCK.keys)
            duck = DuckSpec(
                number(duck_fields, F("stingers.duck.db")),
                number(duck_fields, F("stingers.duck.release")),
            )
        params = {
            k: v.as_float(inst_params[k].min, inst_params[k].max)
            for k, v in fields.items()
            if k in inst_params
        }
        return StingerSpec(
            name=name,
            event=fields["event"].as_str() if "event" in fields else name,
            instrument=instrument,
            notes=notes,
            octave=integer(fields, F("stingers.octave")),
            quantize=read_quantize(fields["quantize"])
            if "quantize" in fields
            else parse_quantize(defaults.STINGER_QUANTIZE),
            gain=number(fields, F("stingers.gain")),
            reverb=number(fields, F("stingers.reverb")),
            duck=duck,
            params=params,
            sample=one_shot,
            source=source,
            cooldown=read_cooldown(fields["cooldown"])
            if "cooldown" in fields
            else Cooldown(defaults.STINGER_COOLDOWN),
            max_playing=integer(fields, F("stingers.max_playing")),
            position=self.read_position(fields["position"]) if "position" in fields else None,
        )

    def read_entrainment(self, node: Node | None) -> EntrainmentSpec | None:
        if node is None:
            return None
        fields = node.check_keys(fmt.ENTRAINMENT.keys)
        section = fmt.ENTRAINMENT
        goal = defaults.ENTRAIN_GOALS["calm"]
        if "goal" in fields:
            spec, value = section.sub("goal"), fields["goal"]
            if isinstance(value.scalar(), str):
                word = value.as_str(spec.choices)
                goal = 0.0 if word == "match" else defaults.ENTRAIN_GOALS[word]
            else:
                goal = value.as_float(*spec.bounds)
        low, high = number(fields, section.sub("min")), number(fields, section.sub("max"))
        if low > high:
            raise fields["min"].error(f"must not be above max ({high:g})")
        return EntrainmentSpec(
            input=fields["input"].as_str(self.inputs) if "input" in fields else "heartrate",
            goal=goal,
            min=low,
            max=high,
            per_bar=number(fields, section.sub("per_bar")),
            per_minute=number(fields, section.sub("per_minute")),
            match_bars=integer(fields, section.sub("match_bars")),
            tolerance=number(fields, section.sub("tolerance")),
            window=integer(fields, section.sub("window")),
            follow=number(fields, section.sub("follow")),
        )

    def read_master(self, node: Node | None) -> MasterSpec:
        fields = node.check_keys(fmt.MASTER.keys) if node else {}
        reverb = F("master.reverb")
        rev = fields["reverb"].check_keys(reverb.keys) if "reverb" in fields else {}
        dynamics = F("master.dynamics")
        return MasterSpec(
            loudness=number(fields, F("master.loudness")),
            ceiling=number(fields, F("master.ceiling")),
            reverb_size=number(rev, reverb.sub("size")),
            reverb_damp=number(rev, reverb.sub("damp")),
            reverb_return=number(rev, reverb.sub("return")),
            dynamics=self.param(fields["dynamics"], *dynamics.bounds)
            if "dynamics" in fields
            else ParamMap.constant(float(dynamics.default)),  # type: ignore[arg-type]
        )


# -- readers that need no score context ------------------------------------------------------
def read_inputs(node: Node | None) -> dict[str, InputSpec]:
    declared = node.mapping(fmt.INPUTS.limit) if node is not None else {}
    inputs = {}
    for name in (*defaults.BUILTIN_INPUTS, *declared):
        if name in inputs:
            continue
        base = defaults.BUILTIN_INPUTS.get(name, defaults.CUSTOM_INPUT)
        body = declared.get(name)
        if body is not None:
            check_name(body, name)
        inputs[name] = read_input(name, body, base)
    return inputs


def read_input(name: str, node: Node | None, base: defaults.InputDefault) -> InputSpec:
    fields = node.check_keys(fmt.INPUT.keys) if node is not None and not _is_null(node) else {}
    lo, hi = read_pair(fields["range"]) if "range" in fields else (base.min, base.max)
    default = (
        fields["default"].as_float(lo, hi)
        if "default" in fields
        else min(hi, max(lo, base.default))
    )
    spec = fmt.INPUT.sub("smoothing")
    smoothing = (
        fields["smoothing"].as_float(*spec.bounds) if "smoothing" in fields else base.smoothing
    )
    bindings = [Binding(f"/state/{name}")]
    if "bind" in fields:
        bindings = (
            [read_binding(b) for b in fields["bind"].seq(fmt.BINDING.limit)]
            if fields["bind"].is_seq
            else [read_binding(fields["bind"])]
        )
    source = fields["source"].as_str(defaults.INPUT_SOURCES) if "source" in fields else base.source
    timeout: float | None = defaults.SENSOR_TIMEOUT if source == "sensor" else None
    if "timeout" in fields:
        timeout = fields["timeout"].as_float(*fmt.INPUT.sub("timeout").bounds)
    fallback: float | None = default
    if "fallback" in fields:
        if timeout is None:
            raise fields["fallback"].error(
                "a fallback needs a timeout: give 'timeout' or 'source: sensor' (a game input"
                " holds its last value)"
            )
        fallback = read_fallback(fields["fallback"], default, lo, hi)
    return InputSpec(name, lo, hi, default, smoothing, tuple(bindings), source, timeout, fallback)


def read_fallback(node: Node, default: float, lo: float, hi: float) -> float | None:
    """``default``: the input's default; ``hold``: None (it stays put); else a number inside the
    input's range."""
    if node.is_scalar and isinstance(node.scalar(), str):
        return None if node.as_str(("default", "hold")) == "hold" else default
    return node.as_float(lo, hi)


def read_binding(node: Node) -> Binding:
    if node.is_scalar:
        return Binding(read_address(node))
    fields = node.check_keys(fmt.BINDING.keys)
    if "address" not in fields:
        raise node.error("a binding needs an 'address'")
    curve = read_curve(fields["map"], fields.get("shape")) if "map" in fields else None
    arg = integer(fields, fmt.BINDING.sub("arg"))
    return Binding(read_address(fields["address"]), curve, arg)


def read_address(node: Node) -> str:
    address = node.as_str()
    if not address.startswith("/") or any(c in address for c in " #*,?[]{}"):
        raise node.error(
            f"{quote(address)} is not an OSC address (it starts with '/' and has no "
            "spaces or pattern characters)"
        )
    return address


def read_curve(
    node: Node, shape: Node | None = None, lo: float | None = None, hi: float | None = None
) -> Curve:
    points = []
    for item in node.seq(defaults.MAX_CURVE_POINTS):
        pair = item.seq()
        if len(pair) != 2:
            raise item.error("a curve point is [x, y]")
        points.append((pair[0].as_float(), pair[1].as_float(lo, hi)))
    shape_name = shape.as_str(SHAPES) if shape is not None else "linear"
    try:
        return Curve(tuple(points), shape_name)
    except ValueError as exc:
        raise node.error(str(exc)) from None


def read_pair(node: Node, lo: float | None = None, hi: float | None = None) -> tuple[float, float]:
    items = node.seq()
    if len(items) != 2:
        raise node.error("expected [min, max]")
    a, b = items[0].as_float(lo, hi), items[1].as_float(lo, hi)
    if a >= b:
        raise node.error(f"min must be below max (got [{a:g}, {b:g}])")
    return a, b


def read_meter(node: Node | None) -> Meter:
    text = node.as_str() if node is not None else defaults.METER
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match or int(match[1]) not in range(1, 17) or int(match[2]) not in (2, 4, 8, 16):
        if node is None:
            raise ScoreError(f"bad default meter {text!r}")
        raise node.error(f"{quote(text)} is not a meter like 4/4, 3/4 or 6/8")
    return Meter(int(match[1]), int(match[2]))


def read_progression(node: Node) -> tuple[int, ...]:
    degrees = []
    for item in node.seq(fmt.PROGRESSION.limit):
        try:
            degrees.append(parse_degree(item.scalar()))
        except (ValueError, TypeError) as exc:
            raise item.error(str(exc)) from None
    if not degrees:
        raise node.error("a progression needs at least one chord")
    return tuple(degrees)


def read_generator(node: Node) -> tuple[str, dict[str, object]]:
    if node.is_scalar:
        kind_node, fields = node, {}
    else:
        fields = node.mapping()
        if "type" not in fields:
            raise node.error("a generator needs a 'type'")
        kind_node = fields.pop("type")
    kind = kind_node.as_str(GENERATORS)
    option_specs = GENERATORS[kind].OPTIONS
    if not node.is_scalar:
        node.check_keys(("type", *option_specs))
    return kind, {name: read_option(value, option_specs[name]) for name, value in fields.items()}


def read_option(node: Node, spec: Option) -> object:
    """A generator option checked against its spec (type, bounds, choices); a list option
    item by item, so an error points at the item."""
    if spec.type is list and node.is_seq:
        items = node.seq(defaults.MAX_OPTION_ITEMS)
        for item in items:
            _check_option(item, spec, [_option_value(item)])
        return _check_option(node, spec, [_option_value(item) for item in items])
    return _check_option(node, spec, _option_value(node))


def _option_value(node: Node) -> object:
    value = node.scalar()
    if isinstance(value, float) and not math.isfinite(value):
        raise node.error(f"must be a finite number (got {value})")
    return value


def _check_option(node: Node, spec: Option, value: object) -> object:
    try:
        return spec.check(value)
    except ValueError as exc:
        message = str(exc)  # the value is a scalar from the file: bounded by its size
        cut = 2 * defaults.MAX_QUOTE
        raise node.error(message if len(message) <= cut else message[:cut] + "...") from None


def read_stinger_note(node: Node) -> StingerNote:
    items = node.seq()
    if len(items) not in (3, 4):
        raise node.error(
            "a stinger note is [beat, scale degree, length beats] or "
            "[beat, degree, length, velocity]"
        )
    beat, degree, length, loud = fmt.field("stingers.notes").item.fields  # type: ignore[union-attr]
    velocity = items[3].as_float(*loud.bounds) if len(items) == 4 else float(loud.default)  # type: ignore[arg-type]
    return StingerNote(
        items[0].as_float(*beat.bounds),
        items[1].as_int(*degree.int_bounds),
        items[2].as_float(*length.bounds),
        velocity,
    )


def read_transitions(node: Node | None, scenes: dict[str, SceneSpec]) -> tuple[TransitionSpec, ...]:
    rules = [
        TransitionSpec(
            "*", "*", parse_quantize(defaults.TRANSITION_QUANTIZE), defaults.TRANSITION_FADE
        )
    ]
    if node is None:
        return tuple(rules)
    names = ("*", *scenes)
    for item in node.seq(fmt.TRANSITIONS.limit):
        fields = item.check_keys(fmt.TRANSITION.keys)
        source = fields["from"].as_str(names) if "from" in fields else "*"
        target = fields["to"].as_str(names) if "to" in fields else "*"
        quantize = read_quantize(fields["quantize"]) if "quantize" in fields else rules[0].quantize
        fade = number(fields, fmt.TRANSITION.sub("fade"))
        rules.append(TransitionSpec(source, target, quantize, fade))
    return tuple(rules)


def read_cooldown(node: Node) -> Cooldown:
    """Seconds as a number, or ``N beats`` / ``N bars`` (also ``beat``, ``bar``, ``1.5 beats``)."""
    if not isinstance(node.scalar(), str):
        return Cooldown(node.as_float(0, defaults.MAX_STINGER_COOLDOWN))
    text = node.as_str().strip().lower()
    match = re.fullmatch(r"(\d+(?:\.\d+)?)?\s*(beat|bar)s?", text)
    if match is None:
        raise node.error(
            f"{quote(text)} is not a cooldown: use seconds (a number), 'N beats' or 'N bars'"
        )
    amount = float(match[1]) if match[1] else 1.0
    if amount > defaults.MAX_STINGER_COOLDOWN:
        raise node.error(f"must be at most {defaults.MAX_STINGER_COOLDOWN:g} {match[2]}s")
    return Cooldown(amount, f"{match[2]}s")


def read_quantize(node: Node) -> Quantize:
    try:
        return parse_quantize(node.as_str())
    except ValueError as exc:
        raise node.error(str(exc)) from None


def parse_quantize(text: str) -> Quantize:
    """``now``, ``beat``, ``bar``, or ``N bars`` (also ``2bars``, ``4 bar``)."""
    text = text.strip().lower()
    if text in ("now", "beat", "bar"):
        return Quantize(text)
    match = re.fullmatch(r"(\d+)\s*bars?", text)
    if match and 1 <= int(match[1]) <= 64:
        return Quantize("bar", int(match[1]))
    raise ValueError(f"{quote(text)} is not a quantization: use now, beat, bar or 'N bars'")


def read_mutation(node: Node | None, layers: dict[str, LayerSpec]) -> MutationSpec | None:
    if node is None:
        return None
    fields = node.check_keys(fmt.MUTATION.keys)
    operators = fmt.MUTATION.sub("operators")
    return MutationSpec(
        every=integer(fields, fmt.MUTATION.sub("every")),
        probability=number(fields, fmt.MUTATION.sub("probability")),
        operators=tuple(fields["operators"].as_str_list(operators.choices, limit=operators.limit))
        if "operators" in fields
        else tuple(OPERATORS),
        layers=tuple(fields["layers"].as_str_list(layers, limit=fmt.MUTATION.sub("layers").limit))
        if "layers" in fields
        else None,
    )


def read_comfort(node: Node | None) -> ComfortSpec | None:
    if node is None:
        return None
    fields = node.check_keys(fmt.COMFORT.keys)
    base = ComfortSpec()
    if "preset" in fields:
        base = ComfortSpec.preset(fields["preset"].as_str(fmt.COMFORT.sub("preset").choices))
    changes = {
        name: fields[name].as_float(*fmt.COMFORT.sub(name).bounds)
        for name in fmt.COMFORT.keys
        if name != "preset" and name in fields
    }
    return replace(base, **changes)


def check_name(node: Node, name: str) -> None:
    if not _NAME.match(name):
        raise node.error(f"{quote(name)} is not a usable name (letters, digits, '_' and '-')")
    if len(name) > defaults.MAX_NAME:
        raise node.error(f"{quote(name)} is longer than {defaults.MAX_NAME} characters")


def _is_null(node: Node) -> bool:
    return node.is_scalar and node.scalar() is None
