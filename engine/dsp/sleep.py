"""Idle voices sleep: their C streams stop when their sound has died away, and restart for the next
note. A stopped pyo stream outputs zeros and costs (almost) nothing; most voices are silent most of
the time, so this is most of an instrument's cost.

Which streams may stop with which voices is read from pyo itself: its C objects report the
streams they read (inputs, parameters, mul/add) to Python's garbage collector, so
``gc.get_referents`` gives exact edges, even for arithmetic (``a * b``) that leaves no Python-level
trace of ``b``. Each stream gets a *group*, the voices whose silence lets it stop:

- a stream that depends on exactly one voice's bank signals belongs to that voice;
- a stream that depends on no voice (a shared noise source, its filter) may stop once every
  voice that reads it sleeps (the union of its readers' groups);
- anything that depends on several voices, or feeds the output directly, never stops.

A voice's own bank signals (its delays, frequency, velocity and gates) sleep with it; only its
trigger keeps running: playing a trigger fires it, and a note wakes the voice before it fires the
trigger. (The time base voices are allocated and put to sleep by is the server's sample count,
read from Python: nothing runs for it.)
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Sequence

from engine.dsp.streams import Stream

#: A voice sleeps this many tails after its note ends: a tail is a release (linear, silent at its
#: end) or a decay to -40 dB, so 1.5 tails is at least -60 dB, below anything a cut could reveal.
SLEEP_TAIL = 1.5
#: Plus this many seconds, for the smoothing after each envelope.
SLEEP_MARGIN = 0.05
#: Voices put to sleep per call, at most: stopping a stream costs ~1 us of the audio thread and a
#: sampler voice has ~35, so a chord's end is spread over a few housekeeping turns.
SLEEP_BUDGET = 4

Group = frozenset[int]


class VoiceSleep:
    def __init__(
        self,
        streams: Sequence[Stream],
        voices: Sequence[Iterable[Stream]],
        keep: Iterable[Stream],
        *,
        sr: int,
    ) -> None:
        """``streams``: every C stream of the instrument; ``voices``: each voice's bank streams;
        ``keep``: streams that never stop (the banks, the output)."""
        self.sr = sr
        self.count = len(voices)
        self.awake = [True] * self.count
        self._sleep_at = [0.0] * self.count
        self._stopped: set[Stream] = set()
        groups = _groups(streams, voices, keep)
        self._by_voice: list[list[tuple[Stream, Group]]] = [[] for _ in range(self.count)]
        for stream in streams:
            group = groups.get(stream)
            if group is None:  # not one voice's: the instrument's shared streams
                continue
            for voice in group:
                self._by_voice[voice].append((stream, group))
        self._voice_streams = frozenset(s for voice in self._by_voice for s, _ in voice)

    def streams_of(self, voice: int) -> list[Stream]:
        return [stream for stream, _ in self._by_voice[voice]]

    def wake(self, voice: int, now: float, held: float, tail: float) -> None:
        """Voice ``voice`` starts a note at ``now`` (samples), held ``held`` s, then ``tail`` s."""
        if not self.awake[voice]:
            self.awake[voice] = True
            stopped = self._stopped
            for stream, _ in self._by_voice[voice]:
                if stream in stopped:
                    stopped.discard(stream)
                    # Stream.play() inlined: a note wakes ~20-35 streams, on the audio thread
                    getattr(stream.owner, stream.kind)[stream.index].play()
        until = now + (held + SLEEP_TAIL * tail + SLEEP_MARGIN) * self.sr
        self._sleep_at[voice] = max(self._sleep_at[voice], until)

    def silenced(self, voice: int, now: float) -> None:
        """Voice ``voice`` was cut at ``now`` (a stolen voice, faded out): it may sleep soon,
        whatever its note's tail would have been."""
        self._sleep_at[voice] = now + SLEEP_MARGIN * self.sr

    def sleep_due(self, now: float) -> None:
        """Stop the streams of the voices whose sound has died away by ``now``, at most
        :data:`SLEEP_BUDGET` of them; the others at the next call."""
        budget = SLEEP_BUDGET
        for voice, awake in enumerate(self.awake):
            if not awake or self._sleep_at[voice] > now:
                continue
            if budget == 0:
                return
            budget -= 1
            self.awake[voice] = False
            awake_now = self.awake
            for stream, group in self._by_voice[voice]:
                if stream not in self._stopped and not any(awake_now[v] for v in group):
                    self._stopped.add(stream)
                    getattr(stream.owner, stream.kind)[stream.index].stop()

    def voice_streams(self) -> frozenset[Stream]:
        """Every stream that sleeps with some voice (the rest are the instrument's own)."""
        return self._voice_streams

    def all_asleep(self) -> None:
        """After the instrument resumed only its own streams (every voice stream stopped)."""
        self.awake = [False] * self.count
        self._sleep_at = [0.0] * self.count
        self._stopped = set(self._voice_streams)

    def sleep_now(self) -> None:
        """Stop every voice's streams at once (a new instrument's, outside the audio path)."""
        for stream in self._voice_streams - self._stopped:
            stream.stop()
        self.all_asleep()


def _groups(
    streams: Sequence[Stream], voices: Sequence[Iterable[Stream]], keep: Iterable[Stream]
) -> dict[Stream, Group | None]:
    """Each stream's group (see the module docstring), read from pyo's C-level references.

    The C objects are looked at only inside this function; nothing here keeps them.
    """
    by_c = {id(stream.get()): stream for stream in streams}
    roots = {id(s.get()): i for i, bank in enumerate(voices) for s in bank}
    kept = {id(s.get()) for s in keep}
    refs = {
        key: [id(r) for r in gc.get_referents(stream.get()) if _is_stream(r)]
        for key, stream in by_c.items()
    }
    for key in roots:
        refs.setdefault(key, [])
    readers: dict[int, list[int]] = {key: [] for key in by_c}
    for key, inputs in refs.items():
        for ref in inputs:
            if ref in readers:
                readers[ref].append(key)
    upstream: dict[int, Group] = {}

    def depends(key: int) -> Group:
        if key in roots:
            return frozenset((roots[key],))
        if key not in upstream:
            upstream[key] = frozenset()  # guard for feedback loops
            found: set[int] = set()
            for ref in refs.get(key, ()):
                found |= depends(ref)
            upstream[key] = frozenset(found)
        return upstream[key]

    groups: dict[int, Group | None] = {}

    def group(key: int, visiting: frozenset[int] = frozenset()) -> Group | None:
        if key in groups:
            return groups[key]
        if key in kept or key in visiting:
            return None
        if key in roots:  # a voice's own bank signals sleep with it
            return frozenset((roots[key],))
        own = depends(key)
        result: Group | None = None
        if len(own) == 1:
            result = own
        elif not own and readers[key]:
            union: set[int] = set()
            for reader in readers[key]:
                sub = group(reader, visiting | {key})
                if sub is None:
                    break
                union |= sub
            else:
                result = frozenset(union)
        groups[key] = result
        return result

    return {stream: group(key) for key, stream in by_c.items()}


def _is_stream(obj: object) -> bool:
    return hasattr(obj, "stop") and hasattr(obj, "play") and not isinstance(obj, type)
