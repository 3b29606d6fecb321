"""Plots: ``render --plot``, ``soundscape plot`` and ``soundscape curves`` write real PNGs of what
the real engine did, the traced data is what the engine heard and played, and watching a render
does not change a bit of its audio."""

from __future__ import annotations

import ast
import math
import struct
from pathlib import Path

import numpy as np
import pytest

from engine import cli, defaults, load_score
from engine.plots.mappings import mappings
from engine.plots.session import PlotResult, loudness_course, plot_session
from engine.render.trace import Tracer
from engine.state.timeline import load_timeline

ROOT = Path(__file__).resolve().parents[2]
FOREST = ROOT / "scores" / "forest.yaml"
SECONDS = 14.0
#: Arousal jumps at 0.5 s, the scene changes at 2 s (quantized to a bar, 3 s fades), a
#: discovery event at 3 s (a stinger that ducks the layers).
SESSION = """\
{"t": 0.5, "address": "/state/mood", "args": [0.0, 0.8]}
{"t": 2.0, "address": "/scene", "args": ["grove"]}
{"t": 3.0, "address": "/event", "args": ["discovery", 0.8]}
"""
PNG = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR, after checking its signature."""
    data = path.read_bytes()
    assert data[:8] == PNG and data[12:16] == b"IHDR", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("session") / "session.jsonl"
    path.write_text(SESSION, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def plotted(session: Path, tmp_path_factory: pytest.TempPathFactory) -> PlotResult:
    """The session plotted through ``plot_session``, its WAV kept."""
    folder = tmp_path_factory.mktemp("plotted")
    return plot_session(
        load_score(FOREST),
        load_timeline(session),
        folder / "plot.png",
        SECONDS,
        wav=folder / "plot.wav",
    )


def test_render_with_plot_and_midi_is_bit_identical_to_render_without(
    session: Path, plotted: PlotResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    common = ["render", str(FOREST), "--timeline", str(session), "--duration", str(SECONDS)]
    plain, watched = tmp_path / "plain.wav", tmp_path / "watched.wav"
    assert cli.main([*common, "--out", str(plain), "--quiet"]) == 0
    assert cli.main([
        *common, "--out", str(watched), "--quiet",
        "--plot", str(tmp_path / "r.png"), "--midi", str(tmp_path / "r.mid"),
    ]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert f"{tmp_path / 'r.png'}: plot of {SECONDS:.1f} s" in out
    assert plain.read_bytes() == watched.read_bytes()
    assert plain.read_bytes() == plotted.render.path.read_bytes()  # soundscape plot's render too
    width, height = png_size(tmp_path / "r.png")
    assert width == 1400 and 900 < height < 2000
    assert (tmp_path / "r.mid").stat().st_size > 100  # the MIDI writer's observer still heard


def test_the_smoothed_input_reaches_the_target_the_message_set(plotted: PlotResult) -> None:
    trace = plotted.trace
    times, values, targets = trace.input("arousal")
    step = times[1] - times[0]
    assert step <= SECONDS / defaults.TRACE_ROWS + 256 / 48000
    before, after = times < 0.5 - step, times >= 0.5 + step
    assert np.all(targets[before] == 0.0) and np.all(targets[after] == 0.8)
    # One time constant (the input's smoothing, 1.5 s) after the message: ~63 % of the way.
    smoothing = load_score(FOREST).inputs["arousal"].smoothing
    at = np.searchsorted(times, 0.5 + smoothing)
    assert 0.55 * 0.8 < values[at] < 0.72 * 0.8
    assert np.all(np.diff(values[after]) >= 0)  # rises, never overshoots
    assert values[-1] == pytest.approx(0.8, abs=2e-3)
    _, valence, valence_targets = trace.input("valence")
    assert np.all(valence == 0.0) and np.all(valence_targets == 0.0)  # the mood's other half


def test_the_scene_bands_and_the_layers_follow_the_scene_change(plotted: PlotResult) -> None:
    trace = plotted.trace
    assert trace.scene_requests == [(2.0, "grove")]
    assert [name for _, name in trace.scenes] == ["meadow", "grove"]
    landed = trace.scenes[1][0]
    bar_lines = [t for t, _ in trace.tempo]
    assert 2.0 < landed < 2.0 + 60 / 58 * 4 + 0.1  # the next bar line (tempo at least 58)
    assert any(math.isclose(landed, t, abs_tol=1e-3) for t in bar_lines)
    assert trace.scene_at(landed - 0.01) == "meadow" and trace.scene_at(landed) == "grove"
    times = trace.times
    arp, drone = trace.level("arp"), trace.level("drone")  # grove's arp, meadow's drone
    assert np.all(arp[times < landed - 0.01] == 0.0)
    assert arp[-1] > 0.01  # faded in over 3 s
    # The first row is read before pyo has computed a buffer: every level is 0 there.
    assert drone[(times > 0) & (times < landed - 0.01)].min() > 0.01
    assert drone[-1] == 0.0  # faded out, then suspended


def test_events_stingers_tempo_and_key_are_traced(plotted: PlotResult) -> None:
    trace = plotted.trace
    # Applied at the start of the buffer holding 3.0 s, as the render applies messages.
    [(requested, event, level)] = trace.events
    assert (event, level) == ("discovery", 0.8) and 3.0 - 256 / 48000 < requested <= 3.0
    [(landed, name, intensity)] = trace.stingers
    assert name == "discovery" and intensity == 0.8 and 3.0 < landed < 3.0 + 1.1  # a beat
    score = load_score(FOREST)
    assert trace.tempo[0][0] == 0.0 and len(trace.tempo) >= 3
    assert all(score.tempo.min <= bpm <= score.tempo.max for _, bpm in trace.tempo)
    # Arousal up: the tempo rises bar by bar (glide), after the first bar.
    bpms = [bpm for _, bpm in trace.tempo]
    assert bpms[-1] > bpms[0]
    assert trace.keys[0][:2] == (0.0, 2)  # D
    assert trace.dropped == 0


def test_the_loudness_course_is_short_term_lufs_of_the_render(plotted: PlotResult) -> None:
    times, lufs = loudness_course(plotted.render.path)
    hop, window = defaults.PLOT_LOUDNESS_HOP, defaults.PLOT_LOUDNESS_WINDOW
    assert times[0] == window and np.allclose(np.diff(times), hop)
    assert times[-1] <= SECONDS and times[-1] > SECONDS - hop - 1e-9
    assert np.all(np.isfinite(lufs)) and np.all((lufs > -50) & (lufs < -5))


def test_loudness_read_in_chunks_equals_loudness_read_whole(
    plotted: PlotResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    from engine.analysis import read_wav, short_term_loudness
    from engine.plots import session

    whole = short_term_loudness(
        *read_wav(plotted.render.path), defaults.PLOT_LOUDNESS_WINDOW, defaults.PLOT_LOUDNESS_HOP
    )
    monkeypatch.setattr(session, "CHUNK_SECONDS", 2.0)  # seven chunks of the 14 s render
    _, chunked = loudness_course(plotted.render.path)
    # Each chunk's K-weighting starts one second early: it has settled by the chunk's start.
    assert np.allclose(chunked, whole, atol=0.05)


def test_a_long_render_is_traced_in_bounded_memory() -> None:
    score = load_score(FOREST)
    for seconds in (1.0, 60.0, 3600.0, defaults.MAX_SECONDS):
        tracer = Tracer(score, sr=48000, buffersize=64, seconds=seconds)
        assert tracer._times.shape[0] <= defaults.TRACE_ROWS + 2
        assert tracer._levels.shape == (tracer._times.shape[0], len(score.layers))


def test_the_plot_command_renders_the_session_and_draws_it(
    session: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recorded = tmp_path / "recorded.jsonl"
    recorded.write_text(SESSION + "# end 5\n", encoding="utf-8")
    out = tmp_path / "plot.png"
    assert cli.main(["plot", str(recorded), str(FOREST), "--out", str(out), "--quiet"]) == 0
    line = capsys.readouterr().out
    assert f"{out}: 5.0 s of Forest: 1 scene changes, 1 stingers, 1 events" in line
    assert png_size(out)[0] == 1400


def test_curves_draws_every_mapping_of_the_score(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    score = load_score(FOREST)
    maps = mappings(score)
    labels = [m.label for m in maps]
    assert "arousal → pad.gain" in labels and "heartrate → pad.gain" in labels
    assert "valence → key.mode" in labels and "valence → scene ruins: key.mode" in labels
    tempo = [m for m in maps if m.target == "tempo.bpm"]
    assert [m.input for m in tempo] == ["arousal", "movement", "heartrate"]
    assert all(m.constant == 76 and m.others == 2 for m in tempo)
    state = {"arousal": 0.3, "movement": 0.5, "heartrate": 90.0, "valence": 0.0}
    assert tempo[0].constant + sum(m.curve(state[m.input]) for m in tempo) == pytest.approx(
        score.tempo.bpm.evaluate(state)
    )
    assert tempo[0].x_range == (-1.0, 1.0)  # the input's declared range
    curves = [
        m for m in maps if m.target.count(".") == 1 and m.target.split(".")[0] in score.layers
    ]
    assert len(curves) == sum(
        len([t for t in p.terms if t.curve is not None])
        for layer in score.layers.values()
        for p in layer.params.values()
    )
    out = tmp_path / "curves.png"
    assert cli.main(["curves", str(FOREST), "--out", str(out)]) == 0
    assert f"{out}: {len(maps)} mappings of Forest" in capsys.readouterr().out
    width, height = png_size(out)
    assert width > 1000 and height > 1000


@pytest.mark.parametrize(
    "argv",
    [
        ["curves", str(FOREST)],
        ["plot", "SESSION", str(FOREST)],
        ["render", str(FOREST), "--duration", "1", "--plot"],
    ],
    ids=["curves", "plot", "render"],
)
def test_a_bad_output_path_is_an_error_before_any_work(
    argv: list[str], session: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file").write_text("not a folder")
    bad = tmp_path / "file" / "out.png"
    argv = [session.as_posix() if a == "SESSION" else a for a in argv]
    if argv[0] == "render":
        argv += [str(bad), "--out", str(tmp_path / "r.wav"), "--quiet"]
    else:
        argv += ["--out", str(bad)]
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    assert f"error: cannot write {bad}: {tmp_path / 'file'} is a file" in captured.err
    assert captured.out == ""  # no success line
    assert not (tmp_path / "r.wav").exists()  # refused before the render started


def test_a_plot_that_cannot_be_written_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    full = Path("/dev/full")
    if not full.exists():
        pytest.skip("needs /dev/full")
    assert cli.main(["curves", str(FOREST), "--out", str(full)]) == 2
    captured = capsys.readouterr()
    assert "error: cannot write /dev/full: No space left on device" in captured.err
    assert captured.out == ""


def test_only_the_drawing_module_imports_matplotlib() -> None:
    users = []
    for path in sorted((ROOT / "engine").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(name.split(".")[0] == "matplotlib" for name in names):
                users.append(path.relative_to(ROOT).as_posix())
    assert set(users) == {"engine/plots/draw.py"}


def test_the_docs_pictures_are_what_the_commands_draw(tmp_path: Path) -> None:
    """docs/plot.png and docs/curves.png come from the commands docs/plots.md shows: the same
    size as the commands make now (a figure's size depends on the score, not on the render's
    length or the machine)."""
    assert cli.main(["curves", str(FOREST), "--out", str(tmp_path / "curves.png")]) == 0
    assert png_size(ROOT / "docs" / "curves.png") == png_size(tmp_path / "curves.png")
    short = tmp_path / "short.jsonl"
    short.write_text("# end 1\n", encoding="utf-8")
    assert cli.main(["plot", str(short), str(FOREST), "--out", str(tmp_path / "p.png")]) == 0
    assert png_size(ROOT / "docs" / "plot.png") == png_size(tmp_path / "p.png")
    text = (ROOT / "docs" / "plots.md").read_text(encoding="utf-8")
    assert "--out plot.png" in text and "--out curves.png" in text
    assert "](plot.png)" in text and "](curves.png)" in text


def test_a_bad_session_is_named_by_file_and_line_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    session = tmp_path / "bad.jsonl"
    session.write_text('{"t": 0.0, "address": "/scene", "args": ["grove"]}\n{"t": "soon"}\n')
    out = tmp_path / "plot.png"
    assert cli.main(["plot", str(session), "forest", "--out", str(out)]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith(f"error: {session}:2:") and captured.out == ""
    assert not out.exists()
