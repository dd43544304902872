"""How big the property runs are: full size under `make soak`, cut down in `make test`.

`make soak` sets HYPOTHESIS_PROFILE=soak; tests/conftest.py loads the profile of that name.
"""

from __future__ import annotations

import os

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "test")
SOAK = PROFILE == "soak"


def examples(full: int, test: int) -> int:
    """max_examples of a property: `full` under `make soak`, `test` in `make test`."""
    return full if SOAK else test
