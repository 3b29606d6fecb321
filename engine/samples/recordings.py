"""A folder (or an explicit list) of recordings as a :class:`SampleSet`.

File names say what a file is (see docs/samples.md): the last name part before the options is
the note it sounds, a name (``C4``, ``Cs4``, ``C#4``, ``Db4``; C4 is MIDI 60) or a MIDI number
(``piano_60``); ``_v80`` makes it the velocity layer whose top is 80, ``_rr2`` a round-robin
alternative. ``marimba_Fs3_v64_rr2.flac`` is F#3, velocities up to 64, second alternative.

Between sampled notes the keys are split at the midpoints (a key exactly halfway goes to the
lower note); below the lowest and above the highest the outer notes stretch to 0 and 127. A
note's velocity layers stack by their tops: the layer with top 80 covers from the previous
layer's top + 1 to 80, and a file without ``_v`` tops at 127. Files of the same note and layer
with different ``_rr`` are alternatives the sampler turns through.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from engine import defaults
from engine.samples.audio import AssetError, audio_info, read_audio
from engine.samples.model import Audio, SampleSet, VolumeEnvelope, Zone

_NATURALS = {"c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11}
_NOTE = re.compile(r"^([A-Ga-g])(#|s|b)?(-?\d{1,2})$")
_OPTION = re.compile(r"^(v|rr)(\d{1,3})$", re.IGNORECASE)
#: A recording plays once to its end, with a short release when its note ends early.
RECORDING_ENVELOPE = VolumeEnvelope(release=0.05)


@dataclass(frozen=True)
class Recording:
    """One sound file mapped to a note: ``velocities`` inclusive, ``turn`` its round-robin
    alternative (0 when it has none)."""

    file: Path
    note: int
    velocities: tuple[int, int] = (0, 127)
    turn: int = 0


def parse_note(text: str) -> int:
    """A note name with octave (``C4`` = 60, ``Cs4``/``C#4``/``Db4`` = 61) or a MIDI number."""
    text = text.strip()
    if text.isdigit():
        number = int(text)
    else:
        match = _NOTE.match(text)
        if match is None:
            raise ValueError(
                f"{text[: defaults.MAX_QUOTE]!r} is not a note: use a name with an octave "
                "(C4, Cs4, C#4, Db4) or a MIDI number (0..127)"
            )
        letter, accidental, octave = match.groups()
        shift = {"#": 1, "s": 1, "b": -1}.get(accidental or "", 0)
        number = 12 * (int(octave) + 1) + _NATURALS[letter.lower()] + shift
    if not 0 <= number <= 127:
        raise ValueError(f"{text!r} is outside MIDI notes 0..127")
    return number


def parse_name(stem: str) -> tuple[int, int, int]:
    """(note, velocity top, round-robin turn) of a file name without its extension."""
    parts = stem.split("_")
    top, turn = 127, 0
    while len(parts) > 1 and _OPTION.match(parts[-1]):
        kind, number = _OPTION.match(parts.pop()).groups()  # type: ignore[union-attr]
        if kind.lower() == "v":
            if not 1 <= int(number) <= 127:
                raise ValueError(f"velocity top _v{number} is outside 1..127")
            top = int(number)
        else:
            turn = int(number)
    try:
        note = parse_note(parts[-1])
    except ValueError:
        raise ValueError(
            f"cannot tell the note from the name {stem[: defaults.MAX_QUOTE]!r}: it ends in a "
            "note (C4, Fs3, Db4) or a MIDI number (piano_60), then optionally _v<top> and "
            "_rr<n>, e.g. piano_C4_v80_rr2.wav"
        ) from None
    return note, top, turn


def scan_folder(folder: Path) -> list[Recording]:
    """The recordings in ``folder`` (not its subfolders), named as the module says; metadata
    only. An empty folder, a name that says no note, or two files for one slot are errors."""
    if not folder.is_dir():
        raise AssetError(f"{folder}: no such folder")
    files = sorted(
        p
        for p in folder.iterdir()
        if p.suffix.lower() in defaults.RECORDING_EXTENSIONS and not p.name.startswith(".")
    )
    if not files:
        kinds = ", ".join(defaults.RECORDING_EXTENSIONS)
        raise AssetError(f"{folder}: no sound files in it ({kinds})")
    if len(files) > defaults.MAX_RECORDINGS:
        raise AssetError(
            f"{folder}: {len(files)} sound files, at most {defaults.MAX_RECORDINGS} are allowed"
        )
    parsed: dict[tuple[int, int, int], Path] = {}
    for path in files:
        try:
            slot = parse_name(path.stem)
        except ValueError as exc:
            raise AssetError(f"{path}: {exc}") from None
        if slot in parsed:
            raise AssetError(
                f"{path}: the same note, velocity layer and round-robin turn as "
                f"{parsed[slot].name} (rename one, e.g. with _rr2)"
            )
        parsed[slot] = path
    tops: dict[int, list[int]] = {}
    for note, top, _turn in parsed:
        tops.setdefault(note, []).append(top)
    recordings = []
    for (note, top, turn), path in parsed.items():
        below = [t for t in tops[note] if t < top]
        recordings.append(Recording(path, note, (max(below) + 1 if below else 0, top), turn))
    return sorted(recordings, key=lambda r: (r.note, r.velocities, r.turn, r.file.name))


def check_files(recordings: Iterable[Recording]) -> None:
    """Each file exists and soundfile can read its header (cheap: no samples are read)."""
    for recording in recordings:
        audio_info(recording.file)


def key_ranges(notes: Iterable[int]) -> dict[int, tuple[int, int]]:
    """Each sampled note's keys: split at midpoints, the outer notes stretched to 0 and 127."""
    roots = sorted(set(notes))
    ranges = {}
    for i, root in enumerate(roots):
        lo = 0 if i == 0 else (roots[i - 1] + root) // 2 + 1
        hi = 127 if i == len(roots) - 1 else (root + roots[i + 1]) // 2
        ranges[root] = (lo, hi)
    return ranges


def buffers(recordings: Sequence[Recording], sr: int) -> dict[object, int]:
    """The buffers the recordings become at ``sr``, keyed as :func:`read_recordings`'s cache,
    with the bytes each takes in a pyo table (float64), from the files' headers."""
    sizes: dict[object, int] = {}
    for recording in recordings:
        key = _key(recording.file, sr)
        if key not in sizes:
            _rate, _channels, seconds = audio_info(recording.file)
            sizes[key] = 8 * round(seconds * sr)
    return sizes


def _key(file: Path, sr: int) -> tuple[str, int]:
    return (str(file.resolve()), sr)


def read_recordings(
    name: str, recordings: Sequence[Recording], sr: int, cache: dict[object, Audio] | None = None
) -> SampleSet:
    """The recordings as one sample set at ``sr``; ``cache`` (keyed by file and rate) shares a
    file that several layers or stingers use."""
    if not recordings:
        raise AssetError(f"{name}: no recordings")
    cache = {} if cache is None else cache
    ranges = key_ranges(r.note for r in recordings)
    buffers: list[Audio] = []
    index: dict[Path, int] = {}
    zones = []
    for recording in recordings:
        if recording.file not in index:
            key = _key(recording.file, sr)
            if key not in cache:
                cache[key] = read_audio(recording.file, sr)
            index[recording.file] = len(buffers)
            buffers.append(cache[key])
        zones.append(
            Zone(
                sample=index[recording.file],
                keys=ranges[recording.note],
                velocities=recording.velocities,
                root=float(recording.note),
                envelope=RECORDING_ENVELOPE,
            )
        )
    return SampleSet(name, sr, tuple(buffers), tuple(zones))
