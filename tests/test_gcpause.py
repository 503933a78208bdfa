"""The collector pause around traces: resumed after, also on errors, and left off if it was."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from tracegraph.gcpause import collector_paused, without_collector


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    gc.enable()
    yield
    gc.enable()


def test_paused_inside_and_resumed_after() -> None:
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_resumed_when_the_traced_function_raises() -> None:
    @without_collector
    def failing() -> None:
        assert not gc.isenabled()
        raise ValueError("bad lot")

    with pytest.raises(ValueError, match="bad lot"):
        failing()
    assert gc.isenabled()


def test_nested_pauses_resume_only_at_the_outermost_end() -> None:
    with collector_paused():
        with collector_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_caller_stays_off() -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_overlapping_pauses_in_two_threads_resume_when_the_last_ends() -> None:
    first_in, second_done = threading.Event(), threading.Event()
    seen: list[bool] = []

    def first() -> None:
        with collector_paused():
            first_in.set()
            second_done.wait(5)
            seen.append(gc.isenabled())  # the other thread's end must not resume it

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(5)
    with collector_paused():
        pass
    second_done.set()
    thread.join(5)
    assert seen == [False]
    assert gc.isenabled()


def test_the_decorator_keeps_the_name_and_result() -> None:
    @without_collector
    def add(a: int, b: int) -> int:
        return a + b

    assert add(2, b=3) == 5
    assert add.__name__ == "add"


def test_every_trace_and_the_ranking_run_with_the_collector_paused() -> None:
    """The library's entry points that build a whole trace or ranking are wrapped (a helper
    inserted above trace_window once took its decorator, and windows ran with the collector)."""
    from tracegraph import rootcause, trace

    for function in (trace.trace_forward, trace.trace_backward, trace.trace_window,
                     rootcause.rank_common_causes):  # fmt: skip
        assert getattr(function, "__wrapped__", None) is not None, function.__name__
        assert function.__code__.co_name == "paused", function.__name__
