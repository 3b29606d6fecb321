"""One SoundFont 2 preset as a :class:`SampleSet`, parsed with sf2utils (see docs/samples.md).

sf2utils parses the file's structure (presets, instruments, zones, generators, sample headers;
~0.1 s for the 148 MB FluidR3_GM) and reads sample data only when asked, so only the samples a
preset uses are read. The SoundFont 2.04 rules applied here:

- A preset's zones each name an instrument; an instrument's zones each name a sample. The first
  zone of either without that name is its *global* zone: its generators are the defaults of the
  other zones of the same preset or instrument (a local generator replaces a global one).
- Key and velocity ranges of the preset zone and the instrument zone intersect.
- Preset-level generators *add* to instrument-level ones (tuning, attenuation, envelope times,
  scale tuning); sample offsets, sample modes and the root key are instrument-level only.
- Pitch: the root key is ``overridingRootKey`` if set, else the sample's original pitch; coarse
  and fine tune and the sample's pitch correction are folded into :attr:`Zone.root` (a sample
  tuned up a semitone has its root a semitone lower). A ``scaleTuning`` other than 100 cents a
  key (drum kits use 0) cannot be one root for a range of keys: such a zone becomes one zone a key.
- ``initialAttenuation`` (centibels) becomes :attr:`Zone.gain` with FluidSynth's 0.4 factor
  (gain = 10^(-0.4·cB/200)): FluidSynth, the player most GM SoundFonts are voiced on, scales the
  generator so, after E-mu's hardware; true centibels make FluidR3's quieter zones 8-10 dB too soft.
- The volume envelope's times are timecents (seconds = 2^(tc/1200)); its sustain is an
  attenuation in centibels (amplitude 10^(-cB/200)). ``keynumToVolEnvHold/Decay`` are applied at
  the middle key of the zone's range (one envelope a zone).
- Sample modes: 0 and 2 no loop, 1 loop while sounding, 3 loop until release.
- Stereo: the engine is mono per instrument. Of a left/right pair of zones with the same key and
  velocity ranges (linked stereo samples, or mono samples panned apart like FluidR3's strings)
  only the left one is kept. Mixing the pair into one buffer was rejected: the halves of
  spaced-microphone recordings differ in phase (summing them comb-filters), FluidR3's panned
  pairs differ in length and loop points, and keeping one side halves memory and voices.
- Samples are 16-bit (the 24-bit ``sm24`` low byte, if present, is ignored) and are converted to
  float32 at the engine's rate with :func:`engine.samples.audio.resample`; loop points are scaled
  to the new rate (rounded to a sample: under a cent of error for loops of 1000 samples or more).
- SF3 (Ogg-compressed samples) is not read by sf2utils: such a file is a clear :class:`AssetError`.
- Not modelled (the sampler has its own filter and no modulation): filter generators, LFOs, the
  modulation envelope, modulators, exclusive classes, pan, effect sends.
"""

from __future__ import annotations

import difflib
import logging
import math
import re
import threading
import warnings
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

with warnings.catch_warnings():  # sf2utils imports audioop (deprecated in 3.11, see pyproject)
    warnings.simplefilter("ignore", DeprecationWarning)
    import sf2utils.bag
    import sf2utils.instrument
    import sf2utils.preset
    import sf2utils.riffparser
    import sf2utils.sample
    import sf2utils.sf2parse
    from sf2utils.sf2parse import Sf2File

from engine import defaults
from engine.samples.audio import AssetError, resample
from engine.samples.model import Audio, SampleSet, VolumeEnvelope, Zone

# Generator numbers (SoundFont 2.04, section 8.1.2).
_START, _END, _LOOP_START, _LOOP_END, _START_COARSE = 0, 1, 2, 3, 4
_END_COARSE = 12
_DELAY, _ATTACK, _HOLD, _DECAY, _SUSTAIN, _RELEASE = 33, 34, 35, 36, 37, 38
_KEY_TO_HOLD, _KEY_TO_DECAY = 39, 40
_INSTRUMENT, _KEY_RANGE, _VEL_RANGE = 41, 43, 44
_LOOP_START_COARSE, _ATTENUATION, _LOOP_END_COARSE = 45, 48, 50
_COARSE_TUNE, _FINE_TUNE, _SAMPLE_ID, _SAMPLE_MODES = 51, 52, 53, 54
_SCALE_TUNING, _ROOT_KEY = 56, 58
_PAN = 17

#: Instrument-level defaults that are not 0 (timecents of the envelope, cents a key).
_DEFAULTS = {_DELAY: -12000, _ATTACK: -12000, _HOLD: -12000, _DECAY: -12000, _RELEASE: -12000}
_DEFAULTS[_SCALE_TUNING] = 100
#: Spec ranges of the envelope generators (timecents; sustain in centibels).
_TIME_RANGE = {
    _DELAY: (-12000, 5000),
    _ATTACK: (-12000, 8000),
    _HOLD: (-12000, 5000),
    _DECAY: (-12000, 8000),
    _RELEASE: (-12000, 8000),
}
#: FluidSynth's scale of the initialAttenuation generator (fluid_voice.c, E-mu compatibility).
ATTENUATION_FACTOR = 0.4
_MONO, _RIGHT, _LEFT = 1, 2, 4
_COMPRESSED = 0x10  # SF3: the sample is Ogg Vorbis
_ROM = 0x8000
_BANK_PROGRAM = re.compile(r"^\s*(\d{1,3})\s*/\s*(\d{1,3})\s*$")

_log = logging.getLogger("engine.samples.sf2utils")


class _RoutedLogging:
    """Stands in for the ``logging`` module inside sf2utils, whose modules call the root
    logger's functions (``logging.warning``: they print FluidR3's dozen "loop starting too early"
    notes on stderr, and install a stderr handler on the root logger when it has none). Its
    warnings and errors go to a named logger at DEBUG instead (never on stderr unless asked
    for); its debug tracing of every chunk is dropped."""

    DEBUG, INFO, WARNING, ERROR = logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR
    root = _log

    def _route(self, msg: object, *args: object, **_: object) -> None:
        _log.debug(msg, *args)

    def _drop(self, msg: object, *args: object, **_: object) -> None:
        pass  # sf2utils' chunk-by-chunk tracing

    warning = warn = error = exception = critical = _route
    debug = info = _drop


for _module in (
    sf2utils.sf2parse,
    sf2utils.sample,
    sf2utils.preset,
    sf2utils.riffparser,
    sf2utils.bag,
    sf2utils.instrument,
):
    if hasattr(_module, "logging"):
        _module.logging = _RoutedLogging()


@dataclass(frozen=True)
class _Region:
    """A zone before its sample is read: positions in the file's sample data, at ``rate``."""

    start: int
    end: int  # exclusive
    rate: int
    loop: tuple[int, int] | None  # absolute, end exclusive
    keys: tuple[int, int]
    velocities: tuple[int, int]
    root: float
    loop_mode: str
    gain: float
    envelope: VolumeEnvelope


@dataclass(frozen=True)
class Preset:
    """A preset as found in a SoundFont (``bank/program name``)."""

    bank: int
    program: int
    name: str

    def __str__(self) -> str:
        return f"{self.bank}/{self.program} {self.name!r}"


class SoundFont:
    """A parsed SoundFont 2 file: its presets by name, and presets read as sample sets.

    Get one with :func:`open_soundfont` (parsed once per process and file version).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._handle = path.open("rb")
        except OSError as exc:
            raise AssetError(f"{path}: cannot open ({exc.strerror or exc})") from None
        try:
            self._sf2 = Sf2File(self._handle)
            self._headers: list[Any] = list(self._sf2.raw.pdta["Shdr"])
            version = str(self._sf2.raw.info.get(b"ifil", "2"))
            raw_presets = [p for p in self._sf2.presets if p.name != "EOP"]
            self._instruments = self._sf2.instruments
        except AssetError:
            raise
        except Exception as exc:  # a third-party parser on any file: every failure is "unreadable"
            self._handle.close()
            reason = str(exc).strip().splitlines()[-1][:120] if str(exc).strip() else ""
            raise AssetError(
                f"{path}: not a readable SoundFont 2 file ({reason or type(exc).__name__})"
            ) from None
        if version.startswith("3") or any(h.sample_type & _COMPRESSED for h in self._headers):
            self._handle.close()
            raise AssetError(
                f"{path}: an SF3 SoundFont (Ogg-compressed samples), which sf2utils does not "
                "read: convert it to SF2 (e.g. with Polyphone) or use an SF2 file"
            )
        self._presets = {Preset(p.bank, p.preset, p.name): p for p in raw_presets}
        self._lock = threading.Lock()

    @property
    def presets(self) -> list[Preset]:
        """Every preset, in bank/program order."""
        return sorted(self._presets, key=lambda p: (p.bank, p.program))

    def find(self, text: str) -> Preset:
        """The preset ``text`` names: "bank/program", else the exact name, else the name
        ignoring case (the lowest bank/program if several match)."""
        match = _BANK_PROGRAM.match(text)
        presets = self.presets
        if match:
            wanted = (int(match[1]), int(match[2]))
            for preset in presets:
                if (preset.bank, preset.program) == wanted:
                    return preset
        exact = [p for p in presets if p.name == text]
        folded = [p for p in presets if p.name.lower() == text.strip().lower()]
        if exact or folded:
            return (exact or folded)[0]
        by_lower = {p.name.lower(): p.name for p in reversed(presets)}
        close = difflib.get_close_matches(text.strip().lower()[:200], by_lower, n=3, cutoff=0.5)
        hint = ", ".join(repr(by_lower[c]) for c in close)
        raise AssetError(
            f"no preset {text[: defaults.MAX_QUOTE]!r} in {self.path}"
            + (f" (did you mean {hint}?)" if hint else f" (it has {len(presets)} presets)")
        )

    def buffers(self, preset: Preset, sr: int) -> dict[object, int]:
        """The buffers the preset's samples become at ``sr``, keyed as :meth:`read`'s cache,
        with the bytes each takes in a pyo table (float64), from the headers alone."""
        return {
            self._key(r, sr): 8 * _converted_length(r.end - r.start, r.rate, sr)
            for r in self._regions(preset)
        }

    def read(self, preset: Preset, sr: int, cache: dict[object, Audio] | None = None) -> SampleSet:
        """The preset's zones and the samples they use, converted to ``sr``.

        ``cache`` (keyed by file, slice and rate) shares buffers between the presets and layers
        of one load: a sample two presets use is read and held once.
        """
        cache = {} if cache is None else cache
        regions = self._regions(preset)
        buffers: list[Audio] = []
        index: dict[tuple[int, int], int] = {}
        zones = []
        for region in regions:
            key = (region.start, region.end)
            if key not in index:
                index[key] = len(buffers)
                buffers.append(self._buffer(region, sr, cache))
            scale = sr / region.rate
            loop = None
            if region.loop is not None:
                size = len(buffers[index[key]])
                lo = min(size - 1, round((region.loop[0] - region.start) * scale))
                hi = min(size, round((region.loop[1] - region.start) * scale))
                loop = (lo, hi) if hi - lo >= 2 else None
            zones.append(
                Zone(
                    sample=index[key],
                    keys=region.keys,
                    velocities=region.velocities,
                    root=region.root,
                    loop=loop,
                    loop_mode=region.loop_mode if loop is not None else "none",
                    gain=region.gain,
                    envelope=region.envelope,
                )
            )
        return SampleSet(f"{self.path.name}:{preset.name}", sr, tuple(buffers), tuple(zones))

    # -- reading samples ----------------------------------------------------------------------
    def _buffer(self, region: _Region, sr: int, cache: dict[object, Audio]) -> Audio:
        key = self._key(region, sr)
        if key not in cache:
            offset = self._sf2.raw.smpl_offset
            if offset is None:
                raise AssetError(f"{self.path}: no sample data (smpl chunk)")
            count = region.end - region.start
            with self._lock:  # one file handle: reads are a seek and a read
                raw = self._sf2.read(2 * count, pos=offset + 2 * region.start)
            if len(raw) != 2 * count:
                raise AssetError(f"{self.path}: sample data ends early (truncated file?)")
            pcm = np.frombuffer(raw, dtype="<i2").astype(np.float32) / np.float32(32768.0)
            cache[key] = resample(pcm, region.rate, sr)
        return cache[key]

    def _key(self, region: _Region, sr: int) -> tuple[str, int, int, int]:
        return (str(self.path.resolve()), region.start, region.end, sr)

    # -- the zone walk --------------------------------------------------------------------------
    def _regions(self, preset: Preset) -> list[_Region]:
        raw = self._presets[preset]
        regions: list[tuple[_Region, int]] = []
        preset_global, preset_zones = _split_global(raw.bags, _INSTRUMENT)
        for preset_zone in preset_zones:
            p_gens = {**preset_global, **preset_zone}
            instrument = self._instruments[p_gens[_INSTRUMENT]]
            inst_global, inst_zones = _split_global(getattr(instrument, "bags", []), _SAMPLE_ID)
            siblings = []
            for inst_zone in inst_zones:
                i_gens = {**inst_global, **inst_zone}
                siblings.extend(self._zone_regions(p_gens, i_gens))
            regions.extend(_keep_left(siblings))
        return [region for region, _side in regions]

    def _zone_regions(
        self, p_gens: dict[int, int], i_gens: dict[int, int]
    ) -> list[tuple[_Region, int]]:
        """The regions of one instrument zone under one preset zone, with the zone's stereo
        side (-1 left, 0 mono/centre, 1 right) for the stereo policy."""
        keys = _intersect(_range(i_gens.get(_KEY_RANGE)), _range(p_gens.get(_KEY_RANGE)))
        velocities = _intersect(_range(i_gens.get(_VEL_RANGE)), _range(p_gens.get(_VEL_RANGE)))
        sample_id = i_gens[_SAMPLE_ID]
        if keys is None or velocities is None or sample_id >= len(self._headers) - 1:
            return []
        header = self._headers[sample_id]
        if header.sample_type & _ROM or header.sample_rate <= 0:
            return []

        def inst(oper: int) -> int:
            return _short(i_gens[oper]) if oper in i_gens else _DEFAULTS.get(oper, 0)

        def both(oper: int) -> int:
            return inst(oper) + (_short(p_gens[oper]) if oper in p_gens else 0)

        start = header.start + inst(_START) + 32768 * inst(_START_COARSE)
        end = header.end + inst(_END) + 32768 * inst(_END_COARSE)
        start = min(max(start, header.start), header.end)
        end = min(max(end, start), header.end)
        if end - start < 2:
            return []
        loop_lo = header.start_loop + inst(_LOOP_START) + 32768 * inst(_LOOP_START_COARSE)
        loop_hi = header.end_loop + inst(_LOOP_END) + 32768 * inst(_LOOP_END_COARSE)
        loop_lo, loop_hi = max(loop_lo, start), min(loop_hi, end)
        mode = {1: "loop", 3: "release"}.get(inst(_SAMPLE_MODES) & 3, "none")
        loop = (loop_lo, loop_hi) if mode != "none" and loop_hi - loop_lo >= 2 else None

        root_key = inst(_ROOT_KEY) if _ROOT_KEY in i_gens else -1
        if not 0 <= root_key <= 127:
            root_key = header.original_pitch if header.original_pitch <= 127 else 60
        tune = 100 * both(_COARSE_TUNE) + both(_FINE_TUNE) + header.pitch_correction
        scale = both(_SCALE_TUNING)
        middle = (keys[0] + keys[1]) // 2
        attenuation = min(1440, max(0, both(_ATTENUATION)))
        envelope = VolumeEnvelope(
            delay=_seconds(both(_DELAY), _DELAY),
            attack=_seconds(both(_ATTACK), _ATTACK),
            hold=_seconds(both(_HOLD) + both(_KEY_TO_HOLD) * (60 - middle), _HOLD),
            decay=_seconds(both(_DECAY) + both(_KEY_TO_DECAY) * (60 - middle), _DECAY),
            sustain=10.0 ** (-min(1440, max(0, both(_SUSTAIN))) / 200.0),
            release=_seconds(both(_RELEASE), _RELEASE),
        )
        side = _side(header.sample_type, both(_PAN))

        def region(span: tuple[int, int], root: float) -> tuple[_Region, int]:
            return (
                _Region(
                    start=start,
                    end=end,
                    rate=int(header.sample_rate),
                    loop=loop,
                    keys=span,
                    velocities=velocities,
                    root=root,
                    loop_mode=mode if loop is not None else "none",
                    gain=10.0 ** (-ATTENUATION_FACTOR * attenuation / 200.0),
                    envelope=envelope,
                ),
                side,
            )

        if scale == 100:
            return [region(keys, root_key - tune / 100.0)]
        # key k sounds (scale·(k - root_key) + tune) cents from the sample's own pitch
        return [
            region((k, k), k - (scale * (k - root_key) + tune) / 100.0)
            for k in range(keys[0], keys[1] + 1)
        ]


# -- the per-process cache of parsed files ---------------------------------------------------------
_CACHE: OrderedDict[tuple[str, int, int], SoundFont] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def open_soundfont(path: Path) -> SoundFont:
    """The SoundFont at ``path``, parsed once per process while the file is unchanged."""
    try:
        stat = path.stat()
    except OSError:
        raise AssetError(f"{path}: no such file") from None
    if not path.is_file():
        raise AssetError(f"{path}: not a file")
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
        soundfont = SoundFont(path)
        _CACHE[key] = soundfont
        while len(_CACHE) > defaults.SOUNDFONT_CACHE:
            _CACHE.popitem(last=False)[1]._handle.close()
        return soundfont


def read_preset(path: Path, preset: str, sr: int) -> SampleSet:
    """The preset ``preset`` ("bank/program" or a name) of the SoundFont at ``path``, at ``sr``."""
    soundfont = open_soundfont(path)
    return soundfont.read(soundfont.find(preset), sr)


# -- helpers ---------------------------------------------------------------------------------------
def _split_global(bags: list[Any], terminal: int) -> tuple[dict[int, int], list[dict[int, int]]]:
    """(global generators, each other zone's generators) of a preset's or instrument's zones:
    the first zone without the ``terminal`` generator is global; any later one is ignored."""
    zones = [{oper: gen.amount for oper, gen in bag.gens.items()} for bag in bags]
    first_global = zones[:1] and terminal not in zones[0]
    global_gens = zones[0] if first_global else {}
    return global_gens, [z for z in zones[1 if first_global else 0 :] if terminal in z]


def _keep_left(regions: list[tuple[_Region, int]]) -> list[tuple[_Region, int]]:
    """The stereo policy: drop a right-side region that has a left-side sibling with the same
    key and velocity ranges (see the module's docstring)."""
    left = {(r.keys, r.velocities) for r, side in regions if side < 0}
    return [(r, side) for r, side in regions if not (side > 0 and (r.keys, r.velocities) in left)]


def _side(sample_type: int, pan: int) -> int:
    if sample_type & _LEFT:
        return -1
    if sample_type & _RIGHT:
        return 1
    return -1 if pan < 0 else (1 if pan > 0 else 0)


def _short(amount: int) -> int:
    """A generator's amount as the signed 16-bit number most generators are."""
    return amount - 65536 if amount >= 32768 else amount


def _range(amount: int | None) -> tuple[int, int]:
    if amount is None:
        return (0, 127)
    lo, hi = amount & 0xFF, amount >> 8
    return (min(lo, hi), min(127, max(lo, hi)))


def _intersect(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int] | None:
    lo, hi = max(a[0], b[0]), min(a[1], b[1])
    return (lo, hi) if lo <= hi else None


def _seconds(timecents: int, oper: int) -> float:
    lo, hi = _TIME_RANGE[oper]
    return float(2.0 ** (min(hi, max(lo, timecents)) / 1200.0))


def _converted_length(count: int, rate: int, sr: int) -> int:
    return count if rate == sr else math.ceil(count * sr / rate)
