"""Finding a score's SoundFont: next to the score, else on the SoundFont search path.

A score names its SoundFont by file name (``soundfont: FluidR3_GM.sf2``) so that it travels
without the 148 MB file. The search path, in order:

1. the ``--soundfont PATH`` options (``engine.load_score(..., soundfonts=[...])``): a file stands
   in for any SoundFont not found next to the score; a folder is searched by name;
2. the folders in the environment variable ``SOUNDSCAPE_SOUNDFONTS`` (os.pathsep-separated);
3. the system's folders (``defaults.SOUNDFONT_FOLDERS``: Debian's, then other distributions').
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from engine import defaults
from engine.samples.audio import AssetError

HOW_TO_GET_ONE = (
    "install a General MIDI SoundFont (Debian/Ubuntu: sudo apt-get install fluid-soundfont-gm) "
    "or download FluidR3_GM.sf2 and pass --soundfont PATH"
)


def search_path(options: Sequence[str | Path] = ()) -> list[Path]:
    """Where SoundFonts are looked for, in order (see the module's docstring)."""
    env = os.environ.get(defaults.SOUNDFONT_PATH_ENV, "")
    folders = [Path(p).expanduser() for p in env.split(os.pathsep) if p.strip()]
    system = [Path(p) for p in defaults.SOUNDFONT_FOLDERS]
    return [Path(p).expanduser() for p in options] + folders + system


def find_soundfont(name: str, score_dir: Path, options: Sequence[str | Path] = ()) -> Path:
    """The SoundFont file a score's ``soundfont: name`` means."""
    named = Path(name).expanduser()
    beside = named if named.is_absolute() else score_dir / named
    if beside.is_file():
        return beside
    for option in options:
        if Path(option).expanduser().is_file():
            return Path(option).expanduser()  # a --soundfont FILE stands in for any SoundFont
    searched = []
    for folder in search_path(options):
        candidate = folder / named.name
        if candidate.is_file():
            return candidate
        searched.append(str(folder))
    raise AssetError(
        f"{named.name}: SoundFont not found next to the score ({beside.parent}) nor in "
        f"{', '.join(searched)}; {HOW_TO_GET_ONE}"
    )
