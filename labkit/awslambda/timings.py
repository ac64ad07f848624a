"""The one table of lab timings. A trainer can change any of them: ``lk.Lab(timings={"eni_create": "3 min"})``.

===================  ===========  ========================================================================
key                  default      what takes that long (lab clock)
===================  ===========  ========================================================================
``eni_create``       90 s         Lambda creates a Hyperplane ENI for a new subnet + security-group
                                  combination ("can take several minutes" on AWS); a new VPC function
                                  stays ``Pending`` (an update stays ``InProgress``) until then
``eni_join``         5 s          a function joins a combination whose ENI already exists ("much quicker")
``update``           3 s          an update that needs no new network interface (code, memory, timeout,
                                  environment, disconnecting from the VPC…): ``LastUpdateStatus`` is
                                  ``InProgress`` that long
``create``           0 s          creating a function that is not connected to a VPC: ``Active`` at once
                                  (on AWS it is ``Pending`` for a moment)
``eni_delete``       20 min       an ENI no function uses any more is deleted (AWS: "up to 20 minutes"
                                  after the VPC configuration is removed)
``idle``             14 days      a VPC function not invoked for that long becomes ``Inactive``
                                  (reason ``Idle``) and its unused ENIs are reclaimed (AWS: "consecutive
                                  weeks"; 14 days is what AWS uses for SnapStart functions)
===================  ===========  ========================================================================

Values are durations: seconds, a ``timedelta``, or text such as ``"90 s"``, ``"2 min"``, ``"14 days"``.

>>> t = Timings.from_mapping({"eni_create": "3 min", "idle": "2 weeks"})
>>> t.eni_create, t.eni_join, t.idle
(180.0, 5.0, 1209600.0)
>>> Timings.from_mapping({"eni_joins": 10})
Traceback (most recent call last):
...
labkit.awslambda.errors.TimingsError: Unknown timing 'eni_joins'. Did you mean eni_join? Known: create, eni_create, eni_delete, eni_join, idle, update.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from labkit.awslambda.clock import format_duration, parse_duration
from labkit.awslambda.errors import DurationError, TimingsError
from labkit.errors import did_you_mean

__all__ = ["Timings", "DEFAULT_TIMINGS"]


@dataclass(frozen=True)
class Timings:
    """Lab timings in seconds (see the module docstring for what each one means)."""

    eni_create: float = 90.0
    eni_join: float = 5.0
    update: float = 3.0
    create: float = 0.0
    eni_delete: float = 20 * 60.0
    idle: float = 14 * 86400.0

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            try:
                seconds = parse_duration(value)
            except DurationError as e:
                raise TimingsError(f"Timing {f.name!r}: {e}") from None
            object.__setattr__(self, f.name, seconds)
        if self.idle <= 0:
            raise TimingsError("Timing 'idle' must be more than 0 seconds (a function can't be idle at once).")

    @classmethod
    def from_mapping(cls, values: Timings | Mapping | None) -> Timings:
        """A table from ``None`` (the defaults), a ``Timings``, or a mapping of the keys to change."""
        if values is None:
            return cls()
        if isinstance(values, Timings):
            return values
        if not isinstance(values, Mapping):
            raise TimingsError(
                f"timings must be a dict such as {{'eni_create': '3 min'}} or a Timings; got {type(values).__name__}."
            )
        known = [f.name for f in dataclasses.fields(cls)]
        for key in values:
            if key not in known:
                raise TimingsError(f"Unknown timing {key!r}. {did_you_mean(str(key), known)}")
        return cls(**dict(values))

    def replace(self, **changes) -> Timings:
        return Timings.from_mapping({**dataclasses.asdict(self), **changes})

    def table(self) -> list[tuple[str, str]]:
        """(key, readable value) rows, in the order of the documentation table."""
        return [(f.name, format_duration(getattr(self, f.name))) for f in dataclasses.fields(self)]

    def __str__(self) -> str:
        return "\n".join(f"{key:<11} {value}" for key, value in self.table())


DEFAULT_TIMINGS = Timings()
