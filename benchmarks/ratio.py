"""Same-run baselines: time a subject and its baseline interleaved, report the ratio.

These machines are shared and noisy, so an absolute time means little; a ratio against a
baseline measured in the same run, call for call interleaved, survives the noise.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

RESULTS: list[Ratio] = []


@dataclass
class Ratio:
    name: str
    subject_s: list[float] = field(default_factory=list)
    baseline_s: list[float] = field(default_factory=list)
    baseline_name: str = ""
    target: float | None = None
    note: str = ""

    @property
    def subject_median_s(self) -> float:
        return statistics.median(self.subject_s)

    @property
    def baseline_median_s(self) -> float:
        return statistics.median(self.baseline_s)

    @property
    def ratio(self) -> float:
        return self.subject_median_s / self.baseline_median_s

    def quantile_ratio(self, q: float) -> float:
        """Ratio of the q-quantiles (e.g. 0.99 for p99)."""
        return _quantile(self.subject_s, q) / _quantile(self.baseline_s, q)

    def line(self) -> str:
        verdict = ""
        if self.target is not None:
            verdict = " ok" if self.ratio <= self.target else f" MISSED (target ≤ {self.target})"
        return (
            f"{self.name}: {_fmt(self.subject_median_s)} vs {self.baseline_name} "
            f"{_fmt(self.baseline_median_s)} → ratio {self.ratio:.2f}{verdict}"
            + (f"  [{self.note}]" if self.note else "")
        )


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _fmt(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.2f} µs"


def interleaved(
    name: str,
    subject: Callable[[], object],
    baseline: Callable[[], object],
    baseline_name: str,
    rounds: int,
    inner: int = 1,
    target: float | None = None,
    note: str = "",
) -> Ratio:
    """Alternate subject and baseline `rounds` times (each call repeated `inner` times)."""
    result = Ratio(name, baseline_name=baseline_name, target=target, note=note)
    subject()
    baseline()
    clock = time.perf_counter
    for _ in range(rounds):
        t0 = clock()
        for _ in range(inner):
            baseline()
        t1 = clock()
        for _ in range(inner):
            subject()
        t2 = clock()
        result.baseline_s.append((t1 - t0) / inner)
        result.subject_s.append((t2 - t1) / inner)
    RESULTS.append(result)
    return result
