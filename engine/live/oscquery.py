"""OSCQuery for ``soundscape play --oscquery PORT``: the engine's address space as JSON over HTTP
and advertised over mDNS (``_oscjson._tcp`` and ``_osc._udp``), so tools that speak OSCQuery
(Chataigne, ossia score, VRChat) find the engine and build its controls by themselves.

The serving is python-oscquery's (docs/osc.md, "Discovery", says why that library), and it runs
in a child process of its own (``python -m engine.live.oscquery``): its HTTP threads and
zeroconf's event loop never compete with the audio callback for the GIL. The address space is
static (the score does not change while it plays), so the parent computes it once
(:func:`namespace`), hands it over as one JSON line on the child's standard input and keeps that
pipe open: closing it, or the parent dying, ends the child.
"""

from __future__ import annotations

import ipaddress
import json
import re
import signal
import subprocess
import sys
import threading
from typing import Any

from engine import defaults
from engine.errors import SoundscapeError
from engine.music.scales import MODES
from engine.score.model import Score

#: OSCQuery's ACCESS values: 2 is write-only (the engine takes these; it answers no OSC reads).
WRITE_ONLY = 2


def namespace(score: Score) -> list[dict[str, Any]]:
    """The engine's score addresses as OSCQuery method nodes: ``FULL_PATH``, ``TYPE``,
    ``RANGE`` (one per argument), ``VALUE`` (the default, or where the score starts),
    ``ACCESS`` and ``DESCRIPTION``. The same facts as ``/engine/describe``, plus ``/tempo``,
    ``/seed`` and the score's own bindings."""
    nodes: list[dict[str, Any]] = []

    def node(
        path: str, types: str, ranges: list[dict[str, Any] | None], value: list[Any], text: str
    ) -> None:
        nodes.append(
            {
                "FULL_PATH": path,
                "TYPE": types,
                "RANGE": ranges,
                "VALUE": value,
                "ACCESS": WRITE_ONLY,
                "DESCRIPTION": text,
            }
        )

    for spec in score.inputs.values():
        node(
            f"/state/{spec.name}",
            "f",
            [{"MIN": spec.min, "MAX": spec.max}],
            [spec.default],
            f"input {spec.name}: sets its target (the score smooths toward it); the default is "
            "its value at start",
        )
    mood = [score.inputs.get("valence"), score.inputs.get("arousal")]
    if mood[0] is not None and mood[1] is not None:
        node(
            "/state/mood",
            "ff",
            [{"MIN": spec.min, "MAX": spec.max} for spec in mood if spec is not None],
            [spec.default for spec in mood if spec is not None],
            "valence and arousal at once",
        )
    scenes = [score.initial_scene, *(s for s in score.scenes if s != score.initial_scene)]
    node(
        "/scene",
        "s",
        [{"VALS": scenes}],
        [score.initial_scene],
        "changes scene on the next boundary its transition names; the value is where the score "
        "starts",
    )
    events = list(dict.fromkeys(stinger.event for stinger in score.stingers.values()))
    if events:
        node(
            "/event",
            "sf",
            [{"VALS": events}, {"MIN": 0.0, "MAX": 1.0}],
            [events[0], 1.0],
            "fires the stinger bound to the event, with an intensity",
        )
    node(
        "/tempo",
        "f",
        [{"MIN": score.tempo.min, "MAX": score.tempo.max}],
        [0.0],
        "overrides the tempo in BPM (glides at the score's rate); 0 hands it back to the score",
    )
    node("/seed", "i", [None], [score.seed], "re-seeds the generators from the next bar")
    # /key and /mode (issue 14, item 8): a root also goes as a pitch class number
    names = ["score", "C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]
    modes = ["score", *MODES]
    node(
        "/key",
        "ss",
        [{"VALS": names}, {"VALS": modes[1:]}],
        ["score", score.key.mode],
        "plays in this key (and mode) from the next bar line; score hands both back",
    )
    node(
        "/mode",
        "s",
        [{"VALS": modes}],
        ["score"],
        "plays in this mode from the next bar line; score hands it back",
    )
    taken = {n["FULL_PATH"] for n in nodes}
    for spec in score.inputs.values():
        for binding in spec.bindings:
            if binding.address in taken or not _plain_path(binding.address):
                continue  # a pattern is no OSCQuery node
            taken.add(binding.address)
            node(
                binding.address,
                "f" * (binding.arg + 1),
                [None] * (binding.arg + 1),
                [0.0] * (binding.arg + 1),
                f"bound to input {spec.name} (argument {binding.arg}"
                + (", mapped by the score)" if binding.map is not None else ")"),
            )
    return nodes


def _plain_path(address: str) -> bool:
    return re.fullmatch(r"(/[^/\s#*,?\[\]{}]+)+", address) is not None


def service_name(score: Score, port: int) -> str:
    """The mDNS instance name: letters, digits and dashes (python-oscquery also makes a host name
    of it), unique per engine on a machine by its OSC port."""
    title = re.sub(r"[^A-Za-z0-9]+", "-", score.title).strip("-")[:32] or "score"
    return f"soundscape-{title}-{port}"


class OscQueryServer:
    """The child process serving the address space; :meth:`start` returns once it serves."""

    def __init__(self, process: subprocess.Popen[str], port: int, mdns: bool) -> None:
        self.process = process
        #: The HTTP port it serves on (chosen by the system if 0 was asked for).
        self.port = port
        #: Whether it is advertised over mDNS too.
        self.mdns = mdns

    @classmethod
    def start(
        cls, score: Score, *, host: str, osc_port: int, http_port: int, mdns: bool = True
    ) -> OscQueryServer:
        # mDNS announces one address: an engine on every interface (0.0.0.0) has none to give
        mdns = mdns and not ipaddress.ip_address(host).is_unspecified
        spec = {
            "name": service_name(score, osc_port),
            "host": host,
            "http_port": http_port,
            "osc_port": osc_port,
            "mdns": mdns,
            "nodes": namespace(score),
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "engine.live.oscquery"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(json.dumps(spec) + "\n")
        process.stdin.flush()
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(process.stdout.readline()))  # type: ignore[union-attr]
        reader.start()
        reader.join(defaults.OSCQUERY_START_TIMEOUT)
        first = line[0] if line else ""
        if not first.startswith("serving "):
            process.kill()
            _, err = process.communicate(timeout=5)
            problem = err.strip().splitlines()[-1] if err.strip() else "it did not start in time"
            raise SoundscapeError(f"cannot serve OSCQuery on {host}:{http_port}: {problem}")
        return cls(process, int(first.split()[1]), mdns)

    def close(self) -> None:
        """Ends the child: its standard input closes, it stops serving and unregisters."""
        if self.process.poll() is None:
            try:
                if self.process.stdin is not None:
                    self.process.stdin.close()
                self.process.wait(defaults.OSCQUERY_STOP_TIMEOUT)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()


def serve(spec: dict[str, Any]) -> None:  # pragma: no cover - runs in the child, tested there
    """The child's work: build python-oscquery's address space, serve it over HTTP on
    ``spec["host"]`` only, advertise it over mDNS, and wait for standard input to close."""
    from pythonoscquery.osc_query_service import (
        OSCQueryHTTPHandler,
        OSCQueryHTTPServer,
        OSCQueryService,
    )
    from pythonoscquery.shared.osc_access import OSCAccess
    from pythonoscquery.shared.osc_address_space import OSCAddressSpace
    from pythonoscquery.shared.osc_path_node import OSCPathNode
    from pythonoscquery.shared.oscquery_spec import OSCQueryAttribute

    space = OSCAddressSpace()  # type: ignore[no-untyped-call]
    for item in spec["nodes"]:
        node = OSCPathNode(
            item["FULL_PATH"],
            access=OSCAccess(item["ACCESS"]),
            value=item["VALUE"],
            description=item["DESCRIPTION"],
        )
        # python-oscquery 0.4 has no RANGE of its own (its to-do list); its JSON encoder writes
        # every attribute a node holds, so the range goes in as one.
        node.attributes[OSCQueryAttribute.RANGE] = item["RANGE"]
        space.add_node(node)
    service: Any = OSCQueryService(
        space, spec["name"], spec["http_port"], spec["osc_port"], spec["host"]
    )
    service.host_info.extensions["RANGE"] = True
    # Not service.start(): it binds HTTP to every interface; the engine's OSC host decides.
    http = OSCQueryHTTPServer(
        space, service.host_info, (spec["host"], spec["http_port"]), OSCQueryHTTPHandler
    )
    threading.Thread(target=http.serve_forever, daemon=True).start()
    service.http_port = http.server_address[1]
    if spec["mdns"]:
        service.http_server = http  # so start() serves no second one and stop() stops this
        service.start()  # registers _oscjson._tcp and _osc._udp with zeroconf
    print(f"serving {service.http_port}", flush=True)
    try:
        sys.stdin.read()  # until the engine closes the pipe or dies
    finally:
        service.http_server = http
        service.stop()


if __name__ == "__main__":  # pragma: no cover
    # Ctrl-C in a terminal reaches the whole process group: the engine stops, then closes our
    # pipe; a KeyboardInterrupt here would only print a traceback over its summary.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    serve(json.loads(sys.stdin.readline()))
