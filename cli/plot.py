"""A planner's picture of availability: supply, demand and ATP over time, one panel per location."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from promising.availability import AvailabilityProfile


def plot_profiles(profiles: Sequence[AvailabilityProfile], path: str | Path) -> Path:
    """Write a PNG with supply and demand as bars and ATP as a step line per location."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    if not profiles:
        raise ValueError("nothing to plot: no profiles")
    fig, axes = plt.subplots(
        len(profiles), 1, figsize=(11, 3.2 * len(profiles)), sharex=True, squeeze=False
    )
    for ax, p in zip(axes[:, 0], profiles, strict=True):
        dates = p.dates
        ax.bar(dates, p.supply, width=0.8, color="#4c9a2a", alpha=0.75, label="supply")
        ax.bar(dates, -p.demand, width=0.8, color="#c0392b", alpha=0.75, label="demand")
        if p.reserved.any():
            ax.bar(
                dates, -p.reserved, bottom=-p.demand, width=0.8, color="#e67e22", label="reserved"
            )
        ax.step(
            dates, p.atp, where="post", color="#1f4e79", linewidth=2, label=f"ATP ({p.rule_id})"
        )
        ax.axhline(0, color="black", linewidth=0.6)
        ax.set_title(f"{p.item_id} @ {p.location_id}", loc="left", fontsize=11)
        ax.set_ylabel("units")
        ax.grid(axis="y", alpha=0.3)
        ax.legend(loc="upper left", fontsize=8, ncols=4)
    locator = mdates.AutoDateLocator()
    axes[-1, 0].xaxis.set_major_locator(locator)
    axes[-1, 0].xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
