"""The lab clock, duration parsing and the timings table (no moto needed)."""

from __future__ import annotations

import datetime as dt

import pytest

from labkit.awslambda.clock import LabClock, format_duration, parse_duration
from labkit.awslambda.timings import DEFAULT_TIMINGS, Timings
from labkit.errors import DurationError, TimingsError

START = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "value, seconds",
    [
        pytest.param(90, 90.0, id="int-seconds"),
        pytest.param(2.5, 2.5, id="float-seconds"),
        pytest.param("90", 90.0, id="text-number"),
        pytest.param("90 s", 90.0, id="s"),
        pytest.param("90s", 90.0, id="s-no-space"),
        pytest.param("1 second", 1.0, id="second"),
        pytest.param("2 min", 120.0, id="min"),
        pytest.param("2 minutes", 120.0, id="minutes"),
        pytest.param("1.5 h", 5400.0, id="decimal-hours"),
        pytest.param("3 days", 3 * 86400.0, id="days"),
        pytest.param("3 weeks", 21 * 86400.0, id="weeks"),
        pytest.param("1 h 30 min", 5400.0, id="compound"),
        pytest.param("1h30m", 5400.0, id="compound-short"),
        pytest.param("2 MIN", 120.0, id="upper-case"),
        pytest.param(dt.timedelta(days=14), 14 * 86400.0, id="timedelta"),
        pytest.param(0, 0.0, id="zero"),
        pytest.param("5 s 3", 8.0, id="number-without-unit-is-seconds"),
    ],
)
def test_durations_a_trainer_can_write(value, seconds):
    assert parse_duration(value) == seconds


@pytest.mark.parametrize(
    "value, says",
    [
        pytest.param("3 fortnights", "unknown unit 'fortnights'", id="unknown-unit"),
        pytest.param("2 months", "months and years vary", id="months"),
        pytest.param("soon", "unexpected 'soon'", id="word"),
        pytest.param("", "it is empty", id="empty"),
        pytest.param("-5 s", "negative", id="negative-text"),
        pytest.param(-5, "negative", id="negative-number"),
        pytest.param(dt.timedelta(seconds=-1), "negative", id="negative-timedelta"),
        pytest.param(float("inf"), "not a finite duration", id="infinite"),
        pytest.param(True, "Accepted", id="bool"),
        pytest.param([90], "a list", id="list"),
    ],
)
def test_bad_durations_name_the_accepted_forms(value, says):
    with pytest.raises(DurationError) as info:
        parse_duration(value)
    message = str(info.value)
    assert says in message
    assert isinstance(info.value, ValueError)
    if "negative" not in says:
        assert '"2 min"' in message and "timedelta" in message


def test_format_duration_reads_like_the_timings_table():
    assert [format_duration(s) for s in (0, 5, 90, 1200, 14 * 86400, 5400)] == [
        "0 s",
        "5 s",
        "1 min 30 s",
        "20 min",
        "14 days",
        "1 h 30 min",
    ]


@pytest.mark.parametrize("invocations", [[0.003], [38.003], [0.0123, 1.417, 0.2049], [2.5e-05] * 7])
def test_a_wait_reads_the_same_whatever_fractional_time_invocations_added(invocations):
    """Invocations move the clock by their measured duration (different on every machine and in the
    browser): a 90-second wait scheduled afterwards still reads 1 min 30 s, not 1 min 29 s."""
    clock = LabClock(START)
    for duration in invocations:
        clock.advance(duration)
    clock.schedule(90, lambda: None, "create ENI")
    clock.schedule(59.9999999, lambda: None, "almost a minute")
    assert [(format_duration(wait), label) for wait, label in clock.pending()] == [
        ("1 min", "almost a minute"),
        ("1 min 30 s", "create ENI"),
    ]


def test_events_run_in_due_order_with_now_at_their_time():
    clock = LabClock(START)
    seen = []
    clock.schedule(90, lambda: seen.append(("b", clock.elapsed)), "b")
    clock.schedule(5, lambda: seen.append(("a", clock.elapsed)), "a")
    clock.schedule(90, lambda: seen.append(("c", clock.elapsed)), "c")  # same time: scheduling order
    clock.advance(89)
    assert seen == [("a", 5.0)]
    clock.advance(1)
    assert seen == [("a", 5.0), ("b", 90.0), ("c", 90.0)]
    assert clock.now == START + dt.timedelta(seconds=90)
    assert clock.now.tzinfo is not None


def test_an_event_can_schedule_another_that_falls_in_the_same_advance():
    clock = LabClock(START)
    seen = []
    clock.schedule(10, lambda: clock.schedule(10, lambda: seen.append(clock.elapsed)))
    clock.advance(60)
    assert seen == [20.0] and clock.elapsed == 60.0


def test_cancelled_events_never_run_and_pending_lists_what_is_left():
    clock = LabClock(START)
    seen = []
    keep = clock.schedule(30, lambda: seen.append("keep"), "keep")
    drop = clock.schedule(20, lambda: seen.append("drop"), "drop")
    clock.cancel(drop)
    assert clock.pending() == [(30.0, "keep")]
    clock.advance(30)
    assert seen == ["keep"] and keep is not drop


def test_run_until_stops_at_the_first_event_that_satisfies():
    clock = LabClock(START)
    done = []
    clock.schedule(90, lambda: done.append(True))
    clock.schedule(500, lambda: done.append("late"))
    assert clock.run_until(lambda: bool(done), limit=3600)
    assert clock.elapsed == 90.0 and done == [True]
    assert not clock.run_until(lambda: len(done) > 5, limit=1000)
    assert clock.elapsed == 1090.0


def test_a_clock_needs_an_aware_start():
    with pytest.raises(DurationError, match="timezone-aware"):
        LabClock(dt.datetime(2024, 1, 1))


def test_timings_defaults_are_the_documented_ones():
    assert DEFAULT_TIMINGS == Timings(eni_create=90, eni_join=5, update=3, create=0, eni_delete=1200, idle=14 * 86400)
    assert dict(DEFAULT_TIMINGS.table())["idle"] == "14 days"


def test_timings_take_durations_and_refuse_unknown_keys_and_bad_values():
    t = Timings.from_mapping({"eni_create": "3 min", "idle": "2 weeks"})
    assert (t.eni_create, t.idle, t.eni_join) == (180.0, 14 * 86400.0, 5.0)
    assert Timings.from_mapping(t) is t and Timings.from_mapping(None) == DEFAULT_TIMINGS
    with pytest.raises(TimingsError, match="Did you mean eni_join"):
        Timings.from_mapping({"eni_joins": 1})
    with pytest.raises(TimingsError, match="'eni_create'.*negative"):
        Timings.from_mapping({"eni_create": -1})
    with pytest.raises(TimingsError, match="'idle' must be more than 0"):
        Timings.from_mapping({"idle": 0})
    with pytest.raises(TimingsError, match="must be a dict"):
        Timings.from_mapping([("eni_create", 1)])
