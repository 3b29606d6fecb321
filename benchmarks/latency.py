"""Reaction latency: from a message's arrival to the first output sample that changes.

Two renders of the same score and seed, identical except for one message: where their output
first differs is when the message was heard. Measured offline, sample-exact, for a continuous
input (``/state/arousal``) and for a scene change (``/scene``, against the bar line its
transition is quantized to). A scene change is measured on the entering layer's own channel, not
on the mix: its instrument is woken silently a little before the bar line (the bar is prepared
ahead, docs/architecture.md), and a woken noise source draws on pyo's shared random stream, so
the wind already playing changes its grain from the wake on, which a first-difference on the mix
would count as hearing the scene early. A live message arrives somewhere inside a buffer and is
applied at the start of the next one, so its arrival adds up to one buffer to the engine's
reaction: the table gives both.
"""

from __future__ import annotations

import tempfile
import wave
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from engine import load_score
from engine.dsp.pyolib import pyo
from engine.dsp.server import record_to, running_manual_server
from engine.errors import SoundscapeError
from engine.render.engine import Engine
from engine.state.timeline import TimedMessage

ROOT = Path(__file__).resolve().parent.parent
SR = 48000
#: When the message is applied: a buffer boundary well after start-up.
AT_SECONDS = 8.0


@dataclass
class LatencyRow:
    case: str
    buffersize: int
    reaction_samples: int  # applied (buffer start, or the bar line) -> first changed sample
    reaction_ms: float
    worst_ms: float  # + a whole buffer of waiting for arrival inside a buffer


def _render(
    score_path: Path,
    buffersize: int,
    seconds: float,
    messages: list[TimedMessage],
    out: Path,
    scenes: list[int],
    channel: str | None = None,
) -> np.ndarray:
    """The render's output, or with ``channel`` that layer's channel alone (what it adds to the
    mix, after its fader)."""
    score = load_score(score_path)
    with running_manual_server(sr=SR, buffersize=buffersize, seed=score.seed) as server:
        engine = Engine(
            score,
            sr=SR,
            buffersize=buffersize,
            seed=score.seed,
            observer=lambda sample, kind, _d: scenes.append(sample) if kind == "scene" else None,
        )
        engine.schedule(messages)
        if channel is None:
            record_to(server, str(out))
        else:
            tap = pyo.Record(
                engine.orchestra.channels[channel].signal, str(out), chnls=2, sampletype=1
            )
        for _ in range(int(seconds * SR / buffersize)):
            engine.tick()
            server.process()
        if channel is None:
            server.recstop()
        else:
            tap.stop()
            del tap
    return _read_24bit(out)


def _read_24bit(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as wav:
        raw = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.uint8)
    triplets = raw.reshape(-1, 3).astype(np.int32)
    values = triplets[:, 0] | (triplets[:, 1] << 8) | (triplets[:, 2] << 16)
    return np.where(values >= 1 << 23, values - (1 << 24), values)


def _first_difference(a: np.ndarray, b: np.ndarray) -> int:
    differ = np.nonzero(a != b)[0]
    return int(differ[0]) // 2 if len(differ) else -1  # interleaved stereo -> frame


def measure(
    case: str,
    score: str,
    address: str,
    args: tuple[object, ...],
    buffersize: int,
    entering: str | None = None,
) -> LatencyRow:
    """``entering``: for a scene change, a layer it brings in, heard on its own channel."""
    path = ROOT / "scores" / score
    at = round(AT_SECONDS * SR / buffersize) * buffersize  # a buffer boundary
    seconds = AT_SECONDS + 12.0
    with tempfile.TemporaryDirectory() as folder:
        landed: list[int] = []
        moved = _render(
            path,
            buffersize,
            seconds,
            [TimedMessage(at / SR, address, args)],
            Path(folder) / "b.wav",
            landed,
            entering,
        )
        if entering is None:
            base = _render(path, buffersize, seconds, [], Path(folder) / "a.wav", [])
        else:  # the layer is silent, all zeros, until it enters
            base = np.zeros_like(moved)
    first = _first_difference(base, moved)
    start = landed[0] if landed else at  # a scene change counts from its bar line
    reaction = first - start
    ms = 1000 * reaction / SR
    return LatencyRow(
        case, buffersize, reaction, round(ms, 2), round(ms + 1000 * buffersize / SR, 2)
    )


def _playable(name: str) -> bool:
    """Whether the score's sound files are here (voyage needs Debian's fluid-soundfont-gm)."""
    try:
        load_score(ROOT / "scores" / name)
    except SoundscapeError:
        return False
    return True


def run(buffersizes: tuple[int, ...] = (256, 128)) -> list[LatencyRow]:
    rows = []
    for buffersize in buffersizes:
        rows.append(
            measure("/state/arousal (forest)", "forest.yaml", "/state/arousal", (1.0,), buffersize)
        )
        if _playable("voyage.yaml"):
            rows.append(  # samplers playing (voyage's General MIDI presets)
                measure(
                    "/state/arousal (voyage)", "voyage.yaml", "/state/arousal", (1.0,), buffersize
                )
            )
        rows.append(
            measure(
                "/scene ruins (forest, bar)",
                "forest.yaml",
                "/scene",
                ("ruins",),
                buffersize,
                entering="drums",
            )
        )
    return rows


def table(rows: list[LatencyRow]) -> str:
    head = f"{'message':<28} {'buffer':>6} {'reaction smp':>13} {'reaction ms':>12} {'worst ms':>9}"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r.case:<28} {r.buffersize:>6} {r.reaction_samples:>13} "
            f"{r.reaction_ms:>12.2f} {r.worst_ms:>9.2f}"
        )
    return "\n".join(lines)


def as_json(rows: list[LatencyRow]) -> list[dict[str, object]]:
    return [asdict(r) for r in rows]
