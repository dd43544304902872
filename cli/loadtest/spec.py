"""What a load test sends and how fast: the workload, from flags and an optional TOML file.

A TOML file holds the same keys as the flags (flat, snake_case); a flag given on the command
line wins over the file. Every key and its meaning:

    mix = { quote = 80, commit = 10, hold = 5, check = 5 }  # relative weights of call kinds
    lines = [1, 5]          # lines per order, drawn uniformly from the closed range
    quantity = [1, 50]      # units per line, uniformly
    days = [5, 100]         # requested date: days after the server's as_of, uniformly
    skew = 1.1              # Zipf exponent over item-locations (hot SKUs); 0: uniform
    items = ["A@L1", "B"]   # ITEM@LOCATION, or ITEM if stocked at one place [server's snapshot]
    rate = 500              # open loop at this many calls a second (0: closed loop)
    concurrency = 8         # closed loop: callers, each waiting for its answer
    duration = 10.0         # seconds measured, after the warm-up
    warmup = 2.0            # seconds sent but not measured
    timeout = 10.0          # deadline of each call, seconds
    hold_ttl = 60           # seconds a HOLD lasts if the run cannot release it
    max_in_flight = 5000    # open loop: calls outstanding before sending waits (and is late)
    seed = 1                # random seed: the same seed draws the same calls
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any


class Kind(StrEnum):
    """A kind of call the load test sends."""

    quote = "quote"
    hold = "hold"
    commit = "commit"
    check = "check"  # CheckAvailability


@dataclass(frozen=True)
class Workload:
    """Everything that decides which calls are sent and when; defaults are a plain quote load."""

    mix: dict[Kind, float] = field(default_factory=lambda: {Kind.quote: 1.0})
    lines: tuple[int, int] = (1, 1)
    quantity: tuple[int, int] = (1, 50)
    days: tuple[int, int] = (5, 100)
    skew: float = 0.0
    items: tuple[str, ...] = ()
    rate: float = 0.0
    concurrency: int = 8
    duration: float = 10.0
    warmup: float = 1.0
    timeout: float = 10.0
    hold_ttl: int = 60
    max_in_flight: int = 5000
    seed: int = 1

    @property
    def open_loop(self) -> bool:
        return self.rate > 0

    def to_json(self) -> dict[str, Any]:
        """The workload as plain JSON values (mix weights normalised to fractions)."""
        out = dataclasses.asdict(self)
        total = sum(self.mix.values())
        out["mix"] = {kind.value: weight / total for kind, weight in self.mix.items()}
        for key in ("lines", "quantity", "days", "items"):
            out[key] = list(out[key])
        out["loop"] = "open" if self.open_loop else "closed"
        return out


LINES_MAX = 1000  # below draw.CHUNK: one order's lines come from one chunk of draws
KEYS = {f.name for f in dataclasses.fields(Workload)}


def workload(file: Path | None, flags: dict[str, Any]) -> Workload:
    """The workload from a TOML file (or none) with the flags that were given laid over it;
    ValueError names the key that cannot be run and why."""
    values: dict[str, Any] = {}
    if file is not None:
        try:
            values = tomllib.loads(file.read_text())
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise ValueError(f"{file}: {error}") from None
        unknown = sorted(set(values) - KEYS)
        if unknown:
            raise ValueError(f"{file}: unknown keys {', '.join(unknown)} (known: {sorted(KEYS)})")
    values.update({key: value for key, value in flags.items() if value is not None})
    return check(Workload(**{key: _parse(key, value) for key, value in values.items()}))


def _parse(key: str, value: Any) -> Any:
    """One key's value, from TOML (typed) or a flag (text), in the workload's own type."""
    try:
        if key == "mix":
            return parse_mix(value)
        if key in ("lines", "quantity", "days"):
            return parse_range(value)
        if key == "items":
            return tuple(value.split(",") if isinstance(value, str) else value)
        if key in ("concurrency", "hold_ttl", "max_in_flight", "seed"):
            return int(value)
        return float(value)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{key}: {value!r}: {error}") from None


def parse_mix(value: str | dict[str, Any]) -> dict[Kind, float]:
    """`quote=80,commit=20` (a flag) or a table of weights (TOML) → weights by kind."""
    if isinstance(value, str):
        pairs = [part.split("=", 1) for part in value.split(",") if part.strip()]
        if any(len(pair) != 2 for pair in pairs):
            raise ValueError("write KIND=WEIGHT,… with kinds quote, hold, commit, check")
        value = {name.strip(): weight for name, weight in pairs}
    mix = {}
    for name, weight in value.items():
        if name not in Kind.__members__:
            raise ValueError(f"unknown kind {name!r} (quote, hold, commit, check)")
        mix[Kind(name)] = float(weight)
    return mix


def parse_range(value: str | int | list[int]) -> tuple[int, int]:
    """`3`, `1-5` (a flag) or `[1, 5]` / `3` (TOML) → a closed range (low, high)."""
    if isinstance(value, int):
        return value, value
    if isinstance(value, str):
        low, _, high = value.partition("-")
        return int(low), int(high or low)
    low, high = value
    return int(low), int(high)


def check(spec: Workload) -> Workload:
    """The workload, or ValueError naming the first key that cannot be run."""
    if not spec.mix or any(w < 0 for w in spec.mix.values()) or sum(spec.mix.values()) <= 0:
        raise ValueError("mix: give at least one kind a positive weight")
    for key in ("lines", "quantity"):
        low, high = getattr(spec, key)
        if not 1 <= low <= high:
            raise ValueError(f"{key}: need 1 <= low <= high, got {low}-{high}")
    if spec.lines[1] > LINES_MAX:
        raise ValueError(f"lines: at most {LINES_MAX} an order")
    if not 0 <= spec.days[0] <= spec.days[1]:
        raise ValueError(f"days: need 0 <= low <= high, got {spec.days[0]}-{spec.days[1]}")
    if spec.skew < 0:
        raise ValueError("skew: a Zipf exponent >= 0 (0: uniform)")
    if spec.rate < 0 or spec.concurrency < 1 or spec.max_in_flight < 1:
        raise ValueError("rate >= 0, concurrency >= 1 and max_in_flight >= 1")
    if spec.duration <= 0 or spec.warmup < 0 or spec.timeout <= 0:
        raise ValueError("duration and timeout > 0, warmup >= 0")
    return spec
