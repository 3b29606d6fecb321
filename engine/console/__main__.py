"""``python -m engine.console``: the browser console's own process (``soundscape play --console``
starts it and stops it; it can also be pointed at an engine that is already playing).

It binds its web port first and prints ``console on http://127.0.0.1:PORT/`` (the real port,
also when asked for 0) once it can serve; a port it cannot bind is an error (exit 2). It exits
when its parent does, so a killed player never leaves a console behind.
"""

from __future__ import annotations

import argparse
import errno
import os
import socket
import sys
import threading
from pathlib import Path

from engine import defaults


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine.console")
    parser.add_argument("--engine-host", default="127.0.0.1", help="an IP address of this machine")
    parser.add_argument("--engine-port", type=int, default=defaults.OSC_PORT)
    parser.add_argument("--port", type=int, default=defaults.CONSOLE_PORT)
    parser.add_argument("--score", type=Path, help="the score file, shown with its errors")
    parser.add_argument("--soundfont", action="append", default=[])
    parser.add_argument("--orphan-exit", action="store_true", help="exit when the parent does")
    args = parser.parse_args(argv)

    import uvicorn

    from engine.console.link import EngineLink
    from engine.console.scorefile import ScoreFile
    from engine.console.server import Console

    host = defaults.CONSOLE_HOST
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, args.port))
    except OSError as exc:
        hint = " (in use: pick another with --console PORT, or 0 for any)"
        problem = exc.strerror or str(exc)
        print(
            f"error: cannot serve the console on {host}:{args.port}: {problem}"
            + (hint if exc.errno == errno.EADDRINUSE else ""),
            file=sys.stderr,
        )
        return 2
    listener.listen(16)
    port = int(listener.getsockname()[1])
    link = EngineLink((args.engine_host, args.engine_port))
    score = ScoreFile(args.score, args.soundfont) if args.score is not None else None
    stop = threading.Event()
    if score is not None:
        score.check()
        threading.Thread(target=score.watch, args=(stop,), daemon=True).start()
    link.start()
    console = Console(link, score, port)
    config = uvicorn.Config(
        console.app,
        log_level="warning",
        lifespan="off",
        ws="websockets-sansio",
        ws_max_size=defaults.CONSOLE_MESSAGE_MAX,
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    if args.orphan_exit:
        parent = os.getppid()

        def orphaned() -> None:
            while not stop.wait(0.5):
                if os.getppid() != parent:
                    server.should_exit = True
                    return

        threading.Thread(target=orphaned, daemon=True).start()
    print(f"console on http://{host}:{port}/", flush=True)
    try:
        server.run(sockets=[listener])
    finally:
        stop.set()
        link.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
