"""Who may talk to the engine, and where its replies may go: an allowlist of IPv4 networks.

The engine listens on loopback unless told otherwise. Binding any other address exposes it to a
network, so ``soundscape play --host ADDRESS`` then requires ``--allow CIDR...``
(:func:`check_binding`), and the receiver drops datagrams from senders outside the list before
parsing them (:meth:`Allowlist.permits`, counted as ``not_allowed``). This machine (127.0.0.0/8)
may always send.

Replies and feedback go to the sender's own host (any port: a game often listens on a port of its
own). Sending them elsewhere would turn the engine into a reflector, so a destination on another
host must be in a listed network (:meth:`Allowlist.lists`; loopback is not implied there).

Only IPv4: the receiver's socket is IPv4.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable

from engine.errors import SoundscapeError

LOOPBACK = ipaddress.IPv4Network("127.0.0.0/8")


def parse_network(text: str) -> ipaddress.IPv4Network:
    """``192.168.1.0/24``, or one address (``10.0.0.7`` is ``10.0.0.7/32``); a clear error
    otherwise."""
    try:
        return ipaddress.IPv4Network(text.strip(), strict=True)
    except ValueError as exc:
        if "host bits set" in str(exc):
            loose = ipaddress.IPv4Network(text.strip(), strict=False)
            raise SoundscapeError(f"--allow {text}: host bits set; did you mean {loose}?") from None
    raise SoundscapeError(
        f"--allow {text}: not an IPv4 network; write ADDRESS/BITS, e.g. 192.168.1.0/24, "
        "or one address, e.g. 192.168.1.20"
    )


def _ipv4(ip: str) -> int | None:
    """A dotted-quad IPv4 address as an int; None for anything else (IPv6, names, junk)."""
    try:
        return int.from_bytes(socket.inet_pton(socket.AF_INET, ip), "big")
    except (OSError, TypeError, ValueError):
        return None


class Allowlist:
    """Networks allowed to send to the engine and to receive its replies."""

    def __init__(self, networks: Iterable[str | ipaddress.IPv4Network] = ()) -> None:
        self.networks: tuple[ipaddress.IPv4Network, ...] = tuple(
            n if isinstance(n, ipaddress.IPv4Network) else parse_network(n) for n in networks
        )
        # (network, mask) as ints: the receive thread asks once per datagram
        self._masks = tuple((int(n.network_address), int(n.netmask)) for n in self.networks)

    def __bool__(self) -> bool:
        return bool(self.networks)

    def permits(self, ip: str) -> bool:
        """May a datagram from ``ip`` be read? This machine always; others if listed."""
        address = _ipv4(ip)
        if address is None:
            return False
        return address >> 24 == 127 or self._contains(address)

    def lists(self, ip: str) -> bool:
        """Is ``ip`` in a listed network (loopback not implied)? A reply may go there even when
        it is not the asker's own host."""
        address = _ipv4(ip)
        return address is not None and self._contains(address)

    def _contains(self, address: int) -> bool:
        return any(address & mask == network for network, mask in self._masks)

    def describe(self) -> str:
        return ", ".join(str(n) for n in self.networks) or "none"


def bind_address(host: str) -> str:
    """The IPv4 address ``host`` binds: ``""`` and ``0.0.0.0`` are every interface."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        return socket.gethostbyname(host) if host else "0.0.0.0"
    except OSError:
        raise SoundscapeError(f"--host {host}: not an address this machine can listen on") from None


def is_loopback(host: str) -> bool:
    address = _ipv4(bind_address(host))
    return address is not None and address >> 24 == 127


def check_binding(host: str, allow: Allowlist) -> None:
    """Listening beyond this machine needs an allowlist: say what to add if there is none."""
    if not is_loopback(host) and not allow:
        raise SoundscapeError(
            f"--host {host} listens beyond this machine: add --allow CIDR... naming the networks "
            "that may send to the engine and receive its feedback (e.g. --allow 192.168.1.0/24, "
            "or one address, --allow 192.168.1.20); this machine is always allowed"
        )


def exposure(host: str, port: int, allow: Allowlist, *, replies: bool = True) -> str:
    """What a listening engine exposes, for the operator (printed at start)."""
    address = bind_address(host)
    where = "every interface" if address == "0.0.0.0" else address
    listed = allow.describe()
    text = (
        f"exposed: OSC on {where}, port {port}; accepted from this machine and {listed} "
        "(others dropped, counted as not_allowed)"
    )
    if replies:
        text += f"; replies and feedback go to the sender's own host or to {listed}"
    return text
