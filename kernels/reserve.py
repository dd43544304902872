"""Applying reservations to the R[t] matrix in bulk (journal replay, big orders)."""

from __future__ import annotations

import numpy as np

from kernels.config import jit


@jit
def apply_reservations(
    reserved: np.ndarray, rows: np.ndarray, buckets: np.ndarray, quantities: np.ndarray, sign: int
) -> None:
    """reserved[rows[i], buckets[i]] += sign * quantities[i] for every i (sign is +1 or -1)."""
    for i in range(rows.shape[0]):
        reserved[rows[i], buckets[i]] += sign * quantities[i]
