"""Sampler layers and one-shot stingers in a score: fields, load-time checks with
``file:line:column: field:`` errors, the SoundFont search path, reading and the memory cap."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import cli
from engine.conductor.conductor import nearest_pitch
from engine.errors import ScoreError
from engine.score.assets import load_assets
from engine.score.catalog import Catalog, ParamRange
from engine.score.loader import load_score
from tests.conductor.stage import Stage
from tests.conductor.test_conductor import Recorder
from tests.samples.sounds import FLUID, write_sine

#: The real catalogue has no sampler until its branch is merged: the loader must only need
#: what a catalogue says about it.
CATALOG = Catalog({"keys": {}, "sampler": {"cutoff": ParamRange(20, 20000, 20000)}})
SR = 48000

needs_fluid = pytest.mark.skipif(
    not FLUID.is_file(),
    reason=f"{FLUID} is not installed (scripts/install-test-deps.sh installs fluid-soundfont-gm)",
)

HEAD = "scenes:\n  main: {layers: [lead]}\nlayers:\n  lead:\n"


def write_score(folder: Path, text: str) -> Path:
    path = folder / "score.yaml"
    path.write_text(text)
    return path


def load(folder: Path, text: str, **kwargs: object) -> object:
    return load_score(write_score(folder, text), CATALOG, **kwargs)  # type: ignore[arg-type]


def error_of(folder: Path, text: str, **kwargs: object) -> str:
    with pytest.raises(ScoreError) as error:
        load(folder, text, **kwargs)
    return str(error.value)


def test_a_folder_of_recordings(tmp_path: Path) -> None:
    write_sine(tmp_path / "sounds" / "C4.wav", 60)
    write_sine(tmp_path / "sounds" / "G4_v90.flac", 67)
    score = load(
        tmp_path, HEAD + "    instrument: sampler\n    samples: sounds\n    cutoff: 3000\n"
    )
    layer = score.layers["lead"]  # type: ignore[attr-defined]
    assert layer.source.soundfont is None and len(layer.source.recordings) == 2
    assert layer.params["cutoff"].evaluate({}) == 3000
    assets = load_assets(score, SR)  # type: ignore[arg-type]
    assert set(assets.sets) == {"lead"} and assets.nbytes == pytest.approx(2 * 0.5 * SR * 8, abs=64)
    assert assets.summary()["mb"] == pytest.approx(0.384, abs=0.001)
    assert assets.describe().startswith("samples: 0.4 MB in ")


def test_an_explicit_list_with_velocity_layers_and_round_robin(tmp_path: Path) -> None:
    for name, pitch in (("soft.wav", 60), ("hard.wav", 60), ("alt.wav", 60)):
        write_sine(tmp_path / name, pitch)
    score = load(
        tmp_path,
        HEAD
        + "    instrument: sampler\n    samples:\n"
        + "      - {note: C4, file: soft.wav, velocity: [0, 80]}\n"
        + "      - {note: 60, file: hard.wav, velocity: [81, 127]}\n"
        + "      - {note: C4, file: alt.wav, velocity: [0, 80]}\n",
    )
    sample_set = load_assets(score, SR).sets["lead"]  # type: ignore[arg-type]
    soft = [sample_set.zones_for(60, 50, turn)[0].sample for turn in range(2)]
    assert soft[0] != soft[1]  # round robin between soft.wav and alt.wav
    assert sample_set.zones_for(60, 100)[0].sample not in soft


@needs_fluid
def test_a_soundfont_preset_found_on_the_search_path(tmp_path: Path) -> None:
    text = HEAD + "    instrument: sampler\n    soundfont: FluidR3_GM.sf2\n    preset: Strings\n"
    score = load(tmp_path, text)  # not next to the score: found in /usr/share/sounds/sf2
    assert score.layers["lead"].source.soundfont == str(FLUID)  # type: ignore[attr-defined]
    message = error_of(tmp_path, text.replace("FluidR3_GM", "Missing_GM"), soundfonts=[tmp_path])
    assert message.startswith(f"{tmp_path / 'score.yaml'}:6:16: layers.lead.soundfont: ")
    assert "Missing_GM.sf2: SoundFont not found next to the score" in message
    assert "sudo apt-get install fluid-soundfont-gm" in message
    # a --soundfont file stands in for it
    score = load(tmp_path, text.replace("FluidR3_GM", "Missing_GM"), soundfonts=[FLUID])
    assert score.layers["lead"].source.soundfont == str(FLUID)  # type: ignore[attr-defined]


@needs_fluid
def test_two_layers_on_one_preset_share_its_samples(tmp_path: Path) -> None:
    text = (
        "scenes:\n  main: {layers: [a, b]}\nlayers:\n"
        f"  a: {{instrument: sampler, soundfont: {FLUID}, preset: '0/47'}}\n"
        f"  b: {{instrument: sampler, soundfont: {FLUID}, preset: Timpani}}\n"
    )
    assets = load_assets(load(tmp_path, text), SR)  # type: ignore[arg-type]
    assert assets.sets["a"].samples[0] is assets.sets["b"].samples[0]
    assert assets.nbytes == assets.sets["a"].nbytes  # counted once


@needs_fluid
def test_an_unknown_preset_points_at_the_preset_field(tmp_path: Path) -> None:
    message = error_of(
        tmp_path,
        HEAD + f"    instrument: sampler\n    soundfont: {FLUID}\n    preset: Strngs\n",
    )
    assert message == (
        f"{tmp_path / 'score.yaml'}:7:13: layers.lead.preset: no preset 'Strngs' in {FLUID} "
        "(did you mean 'Strings', 'Slow Strings', 'Synth Strings 3'?)"
    )


@pytest.mark.parametrize(
    ("fields", "where", "problem"),
    [
        ("    samples: nowhere\n", "6:14: layers.lead.samples", "nowhere: no such folder"),
        (
            "    samples: [{note: C4, file: gone.wav}]\n",
            "6:32: layers.lead.samples[0].file",
            "gone.wav: no such file",
        ),
        (
            "    samples: [{note: C4, file: junk.wav}]\n",
            "6:32: layers.lead.samples[0].file",
            "junk.wav: not a readable audio file",
        ),
        (
            "    samples: [{note: H4, file: tone.wav}]\n",
            "6:22: layers.lead.samples[0].note",
            "'H4' is not a note",
        ),
        (
            "    samples: [{note: C4, file: tone.wav, velocity: [90, 10]}]\n",
            "6:52: layers.lead.samples[0].velocity",
            "90 is above 10",
        ),
        (
            "    samples: sounds\n    soundfont: x.sf2\n    preset: a\n",
            "6:14: layers.lead.samples",
            "not both",
        ),
        ("    cutoff: 100\n", "5:5: layers.lead", "needs 'soundfont' and 'preset' (a SoundFont"),
        ("    preset: Strings\n", "6:13: layers.lead.preset", "'preset' needs a 'soundfont'"),
        ("    soundfont: x.sf2\n", "6:16: layers.lead.soundfont", "a 'soundfont' needs a 'preset'"),
        (
            "    soundfont: fake.sf2\n    preset: a\n",
            "6:16: layers.lead.soundfont",
            "fake.sf2: not a readable SoundFont 2 file",
        ),
    ],
)
def test_source_errors_name_the_field(
    tmp_path: Path, fields: str, where: str, problem: str
) -> None:
    write_sine(tmp_path / "tone.wav", 60)
    write_sine(tmp_path / "sounds" / "C4.wav", 60)
    (tmp_path / "junk.wav").write_bytes(b"not audio at all" * 10)
    (tmp_path / "fake.sf2").write_bytes((tmp_path / "tone.wav").read_bytes())
    message = error_of(tmp_path, HEAD + "    instrument: sampler\n" + fields)
    assert message.startswith(f"{tmp_path / 'score.yaml'}:{where}: "), message
    assert problem in message


def test_source_fields_belong_to_the_sampler_only(tmp_path: Path) -> None:
    message = error_of(tmp_path, HEAD + "    instrument: keys\n    samples: sounds\n")
    assert "layers.lead.samples: unknown field 'samples'" in message


def test_one_shot_stingers(tmp_path: Path) -> None:
    write_sine(tmp_path / "gong.flac", 48, seconds=1.5)
    body = HEAD + "    instrument: keys\nstingers:\n  gong:\n    sample: gong.flac\n"
    score = load(tmp_path, body + "    root: C3\n    event: discovery\n    cutoff: 900\n")
    stinger = score.stingers["gong"]  # type: ignore[attr-defined]
    assert stinger.instrument == "sampler" and stinger.notes == () and stinger.event == "discovery"
    assert stinger.sample.root == 48 and stinger.sample.seconds == pytest.approx(1.5)
    assert stinger.params == {"cutoff": 900}
    sample_set = load_assets(score, SR).sets["stinger:gong"]  # type: ignore[arg-type]
    assert len(sample_set.zones) == 1 and sample_set.zones[0].root == 48
    assert sample_set.zones[0].keys == (0, 127)
    # errors
    assert "stingers.gong.notes: a one-shot stinger plays its 'sample'" in error_of(
        tmp_path, body + "    notes: [[0, 1, 1]]\n"
    )
    assert "stingers.gong.root: 'X9' is not a note" in error_of(tmp_path, body + "    root: X9\n")
    missing = error_of(tmp_path, body.replace("gong.flac", "bell.wav"))
    assert missing.startswith(f"{tmp_path / 'score.yaml'}:8:13: stingers.gong.sample: ")
    assert missing.endswith("bell.wav: no such file")
    no_sampler = Catalog({"keys": {}})
    with pytest.raises(ScoreError, match="play on the 'sampler' instrument, which this engine"):
        load_score(write_score(tmp_path, body), no_sampler)


def test_one_shot_pitch_lands_on_the_tonic_nearest_its_root() -> None:
    assert nearest_pitch(48, 0) == 48  # C3 in C
    assert nearest_pitch(48, 9) == 45  # A below, not the A a sixth above
    assert nearest_pitch(48, 2) == 50
    assert nearest_pitch(48, 6) == 54  # a tritone: up


def test_the_conductor_plays_a_one_shot_as_one_note(tmp_path: Path) -> None:
    write_sine(tmp_path / "hit.wav", 48, seconds=2.0)
    text = (
        "key: {root: A, mode: minor}\n" + HEAD + "    instrument: keys\n"
        "stingers:\n"
        "  hit: {sample: hit.wav, root: C3, quantize: now}\n"
        "  raw: {sample: hit.wav, quantize: now}\n"
    )
    score = load(tmp_path, text)
    recorder = Recorder(256)
    stage = Stage(score, CATALOG, recorder, sr=SR, buffersize=256, seed=1)  # type: ignore[arg-type]
    for start in range(0, SR, 256):
        recorder.start = start
        if start == 256 * 10:
            stage.handle("/event", ("hit",), start)
            stage.handle("/event", ("raw",), start)
        stage.step(start, 256)
    notes = [n for n in recorder.notes if n[1].startswith("stinger:")]
    by_channel = {n[1]: n for n in notes}
    assert len(notes) == 2
    _, _, pitch, duration, _ = by_channel["stinger:hit"]
    assert pitch == 45  # A2: the tonic of A minor nearest C3
    assert duration == pytest.approx(2.0 * 2 ** (3 / 12), rel=1e-3)  # pitched down: longer
    _, _, pitch, duration, _ = by_channel["stinger:raw"]
    assert pitch == 60 and duration == pytest.approx(2.0, rel=1e-3)  # as recorded


def test_max_sample_mb_refuses_before_reading(tmp_path: Path) -> None:
    write_sine(tmp_path / "sounds" / "C4.wav", 60, seconds=2.0)  # 0.77 MB at 48 kHz
    write_sine(tmp_path / "big.wav", 40, seconds=4.0)  # 1.54 MB
    text = (
        "max_sample_mb: 1\n" + HEAD + "    instrument: sampler\n    samples: sounds\n"
        "stingers:\n  boom: {sample: big.wav}\n"
    )
    score = load(tmp_path, text)
    with pytest.raises(ScoreError) as error:
        load_assets(score, SR)  # type: ignore[arg-type]
    assert str(error.value) == (
        f"{tmp_path / 'score.yaml'}:1:16: max_sample_mb: the samples would take 2.3 MB, more "
        "than max_sample_mb 1 (biggest: stingers.boom 1.5 MB, layers.lead 0.8 MB); raise "
        "max_sample_mb or use fewer or smaller presets"
    )
    assert load_assets(load(tmp_path, text.replace(": 1\n", ": 3\n")), SR).nbytes > 0  # type: ignore[arg-type]
    assert "max_sample_mb: must be in [0, 4096]" in error_of(
        tmp_path, text.replace(": 1\n", ": -1\n")
    )


def test_a_file_changed_after_validation_is_reported_where_the_score_names_it(
    tmp_path: Path,
) -> None:
    write_sine(tmp_path / "sounds" / "C4.wav", 60)
    score = load(tmp_path, HEAD + "    instrument: sampler\n    samples: sounds\n")
    (tmp_path / "sounds" / "C4.wav").write_bytes(b"broken now" * 100)
    with pytest.raises(ScoreError, match=r"score.yaml:6:14: layers.lead.samples: .*C4.wav: not"):
        load_assets(score, SR)  # type: ignore[arg-type]


def test_validate_reports_a_bad_sampler_score(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI with a catalogue that has a sampler (the real one has it once merged)."""
    import engine.catalog

    monkeypatch.setattr(engine.catalog, "default_catalog", lambda: CATALOG)
    bad = write_score(
        tmp_path, HEAD + "    instrument: sampler\n    soundfont: Gone.sf2\n    preset: Strings\n"
    )
    code = cli.main(["validate", str(bad), "--soundfont", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith(f"{bad}:6:16: layers.lead.soundfont: Gone.sf2: SoundFont not found")
    assert str(tmp_path) in err and "fluid-soundfont-gm" in err
