"""Every command the README and docs/ show is run here, so the docs cannot drift from the code.

Commands are read from the ``sh`` code blocks of README.md and docs/*.md (continuation lines
joined, comments and a trailing ``&`` dropped). Each kind is run for real:

- ``soundscape ...``: the real command in a subprocess from a scratch folder with the checkout's
  ``scores`` beside it. Commands that would run until stopped get a bound: ``play`` a
  ``--duration`` and the JACK dummy server when they name no audio backend, ``demo`` the
  headless autopilot for a few seconds against such an engine; ``bench`` its quick mode of one
  section. Files they write are checked.
- ``oscsend HOST PORT ...``: sent to a receiver of ours on a free port (the docs' port 9000 is
  swapped for it), which must get the message.
- ``python -m benchmarks ...``, ``python -m demos.wander`` / ``python demos/wander/main.py``: their
  options are checked against their own parsers (``--help`` and a parse of the arguments).

The README's two install commands are what CI itself runs (``.ci/run``), and the first one's
``soundscape render`` is run here like any other.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.osc.receiver import OscReceiver

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```(?:sh|bash|console)\n(.*?)```", re.S)


def shell_commands(path: Path) -> list[str]:
    """Each command line of the file's sh blocks, split at ``&&`` (comments and ``&`` dropped)."""
    commands: list[str] = []
    for block in BLOCK.findall(path.read_text(encoding="utf-8")):
        for line in block.replace("\\\n", " ").splitlines():
            line = re.sub(r"(^|\s)#.*$", "", line).strip().removesuffix("&").strip()
            commands += [part.strip() for part in line.split("&&") if part.strip()]
    return commands


ALL = [
    (path.relative_to(ROOT).as_posix(), command)
    for path in DOCS
    for command in shell_commands(path)
]
SOUNDSCAPE = [item for item in ALL if item[1].startswith("soundscape ")]
OSCSEND = [item for item in ALL if item[1].startswith("oscsend ")]
PYTHON = [
    item
    for item in ALL
    if re.match(r"(nice )?python3? (-m (benchmarks|demos\.wander)|demos/)", item[1])
]
#: Run here (above), by CI itself (the README's install and test commands), or by the client
#: tests (tests/clients: ``oscdump`` and demos/shell in test_shell.py, Godot in test_godot.py,
#: ``mcs`` and ``mono`` in test_csharp.py).
KNOWN = re.compile(
    r"(soundscape|oscsend|oscdump|"
    r"(nice )?python3? -m (venv|pytest|benchmarks(\.soak)?|demos\.wander)|"
    r"python3? demos/wander/main\.py|pip install|mcs|mono|SOUNDSCAPE_PORT=\d+ godot\S*)(\s|$)"
    r"|(SOUNDSCAPE_\w+=\S+ )?demos/shell/\w+\.sh(\s|$)|cd demos/\w+$"
    r"|scripts/install-test-deps\.sh$|\. \.venv/bin/activate$"
)


def ids(item: tuple[str, str]) -> str:
    return f"{item[0]}: {item[1]}"


def test_the_docs_show_commands() -> None:
    assert len(SOUNDSCAPE) >= 10 and OSCSEND and PYTHON


@pytest.mark.parametrize("item", ALL, ids=ids)
def test_every_shell_line_is_a_command_this_test_knows(item: tuple[str, str]) -> None:
    """A new kind of command in the docs needs a way to be run here."""
    assert KNOWN.match(item[1]), f"{item[0]}: no test runs {item[1]!r}"


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder like a user's: the checkout's scores beside it, nothing else."""
    folder = tmp_path_factory.mktemp("user")
    (folder / "scores").symlink_to(ROOT / "scores")
    return folder


def bounded(argv: list[str]) -> tuple[list[str], float]:
    """The command made to end by itself, and how long it may take."""
    command = argv[1] if len(argv) > 1 else ""
    if command == "play":
        if "--duration" in argv:
            argv[argv.index("--duration") + 1] = "2"
        else:
            argv += ["--duration", "2"]
        if "--audio" not in argv:
            argv += ["--audio", "dummy"]
        return [*argv, "--quiet", "--port", str(free_port())], 60
    if command == "demo":
        if "--engine" in argv:  # attach: to an engine of its own, started below
            return argv, 90
        argv = [a for a in argv if a != "--sliders"]
        if "--autopilot" in argv:
            argv[argv.index("--autopilot") + 1] = "3"
        else:
            argv += ["--autopilot", "3"]
        return [*argv, "--audio", "dummy", "--port", str(free_port())], 90
    if command == "bench":
        return [*argv, "--quick", "--only", "render"], 300
    return argv, 180


def free_port() -> int:
    with OscReceiver("127.0.0.1", 0) as receiver:
        return receiver.port


def expand(argv: list[str], cwd: Path) -> list[str]:
    out: list[str] = []
    for arg in argv:
        matches = sorted(str(p.relative_to(cwd)) for p in cwd.glob(arg)) if "*" in arg else []
        out += matches or [arg]
    return out


@pytest.mark.parametrize("item", SOUNDSCAPE, ids=ids)
def test_soundscape_commands_run(item: tuple[str, str], scratch: Path) -> None:
    if "demo" in item[1] and shutil.which("jackd") is None:
        pytest.skip("needs jackd (scripts/install-test-deps.sh)")
    argv = expand(shlex.split(item[1]), scratch)
    argv, timeout = bounded(argv)
    if argv[1] in ("play", "demo") and shutil.which("jackd") is None:
        pytest.skip("needs jackd (scripts/install-test-deps.sh)")
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    engine = None
    if argv[1] == "demo" and "--engine" in argv:
        port = free_port()
        argv[argv.index("--engine") + 1] = f"127.0.0.1:{port}"
        argv += ["--autopilot", "3"]
        engine = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "engine",
                "play",
                "scores/forest.yaml",
                "--audio",
                "dummy",
                "--quiet",
                "--port",
                str(port),
                "--duration",
                "20",
            ],
            cwd=scratch,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert engine.stdout is not None
        deadline = time.monotonic() + 30
        while "listening on" not in engine.stdout.readline():
            assert time.monotonic() < deadline and engine.poll() is None, "the engine did not start"
    try:
        result = subprocess.run(
            [sys.executable, "-m", "engine", *argv[1:]],
            cwd=scratch,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    finally:
        if engine is not None:
            engine.terminate()
            engine.wait(timeout=30)
    assert result.returncode == 0, f"{item[1]!r} failed:\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr
    out = argv[argv.index("--out") + 1] if "--out" in argv else None
    if argv[1] == "render":
        written = scratch / (out or "soundscape.wav")
        assert written.stat().st_size > 1000
    pictures = [argv[argv.index(flag) + 1] for flag in ("--plot", "--body-plot") if flag in argv]
    if argv[1] in ("plot", "curves") and out is not None:
        pictures.append(out)
    for picture in pictures:
        assert (scratch / picture).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", picture


@pytest.mark.skipif(shutil.which("oscsend") is None, reason="needs oscsend (liblo-tools)")
@pytest.mark.parametrize("item", OSCSEND, ids=ids)
def test_oscsend_lines_reach_a_receiver(item: tuple[str, str]) -> None:
    argv = shlex.split(item[1])
    with OscReceiver("127.0.0.1", 0) as receiver:
        argv[2] = str(receiver.port)
        subprocess.run(argv, check=True, timeout=10)
        deadline = time.monotonic() + 5
        got = []
        while not got and time.monotonic() < deadline:
            got = receiver.due()
            time.sleep(0.02)
    assert got and got[0].address == argv[3]


@pytest.mark.parametrize("item", PYTHON, ids=ids)
def test_python_commands_take_their_options(item: tuple[str, str]) -> None:
    argv = shlex.split(item[1].removeprefix("nice "))
    module = argv[2] if argv[1] == "-m" else None
    if module in ("benchmarks", "benchmarks.soak"):
        from benchmarks.__main__ import SECTIONS

        usage = subprocess.run(
            [sys.executable, "-m", module, "--help"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
        options = [arg for arg in argv[3:] if arg.startswith("--")]
        assert all(option in usage for option in options), usage
        if "--only" in argv:
            assert set(argv[argv.index("--only") + 1].split(",")) <= set(SECTIONS)
    else:
        from demos.wander.main import parser

        parser().parse_args(argv[3:] if module else argv[2:])
