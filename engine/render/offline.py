"""Offline rendering: a score, a seed and a timeline to a WAV file, faster than real time.

Same score, seed and timeline give a bit-identical file: pyo runs in manual mode, one buffer per
``process()`` call, and everything between buffers is deterministic.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine import defaults
from engine.conductor.performer import Observer
from engine.dsp.server import record_to, recorded_bytes, running_manual_server
from engine.events import Action
from engine.render.engine import Engine
from engine.render.outputs import OutputError, check_output, why_writes_stopped
from engine.render.wavfile import GrowingWav, frames_in_header
from engine.score.assets import Assets, load_assets
from engine.score.model import Score
from engine.state.timeline import TimedMessage

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RenderResult:
    path: Path
    seconds: float  # audio rendered
    wall: float  # wall-clock seconds spent
    frames: int
    nan_recoveries: int
    dropped: dict[str, int]
    samples: Assets | None = None  # the sound files the score played (sizes, load time)

    @property
    def speed(self) -> float:
        """Real-time factor: seconds of audio per second of wall time."""
        return self.seconds / self.wall if self.wall > 0 else math.inf


def render(
    score: Score,
    out: str | Path,
    duration: float,
    *,
    seed: int | None = None,
    timeline: Sequence[TimedMessage] = (),
    sr: int = 48000,
    buffersize: int = 256,
    progress: Progress | None = None,
    observer: Observer | None = None,
    listeners: Sequence[Callable[[list[Action]], None]] = (),
    reloads: Sequence[tuple[float, Score]] = (),
    attach: Sequence[Callable[[Engine], None]] = (),
    spatial: str = defaults.SPATIAL_MODE,
) -> RenderResult:
    """Render ``duration`` seconds (rounded up to whole buffers) of ``score`` to ``out``.

    ``reloads``: (seconds, score) pairs: each score replaces the one playing at that time, as
    a live reload would (from the next bar still to be decided; see :meth:`Engine.reload`).

    Raises :class:`OutputError` before rendering if ``out`` cannot be written or will not fit,
    and as soon as its writes fail (a full disk), keeping what was written; the result is only
    returned once the finished file's header holds every frame.

    ``attach`` is called with the Engine once it is built, before the first buffer: observers
    that watch it (``render.trace.Tracer.attach``) hook in there and must not change the sound.

    ``spatial``: how placed layers and stingers sound (``off``, ``stereo``, ``binaural``:
    docs/spatial.md).
    """
    out = Path(out)
    seed = score.seed if seed is None else seed
    buffers = max(1, math.ceil(duration * sr / buffersize))
    frames = buffers * buffersize
    check_output(out, needs_bytes=recorded_bytes(frames))
    started = time.perf_counter()
    with running_manual_server(sr=sr, buffersize=buffersize, seed=seed) as server:
        engine = Engine(
            score, sr=sr, buffersize=buffersize, seed=seed, observer=observer, spatial=spatial
        )
        engine.listeners.extend(listeners)
        for hook in attach:
            hook(engine)
        engine.schedule(timeline)
        record_to(server, str(out))
        wav = _growing(out, server)
        report_every = max(1, buffers // 200)
        check_every = max(1, round(defaults.RECORD_CHECK_SECONDS * sr / buffersize))
        pending = sorted(reloads, key=lambda item: item[0])
        try:
            for index in range(buffers):
                while pending and pending[0][0] * sr < (index + 1) * buffersize:
                    new = pending.pop(0)[1]
                    engine.reload(engine.stage(new, load_assets(new, sr), set()))
                engine.tick()
                server.process()
                if (index + 1) % check_every == 0:
                    _check_growth(wav, (index + 1) * buffersize, frames, server)
                if progress is not None and (index % report_every == 0 or index == buffers - 1):
                    progress(index + 1, buffers)
            _check_growth(wav, frames, frames, server)
        finally:
            wav.close()
        server.recstop()
    if frames_in_header(out) != frames:  # e.g. the header could not be rewritten at the end
        raise OutputError(out, f"its header holds {frames_in_header(out)} of {frames} frames")
    return RenderResult(
        out,
        buffers * buffersize / sr,
        time.perf_counter() - started,
        buffers * buffersize,
        engine.orchestra.recoveries,
        dict(engine.dropped()),
        engine.assets,
    )


def _growing(out: Path, server: Any) -> GrowingWav:
    try:
        return GrowingWav(out)
    except (OSError, ValueError) as exc:
        server.recstop()
        raise OutputError(out, f"pyo could not create it ({exc})") from None


def _check_growth(wav: GrowingWav, computed: int, total: int, server: Any) -> None:
    """Keep the header current; stop with an error if frames computed are missing on disk."""
    size = wav.refresh_header()
    if wav.frames(size) < computed:
        server.recstop()
        sr = wav.layout.sr
        reason = why_writes_stopped(wav.path, size, recorded_bytes(computed) - size)
        raise OutputError(
            wav.path,
            f"{reason}; the render stopped there, and the file keeps its first "
            f"{wav.seconds(size):.1f} of {total / sr:.1f} s",
        )
