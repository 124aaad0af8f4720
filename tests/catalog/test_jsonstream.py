"""JSON written piece by piece (catalog/jsonstream.py) is the text ``json.dumps`` gives, and a list
may be a generator that is read as the text is written."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from catalog.jsonstream import iter_json, write_json


def dumped(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, default=str)


LEAVES = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
KEYS = st.text() | st.integers() | st.booleans() | st.none() | st.floats(allow_nan=False, allow_infinity=False)
VALUES = st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
                      max_leaves=30)


@given(VALUES)
def test_the_same_text_as_json_dumps(value: Any) -> None:
    assert "".join(iter_json(value)) == dumped(value)


def test_empty_and_nested_containers_tuples_and_objects_json_cannot_write() -> None:
    moment = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    for value in ({}, [], {"a": []}, {"a": {}}, [[[]]], {"pair": (1, "två")}, {"at": moment}, [moment, None]):
        assert "".join(iter_json(value)) == dumped(value)


def test_a_generator_is_written_as_a_list_while_it_is_read() -> None:
    out = io.StringIO()
    read: list[int] = []

    def rows() -> Iterator[dict[str, int]]:
        for n in range(20000):
            read.append(n)
            yield {"n": n}

    pieces = iter_json({"changes": rows(), "none": (x for x in ())})
    text = "".join(next(pieces) for _ in range(10))
    assert len(read) < 10  # ten pieces written, the rest of the rows not read yet
    text += "".join(pieces)
    assert json.loads(text) == {"changes": [{"n": n} for n in range(20000)], "none": []}
    assert text == dumped({"changes": [{"n": n} for n in range(20000)], "none": []})
    write_json({"changes": ({"n": n} for n in range(3))}, out)
    assert out.getvalue() == dumped({"changes": [{"n": n} for n in range(3)]}) + "\n"
