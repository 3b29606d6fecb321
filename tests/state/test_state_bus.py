import math

from engine.score.model import Binding, InputSpec
from engine.state.bus import StateBus

SPECS = {
    "arousal": InputSpec("arousal", -1, 1, 0, 1.0, (Binding("/state/arousal"),)),
    "instant": InputSpec("instant", 0, 1, 0, 0.0, (Binding("/state/instant"),)),
}


def test_smoothing_follows_the_time_constant() -> None:
    bus = StateBus(SPECS, sr=48000, buffersize=480)  # 100 buffers per second
    bus.set("arousal", 1.0)
    for _ in range(100):  # one time constant
        bus.tick()
    assert abs(bus.values["arousal"] - (1 - math.exp(-1))) < 0.01
    for _ in range(2000):
        bus.tick()
    assert bus.values["arousal"] == 1.0
    bus.tick()
    assert not bus.changed  # settled: nothing to re-evaluate


def test_zero_smoothing_is_immediate_and_values_clamp() -> None:
    bus = StateBus(SPECS, sr=48000, buffersize=256)
    bus.set("instant", 7.0)
    bus.tick()
    assert bus.values["instant"] == 1.0 and bus.changed


def test_non_finite_and_unknown_are_counted_not_applied() -> None:
    bus = StateBus(SPECS, sr=48000, buffersize=256)
    assert not bus.set("arousal", float("nan"))
    assert not bus.set("arousal", float("inf"))
    assert not bus.set("nope", 0.5)
    assert bus.rejected == 3
    assert bus.targets["arousal"] == 0
