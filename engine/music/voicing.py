"""Voice leading: place a chord's tones near the previous voicing.

Keeping common tones and moving the other voices by the smallest step makes pads sound smooth
instead of blocky (``notes/music.md`` §2.3); thirds below about C3 sound muddy, so only the root
and fifth may go down there. The search is a small dynamic programme over voices and the set of
chord tones covered so far, cheap enough to run at every chord change in real time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.music.harmony import Chord

LOW_THIRD_LIMIT = 48
"""MIDI pitch (C3) below which a voicing holds only the chord's root and fifth."""
SPACING = 4
"""Semitones between the imaginary voices a first voicing starts from (a close spread)."""
DRIFT_FREE = 7
"""Semitones a voice may sit from the centre before it costs extra (stops long drifts)."""
DRIFT_COST = 0.5
"""Extra cost per semitone beyond :data:`DRIFT_FREE`."""
_PRIORITY = (0, 1, 3, 4, 2)
"""Which tones must sound when voices are few: root, third, 7th, 9th, then the fifth."""


def voice_lead(previous: Sequence[int] | None, chord: Chord, voices: int, centre: int) -> list[int]:
    """``voices`` pitches of ``chord`` near ``previous`` (or ``centre`` if None), ascending.

    Every chord tone sounds when there are enough voices (otherwise the fifth goes first);
    each voice moves to the nearest chord pitch it can while the voicing as a whole covers the
    chord, so common tones stay put. Deterministic.
    """
    voices = max(1, min(8, voices))
    targets = _targets(previous, voices, centre)
    required = [chord.tones[i] for i in _PRIORITY if i < len(chord.tones)][:voices]
    candidates = [_candidates(t, chord) for t in targets]

    def cost(voice: int, pitch: int) -> float:
        drift = max(0, abs(pitch - centre) - DRIFT_FREE)
        return abs(pitch - targets[voice]) + DRIFT_COST * drift

    chosen = _search(candidates, required, cost)
    return sorted(_separate(chosen, candidates))


def _targets(previous: Sequence[int] | None, voices: int, centre: int) -> list[int]:
    """Where each voice would like to be: the previous voicing, or a close spread at the centre."""
    if previous and len(previous) == voices:
        return sorted(int(p) for p in previous)
    middle = centre if not previous else round(sum(previous) / len(previous))
    first = middle - SPACING * (voices - 1) / 2
    return [round(first + SPACING * i) for i in range(voices)]


def _candidates(target: int, chord: Chord) -> list[int]:
    """Each chord tone's nearest pitches below and above ``target`` that obey the low rule."""
    low_ok = {chord.root, chord.fifth}
    found: list[int] = []
    for pc in chord.tones:
        below = target - (target - pc) % 12
        for pitch in (below, below + 12):
            if pitch < LOW_THIRD_LIMIT and pc not in low_ok:
                pitch += 12 * ((LOW_THIRD_LIMIT - pitch + 11) // 12)
            if 0 <= pitch <= 127 and pitch not in found:
                found.append(pitch)
    return found


def _search(
    candidates: list[list[int]], required: list[int], cost: Callable[[int, int], float]
) -> list[int]:
    """Cheapest choice of one candidate per voice such that every required tone sounds and
    the voices stay in order without unisons (voice ``i`` below voice ``i + 1``)."""
    bits = {pc: 1 << i for i, pc in enumerate(required)}
    full = (1 << len(required)) - 1
    states: dict[tuple[int, int], tuple[float, tuple[int, ...]]] = {(0, -1): (0.0, ())}
    for voice, options in enumerate(candidates):
        left = len(candidates) - voice - 1
        nxt: dict[tuple[int, int], tuple[float, tuple[int, ...]]] = {}
        for (mask, last), (total, picked) in states.items():
            for pitch in options:
                new_mask = mask | bits.get(pitch % 12, 0)
                if pitch <= last or (full & ~new_mask).bit_count() > left:
                    continue
                value = total + cost(voice, pitch)
                key = (new_mask, pitch)
                if key not in nxt or value < nxt[key][0]:
                    nxt[key] = (value, (*picked, pitch))
        states = nxt
    done = [state for (mask, _), state in states.items() if mask == full]
    if not done:
        return [options[0] for options in candidates]
    return list(min(done)[1])


def _separate(chosen: list[int], candidates: list[list[int]]) -> list[int]:
    """Move a voice that doubles another's exact pitch to its next-nearest free candidate."""
    result: list[int] = []
    for pitch, options in zip(chosen, candidates, strict=True):
        if pitch in result:
            free = [p for p in options if p not in result]
            pitch = min(free, key=lambda p: (abs(p - pitch), p)) if free else pitch
        result.append(pitch)
    return result
