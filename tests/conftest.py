"""Shared fixtures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings
from sizes import PROFILE

# `make test`: every property at its cut-down size (sizes.examples), on the same examples each
# run (derandomized: a failure reproduces by running the test again, and the run time does
# not depend on the luck of the draw). `make soak`: full size, fresh examples each run, and a
# failure prints the blob that replays it (@reproduce_failure).
settings.register_profile("test", deadline=None, derandomize=True, database=None)
settings.register_profile("soak", deadline=None, max_examples=1_000, print_blob=True)
settings.load_profile(PROFILE)

GENERATED_AS_OF = dt.date(2026, 1, 5)


@pytest.fixture(scope="session")
def generated_snapshot(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[str], Path]:
    """generated_snapshot(fmt): a small generated snapshot (Parquet or Arrow), made once."""
    from loaders.generator import generate_snapshot

    made: dict[str, Path] = {}

    def make(fmt: str = "parquet") -> Path:
        if fmt not in made:
            out = tmp_path_factory.mktemp(f"generated-{fmt}")
            generate_snapshot(
                out,
                items=300,
                locations=6,
                horizon_days=90,
                seed=11,
                as_of=GENERATED_AS_OF,
                fmt=fmt,  # type: ignore[arg-type]
                target_rows=30_000,
                chunk_rows=7_000,
            )
            made[fmt] = out
        return made[fmt]

    return make
