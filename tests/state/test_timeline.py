import pytest

from engine.errors import TimelineError
from engine.state.timeline import parse_timeline


def test_lines_parse_and_sort_stably() -> None:
    lines = [
        '{"t": 2, "address": "/scene", "args": ["b"]}',
        "",
        "# comment",
        '{"t": 1.5, "address": "/state/heartrate", "args": [96]}',
        '{"t": 2, "address": "/event", "args": ["x"]}',
    ]
    messages = parse_timeline(lines)
    assert [m.time for m in messages] == [1.5, 2, 2]
    assert [m.address for m in messages] == ["/state/heartrate", "/scene", "/event"]
    assert messages[0].args == (96,)


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("{nope", "not JSON"),
        ('{"t": -1, "address": "/a"}', "'t'"),
        ('{"t": 1, "address": "a"}', "address"),
        ("[1, 2]", "object"),
    ],
)
def test_bad_lines_name_file_and_line(line: str, words: str) -> None:
    with pytest.raises(TimelineError) as info:
        parse_timeline(['{"t": 0, "address": "/a"}', line], "tl.jsonl")
    assert str(info.value).startswith("tl.jsonl:2:") and words in str(info.value)
