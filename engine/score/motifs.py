"""The loader's side of motifs: a score's ``motifs:`` block read into key-relative material.

Each motif is a note list (``notes:``, in YAML) or a MIDI file (``midi:``, next to the score),
in the score's meter, on a grid the motif states (``grid:``, default 1/16). Every problem is a
ScoreError at the field it comes from: a bad note at its item (and the character inside a
one-line list), a MIDI file's problem at ``midi`` naming the file.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from engine import defaults
from engine.errors import ScoreError
from engine.music.midifile import DRUM_CHANNEL, read_notes
from engine.music.motifs import (
    TONIC_OCTAVE,
    Key,
    Metre,
    Motif,
    MotifError,
    from_hits,
    from_pitches,
    grid_steps,
    parse_key,
    parse_note_list,
)
from engine.score import format as fmt
from engine.score.model import KeySpec, Meter
from engine.score.yamlnode import Node

MOTIF_FIELDS = fmt.MOTIF.keys
DEFAULT_GRID = Fraction(str(fmt.MOTIF.sub("grid").default))


def read_motifs(node: Node | None, key: KeySpec, meter: Meter, score_dir: Path) -> dict[str, Motif]:
    """The score's motifs by name (none when the block is absent)."""
    if node is None:
        return {}
    motifs = {}
    for name, body in node.items(fmt.MOTIFS.limit):
        motifs[name] = read_motif(name, body, key, meter, score_dir)
    return motifs


def read_motif(name: str, node: Node, key: KeySpec, meter: Meter, score_dir: Path) -> Motif:
    fields = node.check_keys(MOTIF_FIELDS)
    if ("notes" in fields) == ("midi" in fields):
        raise node.error("a motif needs 'notes' (a note list) or 'midi' (a MIDI file), not both")
    metre = Metre(meter.beats, meter.unit)
    if "meter" in fields:
        text = fields["meter"].as_str().replace(" ", "")
        if text != str(metre):
            raise fields["meter"].error(
                f"this motif is in {text}, but the score's meter is {metre}: a layer plays "
                "motifs in its own meter"
            )
    grid = DEFAULT_GRID
    if "grid" in fields:
        try:
            grid = Fraction(fields["grid"].as_str())
        except (ValueError, ZeroDivisionError):
            raise fields["grid"].error("a grid is a note value like 1/16 or 1/12") from None
    try:
        steps = grid_steps(grid, metre)
    except MotifError as exc:
        raise fields.get("grid", node).error(exc.message) from None
    written = Key(key.root, key.mode)
    if "key" in fields:
        written = _key(fields["key"])
    if "notes" in fields:
        for field in ("track", "channel", "drums"):
            if field in fields:
                raise fields[field].error(f"'{field}' picks from a MIDI file: it needs 'midi'")
        spec = fmt.MOTIF.sub("octave")
        octave = fields["octave"].as_int(*spec.int_bounds) if "octave" in fields else TONIC_OCTAVE
        return _note_list(name, fields["notes"], written, metre, steps, octave)
    if "octave" in fields:
        raise fields["octave"].error("'octave' places scale degrees of a note list")
    track: str | int | None = None
    if "track" in fields:
        value = fields["track"].scalar()
        track = (
            fields["track"].as_int(*fmt.MOTIF.sub("track").int_bounds)
            if isinstance(value, int)
            else fields["track"].as_str()
        )
    spec = fmt.MOTIF.sub("channel")
    channel = fields["channel"].as_int(*spec.int_bounds) if "channel" in fields else None
    drums = fields["drums"].as_bool() if "drums" in fields else channel == DRUM_CHANNEL
    if drums and channel is None:
        channel = DRUM_CHANNEL
    path = score_dir / fields["midi"].as_str()
    try:
        read = read_notes(path, metre, steps, track, channel)
        if read.key is not None and "key" not in fields:
            written = read.key
        if drums:
            return from_hits(name, read.notes, written, metre, steps)
        return from_pitches(name, read.notes, written, metre, steps)
    except MotifError as exc:
        raise fields["midi"].error(exc.message) from None


def _key(node: Node) -> Key:
    try:
        return parse_key(node.as_str())
    except MotifError as exc:
        raise node.error(exc.message) from None


def _note_list(name: str, node: Node, key: Key, metre: Metre, steps: int, octave: int) -> Motif:
    """A note list as a YAML list of items, or one string of items separated by commas."""
    if node.is_seq:
        items = node.seq(defaults.MAX_MOTIF_ITEMS)
        texts = [item.as_str() for item in items]

        def error(exc: MotifError) -> ScoreError:
            if exc.item is None:
                return node.error(exc.message)
            return items[exc.item].error_at(exc.offset, exc.message)

    else:
        text = node.as_str()
        texts, starts, at = [], [], 0
        for part in text.split(","):
            starts.append(at + len(part) - len(part.lstrip()))
            texts.append(part.strip())
            at += len(part) + 1
        if len(texts) > defaults.MAX_MOTIF_ITEMS:
            raise node.error(f"{len(texts)} items: at most {defaults.MAX_MOTIF_ITEMS}")

        def error(exc: MotifError) -> ScoreError:
            if exc.item is None:
                return node.error(exc.message)
            return node.error_at(starts[exc.item] + exc.offset, exc.message)

    try:
        return parse_note_list(name, texts, key, metre, steps, octave)
    except MotifError as exc:
        raise error(exc) from None
