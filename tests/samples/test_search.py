"""Where a score's SoundFont is found: next to it, --soundfont, $SOUNDSCAPE_SOUNDFONTS, system."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import defaults
from engine.samples.audio import AssetError
from engine.samples.search import find_soundfont, search_path


@pytest.fixture
def places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv(defaults.SOUNDFONT_PATH_ENV, raising=False)
    for folder in ("score", "option", "env1", "env2"):
        (tmp_path / folder).mkdir()
    return tmp_path


def test_next_to_the_score_comes_first(places: Path) -> None:
    (places / "score" / "gm.sf2").write_bytes(b"x")
    (places / "option" / "gm.sf2").write_bytes(b"x")
    found = find_soundfont("gm.sf2", places / "score", [places / "option"])
    assert found == places / "score" / "gm.sf2"


def test_then_the_option_then_the_environment(
    places: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    (places / "env2" / "gm.sf2").write_bytes(b"x")
    monkeypatch.setenv(
        defaults.SOUNDFONT_PATH_ENV, os.pathsep.join([str(places / "env1"), str(places / "env2")])
    )
    assert find_soundfont("gm.sf2", places / "score") == places / "env2" / "gm.sf2"
    (places / "option" / "gm.sf2").write_bytes(b"x")
    assert find_soundfont("gm.sf2", places / "score", [places / "option"]) == (
        places / "option" / "gm.sf2"
    )
    # a file given as the option stands in for any SoundFont
    other = places / "other.sf2"
    other.write_bytes(b"x")
    assert find_soundfont("gm.sf2", places / "score", [other]) == other
    assert search_path([places / "option"])[:3] == [
        places / "option",
        places / "env1",
        places / "env2",
    ]
    assert search_path()[-2:] == [Path(p) for p in defaults.SOUNDFONT_FOLDERS]


def test_not_found_says_where_it_looked_and_how_to_get_one(places: Path) -> None:
    with pytest.raises(AssetError) as error:
        find_soundfont("Nowhere_GM.sf2", places / "score", [places / "option"])
    message = str(error.value)
    assert message.startswith("Nowhere_GM.sf2: SoundFont not found next to the score")
    assert str(places / "option") in message and "/usr/share/sounds/sf2" in message
    assert "sudo apt-get install fluid-soundfont-gm" in message
    assert "--soundfont" in message
