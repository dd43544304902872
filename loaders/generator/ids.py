"""Fixed-width id strings (`PO-000000042`) built straight into Arrow buffers, no Python loop.

Every id of one call has the same length, so the offsets are an arithmetic sequence and the
characters one (rows, width) byte matrix: millions of ids cost a few numpy passes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

Digits = tuple[np.ndarray, int]
"""A zero-padded number: (non-negative integers, width)."""
Choice = tuple[np.ndarray, Sequence[str]]
"""One of several equally long strings: (codes, options)."""
Part = str | Digits | Choice


def _width(part: Part) -> int:
    if isinstance(part, str):
        return len(part.encode())
    spec = part[1]
    if isinstance(spec, int):
        return spec
    widths = {len(option.encode()) for option in spec}
    assert len(widths) == 1, f"options must be equally long: {spec}"
    return widths.pop()


def text_ids(rows: int, parts: Sequence[Part], valid: np.ndarray | None = None) -> pa.Array:
    """A string array, each row the concatenation of `parts` (null where `valid` is False)."""
    widths = [_width(part) for part in parts]
    size = sum(widths)
    chars = np.empty((rows, size), dtype=np.uint8)
    start = 0
    for part, width in zip(parts, widths, strict=True):
        column = slice(start, start + width)
        if isinstance(part, str):
            chars[:, column] = np.frombuffer(part.encode(), dtype=np.uint8)
        elif isinstance(part[1], int):
            number = np.asarray(part[0], dtype=np.int64).copy()
            assert number.shape[0] == 0 or number.min() >= 0, "digits must be non-negative"
            for k in range(width - 1, -1, -1):
                chars[:, start + k] = 48 + number % 10
                number //= 10
        else:
            codes, options = part
            table = np.frombuffer(b"".join(o.encode() for o in options), dtype=np.uint8)
            chars[:, column] = table.reshape(len(options), width)[codes]
        start += width
    kind = pa.large_string() if rows * size >= 2**31 else pa.string()
    offset_type = np.int64 if kind == pa.large_string() else np.int32
    offsets = np.arange(rows + 1, dtype=offset_type) * size
    validity = None
    if valid is not None and not valid.all():
        validity = pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.Array.from_buffers(kind, rows, [validity, pa.py_buffer(offsets), pa.py_buffer(chars)])


def digits_for(count: int, minimum: int = 1) -> int:
    """Digits needed to write the numbers 0..count (at least `minimum`)."""
    return max(minimum, len(str(max(count, 0))))
