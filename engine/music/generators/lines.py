"""Melodic material: motifs (a one-bar rhythm plus scale-step moves) and how moves are drawn.

Singable lines are mostly steps, some thirds and few leaps, pulled back toward the middle of
their range, with leaps followed by a step the other way (von Hippel 2000; ``notes/music.md``
§2.4). Two styles draw the moves:

* ``walk``: a constrained random walk. Repeat 4 %, step 80 %, third 12 %, fourth/fifth 4 %
  (steppier than the target output, because landing strong notes on chord tones adds thirds);
  the direction leans toward the range centre (:data:`PULL`).
* ``markov``: first order over scale degrees. From degree ``d`` the next degree is
  ``d + m`` (mod the scale size) for a move ``m`` within half an octave, weighted by
  :data:`MARKOV_MOVE_WEIGHTS` (steps favoured) and by :data:`TENDENCIES` (leading tone to
  tonic, 4 to 3, 2 to 1, 6 to 5) in seven-note scales.

Moves only sketch a contour. :func:`realise` turns a bar of moves into pitches the way a
melody is written: strong notes (strong beats, long notes) become chord tones near the contour,
the notes between them pass by step toward the next one (or turn around it as neighbours),
and a leap is answered by a step back. So a stored motif stays valid under any later chord.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from engine.music.rhythm import metric_weights
from engine.music.scales import Scale

P_REPEAT, P_STEP, P_THIRD = 0.04, 0.80, 0.12
"""Walk interval categories in scale steps (the remainder, 4 %, are leaps of 3-4 steps)."""
PULL = 0.35
"""How strongly the walk's direction leans back toward the centre at the edge of its range."""
LEAP_STEPS = 3
"""A drawn move of this many scale steps (a fourth) or more is answered by a step back."""
UNREACHABLE = 3.0
"""Anchor penalty, in scale steps of distance, for a chord tone not reachable by single steps."""
LEAP_SEMITONES = 5
"""A sounding interval of this many semitones (a fourth) or more is a leap."""
MARKOV_MOVE_WEIGHTS = (0.04, 0.36, 0.07, 0.02)
"""Markov weights by move size 0..3 scale steps (per direction)."""
TENDENCIES: dict[tuple[int, int], float] = {(7, 1): 3.0, (4, 3): 1.5, (2, 1): 1.5, (6, 5): 1.5}
"""Markov multipliers for tendency tones, (from degree, to degree), 1-based, seven-note scales."""


@dataclass(frozen=True)
class Motif:
    """One bar of melody as data: ``rhythm`` holds (onset, duration) in grid steps and
    ``moves`` the scale steps from the previous note, one per rhythm entry. ``density`` is the
    density it was written for, so later, sparser bars thin it rather than rewrite it."""

    rhythm: tuple[tuple[int, int], ...]
    moves: tuple[int, ...]
    density: float


def _sign(x: int) -> int:
    return (x > 0) - (x < 0)


def walk_move(rng: random.Random, offset: int, half_range: int, previous: int) -> int:
    """The walk's next move in scale steps from a note ``offset`` steps above the centre."""
    if abs(previous) >= LEAP_STEPS:
        return -_sign(previous)
    r = rng.random()
    if r < P_REPEAT:
        return 0
    size = 1 if r < P_REPEAT + P_STEP else 2 if r < P_REPEAT + P_STEP + P_THIRD else 3
    if size == 3:
        size = rng.choice((3, 4))
    up = min(0.9, max(0.1, 0.5 - PULL * offset / max(1, half_range)))
    return size if rng.random() < up else -size


def markov_moves(size: int) -> list[int]:
    """Moves that reach each degree of a ``size``-note scale exactly once (-3..3 for seven)."""
    return list(range(-(size // 2), size - size // 2))


def markov_weights(degree: int, size: int) -> list[float]:
    """Transition weights from 1-based ``degree`` for each move in :func:`markov_moves`."""
    weights = []
    for move in markov_moves(size):
        base = MARKOV_MOVE_WEIGHTS[min(abs(move), len(MARKOV_MOVE_WEIGHTS) - 1)]
        target = (degree - 1 + move) % size + 1
        bias = TENDENCIES.get((degree, target), 1.0) if size == 7 else 1.0
        weights.append(base * bias)
    return weights


def markov_move(rng: random.Random, degree: int, size: int, previous: int) -> int:
    """The Markov chain's next move from 1-based ``degree``; leaps are answered by a step back."""
    if abs(previous) >= LEAP_STEPS:
        return -_sign(previous)
    return rng.choices(markov_moves(size), weights=markov_weights(degree, size))[0]


def fresh_rhythm(
    rng: random.Random, steps_per_beat: int, beats_per_bar: int, density: float
) -> tuple[tuple[int, int], ...]:
    """A one-bar rhythm with 1..70 % of the grid as onsets (more with density), strong steps
    likelier, usually starting on the downbeat; each note lasts until the next onset."""
    steps = steps_per_beat * beats_per_bar
    count = max(1, min(steps, round(2 + density * (0.7 * steps - 2))))
    weights = metric_weights(steps_per_beat, beats_per_bar)
    onsets = {0} if rng.random() < 0.85 else set()
    free = [i for i in range(steps) if i not in onsets]
    while len(onsets) < count and free:
        pick = rng.choices(free, weights=[weights[i] + 0.15 for i in free])[0]
        onsets.add(pick)
        free.remove(pick)
    ordered = sorted(onsets)
    ends = [*ordered[1:], steps]
    return tuple((o, e - o) for o, e in zip(ordered, ends, strict=True))


def vary(motif: Motif, rng: random.Random) -> Motif:
    """The motif with one change: one move widened by a step (changed repeats tend to bring a
    bigger interval, Temperley), or one note split or merged."""
    if len(motif.moves) > 1 and rng.random() < 0.6:
        i = rng.randrange(1, len(motif.moves))
        move = motif.moves[i]
        if move == 0:
            move = rng.choice((-1, 1))
        elif abs(move) < LEAP_STEPS:
            move += _sign(move)
        else:
            move = -_sign(move)
        moves = list(motif.moves)
        moves[i] = move
        return Motif(motif.rhythm, tuple(moves), motif.density)
    return _split_or_merge(motif, rng)


def _split_or_merge(motif: Motif, rng: random.Random) -> Motif:
    rhythm, moves = list(motif.rhythm), list(motif.moves)
    longest = max(range(len(rhythm)), key=lambda i: (rhythm[i][1], -i))
    onset, dur = rhythm[longest]
    if dur >= 2:
        half = dur // 2
        rhythm[longest : longest + 1] = [(onset, half), (onset + half, dur - half)]
        moves.insert(longest + 1, rng.choice((-1, 1)))
    elif len(rhythm) > 1:
        _, last_dur = rhythm.pop()
        moves.pop()
        prev_onset, prev_dur = rhythm[-1]
        rhythm[-1] = (prev_onset, prev_dur + last_dur)
    return Motif(tuple(rhythm), tuple(moves), motif.density)


@dataclass(frozen=True)
class Frame:
    """Where a bar's line may go: the scale, scale-index bounds and the chord-tone indices."""

    scale: Scale
    lo: int
    hi: int
    tones: frozenset[int]

    def reflect(self, index: int) -> int:
        """Fold an index that left the range back into it (the pull toward the middle)."""
        if index < self.lo:
            index = 2 * self.lo - index
        elif index > self.hi:
            index = 2 * self.hi - index
        return min(self.hi, max(self.lo, index))

    def anchor(self, target: int, previous: int, move: int, intervals: int = 1) -> int:
        """The chord tone near ``target`` for a strong note ``intervals`` notes after
        ``previous``: tones reachable by single steps are preferred (:data:`UNREACHABLE`
        costs as much as that many scale steps of distance), and so is not repeating
        ``previous`` when the contour moves."""
        if not self.tones:
            return target

        def rank(i: int) -> tuple[float, int]:
            gap = abs(i - previous)
            reachable = gap <= intervals and (intervals - gap) % 2 == 0 and gap > 0
            cost = abs(i - target) + (0.0 if reachable else UNREACHABLE)
            return (cost + (0.5 if i == previous and move != 0 else 0.0), i)

        return min(self.tones, key=rank)

    def turn(self, previous: int, leap_dir: int, chosen: int) -> int:
        """After a leap (``leap_dir`` its direction), the nearest chord tone back the other way
        instead of ``chosen``, if ``chosen`` would carry on or stand still."""
        if not leap_dir or _sign(chosen - previous) == -leap_dir:
            return chosen
        back = [i for i in self.tones if _sign(i - previous) == -leap_dir]
        return min(back, key=lambda i: abs(i - previous)) if back else chosen

    def is_leap(self, a: int, b: int) -> bool:
        """Whether the interval between two scale indices is a fourth or more."""
        return abs(self.scale.at_index(b) - self.scale.at_index(a)) >= LEAP_SEMITONES


def realise(
    moves: tuple[int, ...],
    strong: tuple[bool, ...],
    start: int,
    leap: int,
    frame: Frame,
    end: int | None = None,
) -> list[int]:
    """Scale indices for a bar's notes, continuing from index ``start``.

    Strong notes become chord tones near the motif's contour; each run of weak notes between
    them is a path of steps (with a neighbour turn when the gap is small) toward the next
    strong note, or toward ``end`` (where the line must arrive next) after the last one.
    Weak notes with nothing ahead follow the motif's moves. ``leap`` says the interval into
    ``start`` was a leap (its sign is the direction), so the next weak note steps back.
    """
    contour, index = [], start
    for move in moves:
        index = frame.reflect(index + move)
        contour.append(index)
    anchors: dict[int, int] = {}
    previous, after = start, -1
    for k in (k for k, s in enumerate(strong) if s):
        previous = anchors[k] = frame.anchor(contour[k], previous, moves[k], k - after)
        after = k
    if end is not None:
        anchors[len(moves)] = end
    out: list[int] = []
    previous, leap_dir = start, _sign(leap)
    for k, move in enumerate(moves):
        if k in anchors:
            chosen = anchors[k] = frame.turn(previous, leap_dir, anchors[k])
        else:
            chosen = frame.reflect(previous + _weak_step(k, move, previous, leap_dir, anchors))
        leap_dir = _sign(chosen - previous) if frame.is_leap(previous, chosen) else 0
        out.append(chosen)
        previous = chosen
    return out


def _weak_step(k: int, move: int, previous: int, leap_dir: int, anchors: dict[int, int]) -> int:
    """The move into weak note ``k``: back after a leap, else the first step of a path that
    reaches the next anchor by steps (or the motif's own move when no anchor follows)."""
    if leap_dir:
        return -leap_dir
    ahead = min((j for j in anchors if j > k), default=None)
    if ahead is None:
        return move
    return path(anchors[ahead] - previous, ahead - k + 1, _sign(move))[0]


def path(distance: int, intervals: int, hint: int) -> list[int]:
    """``intervals`` moves summing to ``distance``, as many single steps as parity allows.

    Extra room becomes a neighbour turn (overshoot and come back when ``hint`` points the
    same way as the distance, dip first when it points away); an odd leftover becomes a third
    followed by a step back.
    """
    if intervals <= 1:
        return [distance] * max(intervals, 0)
    way = _sign(distance) or hint or 1
    if abs(distance) >= intervals:
        base, extra = divmod(abs(distance), intervals)
        return [way * (base + (i < extra)) for i in range(intervals)]
    steps = [way] * abs(distance)
    excess = intervals - abs(distance)
    if excess % 2:
        steps = [2 * way, -way, *steps[1:]] if steps else [2 * way, -way, -way]
        excess -= 1 if abs(distance) else 3
    turn = hint or way
    pairs = [turn, -turn] * (excess // 2)
    return steps + pairs if turn == way else pairs + steps
