"""The random calls of a workload: kind, item-locations (uniform or Zipf-skewed), quantities
and dates.

Numbers are drawn by numpy in chunks so that a call costs little more than building its
message. HOLD and COMMIT calls carry a request id and an order id unique to this run
(`lt-RUN-N`), so no call is an idempotent replay of another.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
from google.type import date_pb2

from cli.loadtest.catalogue import Catalogue
from cli.loadtest.spec import Kind, Workload
from promising.v1 import promising_service_pb2 as pb

CHUNK = 4096

_MODE = {
    Kind.quote: pb.PROMISE_MODE_QUOTE,
    Kind.hold: pb.PROMISE_MODE_HOLD,
    Kind.commit: pb.PROMISE_MODE_COMMIT,
}


@dataclass(frozen=True, slots=True)
class Call:
    """One call to send: its kind, its request, and its lines (0 for CheckAvailability)."""

    kind: Kind
    request: Any
    line_count: int


def item_weights(count: int, skew: float, rng: np.random.Generator) -> np.ndarray:
    """Probability of each item-location: Zipf (rank^-skew) over a seeded shuffle of the
    catalogue, so the hot ones are not simply the first ids; uniform when skew is 0."""
    weights = np.arange(1, count + 1, dtype=np.float64) ** -skew
    weights = weights[rng.permutation(count)]
    return weights / weights.sum()


class Draw:
    """Makes the calls of a workload, one at a time; safe to share between threads."""

    def __init__(self, spec: Workload, catalogue: Catalogue, run_id: str) -> None:
        self.spec = spec
        self.catalogue = catalogue
        self.run_id = run_id
        self._rng = np.random.default_rng(spec.seed)
        self._kinds = list(spec.mix)
        weights = np.array([spec.mix[k] for k in self._kinds], dtype=np.float64)
        self._kind_cdf = np.cumsum(weights / weights.sum())
        item_p = item_weights(len(catalogue.item_locations), spec.skew, self._rng)
        self._item_cdf = np.cumsum(item_p)
        # the server refuses a date past its horizon: ask within it
        high = max(0, min(spec.days[1], catalogue.horizon_days - 1))
        self.days = (min(spec.days[0], high), high)
        self._dates = [
            _proto_date(catalogue.as_of + dt.timedelta(days=d))
            for d in range(self.days[0], self.days[1] + 1)
        ]
        self._lock = threading.Lock()
        self._sequence = 0
        self._refill()

    def _refill(self) -> None:
        spec, rng = self.spec, self._rng
        self._kind = np.searchsorted(self._kind_cdf, rng.random(CHUNK), side="right")
        self._lines = rng.integers(spec.lines[0], spec.lines[1] + 1, CHUNK)
        self._item = np.searchsorted(self._item_cdf, rng.random(CHUNK), side="right")
        self._quantity = rng.integers(spec.quantity[0], spec.quantity[1] + 1, CHUNK)
        self._day = rng.integers(0, len(self._dates), CHUNK)
        self._at = 0  # next unused draw in each chunk
        self._line_at = 0

    def _take(self, n: int) -> int:
        """The index of n consecutive line draws (refilling when a chunk runs out)."""
        if self._line_at + n > CHUNK:
            self._refill()
        at = self._line_at
        self._line_at += n
        return at

    def next(self) -> Call:
        """The next call."""
        with self._lock:
            if self._at >= CHUNK:
                self._refill()
            at = self._at
            self._at += 1
            kind = self._kinds[min(int(self._kind[at]), len(self._kinds) - 1)]
            self._sequence += 1
            sequence = self._sequence
            count = int(self._lines[at])
            first = self._take(count)
            pairs = self.catalogue.item_locations
            last = len(pairs) - 1
            picks = [
                (
                    *pairs[min(int(self._item[i]), last)],
                    int(self._quantity[i]),
                    self._dates[int(self._day[i])],
                )
                for i in range(first, first + count)
            ]
        if kind is Kind.check:
            item_id, location_id, _, day = picks[0]
            request = pb.CheckAvailabilityRequest(
                item_id=item_id, location_ids=[location_id] if location_id else [], to_date=day
            )
            return Call(kind, request, 0)
        lines = [
            pb.OrderLine(line_id=str(n + 1), item_id=item_id, quantity=quantity, requested_date=day)
            for n, (item_id, _, quantity, day) in enumerate(picks)
        ]
        for line, (_, location_id, _, _) in zip(lines, picks, strict=True):
            if location_id:
                line.ship_from_location_id = location_id
        request = pb.PromiseOrderRequest(mode=_MODE[kind], lines=lines)
        if kind is not Kind.quote:
            request.request_id = request.order_id = f"lt-{self.run_id}-{sequence}"
            if kind is Kind.hold:
                request.hold_ttl_seconds = self.spec.hold_ttl
        return Call(kind, request, count)


def _proto_date(day: dt.date) -> date_pb2.Date:
    return date_pb2.Date(year=day.year, month=day.month, day=day.day)
