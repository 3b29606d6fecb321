"""The capacity simulation (benchmarks/audience.py, issue 15 item 5), short: listeners stay on
one bar grid through a seeded stretch of a performance with shared and personal messages, and
the control (conductors deciding their form from every input) does drift, so the check can
fail."""

from __future__ import annotations

from benchmarks import audience


def test_listeners_keep_one_bar_grid_through_a_performance() -> None:
    row = audience.alignment(listeners=4, hours=0.1)
    assert row.bars > 100 and row.messages > 2000
    assert row.mismatched_bars == 0
    assert row.distinct_notes == 1.0


def test_the_control_drifts() -> None:
    row = audience.alignment(listeners=4, hours=0.1, shared_form=False)
    assert row.mismatched_bars > 10
