"""``soundscape play`` beyond loopback: it refuses to listen without an allowlist, says what it
exposes, drops senders outside the list, never reflects feedback at a third party, and lets
subscriptions lapse unless renewed while the operator's own --feedback destinations stay."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pythonosc.udp_client import SimpleUDPClient

from engine.osc.sender import encode
from tests.live.conftest import Listener
from tests.osc.test_allow import lan_address
from tests.playing import FOREST, ROOT


def play(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "engine", "play", str(FOREST), "--duration", "1", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("host", ["0.0.0.0", "", "192.0.2.7"])
def test_listening_beyond_loopback_without_allow_exits_2_saying_what_to_add(host: str) -> None:
    result = play("--host", host, "--audio", "dummy")
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"error: --host {host} listens beyond this machine: add --allow CIDR" in result.stderr
    assert "listening on" not in result.stdout


def test_a_bad_allow_or_ttl_is_a_clear_error() -> None:
    result = play("--host", "0.0.0.0", "--allow", "192.168.1.5/24", "--audio", "dummy")
    assert result.returncode == 2
    assert "--allow 192.168.1.5/24: host bits set; did you mean 192.168.1.0/24?" in result.stderr
    result = play("--subscription-ttl", "0", "--audio", "dummy")
    assert result.returncode == 2 and "--subscription-ttl must be more" in result.stderr


def test_on_every_interface_only_allowed_senders_are_heard_and_feedback_stays_home(
    player, listener: Listener
) -> None:
    lan = lan_address()
    if lan is None:
        pytest.skip("this machine has no network address besides loopback")
    live = player(
        "--host",
        "0.0.0.0",
        "--allow",
        "198.51.100.0/24",  # TEST-NET-2: not this machine's network
        "--feedback",
        f"127.0.0.1:{listener.port}",  # the operator's: permanent
        "--subscription-ttl",
        "2",
    )
    [exposed] = [line for line in live.lines if line.startswith("exposed:")]
    assert f"OSC on every interface, port {live.port}" in exposed
    assert "this machine and 198.51.100.0/24" in exposed
    lapsing = Listener()
    local = SimpleUDPClient("127.0.0.1", live.port)
    local.send_message("/state/valence", 0.5)
    local.send_message("/engine/subscribe", [lapsing.port])  # never renewed
    local.send_message("/engine/subscribe", [lapsing.port, "198.51.100.9"])  # allowed network
    local.send_message("/engine/stats", [lapsing.port, "203.0.113.5"])  # a third party: refused
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as outsider:
        outsider.bind((lan, 0))
        outsider.sendto(encode("/state/valence", (-1.0,)), (lan, live.port))
    time.sleep(5.0)
    summary = live.stop()
    assert summary["targets"]["valence"] == 0.5  # the outsider's -1 never arrived
    assert summary["dropped"] == {"not_allowed": 1, "foreign_destination": 1}
    assert summary["subscriptions_expired"] == 2  # the two never renewed: gone after 2 s
    assert summary["subscribers"] == 1  # the --feedback one stays
    lapsing_beats = [t for t, _ in lapsing.of("/engine/beat")]
    permanent_beats = [t for t, _ in listener.of("/engine/beat")]
    assert lapsing_beats and permanent_beats
    assert permanent_beats[-1] - lapsing_beats[-1] > 2.0  # one stopped, the other played on
    lapsing.close()


def test_record_beyond_loopback_needs_allow_too(tmp_path: Path) -> None:
    out = tmp_path / "session.jsonl"
    args = ["record", "--host", "0.0.0.0", "--port", "0", "--out", str(out), "--duration", "0.3"]
    command = [sys.executable, "-m", "engine", *args]
    refused = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "add --allow CIDR" in refused.stderr
    allowed = subprocess.run(
        [*command, "--allow", "198.51.100.0/24"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert allowed.returncode == 0, allowed.stderr
    exposed, listening = allowed.stdout.splitlines()[:2]
    assert exposed.startswith("exposed: OSC on every interface") and "198.51.100.0/24" in exposed
    assert "replies" not in exposed and listening.startswith("listening on 0.0.0.0:")
