"""The lab clock: a time that moves only when told, and the events scheduled on it.

Nothing in the lab changes by itself. A function that needs 90 seconds to get its network interfaces is
``Pending`` until the clock has moved 90 seconds: ``lab.advance(90)``. Waiters move the clock instead of
sleeping, and an invocation that times out moves it by the function's timeout.

``parse_duration`` reads the durations ``lab.advance`` and the timings table accept:

>>> parse_duration(90), parse_duration("90 s"), parse_duration("2 min"), parse_duration("1.5h")
(90.0, 90.0, 120.0, 5400.0)
>>> parse_duration("3 weeks") == 3 * 7 * 24 * 3600, parse_duration("1 h 30 min")
(True, 5400.0)
>>> import datetime; parse_duration(datetime.timedelta(days=14))
1209600.0
"""

from __future__ import annotations

import datetime as _dt
import heapq
import itertools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from labkit.awslambda.errors import DurationError

__all__ = ["parse_duration", "format_duration", "LabClock", "ACCEPTED_DURATIONS"]

#: Unit words (singular, plural, short) → seconds.
_UNITS: dict[str, float] = {}
for _names, _seconds in (
    (("s", "sec", "secs", "second", "seconds"), 1.0),
    (("m", "min", "mins", "minute", "minutes"), 60.0),
    (("h", "hr", "hrs", "hour", "hours"), 3600.0),
    (("d", "day", "days"), 86400.0),
    (("w", "wk", "wks", "week", "weeks"), 7 * 86400.0),
):
    for _name in _names:
        _UNITS[_name] = _seconds

ACCEPTED_DURATIONS = (
    'a number of seconds (90 or 2.5), a datetime.timedelta, or text such as "90 s", "2 min", "1.5 h", '
    '"3 days", "3 weeks" or "1 h 30 min" (units: s/sec/second, m/min/minute, h/hour, d/day, w/week; '
    "plurals are fine)"
)

_PART = re.compile(r"\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-zA-Z]*)\s*,?")


def parse_duration(value) -> float:
    """Seconds in ``value``: a number of seconds, a ``timedelta``, or text like ``"2 min"``.

    Raises ``labkit.errors.DurationError`` (a ``ValueError``) for anything else, for a negative duration
    (the lab clock never goes back) and for infinity or NaN; the message lists the accepted forms.

    >>> parse_duration("0")
    0.0
    >>> parse_duration("3 fortnights")
    Traceback (most recent call last):
    ...
    labkit.awslambda.errors.DurationError: Can't read '3 fortnights' as a duration: unknown unit 'fortnights'. Accepted: a number of seconds (90 or 2.5), a datetime.timedelta, or text such as "90 s", "2 min", "1.5 h", "3 days", "3 weeks" or "1 h 30 min" (units: s/sec/second, m/min/minute, h/hour, d/day, w/week; plurals are fine).
    """
    if isinstance(value, bool):
        raise DurationError(f"Can't read {value!r} as a duration. Accepted: {ACCEPTED_DURATIONS}.")
    if isinstance(value, _dt.timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str):
        seconds = _parse_text(value)
    else:
        raise DurationError(
            f"Can't read {value!r} (a {type(value).__name__}) as a duration. Accepted: {ACCEPTED_DURATIONS}."
        )
    if math.isnan(seconds) or math.isinf(seconds):
        raise DurationError(f"{value!r} is not a finite duration. Accepted: {ACCEPTED_DURATIONS}.")
    if seconds < 0:
        raise DurationError(
            f'{value!r} is negative: the lab clock only moves forward. Give a duration of 0 or more, e.g. 90 or "2 min".'
        )
    return seconds


def _parse_text(text: str) -> float:
    stripped = text.strip()
    if not stripped:
        raise DurationError(f"Can't read {text!r} as a duration: it is empty. Accepted: {ACCEPTED_DURATIONS}.")
    if stripped.startswith("-"):
        raise DurationError(
            f'{text!r} is negative: the lab clock only moves forward. Give a duration of 0 or more, e.g. 90 or "2 min".'
        )
    total, position = 0.0, 0
    while position < len(stripped):
        match = _PART.match(stripped, position)
        if not match or match.end() == position:
            raise DurationError(
                f"Can't read {text!r} as a duration: unexpected {stripped[position:]!r}. Accepted: {ACCEPTED_DURATIONS}."
            )
        number, unit = float(match.group(1)), match.group(2).lower()
        if unit and unit not in _UNITS:
            hint = " (months and years vary in length: give days or weeks)" if unit.startswith(("mo", "y")) else ""
            raise DurationError(
                f"Can't read {text!r} as a duration: unknown unit {match.group(2)!r}{hint}. Accepted: {ACCEPTED_DURATIONS}."
            )
        total += number * (_UNITS[unit] if unit else 1.0)
        position = match.end()
    return total


def format_duration(seconds: float) -> str:
    """A short readable duration.

    >>> format_duration(5), format_duration(90), format_duration(1200), format_duration(14 * 86400), format_duration(5400)
    ('5 s', '1 min 30 s', '20 min', '14 days', '1 h 30 min')

    Lab times are sums of floats (an invocation moves the clock by its measured duration), so a wait of
    90 s can come out as 89.99999999: it reads as 90 s. Under a minute, milliseconds; above, whole seconds.

    >>> format_duration((38.003 + 90) - 38.003), format_duration(2.0000000001), format_duration(0.0125)
    ('1 min 30 s', '2 s', '0.013 s')
    """
    seconds = round(float(seconds), 3)
    if seconds < 60:
        return f"{seconds:g} s"
    seconds = round(seconds)
    parts = []
    for name, size in (("days", 86400), ("h", 3600), ("min", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            label = "day" if name == "days" and count == 1 else name
            parts.append(f"{int(count)} {label}")
    return " ".join(parts)


@dataclass(order=True)
class _Event:
    due: float
    seq: int
    action: Callable[[], None] = field(compare=False)
    label: str = field(compare=False, default="")
    cancelled: bool = field(compare=False, default=False)


class LabClock:
    """Lab time: ``now`` (a timezone-aware UTC datetime) and a queue of events due at lab times.

    ``advance(seconds)`` runs every event that falls due, in order of due time (then of scheduling),
    with ``now`` set to each event's time while it runs; events may schedule further events.

    >>> clock = LabClock(_dt.datetime(2024, 1, 1, tzinfo=_dt.timezone.utc))
    >>> seen = []
    >>> _ = clock.schedule(90, lambda: seen.append(clock.elapsed))
    >>> _ = clock.advance(60); seen
    []
    >>> _ = clock.advance("1 min"); seen, clock.now.isoformat()
    ([90.0], '2024-01-01T00:02:00+00:00')
    """

    def __init__(self, start: _dt.datetime | None = None):
        if start is None:
            start = _dt.datetime.now(_dt.UTC).replace(microsecond=0)
        if start.tzinfo is None:
            raise DurationError(
                "The lab clock needs a timezone-aware start time, e.g. datetime(..., tzinfo=timezone.utc)."
            )
        self._start = start
        self._elapsed = 0.0
        self._queue: list[_Event] = []
        self._seq = itertools.count()
        self._running = False

    @property
    def start(self) -> _dt.datetime:
        return self._start

    @property
    def elapsed(self) -> float:
        """Seconds of lab time since the lab started."""
        return self._elapsed

    @property
    def now(self) -> _dt.datetime:
        return self._start + _dt.timedelta(seconds=self._elapsed)

    def schedule(self, delay: float, action: Callable[[], None], label: str = "") -> _Event:
        """Run ``action`` when the clock reaches now + ``delay`` seconds; returns a handle with ``cancel()``."""
        event = _Event(self._elapsed + max(0.0, float(delay)), next(self._seq), action, label)
        heapq.heappush(self._queue, event)
        return event

    @staticmethod
    def cancel(event: _Event | None) -> None:
        if event is not None:
            event.cancelled = True

    def next_due(self) -> float | None:
        """Seconds until the next pending event, or ``None`` when nothing is scheduled."""
        self._drop_cancelled()
        return self._queue[0].due - self._elapsed if self._queue else None

    def pending(self) -> list[tuple[float, str]]:
        """(seconds from now, label) of every scheduled event, soonest first."""
        return [(e.due - self._elapsed, e.label) for e in sorted(self._queue) if not e.cancelled]

    def advance(self, duration) -> float:
        """Move the clock forward by ``duration`` (see ``parse_duration``), running the events that fall due."""
        seconds = parse_duration(duration)
        self._run_until(self._elapsed + seconds)
        return seconds

    def run_until(self, done: Callable[[], bool], limit: float) -> bool:
        """Advance event by event until ``done()`` is true or ``limit`` seconds have passed; returns ``done()``."""
        end = self._elapsed + limit
        while not done():
            wait = self.next_due()
            if wait is None or self._elapsed + wait > end:
                self._run_until(end)
                return done()
            self._run_until(self._elapsed + wait)
        return True

    def _drop_cancelled(self) -> None:
        while self._queue and self._queue[0].cancelled:
            heapq.heappop(self._queue)

    def _run_until(self, target: float) -> None:
        if self._running:  # an event handler moved the clock: just note the time, the outer loop continues
            self._elapsed = max(self._elapsed, target)
            return
        self._running = True
        try:
            while True:
                self._drop_cancelled()
                bound = max(target, self._elapsed)  # an event may have moved the clock past target
                if not self._queue or self._queue[0].due > bound:
                    break
                event = heapq.heappop(self._queue)
                self._elapsed = max(self._elapsed, event.due)
                event.action()
            self._elapsed = max(self._elapsed, target)
        finally:
            self._running = False
