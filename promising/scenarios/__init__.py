"""What-if scenarios: copy-on-write forks of the live model and reservations, with changes.

`changes` turns a planner's changes (by supply id, or added supply and demand) into fork
changes; `live` forks the live state consistently; `registry` holds the scenarios with their
time-to-live and bounds. Quotes on a scenario go through the engine it holds.
"""

from promising.scenarios.changes import (
    MoveSupply,
    RemoveSupply,
    ScenarioChange,
    SetSupplyQuantity,
    changed_model,
)
from promising.scenarios.live import fork_live
from promising.scenarios.registry import Scenario, ScenarioLimits, Scenarios

__all__ = [
    "MoveSupply",
    "RemoveSupply",
    "Scenario",
    "ScenarioChange",
    "ScenarioLimits",
    "Scenarios",
    "SetSupplyQuantity",
    "changed_model",
    "fork_live",
]
