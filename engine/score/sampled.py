"""The loader's side of recorded sound: a sampler layer's source and a one-shot stinger's file.

Checked at load, cheaply (metadata only): a file exists and soundfile can read its header, a
SoundFont parses (structure only, cached per process) and has the preset named, a folder's file
names say their notes. Samples are read later, by :mod:`engine.score.assets`. Paths are relative
to the score's folder; a SoundFont not found there is looked up on the SoundFont search path
(:func:`engine.samples.search.find_soundfont`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from engine.samples.audio import AssetError, audio_info
from engine.samples.recordings import Recording, check_files, parse_note, scan_folder
from engine.samples.search import find_soundfont
from engine.samples.soundfont import open_soundfont
from engine.score import format as fmt
from engine.score.model import OneShot, SamplerSource
from engine.score.yamlnode import Node

#: The instrument that plays sampler sources and one-shots (engine/dsp/instruments/sampler.py).
SAMPLER = fmt.SAMPLER
#: The fields a sampler layer names its source with (besides the instrument's own parameters).
SOURCE_FIELDS = tuple(f.name for f in fmt.SAMPLER_SOURCE)
_RECORDING = fmt.field("layers.sampler.samples")


def read_source(
    node: Node, fields: dict[str, Node], score_dir: Path, soundfonts: Sequence[Path]
) -> SamplerSource:
    """A sampler layer's source: ``soundfont`` + ``preset``, or ``samples`` (exactly one)."""
    has_font, has_samples = "soundfont" in fields, "samples" in fields
    if has_font and has_samples:
        raise fields["samples"].error(
            "a sampler layer takes its sounds from 'soundfont' (with 'preset') or from "
            "'samples', not both"
        )
    if not has_font and not has_samples:
        if "preset" in fields:
            raise fields["preset"].error("'preset' needs a 'soundfont' beside it")
        raise node.error(
            "a sampler layer needs 'soundfont' and 'preset' (a SoundFont preset) or 'samples' "
            "(a folder or a list of recordings)"
        )
    if has_samples:
        if "preset" in fields:
            raise fields["preset"].error("'preset' goes with 'soundfont', not with 'samples'")
        return SamplerSource(
            where=fields["samples"].where(),
            recordings=read_recordings(fields["samples"], score_dir),
        )
    if "preset" not in fields:
        raise fields["soundfont"].error(
            "a 'soundfont' needs a 'preset': a name, or bank/program like 0/48"
        )
    font_node, preset_node = fields["soundfont"], fields["preset"]
    try:
        path = find_soundfont(font_node.as_str(), score_dir, soundfonts)
        soundfont = open_soundfont(path)
    except AssetError as exc:
        raise font_node.error(str(exc)) from None
    preset_text = preset_node.as_str()
    try:
        soundfont.find(preset_text)
    except AssetError as exc:
        raise preset_node.error(str(exc)) from None
    return SamplerSource(
        where=font_node.where(),
        soundfont=str(path),
        preset=preset_text,
        preset_where=preset_node.where(),
    )


def read_recordings(node: Node, score_dir: Path) -> tuple[Recording, ...]:
    """A folder's recordings (named by note) or an explicit list of ``{note, file, velocity}``."""
    if node.is_scalar:
        folder = score_dir / node.as_str()
        try:
            recordings = scan_folder(folder)
            check_files(recordings)
        except AssetError as exc:
            raise node.error(str(exc)) from None
        return tuple(recordings)
    recordings = []
    turns: dict[tuple[int, tuple[int, int]], int] = {}
    seen: dict[Path, Node] = {}
    for item in node.seq(_RECORDING.limit):
        entry = item.check_keys(_RECORDING.keys)
        for required in (f.name for f in _RECORDING.fields if f.required):
            if required not in entry:
                raise item.error(f"a recording needs {required!r}: {{note: C4, file: c4.wav}}")
        note = _note(entry["note"])
        spec = _RECORDING.sub("velocity")
        lo, hi = spec.int_bounds
        velocities = (lo or 0, 127 if hi is None else hi)
        if "velocity" in entry:
            pair = entry["velocity"].seq()
            if len(pair) != 2:
                raise entry["velocity"].error("expected [lowest, highest] velocity, e.g. [0, 80]")
            velocities = (pair[0].as_int(lo, hi), pair[1].as_int(lo, hi))
            if velocities[0] > velocities[1]:
                raise entry["velocity"].error(f"{velocities[0]} is above {velocities[1]}")
        file = score_dir / entry["file"].as_str()
        if file in seen:
            raise entry["file"].error(f"{file} is listed twice (the first at {_at(seen[file])})")
        seen[file] = entry["file"]
        try:
            audio_info(file)
        except AssetError as exc:
            raise entry["file"].error(str(exc)) from None
        turn = turns.get((note, velocities), -1) + 1  # same note and layer: round robin
        turns[(note, velocities)] = turn
        recordings.append(Recording(file, note, velocities, turn))
    if not recordings:
        raise node.error("needs at least one recording")
    return tuple(recordings)


def read_one_shot(node: Node, score_dir: Path) -> OneShot:
    """A stinger's ``sample`` (a file) and its optional ``root`` note."""
    fields = node.mapping()
    file = score_dir / fields["sample"].as_str()
    try:
        _rate, _channels, seconds = audio_info(file)
    except AssetError as exc:
        raise fields["sample"].error(str(exc)) from None
    if seconds <= 0:
        raise fields["sample"].error(f"{file}: holds no audio")
    root = _note(fields["root"]) if "root" in fields else None
    return OneShot(str(file), root, seconds, fields["sample"].where())


def _note(node: Node) -> int:
    try:
        return parse_note(node.as_str())
    except ValueError as exc:
        raise node.error(str(exc)) from None


def _at(node: Node) -> str:
    return f"line {node.line}"
