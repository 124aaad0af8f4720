from collections.abc import Iterator

import pytest

from catalog.chunks import chunked


def test_splits_into_full_chunks_and_a_short_last_one() -> None:
    assert list(chunked(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]


def test_exact_multiple_has_no_empty_tail() -> None:
    assert list(chunked("abcdef", 2)) == [["a", "b"], ["c", "d"], ["e", "f"]]


def test_empty_input_yields_nothing() -> None:
    assert list(chunked([], 5)) == []


def test_size_larger_than_input_yields_one_chunk() -> None:
    assert list(chunked([1, 2], 500)) == [[1, 2]]


def test_reads_a_generator_lazily() -> None:
    pulled: list[int] = []

    def numbers() -> Iterator[int]:
        for n in range(10):
            pulled.append(n)
            yield n

    first = next(chunked(numbers(), 4))
    assert first == [0, 1, 2, 3]
    assert pulled == [0, 1, 2, 3]


@pytest.mark.parametrize("size", [0, -1])
def test_size_below_one_is_refused(size: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        list(chunked([1], size))
