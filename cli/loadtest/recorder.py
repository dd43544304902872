"""What a load test saw: HDR histograms of latency, errors by status code, a timeline.

A call is measured from its *intended* send time (open loop: the schedule; closed loop: when
its caller began it), so a server that stalls is charged for every call that queued behind
the stall (no coordinated omission). Calls intended during the warm-up are counted apart and
not measured. Latencies are whole microseconds; errors are kept out of the latency
histograms (a fast refusal would flatter them) and counted by gRPC status code instead.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

from hdrh.histogram import HdrHistogram

from cli.loadtest.spec import Kind

LATENCY_US_MAX = 3_600_000_000  # an hour: anything slower is recorded as an hour
SIGNIFICANT_DIGITS = 3
BIN_SECONDS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
BINS_MAX = 60


def histogram() -> HdrHistogram:
    return HdrHistogram(1, LATENCY_US_MAX, SIGNIFICANT_DIGITS)


def bin_seconds(duration: float) -> float:
    """The timeline's bin: the smallest round width that keeps the bins under BINS_MAX."""
    return next((s for s in BIN_SECONDS if duration / s <= BINS_MAX), BIN_SECONDS[-1])


@dataclass
class Tally:
    """Calls of one kind (or of all): latency of those that succeeded, errors by code."""

    latency: HdrHistogram = field(default_factory=histogram)
    errors: Counter[str] = field(default_factory=Counter)
    lines: int = 0


class Recorder:
    """Collects finished calls; `record` may be called from any thread."""

    def __init__(self, measure_from: float, duration: float) -> None:
        self.measure_from = measure_from  # perf_counter seconds: the end of the warm-up
        self.duration = duration
        self.bin_seconds = bin_seconds(duration)
        bins = int(duration / self.bin_seconds + 0.999999)
        self.total = Tally()
        self.by_kind: dict[Kind, Tally] = {}
        self.timeline = [Tally() for _ in range(bins)]
        self.send_lag = histogram()  # open loop: how late the generator sent, microseconds
        self.warmup_calls = 0
        self.last_completed = measure_from
        self._lock = threading.Lock()

    def record(
        self, kind: Kind, intended: float, sent: float, completed: float, code: str, lines: int
    ) -> None:
        """One finished call: `code` is the gRPC status code's name (OK on success)."""
        with self._lock:
            if intended < self.measure_from:
                self.warmup_calls += 1
                return
            self.last_completed = max(self.last_completed, completed)
            latency_us = min(max(1, round((completed - intended) * 1e6)), LATENCY_US_MAX)
            self.send_lag.record_value(min(max(1, round((sent - intended) * 1e6)), LATENCY_US_MAX))
            # a closed-loop caller may begin a call just after the window (it checked the
            # clock before drawing the call): the last bin takes it
            slot = min(
                int((intended - self.measure_from) / self.bin_seconds), len(self.timeline) - 1
            )
            for tally in (self.total, self.by_kind.setdefault(kind, Tally()), self.timeline[slot]):
                if code == "OK":
                    tally.latency.record_value(latency_us)
                    tally.lines += lines
                else:
                    tally.errors[code] += 1
