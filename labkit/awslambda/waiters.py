"""boto3 waiters that wait on the lab clock: ``lab.client("lambda").get_waiter("function_active_v2")``.

A waiter polls an operation and sleeps between attempts. In the lab, each sleep advances the lab clock by
the waiter's delay instead of sleeping, so waiting for a function that needs 90 lab seconds returns at
once in real time, with ``lab.now`` 90 seconds later. Everything else is botocore's own waiter: the same
acceptors, ``Delay`` and ``MaxAttempts`` (``WaiterConfig``), and the same ``WaiterError`` when the state
can never be reached (after ``MaxAttempts`` polls, again without real sleeping).

The waiters of every lab client work this way (EC2's ``nat_gateway_available`` too); they are installed
through botocore's ``creating-client-class`` event, so clients stay ordinary botocore clients.
"""

from __future__ import annotations

import types
from collections.abc import Callable

__all__ = ["install", "lab_clock_wait"]


def lab_clock_wait(sleep: Callable[[float], None]):
    """botocore's ``Waiter.wait`` with ``time.sleep`` replaced by ``sleep`` (same code, other globals)."""
    import botocore.waiter

    original = botocore.waiter.Waiter.wait
    raw = getattr(original, "__wrapped__", original)
    clock_time = types.SimpleNamespace(sleep=sleep)
    return types.FunctionType(
        raw.__code__, {**raw.__globals__, "time": clock_time}, raw.__name__, raw.__defaults__, raw.__closure__
    )


def install(botocore_session, sleep: Callable[[float], None]) -> None:
    """Make every client of ``botocore_session`` create waiters whose sleeps call ``sleep(seconds)``."""
    wait = lab_clock_wait(sleep)

    class LabClockWaiters:
        def get_waiter(self, waiter_name):
            waiter = super().get_waiter(waiter_name)
            waiter.wait = types.MethodType(lambda w, **kwargs: wait(w, **kwargs), waiter)
            return waiter

    def add_mixin(class_attributes, base_classes, **kwargs):
        base_classes.insert(0, LabClockWaiters)

    botocore_session.register("creating-client-class", add_mixin, unique_id="labkit-lab-clock-waiters")
