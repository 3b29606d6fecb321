"""Typical musical uses of each instrument: the reference renders behind its calibration level.

``engine/dsp/instruments/__init__.py`` documents these in words; keep the two in step.
"""

from __future__ import annotations

from .render_helper import Hit, loudness, render

#: Seconds rendered for each calibration scenario.
SECONDS = 16.0
VELOCITY = 0.8


def _pad() -> list[Hit]:
    chords = [(48, 55, 64), (45, 52, 60), (41, 48, 57), (43, 50, 59)]
    return [Hit(0.1 + 4 * i, p, VELOCITY, 3.9) for i, c in enumerate(chords) for p in c]


def _steps(bpm: float, per_beat: int, pitches: list[int], gate: float) -> list[Hit]:
    step = 60.0 / bpm / per_beat
    count = int((SECONDS - 1.0) / step)
    return [
        Hit(0.1 + i * step, pitches[i % len(pitches)], VELOCITY, step * gate) for i in range(count)
    ]


def _keys() -> list[Hit]:
    chords = [(60, 64, 67), (57, 60, 64), (65, 69, 72), (62, 67, 71)]
    step = 4.0 / 3.0
    count = int((SECONDS - 1.0) / step)
    return [Hit(0.1 + i * step, p, VELOCITY, 1.2) for i in range(count) for p in chords[i % 4]]


_DRUM_PATTERN = {
    "kick": "x...x...x...x..x",
    "snare": "....x.......x...",
    "hat": "x.x.x.x.x.x.x...",
    "openhat": "..............x.",
    "shaker": ".xxx.xxx.xxx.xxx",
}


def _drums() -> list[Hit]:
    step = 60.0 / 110.0 / 4
    count = int((SECONDS - 1.0) / step)
    return [
        Hit(0.1 + i * step, 60, VELOCITY, step, voice)
        for i in range(count)
        for voice, pattern in _DRUM_PATTERN.items()
        if pattern[i % 16] == "x"
    ]


#: instrument name -> (hits, params)
TYPICAL: dict[str, tuple[list[Hit], dict[str, float]]] = {
    "pad": (_pad(), {}),
    "bass": (_steps(100, 2, [36, 36, 43, 36, 39, 36, 43, 41], 0.8), {}),
    "pluck": (_steps(110, 2, [60, 64, 67, 72, 76, 79, 72, 67], 0.5), {}),
    "keys": (_keys(), {}),
    "bell": (_steps(60, 1, [72, 79, 76, 84], 0.5), {}),
    "drone": ([Hit(0.1, 48, VELOCITY, SECONDS)], {}),
    "drums": (_drums(), {}),
    "wind": ([], {"intensity": 0.8}),
    "rain": ([], {"intensity": 0.8}),
    "ocean": ([], {"intensity": 0.8}),
    # Played from sample_sets.typical_set() (struck tones), render_helper's default set.
    "sampler": (_keys(), {}),
}


def main() -> None:
    """Print each instrument's measured loudness, peak and the LEVEL that would give -20 LUFS."""
    from engine.dsp.instruments import CALIBRATION_LUFS, INSTRUMENTS

    for name, (hits, params) in TYPICAL.items():
        audio = render(name, SECONDS, hits=hits, params=params, tap="dry")
        lufs = loudness(audio)
        level = INSTRUMENTS[name].LEVEL * 10 ** ((CALIBRATION_LUFS - lufs) / 20)
        print(f"{name:6s} {lufs:7.2f} LUFS  peak {abs(audio).max():.3f}  LEVEL -> {level:.4g}")


if __name__ == "__main__":
    main()
