"""A real SoundFont preset as a SampleSet, for trying the sampler on real material in tests only.

The engine's own SoundFont reader belongs to engine/samples (the assets work); this is the least
that plays FluidR3's presets believably: left or mono samples, key and velocity ranges, root key
and tuning, loops (mode 1 and 3) and the release time. Attenuation and the other envelope
stages are left out.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

import numpy as np
import soxr
from sf2utils.sf2parse import Sf2File

from engine.samples.model import SampleSet, VolumeEnvelope, Zone

FLUID = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")


@cache
def fluid_preset(program: int, sr: int = 48000) -> SampleSet:
    """FluidR3_GM's bank-0 preset ``program`` (0 is the grand piano), resampled to ``sr``."""
    logging.getLogger().setLevel(logging.ERROR)  # sf2utils warns about loops on the root logger
    with FLUID.open("rb") as file:
        sf2 = Sf2File(file)
        preset = next(p for p in sf2.presets if p.bank == 0 and getattr(p, "preset", -1) == program)
        buffers: list[np.ndarray] = []
        index: dict[str, int] = {}  # velocity layers share samples: read each once
        zones: list[Zone] = []
        for pbag in preset.bags:
            if pbag.instrument is None:
                continue
            velocities = tuple(pbag.velocity_range or (0, 127))
            for bag in pbag.instrument.bags:
                sample = bag.sample
                if sample is None or not (sample.is_mono or sample.is_left):
                    continue
                ratio = sr / sample.sample_rate
                if sample.name not in index:
                    raw = np.frombuffer(sample.raw_sample_data, dtype="<i2").astype(np.float64)
                    index[sample.name] = len(buffers)
                    buffers.append(soxr.resample(raw / 32768.0, sample.sample_rate, sr))
                root = bag.base_note if bag.base_note is not None else sample.original_pitch
                root = root - sample.pitch_correction / 100.0 - (bag.tuning or 0) / 100.0
                loop = None
                if bag.sample_loop:
                    loop = (round(sample.start_loop * ratio), round(sample.end_loop * ratio))
                release = bag.volume_envelope_release
                zones.append(
                    Zone(
                        index[sample.name],
                        tuple(bag.key_range or (0, 127)),  # type: ignore[arg-type]
                        velocities,  # type: ignore[arg-type]
                        float(root),
                        loop=loop,
                        loop_mode="loop" if loop else "none",
                        envelope=VolumeEnvelope(release=float(release) if release else 0.3),
                    )
                )
    return SampleSet(f"FluidR3 {program}", sr, tuple(buffers), tuple(zones))
