"""The benchmarks keep working (their numbers are for people; nothing here is timed)."""

from benchmarks import render_speed


def test_render_speed_benchmark_runs_and_reports_every_score() -> None:
    rows = render_speed.run(seconds=2.0, repeats=1)
    assert [r.score for r in rows] == ["combat", "forest", "meditation"]
    for row in rows:
        assert row.realtime_wall > 0 and 0 < row.engine_share + row.dsp_share <= 1.0
    table = render_speed.table(rows)
    assert "forest" in table and "x RT wall" in table
