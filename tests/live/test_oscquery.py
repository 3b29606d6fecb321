"""``soundscape play --oscquery``: the address space served over HTTP by python-oscquery in a
child process, fetched here over 127.0.0.1 as a tool would, and found over mDNS on loopback."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from engine import load_score
from engine.live.oscquery import WRITE_ONLY, namespace, service_name
from tests.playing import FOREST, ROOT, PlayingEngine


def fetch(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as reply:
        assert reply.status == 200
        return json.loads(reply.read().decode("utf-8"))


def oscquery_url(engine: PlayingEngine) -> str:
    lines = [line for line in engine.lines if line.startswith("oscquery on ")]
    assert lines, engine.output()
    return lines[0].split()[2].rstrip("/")


def test_namespace_lists_inputs_with_ranges_scenes_events_tempo_and_bindings() -> None:
    score = load_score(FOREST)
    nodes = {node["FULL_PATH"]: node for node in namespace(score)}
    heartrate = nodes["/state/heartrate"]
    assert heartrate["TYPE"] == "f" and heartrate["RANGE"] == [{"MIN": 40.0, "MAX": 200.0}]
    assert heartrate["VALUE"] == [70.0] and heartrate["ACCESS"] == WRITE_ONLY
    assert nodes["/state/mood"]["RANGE"] == [{"MIN": -1.0, "MAX": 1.0}] * 2
    assert nodes["/scene"]["RANGE"] == [{"VALS": ["meadow", "grove", "ruins"]}]
    assert nodes["/event"]["TYPE"] == "sf"
    assert nodes["/event"]["RANGE"] == [{"VALS": ["discovery"]}, {"MIN": 0.0, "MAX": 1.0}]
    assert nodes["/tempo"]["RANGE"] == [{"MIN": score.tempo.min, "MAX": score.tempo.max}]
    bound = [path for path in nodes if not path.startswith(("/state/", "/scene", "/event"))]
    assert set(bound) >= {"/tempo", "/seed"}
    assert service_name(score, 9000).startswith("soundscape-") and " " not in service_name(
        score, 9000
    )


def test_play_serves_the_address_space_over_http_and_mdns(tmp_path: Path) -> None:
    engine = PlayingEngine(tmp_path, "--oscquery", "0").wait_ready()
    try:
        url = oscquery_url(engine)
        assert url.startswith("http://127.0.0.1:"), url
        host_info = fetch(url + "/?HOST_INFO")
        assert host_info["OSC_PORT"] == engine.port and host_info["OSC_TRANSPORT"] == "UDP"
        assert host_info["OSC_IP"] == "127.0.0.1" and host_info["EXTENSIONS"]["RANGE"] is True
        root = fetch(url + "/")
        state = root["CONTENTS"]["state"]["CONTENTS"]
        assert set(state) == {"valence", "arousal", "movement", "heartrate", "mood"}
        heartrate = state["heartrate"]
        assert heartrate["FULL_PATH"] == "/state/heartrate" and heartrate["TYPE"] == "f"
        assert heartrate["RANGE"] == [{"MIN": 40.0, "MAX": 200.0}]
        assert state["mood"]["TYPE"] == "ff"
        contents = root["CONTENTS"]
        assert contents["scene"]["RANGE"] == [{"VALS": ["meadow", "grove", "ruins"]}]
        assert contents["event"]["TYPE"] == "sf"
        assert contents["event"]["RANGE"][0] == {"VALS": ["discovery"]}
        assert contents["tempo"]["TYPE"] == "f" and set(contents["tempo"]["RANGE"][0]) == {
            "MIN",
            "MAX",
        }
        assert fetch(url + "/state/movement")["RANGE"] == [{"MIN": 0.0, "MAX": 1.0}]
        # a tool found on the network: mDNS on loopback names the same HTTP port
        assert discover(
            f"{service_name(load_score(FOREST), engine.port)}._oscjson._tcp.local."
        ) == (int(url.rsplit(":", 1)[1]))
    finally:
        started = time.monotonic()
        summary = engine.stop()
    assert time.monotonic() - started < 15
    assert summary["dropped"] == {}
    with pytest.raises(OSError):  # the child stopped serving with the engine
        urllib.request.urlopen(url + "/", timeout=2)


def discover(name: str, timeout: float = 5.0) -> int | None:
    """The port a ``_oscjson._tcp`` service of that name announces on 127.0.0.1, as zeroconf's
    browser (what OSCQuery tools use) sees it."""
    from zeroconf import ServiceBrowser, ServiceStateChange, Zeroconf

    found: dict[str, int] = {}
    event = threading.Event()
    zc = Zeroconf(interfaces=["127.0.0.1"])

    def changed(
        zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange
    ) -> None:
        if state_change is ServiceStateChange.Added:
            info = zeroconf.get_service_info(service_type, name, timeout=2000)
            if info is not None and info.port is not None:
                found[name] = info.port
                event.set()

    try:
        ServiceBrowser(zc, "_oscjson._tcp.local.", handlers=[changed])
        deadline = time.monotonic() + timeout
        while name not in found and time.monotonic() < deadline:
            event.wait(0.2)
            event.clear()
    finally:
        zc.close()
    return found.get(name)


def test_a_taken_oscquery_port_is_a_clear_error_before_any_audio(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [
                *(sys.executable, "-m", "engine", "play", str(FOREST), "--audio", "dummy"),
                *("--port", "0", "--oscquery", str(port), "--duration", "5", "--quiet"),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"cannot serve OSCQuery on 127.0.0.1:{port}" in result.stderr, result.stderr
    assert "Address already in use" in result.stderr, result.stderr
