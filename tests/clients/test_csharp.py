"""The C# client (demos/unity/SoundscapeOsc.cs) against a real engine, compiled with Mono's mcs
and run by its console driver demos/unity/tests/ClientTest.cs; and the Unity component
(SoundscapeClient.cs) type-checked against a stub of UnityEngine."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.playing import ROOT, PlayingEngine, free_udp_port, require_tool

from .scenario import (
    DESCRIBED_MESSAGES,
    DESCRIBED_STATE,
    SECONDS,
    check_description,
    check_feedback,
    check_stamped,
    check_summary,
    parse_report,
)

DEMO = ROOT / "demos" / "unity"
STUB = Path(__file__).with_name("UnityEngineStub.cs")


def mcs(out: Path, *sources: Path, library: bool = False) -> None:
    tool = require_tool("mcs")["mcs"]
    target = ["-target:library"] if library else []
    result = subprocess.run(
        [tool, "-warnaserror", *target, f"-out:{out}", *map(str, sources)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture
def client_test(tmp_path: Path) -> list[str]:
    """``mono ClientTest.exe``, built in a temporary directory before the engine starts."""
    mono = require_tool("mono")["mono"]
    exe = tmp_path / "ClientTest.exe"
    mcs(exe, DEMO / "SoundscapeOsc.cs", DEMO / "tests" / "ClientTest.cs")
    return [mono, str(exe)]


def test_unity_component_compiles_against_a_unityengine_stub(tmp_path: Path) -> None:
    mcs(
        tmp_path / "Soundscape.dll",
        DEMO / "SoundscapeOsc.cs",
        DEMO / "SoundscapeClient.cs",
        STUB,
        library=True,
    )


def test_csharp_client_describes_steers_the_engine_and_hears_its_beats(
    client_test: list[str], engine: PlayingEngine
) -> None:
    result = subprocess.run(
        [*client_test, str(engine.port), str(SECONDS), str(free_udp_port())],
        capture_output=True,
        text=True,
        timeout=SECONDS + 30,
    )
    output = f"client stdout:\n{result.stdout}\nclient stderr:\n{result.stderr}"
    summary = engine.stop()
    assert result.returncode == 0, output + engine.output()
    assert "SELFTEST ok" in result.stdout, output
    report = parse_report(result.stdout)
    check_feedback(report, output)
    check_stamped(report, output)
    check_description(report, output)
    check_summary(summary, DESCRIBED_STATE, DESCRIBED_MESSAGES)
