"""Bad command-line arguments are usage errors (exit 2) that name the option, never tracebacks."""

from __future__ import annotations

import socket

import pytest

from tests.hostile import soundscape


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("send", "/x", "1", "--port", "99999"), "argument --port: a port is 1..65535"),
        (("send", "/x", "1", "--port", "0"), "argument --port"),
        (("send", "/x", "1", "--port", "-1"), "argument --port"),
        (("send", "/x", "1", "--port", "nine"), "argument --port"),
        (("record", "--out", "x.jsonl", "--port", "70000"), "argument --port"),
        (("play", "--port", "65536", "--duration", "1"), "argument --port"),
        (("play", "forest", "--console", "65536", "--duration", "1"), "argument --console"),
        (("play", "forest", "--console", "web", "--duration", "1"), "argument --console"),
        (("render", "--out", "x.wav", "--duration", "nan"), "argument --duration: seconds"),
        (("render", "--out", "x.wav", "--duration", "inf"), "argument --duration"),
        (("render", "--out", "x.wav", "--duration", "-1"), "argument --duration"),
        (("render", "--out", "x.wav", "--duration", "1e308"), "argument --duration"),
        (("play", "--duration", "0"), "argument --duration"),
        (("record", "--out", "x.jsonl", "--duration", "nan"), "argument --duration"),
        (("render", "--out", "x.wav", "--seed", "-1"), "argument --seed: a seed is 0.."),
        (("render", "--out", "x.wav", "--seed", "9" * 5000), "argument --seed"),
        (("send", "/x", "9" * 30), "does not fit OSC's 64-bit integers"),
        (("send", "/x", "1", "--host", "nowhere.invalid"), "cannot send to nowhere.invalid"),
        (("send", "x", "1"), "not an OSC address"),
    ],
)
def test_bad_arguments_exit_2_with_the_option_named(args: tuple[str, ...], words: str) -> None:
    run = soundscape(*args)
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode == 2, run.stderr
    assert words in run.stderr
    assert len(run.stderr) < 2000


def test_a_busy_port_suggests_another() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as busy:
        busy.bind(("127.0.0.1", 0))
        port = busy.getsockname()[1]
        run = soundscape("record", "--port", str(port), "--out", "x.jsonl", "--duration", "1")
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in run.stderr
    assert "pick another with --port" in run.stderr
