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

WAKE_SECONDS = 0.25


def run_closed_loop(spec: Workload, draw: Draw, sender: Sender, start: float) -> None:
    """`spec.concurrency` callers from `start` for warm-up plus duration."""
    end = start + spec.warmup + spec.duration
    stop = threading.Event()

    def caller() -> None:
        while time.perf_counter() < end and not stop.is_set():
            sender.blocking(draw.next())

    callers = [
        threading.Thread(target=caller, name=f"loadtest-caller-{n}", daemon=True)
        for n in range(spec.concurrency)
    ]
    for thread in callers:
        thread.start()
    try:
        for thread in callers:
            while thread.is_alive():  # wake often: Ctrl-C is handled only between waits
                thread.join(WAKE_SECONDS)
    except KeyboardInterrupt:  # Ctrl-C: the callers finish the call they are in, then stop
        stop.set()
        for thread in callers:
            thread.join(spec.timeout)
        raise
