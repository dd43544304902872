"""Working days of the sources' calendars: the latest working day on or before a bucket, and
the first on or after it, as lookup tables (DESIGN §2: a location ships only on working
days; no calendar means every day works)."""

from __future__ import annotations

import numpy as np

from promising.snapshot import CalendarTable


class WorkingDays:
    """`before(c, t)`: latest working bucket <= t (-1: none); `after(c, t)`: first working
    bucket >= t (horizon_days: none). Calendar -1 works every day."""

    def __init__(self, calendars: CalendarTable, horizon_days: int) -> None:
        working = np.ones((len(calendars.ids) + 1, horizon_days), dtype=bool)
        working[1:] = calendars.working
        self.horizon_days = horizon_days
        self.working = working
        buckets = np.arange(horizon_days)
        marked = np.where(working, buckets, -1)
        self._before = np.maximum.accumulate(marked, axis=1)
        marked = np.where(working, buckets, horizon_days)
        self._after = np.minimum.accumulate(marked[:, ::-1], axis=1)[:, ::-1]

    def works(self, calendar: int, bucket: int) -> bool:
        return bool(self.working[calendar + 1, bucket])

    def before(self, calendar: int, bucket: int) -> int:
        if bucket < 0:
            return -1
        return int(self._before[calendar + 1, min(bucket, self.horizon_days - 1)])

    def after(self, calendar: int, bucket: int) -> int:
        if bucket >= self.horizon_days:
            return self.horizon_days
        return int(self._after[calendar + 1, max(bucket, 0)])
