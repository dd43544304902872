"""Closed loop: N callers, each sending its next call when the last one is answered.

This measures what N busy clients get; it cannot show queueing the callers themselves
cause by waiting (use the open loop for that).
"""

from __future__ import annotations

import threading
import time

from cli.loadtest.draw import Draw
from cli.loadtest.send import Sender
from cli.loadtest.spec import Workload


def run_closed_loop(spec: Workload, draw: Draw, sender: Sender, start: float) -> None:
    """`spec.concurrency` callers from `start` for warm-up plus duration."""
    end = start + spec.warmup + spec.duration

    def caller() -> None:
        while time.perf_counter() < end:
            sender.blocking(draw.next())

    callers = [
        threading.Thread(target=caller, name=f"loadtest-caller-{n}", daemon=True)
        for n in range(spec.concurrency)
    ]
    for thread in callers:
        thread.start()
    for thread in callers:
        thread.join()
