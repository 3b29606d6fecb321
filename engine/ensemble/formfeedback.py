"""Feedback to games from a performance for many listeners: the form's beats, scenes and keys.

Every listener crosses each beat, scene change and key change on the same sample (the form is
shared: docs/scale.md), so one listener engine's conductor tells them for all: its observer
passes on only those reports (a stinger, a level or a reason may be that listener's own). A game
subscribes as it does to ``play`` (``/engine/subscribe [port] [host]``, renewed within
``SUBSCRIPTION_TTL``; replies only to the sender's own host or an ``--allow`` network) and gets
``/engine/beat``, ``/engine/scene`` and ``/engine/key`` when that buffer is rendered.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from engine import defaults
from engine.conductor.conductor import Conductor
from engine.live.feedback import Feedback, destination_of, own_or_allowed
from engine.osc.allow import Allowlist
from engine.osc.receiver import Message
from engine.osc.sender import OscSender
from engine.state.router import TokenBucket

#: The reports every listener shares.
FORM_REPORTS = frozenset({"beat", "scene", "key"})
PREFIX = "/engine/"
ADDRESSES = ("/engine/subscribe", "/engine/unsubscribe")


class FormFeedback:
    def __init__(self, sender: OscSender, allow: Allowlist, *, sr: int, buffersize: int) -> None:
        self.feedback = Feedback(sr=sr, buffersize=buffersize, sender=sender)
        self.allow = allow
        self.sr = sr
        self.dropped: Counter[str] = Counter()
        self.accepted = 0
        self._rate = TokenBucket(defaults.CONTROL_RATE, defaults.CONTROL_BURST)

    def follow(self, conductor: Conductor) -> None:
        """Tell the form as ``conductor`` reports it (one listener's, standing for all)."""
        self.feedback.scene = conductor.scene.name
        conductor.observer = self._observe

    def _observe(self, sample: int, kind: str, detail: Mapping[str, object]) -> None:
        if kind in FORM_REPORTS:
            self.feedback.observe(sample, kind, detail)

    def control(self, message: Message, sample: int) -> None:
        """An ``/engine/...`` message: a subscription, or counted as refused."""
        if message.address not in ADDRESSES:
            self.dropped["unknown_address"] += 1
            return
        if not self._rate.can_take(sample / self.sr):
            self.dropped["control_rate"] += 1
            return
        self._rate.take()
        destination = destination_of(message.args, message.sender)
        if destination is None:
            self.dropped["bad_args"] += 1
            return
        if not own_or_allowed(destination, message.sender, self.allow):
            self.dropped["foreign_destination"] += 1
            return
        if message.address == "/engine/unsubscribe":
            self.feedback.unsubscribe(destination)
        elif not self.feedback.subscribe(destination):
            self.dropped["too_many_subscribers"] += 1
            return
        self.accepted += 1

    def release(self, end: int) -> None:
        """Send what sounds before sample ``end`` (the buffers just rendered end there)."""
        self.feedback.release(end)

    def summary(self) -> dict[str, int]:
        return {
            "subscribers": len(self.feedback.subscribers),
            "sent": self.feedback.sender.sent,
            "accepted": self.accepted,
        }

    def close(self) -> None:
        self.feedback.close()
