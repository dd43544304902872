"""Forking the live state for a scenario: the model aside, the reservations on the writer.

The changed model is built on the caller's thread from the version in use. The reservations
are forked inside the journal's writer, between commands, so the fork holds exactly the
reservations applied up to one journal position and no half of a command; there it is also
checked that the live data is still that version (a refresh swaps it inside the writer too),
else the fork is made again on the new one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import NamedTuple

from promising.book import Reservations
from promising.engine import Engine
from promising.errors import Unavailable
from promising.journal import Journal
from promising.ledger import ForkedLedger
from promising.refresh.version import Version
from promising.scenarios.changes import ScenarioChange, changed_model

FORK_TIMEOUT_SECONDS = 30.0
ATTEMPTS = 3
"""Forks tried when a refresh swaps the live data in between (refreshes are rare)."""


class Forked(NamedTuple):
    """A fork of live: its engine, the journal position it holds every reservation up to,
    and the live engine it forked."""

    engine: Engine
    lsn: int
    live: Engine


def fork_live(
    reservations: Reservations,
    current: Callable[[], Version],
    changes: Sequence[ScenarioChange],
) -> Forked:
    """A fork of the live model, with `changes`, and of its reservations."""
    for _ in range(ATTEMPTS):
        version = current()
        model = changed_model(version, changes)

        take = partial(_take, reservations, version)
        taken = reservations.writer.submit(take).result(FORK_TIMEOUT_SECONDS)
        if taken is not None:
            live, ledger, lsn = taken
            return Forked(Engine(model, ledger, like=live), lsn, live)
    raise Unavailable("the live data kept changing while the scenario forked; retry")


def _take(
    reservations: Reservations, version: Version, journal: Journal
) -> tuple[Engine, ForkedLedger, int] | None:
    """On the writer: the live engine, a fork of its ledger and the position it holds up to;
    None when the live data is no longer `version`."""
    engine = reservations.engine
    if engine.model is not version.model:
        return None
    return engine, engine.ledger.fork(), journal.next_lsn - 1
