from engine.clock.transport import Transport


def test_bars_and_beats_convert_to_samples() -> None:
    t = Transport(sr=48000, beats_per_bar=4, bpm=120)
    assert t.next_bar_start == 0.0
    t.start_next_bar(120)
    assert t.bar == 0 and t.samples_per_beat == 24000
    assert t.sample_at(1.5) == 36000
    assert t.next_bar_start == 96000
    t.start_next_bar(60)  # tempo changes only at the bar line
    assert t.bar_start == 96000 and t.sample_at(1) == 96000 + 48000


def test_next_beat_and_bar_lines() -> None:
    t = Transport(sr=48000, beats_per_bar=4, bpm=120)
    t.start_next_bar(120)
    assert t.next_beat(0) == (0, 0.0)
    assert t.next_beat(1) == (0, 1.0)
    assert t.next_beat(24000) == (0, 1.0)
    assert t.next_beat(72001) == (1, 0.0)
    assert t.next_bar_line(10) == 1
    assert t.next_bar_line(10, every=4) == 4
    assert t.next_bar_line(0) == 0
