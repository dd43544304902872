"""Open loop: calls sent on a fixed schedule, whether or not earlier ones were answered.

Call k is intended at `start + k / rate`; it is drawn before its time comes and sent when it
does. If the generator falls behind (or `max_in_flight` calls are outstanding) it sends late,
and the lateness is charged to the call's latency, as it would be to a real client's; the
recorder also keeps the send lag itself, so a slow generator shows as such.
"""

from __future__ import annotations

import threading
import time

from cli.loadtest.draw import Draw
from cli.loadtest.send import Sender
from cli.loadtest.spec import Workload

WAKE_SECONDS = 0.25


def run_open_loop(spec: Workload, draw: Draw, sender: Sender, start: float) -> None:
    """Send at `spec.rate` from `start` for warm-up plus duration, then wait for the answers."""
    calls = round(spec.rate * (spec.warmup + spec.duration))  # a count: no float boundary
    slots = threading.Semaphore(spec.max_in_flight)
    for k in range(calls):
        intended = start + k / spec.rate
        call = draw.next()
        delay = intended - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        slots.acquire()
        sender.future(call, intended, slots.release)
    drain_until = time.perf_counter() + spec.timeout + 5.0
    returned = 0  # every slot back: every call answered or timed out
    while returned < spec.max_in_flight and time.perf_counter() < drain_until:
        if slots.acquire(timeout=WAKE_SECONDS):  # wake often: Ctrl-C is handled between waits
            returned += 1
