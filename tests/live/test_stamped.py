"""Beats stamped ahead (docs/osc.md, "Stamped feedback"): /engine/beat, /engine/stinger,
/engine/scene and /engine/key leave ``--feedback-ahead`` before they are heard, as OSC bundles
time-tagged with that moment, and the tag lands on the onset in the audio.

Offline the session runs on a manual pyo server with a clock made from the sample count, so a
stamp is exactly where its sample lies; the test finds each stinger's onset in the recorded WAV
(after silence, the first sample above a threshold) and compares. The feedback goes over real
UDP to a socket of the test and is read with the engine's own packet parser.
"""

from __future__ import annotations

import itertools
import socket
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from engine import load_score
from engine.dsp.server import record_to, running_manual_server
from engine.live.feedback import ENGINE_DELAY
from engine.live.session import LiveSession
from engine.osc.packet import IMMEDIATELY, parse
from engine.osc.sender import encode
from engine.render.engine import Engine

SR, BUFFER = 48000, 256
EPOCH = 1_700_000_000.0  # the wall time of sample 0: any moment after 1970 (tag 1 = "now")
AHEAD = 0.03
SCORE = """\
title: Stamps
seed: 1
tempo: {bpm: 100}
key: {root: C, mode: major}
layers:
  pad: {instrument: pluck, generator: drone}
scenes:
  quiet: {layers: []}
  other: {layers: []}
transitions:
  - {to: other, quantize: bar}
  - {to: quiet, quantize: bar}
stingers:
  hit: {instrument: pluck, notes: [[0, 1, 0.25]], quantize: beat, reverb: 0}
  downbeat: {instrument: pluck, notes: [[0, 5, 0.25]], quantize: bar, reverb: 0}
"""


class Listener:
    """A game's socket: every datagram as the engine's parser reads it."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.setblocking(False)
        self.port = self.socket.getsockname()[1]
        self.received: list[tuple[int, float, str, tuple[object, ...]]] = []

    def drain(self, buffer: int) -> None:
        while True:
            try:
                data = self.socket.recv(65536)
            except BlockingIOError:
                return
            for message in parse(data):
                self.received.append((buffer, message.time, message.address, message.args))

    def of(self, address: str) -> list[tuple[int, float, tuple[object, ...]]]:
        return [(b, t, args) for b, t, a, args in self.received if a == address]


def onsets(audio: np.ndarray, threshold: float = 1e-3, quiet: float = 0.05) -> list[float]:
    """Seconds where the signal first exceeds ``threshold`` after ``quiet`` seconds under it."""
    loud = np.flatnonzero(np.abs(audio) > threshold)
    gap = round(quiet * SR)
    starts = [int(loud[0])] if len(loud) else []
    starts += [int(b) for a, b in itertools.pairwise(loud) if b - a > gap]
    return [s / SR for s in starts]


def run(
    tmp_path: Path, ahead: float, events: dict[int, tuple[str, ...]], seconds: float
) -> tuple[Listener, LiveSession, np.ndarray]:
    path = tmp_path / "score.yaml"
    path.write_text(SCORE)
    score = load_score(path)
    listener = Listener()
    with running_manual_server(sr=SR, buffersize=BUFFER, seed=1) as server:
        engine = Engine(score, sr=SR, buffersize=BUFFER, seed=1)
        session = LiveSession(
            engine,
            None,
            clock=lambda: EPOCH + engine.sample / SR,
            feedback_ahead=ahead,
            output_latency=0.0,
            subscription_ttl=60.0,
        )
        session.feedback.stamped = deque()
        assert session.feedback.subscribe(("127.0.0.1", listener.port))
        record_to(server, str(tmp_path / "out.wav"))
        for index in range(round(seconds * SR / BUFFER)):
            for address, *args in [events[index]] if index in events else []:
                engine.send(address, *args)
            session.process()
            server.process()
            listener.drain(index)
        time.sleep(0.1)  # the last buffer's datagrams
        listener.drain(index)
        server.recstop()
        session.close()
    audio, rate = soundfile.read(tmp_path / "out.wav")
    assert rate == SR
    return listener, session, audio.mean(axis=1) if audio.ndim > 1 else audio


def buffer_at(seconds: float) -> int:
    return round(seconds * SR / BUFFER)


EVENTS = {
    buffer_at(0.7): ("/event", "hit"),
    buffer_at(2.9): ("/event", "hit"),
    buffer_at(4.1): ("/scene", "other"),
    buffer_at(5.2): ("/event", "downbeat"),
    buffer_at(8.35): ("/event", "hit"),
}


def test_stamped_stingers_land_within_a_millisecond_of_their_onsets(tmp_path: Path) -> None:
    listener, _, audio = run(tmp_path, AHEAD, EVENTS, 11.0)
    heard = onsets(audio)
    stingers = listener.of("/engine/stinger")
    assert [args[0] for _, _, args in stingers] == ["hit", "hit", "downbeat", "hit"]
    assert len(heard) == len(stingers), (heard, stingers)
    beats = {t for _, t, _ in listener.of("/engine/beat")}
    for (buffer, stamp, _), onset in zip(stingers, heard, strict=True):
        assert stamp != IMMEDIATELY
        assert abs((stamp - EPOCH) - onset) <= 1e-3, (stamp - EPOCH, onset)
        assert stamp in beats  # quantized to a beat: the same moment as that beat's stamp
        # sent ahead: at least AHEAD before the sound (the buffer's start is its wall time)
        sent = EPOCH + buffer * BUFFER / SR
        assert stamp - sent >= AHEAD - BUFFER / SR, (stamp - sent, buffer)


def test_beats_scenes_and_keys_come_ahead_as_bundles_on_the_bar_grid(tmp_path: Path) -> None:
    listener, session, _ = run(tmp_path, AHEAD, EVENTS, 11.0)
    beats = listener.of("/engine/beat")
    spb = 60.0 / 100 * SR  # samples per beat at 100 BPM
    assert len(beats) >= 17
    for index, (buffer, stamp, args) in enumerate(beats):
        bar, beat, bpm = args
        assert (bar, beat, bpm) == (index // 4, index % 4, pytest.approx(100.0))
        assert abs((stamp - EPOCH - ENGINE_DELAY) * SR - round(index * spb)) < 1e-2  # exact
        sent = buffer * BUFFER  # the sample the sending buffer started at
        lead = stamp - EPOCH - ENGINE_DELAY - sent / SR
        if beat > 0:  # told ahead (a downbeat no earlier than its bar is decided: 0.1 s)
            assert AHEAD - BUFFER / SR <= lead <= AHEAD + BUFFER / SR, (index, lead)
        elif index > 0:  # the first bar starts at sample 0: nothing can come before it
            assert lead >= AHEAD - BUFFER / SR
    greeting, *scenes = listener.of("/engine/scene")  # a subscriber hears the scene at once
    assert greeting[1:] == (IMMEDIATELY, ("quiet",))
    assert [args for _, _, args in scenes] == [("other",)]
    assert scenes[0][1] in {t for _, t, args in beats if args[1] == 0}  # on a bar line
    keys = listener.of("/engine/key")
    assert keys and keys[0][2] == ("C", "major") and keys[0][1] == EPOCH + ENGINE_DELAY
    assert session.feedback.stamped is not None
    stamped = [
        (round((t - EPOCH - ENGINE_DELAY) * SR), t, a, args)
        for _, t, a, args in listener.received
        if t != IMMEDIATELY
    ]
    assert list(session.feedback.stamped) == stamped  # levels and the greeting go un-bundled


def test_ahead_zero_keeps_the_old_unbundled_feedback(tmp_path: Path) -> None:
    listener, _, audio = run(tmp_path, 0.0, EVENTS, 11.0)
    assert listener.received
    assert all(t == IMMEDIATELY for _, t, _, _ in listener.received)
    heard = onsets(audio)
    stingers = listener.of("/engine/stinger")
    assert len(heard) == len(stingers) == 4
    for (buffer, _, _), onset in zip(stingers, heard, strict=True):
        assert buffer * BUFFER / SR <= onset < (buffer + 1) * BUFFER / SR  # when computed


def test_the_audio_is_the_same_stamped_or_not(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _, _, stamped = run(tmp_path / "a", AHEAD, EVENTS, 6.0)
    _, _, plain = run(tmp_path / "b", 0.0, EVENTS, 6.0)
    assert np.array_equal(stamped, plain)


# -- live: the real engine on a private dummy JACK server, real UDP ---------------------------
class WallListener:
    """A game's socket in a thread: (arrival in Unix seconds, stamp, address, args)."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.settimeout(0.2)
        self.port = int(self.socket.getsockname()[1])
        self.received: list[tuple[float, float, str, tuple[object, ...]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.socket.recv(65536)
            except TimeoutError:
                continue
            now = time.time()
            for message in parse(data):
                self.received.append((now, message.time, message.address, message.args))

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.socket.close()


LIVE_LATENCY_MS = 20.0  # --output-latency: a known latency to find in the stamps


def test_live_stamps_are_the_beats_buffer_plus_latency_within_a_buffer(player: Any) -> None:
    listener = WallListener()
    try:
        live = player(
            "--feedback",
            f"127.0.0.1:{listener.port}",
            "--output-latency",
            str(LIVE_LATENCY_MS),
            "--buffer",
            str(BUFFER),
        )
        sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        time.sleep(1.0)
        sender.sendto(encode("/key", ("Eb", "lydian")), ("127.0.0.1", live.port))
        sender.sendto(encode("/mode", ("nonsense",)), ("127.0.0.1", live.port))
        time.sleep(7.0)
        summary = live.stop()
        sender.close()
    finally:
        listener.close()
    beats = [(a, t, args) for a, t, address, args in listener.received if address == "/engine/beat"]
    assert len(beats) >= 6
    buffer = BUFFER / SR
    lead = AHEAD + ENGINE_DELAY + LIVE_LATENCY_MS / 1000
    for index, (arrival, stamp, args) in enumerate(beats):
        assert stamp != IMMEDIATELY, args
        if index == 0:
            continue  # the first bar starts with the session
        # sent while computing a buffer AHEAD before the beat's buffer: the beat's buffer is
        # computed AHEAD later (within a buffer), and heard the latency after that
        assert lead - 2 * buffer <= stamp - arrival <= lead + buffer, (index, stamp - arrival)
    # the stamps keep the tempo: each beat a beat's length after the last, within a buffer; an
    # xrun loses the audio clock time (the dummy driver skips buffers), and the stamps follow
    # the sound, so each xrun the engine counted may add a buffer to one interval
    slack = buffer * (1 + (summary["xruns"] or 0))
    for (_, t0, (_, _, bpm)), (_, t1, _) in itertools.pairwise(beats):
        assert abs((t1 - t0) - 60.0 / float(bpm)) <= slack, (t1 - t0, bpm, summary["xruns"])
    keys = [args for _, t, address, args in listener.received if address == "/engine/key"]
    assert keys[-1] == ("D#", "lydian")  # /key over OSC, reported on its bar line
    assert summary["dropped"] == {"unknown_mode": 1}
