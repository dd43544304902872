"""Compile options for every kernel, in one place.

`cache=True` writes compiled machine code next to the sources (``__pycache__``) so a second
process (a test run, a restarted server) does not pay the compile again. `nogil=True` lets
gRPC worker threads run quote kernels in parallel with the writer thread.
"""

from __future__ import annotations

import numba

JIT_OPTIONS: dict[str, bool] = {"cache": True, "nogil": True, "fastmath": False}
PARALLEL_OPTIONS: dict[str, bool] = {**JIT_OPTIONS, "parallel": True}

jit = numba.njit(**JIT_OPTIONS)
"""Decorator for serial kernels."""

jit_parallel = numba.njit(**PARALLEL_OPTIONS)
"""Decorator for batch drivers where threading measurably helps."""
