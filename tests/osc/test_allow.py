"""The allowlist: parsing networks, who may send, where replies may go, and a receiver bound
beyond loopback dropping real datagrams from a sender outside the list."""

from __future__ import annotations

import socket
import time

import pytest
from pythonosc.udp_client import SimpleUDPClient

from engine.errors import SoundscapeError
from engine.osc.allow import Allowlist, check_binding, exposure, is_loopback, parse_network
from engine.osc.receiver import OscReceiver


def test_networks_and_single_addresses_parse() -> None:
    allow = Allowlist(["192.168.1.0/24", "10.0.0.7"])
    assert [str(n) for n in allow.networks] == ["192.168.1.0/24", "10.0.0.7/32"]
    assert allow.describe() == "192.168.1.0/24, 10.0.0.7/32"
    assert Allowlist().describe() == "none" and not Allowlist()


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("192.168.1.5/24", "did you mean 192.168.1.0/24?"),
        ("fe80::/64", "not an IPv4 network"),
        ("scores/forest.yaml", "not an IPv4 network"),
        ("10.0.0.0/33", "not an IPv4 network"),
        ("", "not an IPv4 network"),
    ],
)
def test_a_bad_network_is_a_clear_error(text: str, says: str) -> None:
    with pytest.raises(SoundscapeError, match=f"--allow {text}: .*{says}"):
        parse_network(text)


def test_this_machine_may_always_send_others_only_if_listed() -> None:
    allow = Allowlist(["192.168.1.0/24", "10.0.0.7"])
    assert allow.permits("127.0.0.1") and allow.permits("127.255.0.9")
    assert allow.permits("192.168.1.0") and allow.permits("192.168.1.255")
    assert allow.permits("10.0.0.7") and not allow.permits("10.0.0.8")
    assert not allow.permits("192.168.2.1") and not allow.permits("8.8.8.8")
    for junk in ("::1", "localhost", "", "1.2.3", "300.1.1.1"):
        assert not allow.permits(junk)
    assert Allowlist().permits("127.0.0.1") and not Allowlist().permits("192.168.1.1")


def test_only_listed_networks_may_receive_replies_meant_for_someone_else() -> None:
    allow = Allowlist(["127.0.0.3/32", "192.168.1.0/24"])
    assert allow.lists("127.0.0.3") and allow.lists("192.168.1.20")
    assert not allow.lists("127.0.0.1")  # loopback may send, but is not implied here
    assert not allow.lists("192.168.2.1") and not allow.lists("::1")


def test_listening_beyond_loopback_needs_an_allowlist() -> None:
    for host in ("127.0.0.1", "127.0.0.2", "localhost"):
        assert is_loopback(host)
        check_binding(host, Allowlist())
    for host in ("0.0.0.0", ""):
        assert not is_loopback(host)
        with pytest.raises(SoundscapeError, match=r"add --allow CIDR"):
            check_binding(host, Allowlist())
        check_binding(host, Allowlist(["192.168.1.0/24"]))


def test_exposure_says_where_it_listens_and_who_is_allowed() -> None:
    line = exposure("0.0.0.0", 9000, Allowlist(["192.168.1.0/24"]))
    assert line.startswith("exposed: OSC on every interface, port 9000;")
    assert "accepted from this machine and 192.168.1.0/24" in line
    assert "not_allowed" in line and "own host" in line
    assert "replies" not in exposure("0.0.0.0", 9000, Allowlist(["10.0.0.0/8"]), replies=False)


def lan_address() -> str | None:
    """This machine's address on its network (a route lookup: nothing is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("203.0.113.1", 9))  # TEST-NET-3: only the route matters
        except OSError:
            return None
        address = str(probe.getsockname()[0])
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def test_a_receiver_on_every_interface_drops_senders_outside_the_list() -> None:
    lan = lan_address()
    if lan is None:
        pytest.skip("this machine has no network address besides loopback")
    allow = Allowlist(["198.51.100.0/24"])  # TEST-NET-2: not this machine's network
    with OscReceiver("0.0.0.0", 0, allow=allow.permits) as receiver:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as outsider:
            outsider.bind((lan, 0))
            outsider.sendto(b"/state/valence\x00\x00,f\x00\x00?\x00\x00\x00", (lan, receiver.port))
        SimpleUDPClient("127.0.0.1", receiver.port).send_message("/state/arousal", 0.5)
        deadline = time.monotonic() + 2.0
        while receiver.received + receiver.dropped["not_allowed"] < 2:
            assert time.monotonic() < deadline, "datagrams did not arrive"
            time.sleep(0.005)
        messages = receiver.due()
    assert [(m.address, m.sender[0] if m.sender else None) for m in messages] == [
        ("/state/arousal", "127.0.0.1")
    ]
    assert receiver.dropped == {"not_allowed": 1}
