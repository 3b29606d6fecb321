"""``serve --http``: each listener's own performance, in a browser, and the device's motion back.

A starlette app, run by uvicorn on its own thread and asyncio loop inside the serve process,
serves ``/`` (the listeners, with links), ``/listen/ID`` (the page, ``listen.html``, package
data) and ``/ws/ID``: a WebSocket carrying that listener's audio down (binary packets,
engine/ensemble/stream.py) and the page's inputs up (JSON).

The render loop never waits for a page. :class:`WebStreams` is one of serve's sinks: on the
render loop's thread it only cuts the buffers of listeners someone is listening to into 20 ms
packets and hands them, once per buffer, to the asyncio loop (``call_soon_threadsafe``); there
(or in the sink, with ``encode_on="render"``) each packet is encoded once per codec asked for
and queued for each page, bounded, dropping the oldest when a page is slow (counted
``stream_behind``). A page's inputs are checked (JSON, finite, ranged,
declared by the score, at most ``STREAM_RATE`` a second) and put in serve's inbox, which the
render loop drains between buffers; whatever is refused is counted, never fatal.

Like the console, it answers only pages of its own origin; bound to 127.0.0.1 (the default) it
also answers only requests for 127.0.0.1 or localhost (DNS rebinding); bound wider (``--host``),
only machines ``--allow`` lists.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import socket
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Protocol

import numpy as np
import uvicorn
from starlette.applications import Starlette
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from engine import defaults
from engine.ensemble.stream import (
    CODECS,
    Encoder,
    Packetizer,
    frame,
    make_encoder,
    opus_supported,
    packet_frames,
    page_inputs,
)
from engine.errors import SoundscapeError
from engine.osc.allow import Allowlist
from engine.score.model import Score
from engine.state.router import TokenBucket

LOCAL_HOSTS = ("127.0.0.1", "localhost")


class Inbox(Protocol):
    def put(self, address: str, args: tuple[object, ...]) -> bool: ...


def page() -> bytes:
    """The listener page, from the installed package."""
    return resources.files("engine.ensemble").joinpath("listen.html").read_bytes()


@dataclass
class _Client:
    codec: str
    queue: deque[bytes] = field(default_factory=deque)
    ready: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class _Packet:
    listener: str
    audio: np.ndarray
    sequence: int
    first: int  # the piece's sample of its first frame
    framed: dict[str, bytes]  # by codec: encoded already (encode_on="render"), or to encode


@dataclass
class StreamStats:
    connections: int = 0
    packets: int = 0  # packets sent to pages
    page_messages: int = 0  # messages from pages that reached the inbox
    bytes: Counter[str] = field(default_factory=Counter)  # sent, by codec
    encode_seconds: dict[str, float] = field(default_factory=dict)  # by codec
    encoded: Counter[str] = field(default_factory=Counter)  # packets encoded, by codec
    sink_seconds: float = 0.0  # the render loop's time in this sink


class WebStreams:
    """The web server and the sink that feeds it; :meth:`start`, then :meth:`close`."""

    def __init__(
        self,
        score: Score,
        ids: list[str],
        *,
        sr: int,
        host: str,
        port: int,
        allow: Allowlist,
        inbox: Inbox,
        encode_on: str = defaults.STREAM_ENCODE_ON,
    ) -> None:
        """``encode_on``: "loop" encodes on the web server's thread, "render" in the sink (on
        the render loop's): measured side by side by benchmarks/stream_latency.py."""
        self.score, self.ids, self.sr = score, ids, sr
        self.encode_on = encode_on
        self.host, self.allow, self.inbox = host, allow, inbox
        self.frames = packet_frames(sr)
        self.local = host in LOCAL_HOSTS
        #: Refused and lost, by reason: written on the asyncio thread only.
        self.dropped: Counter[str] = Counter()
        self.stats = StreamStats()
        self._clients: dict[str, list[_Client]] = {i: [] for i in ids}
        #: The codecs each listener's pages take, for those someone listens to: replaced whole
        #: on the asyncio thread, read by the sink.
        self._codecs: dict[str, frozenset[str]] = {}
        self._packetizers = {i: Packetizer(self.frames) for i in ids}
        self._encoders: dict[tuple[str, str], Encoder] = {}
        self._sequence: Counter[str] = Counter()
        self._page = page()
        self.app = Starlette(
            routes=[
                Route("/", self.index),
                Route("/listen/{listener}", self.listen),
                WebSocketRoute("/ws/{listener}", self.websocket),
            ]
        )
        try:
            self._socket = socket.create_server((host, port), reuse_port=False)
        except OSError as exc:
            raise SoundscapeError(f"cannot serve http on {host}:{port}: {exc}") from None
        self.port = int(self._socket.getsockname()[1])
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            lifespan="off",
            ws="websockets-sansio",
            ws_max_size=4 * defaults.STREAM_MESSAGE_MAX,
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="serve-http", daemon=True)

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}/"

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._server.serve(sockets=[self._socket]))
        finally:
            self._loop.close()

    def close(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(defaults.STREAM_STOP_TIMEOUT)
        self._socket.close()

    # -- the sink: on the render loop's thread ----------------------------------------------
    def __call__(self, blocks: dict[str, np.ndarray], sample: int) -> None:
        listening = self._codecs
        if not listening:
            return
        began = time.perf_counter()
        ready: list[_Packet] = []
        for listener_id, codecs in listening.items():
            for packet, first in self._packetizers[listener_id].push(blocks[listener_id], sample):
                sequence = self._sequence[listener_id]
                self._sequence[listener_id] += 1
                framed = {}
                if self.encode_on == "render":
                    framed = {
                        c: self._framed(listener_id, c, packet, sequence, first) for c in codecs
                    }
                ready.append(_Packet(listener_id, packet, sequence, first, framed))
        if ready:  # one wake-up of the loop for every listener's packet of this buffer
            with contextlib.suppress(RuntimeError):  # the loop has closed: serve is ending
                self._loop.call_soon_threadsafe(self._deliver, ready)
        self.stats.sink_seconds += time.perf_counter() - began

    # -- the asyncio loop's side ------------------------------------------------------------
    def _deliver(self, packets: list[_Packet]) -> None:
        for item in packets:
            framed = item.framed
            for client in self._clients[item.listener]:
                data = framed.get(client.codec)
                if data is None:
                    data = framed[client.codec] = self._framed(
                        item.listener, client.codec, item.audio, item.sequence, item.first
                    )
                if len(client.queue) >= defaults.STREAM_CLIENT_QUEUE:
                    client.queue.popleft()
                    self.dropped["stream_behind"] += 1
                client.queue.append(data)
                client.ready.set()

    def _framed(
        self, listener_id: str, codec: str, packet: np.ndarray, sequence: int, first: int
    ) -> bytes:
        payload = self._encode(listener_id, codec, packet)
        return frame(codec, payload, len(packet), sequence, first)

    def _encode(self, listener_id: str, codec: str, packet: np.ndarray) -> bytes:
        encoder = self._encoders.get((listener_id, codec))
        if encoder is None:
            encoder = self._encoders[(listener_id, codec)] = make_encoder(
                codec, self.sr, self.frames
            )
        began = time.perf_counter()
        data = encoder.encode(packet)
        spent = time.perf_counter() - began
        self.stats.encode_seconds[codec] = self.stats.encode_seconds.get(codec, 0.0) + spent
        self.stats.encoded[codec] += 1
        return data

    def _count(self, reason: str) -> None:
        self.dropped[reason] += 1

    def _permitted(self, connection: HTTPConnection) -> bool:
        """A request for this server's own name, from a machine allowed to ask."""
        host = connection.headers.get("host", "").rsplit(":", 1)[0]
        if self.local:
            return host in LOCAL_HOSTS
        client = connection.client
        return client is not None and self.allow.permits(client.host)

    def _origin_ok(self, websocket: WebSocket) -> bool:
        return websocket.headers.get("origin") == f"http://{websocket.headers.get('host')}"

    async def index(self, request: Request) -> Response:
        if not self._permitted(request):
            self._count("foreign_host")
            return PlainTextResponse("not for this host", status_code=403)
        items = "".join(
            f'<li><a href="/listen/{i}">listener {i}</a></li>' for i in self.ids
        )  # ids are letters, digits, '-' and '_' (LISTENER_ID_PATTERN): nothing to escape
        title = html.escape(self.score.title)
        body = (
            f"<!doctype html><meta charset=utf-8><title>{title}: listeners</title>"
            f"<h1>{title}</h1><p>Each listener hears their own performance.</p><ul>{items}</ul>"
        )
        return HTMLResponse(body, headers={"Cache-Control": "no-store"})

    async def listen(self, request: Request) -> Response:
        if not self._permitted(request):
            self._count("foreign_host")
            return PlainTextResponse("not for this host", status_code=403)
        if request.path_params["listener"] not in self._clients:
            return PlainTextResponse("no such listener", status_code=404)
        return HTMLResponse(self._page, headers={"Cache-Control": "no-store"})

    async def websocket(self, websocket: WebSocket) -> None:
        listener_id = websocket.path_params["listener"]
        if not self._permitted(websocket) or not self._origin_ok(websocket):
            self._count("foreign_origin")
            await websocket.close(code=1008)
            return
        clients = self._clients.get(listener_id)
        if clients is None:
            self._count("unknown_listener")
            await websocket.close(code=1008)
            return
        total = sum(len(c) for c in self._clients.values())
        if len(clients) >= defaults.STREAM_CLIENTS_PER_LISTENER or total >= defaults.STREAM_CLIENTS:
            self._count("too_many_pages")
            await websocket.close(code=1013)
            return
        asked = websocket.query_params.get("codec", defaults.STREAM_CODEC)
        codec = asked if asked in CODECS else defaults.STREAM_CODEC
        if codec == "opus" and not opus_supported(self.sr):
            codec = "pcm"
        client = _Client(codec)
        await websocket.accept()
        await websocket.send_text(
            json.dumps(
                {
                    "listener": listener_id,
                    "title": self.score.title,
                    "sr": self.sr,
                    "frames": self.frames,
                    "codec": codec,
                    "inputs": [n for n in ("movement", "heartrate") if n in self.score.inputs],
                }
            )
        )
        clients.append(client)
        self._listened()
        self.stats.connections += 1
        sender = asyncio.create_task(self._send(websocket, client))
        try:
            await self._listen(websocket, listener_id)
        finally:
            clients.remove(client)
            self._listened()
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await sender

    def _listened(self) -> None:
        self._codecs = {
            i: frozenset(c.codec for c in clients)
            for i, clients in self._clients.items()
            if clients
        }

    async def _send(self, websocket: WebSocket, client: _Client) -> None:
        while True:
            await client.ready.wait()
            client.ready.clear()
            while client.queue:
                data = client.queue.popleft()
                await websocket.send_bytes(data)
                self.stats.packets += 1
                self.stats.bytes[client.codec] += len(data)

    async def _listen(self, websocket: WebSocket, listener_id: str) -> None:
        bucket = TokenBucket(defaults.STREAM_RATE, defaults.STREAM_BURST)
        while True:
            try:
                text = await websocket.receive_text()
            except (WebSocketDisconnect, RuntimeError, KeyError):
                return  # closed, or a binary frame (receive_text expects text)
            if len(text) > defaults.STREAM_MESSAGE_MAX:
                self._count("too_large")
                continue
            if not bucket.can_take(time.monotonic()):
                self._count("page_rate")
                continue
            bucket.take()
            try:
                message: Any = json.loads(text)
            except ValueError:
                self._count("bad_json")
                continue
            messages, refused = page_inputs(message, listener_id, self.score)
            for reason in refused:
                self._count(reason)
            for address, args in messages:
                if self.inbox.put(address, args):
                    self.stats.page_messages += 1

    def summary(self) -> dict[str, Any]:
        stats = self.stats
        return {
            "url": self.url,
            "connections": stats.connections,
            "packets": stats.packets,
            "page_messages": stats.page_messages,
            "bytes": dict(stats.bytes),
            "encoded": dict(stats.encoded),
            "encode_seconds": {k: round(v, 4) for k, v in stats.encode_seconds.items()},
            "sink_seconds": round(stats.sink_seconds, 4),
        }
