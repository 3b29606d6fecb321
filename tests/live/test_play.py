"""``soundscape play --audio dummy``: the real engine in real time on a private JACK server,
steered by real OSC peers over loopback."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile
from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.udp_client import SimpleUDPClient

from tests.live.conftest import Listener
from tests.playing import FOREST, ROOT, XrunFloor, require, xruns_allowed


def oscsend(port: int, address: str, types: str, *values: object) -> None:
    """liblo's oscsend: a real OSC peer that is not python-osc."""
    subprocess.run(
        [require("oscsend"), "127.0.0.1", str(port), address, types, *map(str, values)],
        check=True,
        timeout=10,
    )


def test_play_answers_oscsend_reports_beats_and_stops_cleanly_on_sigterm(
    player, listener: Listener
) -> None:
    floor = XrunFloor(8.0)
    live = player("--feedback", f"127.0.0.1:{listener.port}")
    oscsend(live.port, "/state/valence", "f", 0.8)
    oscsend(live.port, "/state/heartrate", "i", 104)
    oscsend(live.port, "/state/mood", "df", -0.25, 0.5)  # a double and a float: both numbers
    oscsend(live.port, "/state/movement", "T")  # a bool: 1.0
    oscsend(live.port, "/scene", "s", "grove")
    oscsend(live.port, "/event", "sf", "discovery", 0.9)
    time.sleep(6.0)
    summary = live.stop(signal.SIGTERM)  # a clean exit, status 0
    assert summary["heard"] == {
        "valence": -0.25,
        "arousal": 0.5,
        "movement": 1.0,
        "heartrate": 104.0,
    }
    # what they steer now: the heart, silent for 6 s, eased back (the sensor watchdog)
    assert summary["targets"] == {**summary["heard"], "heartrate": 70.0}
    assert summary["scene"] == "grove"
    assert summary["accepted"] == 6 and summary["dropped"] == {}
    assert summary["xruns"] is not None and summary["xruns"] <= xruns_allowed(floor.xruns())
    assert summary["errors"] == 0
    beats = listener.of("/engine/beat")
    bpm = float(beats[-1][1][2])
    # beats arrive at the tempo's rate, in real time
    span = beats[-1][0] - beats[1][0]
    assert (len(beats) - 2) / span * 60 == pytest.approx(bpm, rel=0.15)
    # a --feedback listener hears the scene at start, then the change when it lands
    assert [args[0] for _, args in listener.of("/engine/scene")] == ["meadow", "grove"]
    assert [args[0] for _, args in listener.of("/engine/stinger")] == ["discovery"]


def test_bundles_wait_for_their_time_tag_and_garbage_never_stops_the_music(
    player, listener: Listener
) -> None:
    live = player("--feedback", f"127.0.0.1:{listener.port}")
    client = SimpleUDPClient("127.0.0.1", live.port)
    later = OscBundleBuilder(time.time() + 1.5)
    message = OscMessageBuilder("/scene")
    message.add_arg("ruins")
    later.add_content(message.build())
    sent = time.monotonic()
    client.send(later.build())
    now = OscBundleBuilder(IMMEDIATELY)
    for address, value in (("/state/arousal", 0.75), ("/tempo", 0)):
        m = OscMessageBuilder(address)
        m.add_arg(value)
        now.add_content(m.build())
    client.send(now.build())
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as raw:
        for junk in (
            b"",
            b"\x00",
            b"garbage",
            b"/state/arousal\x00\x00,f\x00\x00\x7f",
            b"/state/arousal\x00\x00,zzzz\x00\x00\x00",
            b"#bundle\x00" + b"\xff" * 40,
            b"/scene\x00\x00,s\x00\x00\xff\xfe\xfd\x00",
        ):
            raw.sendto(junk, ("127.0.0.1", live.port))
    client.send_message("/state/valence", float("inf"))
    time.sleep(0.05)  # within one buffer the second would override (coalesce) the first
    client.send_message("/state/valence", "sad")
    client.send_message("/scene", "nowhere")
    time.sleep(5.0)
    summary = live.stop()
    assert summary["scene"] == "ruins" and summary["targets"]["arousal"] == 0.75
    [(landed, _)] = listener.of("/engine/scene")[1:]  # after "meadow", said at start
    assert landed - sent >= 1.5  # the time tag held it back, then the bar line
    assert summary["dropped"].get("non_finite") == 1 and summary["dropped"].get("bad_type") == 1
    assert summary["dropped"].get("unknown_scene") == 1
    assert sum(summary["dropped"].values()) >= 8
    assert summary["errors"] == 0
    # the music went on: beats kept coming until the end
    assert listener.of("/engine/beat")[-1][0] > time.monotonic() - 3.0


def test_a_live_recording_replays_offline_sample_for_sample(player, tmp_path: Path) -> None:
    wav, log = tmp_path / "live.wav", tmp_path / "live.jsonl"
    live = player("--seed", "3", "--record", str(wav), "--record-osc", str(log))
    client = SimpleUDPClient("127.0.0.1", live.port)
    for value in (0.2, 0.6, 0.9):
        client.send_message("/state/arousal", value)
        time.sleep(0.4)
    client.send_message("/scene", "ruins")
    client.send_message("/event", ["discovery", 0.7])
    client.send_message("/state/heartrate", 130)
    time.sleep(3.0)
    live.stop()
    replay = tmp_path / "replay.wav"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "engine",
            "render",
            str(FOREST),
            "--timeline",
            str(log),
            "--seed",
            "3",
            "--out",
            str(replay),
            "--quiet",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    text = log.read_text()
    assert "landed /engine/scene ruins" in text and "landed /engine/stinger discovery" in text
    heard, _ = soundfile.read(wav, dtype="int32")
    rendered, _ = soundfile.read(replay, dtype="int32")
    assert len(heard) > 4 * 48000
    assert heard.shape == rendered.shape
    assert np.abs(heard).max() > 0
    assert np.array_equal(heard, rendered)


def test_without_a_sound_card_the_error_says_what_to_do(tmp_path: Path) -> None:
    from engine.dsp.realtime import has_sound_card

    if has_sound_card():
        pytest.skip("this machine has a sound card")
    for chosen in ([], ["--audio", "portaudio"]):  # pyo itself would segfault on the second
        result = subprocess.run(
            [sys.executable, "-m", "engine", "play", str(FOREST), "--duration", "1", *chosen],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 2, result.stderr
        assert "no sound card" in result.stderr and "--audio dummy" in result.stderr


def test_a_busy_port_is_a_clear_error(player) -> None:
    live = player()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "engine",
            "play",
            str(FOREST),
            "--audio",
            "dummy",
            "--port",
            str(live.port),
            "--duration",
            "1",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{live.port}" in result.stderr
    live.stop()


def test_a_flood_of_2000_messages_a_second_is_taken_without_xruns(player, tmp_path: Path) -> None:
    wav = tmp_path / "flood.wav"
    floor = XrunFloor(18.0)
    live = player("--record", str(wav))
    time.sleep(1.0)
    flood = subprocess.run(
        [sys.executable, "-m", "benchmarks.flood", str(live.port), "2000", "15"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    sent = json.loads(flood.stdout)
    time.sleep(0.5)
    summary = live.stop()
    assert sent["valid"] >= 29000
    # everything arrived and was applied; the garbage was counted, nothing raised
    # (coalesced: values a later one to the same address overrode within one buffer)
    assert summary["accepted"] + summary["coalesced"] >= 0.99 * sent["valid"]
    assert summary["dropped"] == {"malformed": sent["garbage"]}
    assert summary["errors"] == 0 and summary["nan_recoveries"] == 0
    # xruns are counted by JACK itself, and compared with the machine's floor over the same time
    floor_xruns = floor.xruns()
    assert summary["xruns"] is not None and summary["xruns"] <= xruns_allowed(floor_xruns), (
        summary,
        floor_xruns,
    )
    # each message waited for the next buffer, not longer (a gross bound: numbers are in
    # docs/performance.md)
    assert summary["osc_age_ms"]["p50"] < 50, summary["osc_age_ms"]
    audio, sr = soundfile.read(wav)
    assert np.isfinite(audio).all()
    loudness = [np.sqrt(np.mean(audio[i : i + sr] ** 2)) for i in range(0, len(audio) - sr, sr)]
    assert min(loudness) > 1e-3  # never silent: the music played through it


def test_play_joins_a_running_jack_server_at_its_buffer_size(player) -> None:
    require("jackd")
    import jack

    from engine.live.jack import DummyJackServer

    with DummyJackServer(sr=48000, buffersize=128) as jackd:
        live = player("--audio", "jack", "--jack-server", jackd.name)
        assert any("128 frames" in line for line in live.lines)
        probe = jack.Client("probe", servername=jackd.name, no_start_server=True)
        try:
            wired = {
                port.name: [p.name for p in probe.get_all_connections(port)]
                for port in probe.get_ports("soundscape:", is_output=True)
            }
        finally:
            probe.close()
        assert wired == {
            "soundscape:output_1": ["system:playback_1"],
            "soundscape:output_2": ["system:playback_2"],
        }
        time.sleep(2.0)
        summary = live.stop()
    assert summary["seconds"] == pytest.approx(summary["buffers"] * 128 / 48000)
    assert summary["buffers"] >= 2.0 * 48000 / 128
