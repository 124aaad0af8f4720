"""harvester/gc_pause.py: a harvest raises the collector's thresholds and the last run to end restores them."""

from __future__ import annotations

import gc

from harvester import gc_pause


def test_thresholds_raised_while_any_run_lasts_and_restored_after() -> None:
    before = gc.get_threshold()
    with gc_pause.fewer_collections():
        assert gc.get_threshold() == gc_pause.THRESHOLDS
        with gc_pause.fewer_collections():  # a second run overlapping the first
            assert gc.get_threshold() == gc_pause.THRESHOLDS
        assert gc.get_threshold() == gc_pause.THRESHOLDS  # the first still runs
    assert gc.get_threshold() == before


def test_restored_when_the_run_fails() -> None:
    before = gc.get_threshold()
    try:
        with gc_pause.fewer_collections():
            raise RuntimeError("the run failed")
    except RuntimeError:
        pass
    assert gc.get_threshold() == before
