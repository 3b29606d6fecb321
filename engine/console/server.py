"""The console's web side: one page, one WebSocket, served on 127.0.0.1 by starlette + uvicorn.

The page (``page.html``, package data) opens ``/ws``; the server pushes the engine's picture
(:meth:`EngineLink.snapshot`) every ``CONSOLE_PUSH_PERIOD``, with the score's text only when it
changed, and takes commands back as small JSON objects. Everything a browser controls is bounded:
``CONSOLE_CLIENTS`` connections, ``CONSOLE_MESSAGE_MAX`` bytes a message (uvicorn closes the
connection beyond it), ``CONSOLE_RATE`` commands a second per connection (beyond: dropped and
counted). A WebSocket from a page of another origin, or a request for another host name (DNS
rebinding), is refused: a web page the user visits cannot steer the engine through the console.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from importlib import resources
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from engine import defaults
from engine.console.link import EngineLink
from engine.console.scorefile import ScoreFile
from engine.state.router import TokenBucket

LOCAL_HOSTS = ("127.0.0.1", "localhost")


def page() -> bytes:
    """The console's page, from the installed package."""
    return resources.files("engine.console").joinpath("page.html").read_bytes()


class Console:
    def __init__(self, link: EngineLink, score: ScoreFile | None, port: int) -> None:
        self.link = link
        self.score = score
        self.port = port
        self.clients = 0
        self.refused: dict[str, int] = {}
        self._page = page()
        self.app = Starlette(
            routes=[Route("/", self.index), WebSocketRoute("/ws", self.websocket)],
            middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=list(LOCAL_HOSTS))],
        )

    def _count(self, reason: str) -> None:
        self.refused[reason] = self.refused.get(reason, 0) + 1

    async def index(self, request: Request) -> Response:
        return HTMLResponse(self._page, headers={"Cache-Control": "no-store"})

    def _origin_ok(self, websocket: WebSocket) -> bool:
        origin = websocket.headers.get("origin")
        return origin in {f"http://{host}:{self.port}" for host in LOCAL_HOSTS}

    async def websocket(self, websocket: WebSocket) -> None:
        if not self._origin_ok(websocket):
            self._count("foreign_origin")
            await websocket.close(code=1008)
            return
        if self.clients >= defaults.CONSOLE_CLIENTS:
            self._count("too_many_clients")
            await websocket.close(code=1013)
            return
        self.clients += 1
        try:
            await websocket.accept()
            pusher = asyncio.create_task(self._push(websocket))
            try:
                await self._listen(websocket)
            finally:
                pusher.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await pusher
        finally:
            self.clients -= 1

    async def _push(self, websocket: WebSocket) -> None:
        shown = -1
        while True:
            picture: dict[str, Any] = self.link.snapshot()
            picture["console"]["refused"].update(self.refused)
            if self.score is not None:
                version, score = self.score.shown()
                if version != shown:
                    picture["score"], shown = score, version
            await websocket.send_text(json.dumps(picture))
            await asyncio.sleep(defaults.CONSOLE_PUSH_PERIOD)

    async def _listen(self, websocket: WebSocket) -> None:
        bucket = TokenBucket(defaults.CONSOLE_RATE, defaults.CONSOLE_BURST)
        while True:
            try:
                text = await websocket.receive_text()
            except (WebSocketDisconnect, RuntimeError, KeyError):
                return  # closed, or a binary frame (receive_text expects text)
            if len(text) > defaults.CONSOLE_MESSAGE_MAX:
                self._count("too_large")
                continue
            if not bucket.can_take(time.monotonic()):
                self._count("browser_rate")
                continue
            bucket.take()
            try:
                request = json.loads(text)
            except ValueError:
                self._count("bad_json")
                continue
            self.link.command(request)
