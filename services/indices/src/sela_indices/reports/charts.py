"""Charts of a mechanism's series for the website, as PNG or SVG. Pure (matplotlib, Agg)."""

from __future__ import annotations

import io
from typing import Literal

ChartFormat = Literal["png", "svg"]
MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


def _compact(value: float, _: object = None) -> str:
    magnitude = abs(value)
    for limit, suffix in ((1e12, " T"), (1e9, " B"), (1e6, " M"), (1e3, " k")):
        if magnitude >= limit:
            return f"{value / limit:.1f}{suffix}"
    return f"{value:.1f}" if magnitude < 100 else f"{value:.0f}"


def line_chart(
    title: str,
    unit: str,
    series: dict[str, list[tuple[str, float | None]]],
    fmt: ChartFormat,
    source: str,
) -> bytes:
    """``series``: label -> [(period, value)], drawn as lines; missing values leave gaps."""
    # Imported on first use: matplotlib costs seconds at import (and builds its font cache
    # on a new machine), which every `sela` command and service start would otherwise pay.
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    figure, axes = plt.subplots(figsize=(8, 4.5), dpi=100)
    try:
        for label, points in series.items():
            periods = [p for p, _ in points]
            values = [float("nan") if v is None else v for _, v in points]
            axes.plot(periods, values, marker="o", markersize=3, linewidth=1.8, label=label)
        axes.set_title(title, fontsize=12, loc="left")
        axes.set_ylabel(unit)
        axes.yaxis.set_major_formatter(FuncFormatter(_compact))
        axes.grid(axis="y", alpha=0.3)
        axes.spines[["top", "right"]].set_visible(False)
        ticks = axes.get_xticklabels()
        step = max(1, len(ticks) // 10)
        for i, tick in enumerate(ticks):
            tick.set_visible(i % step == 0)
        if len(series) > 1:
            axes.legend(frameon=False, fontsize=9)
        figure.text(0.01, 0.01, source, fontsize=7, color="#555555")
        figure.tight_layout(rect=(0, 0.03, 1, 1))
        buffer = io.BytesIO()
        figure.savefig(buffer, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
        return buffer.getvalue()
    finally:
        plt.close(figure)


def rank_band_chart(
    title: str,
    units: list[str],
    nominal: list[float],
    median: list[float],
    low: list[float],
    high: list[float],
    fmt: ChartFormat,
    source: str,
) -> bytes:
    """Uncertainty of ranks: per unit (in the given order, e.g. by nominal rank) the median
    rank with its 5–95% band over the Monte Carlo runs, beside the nominal rank."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    positions = list(range(len(units)))
    figure, axes = plt.subplots(figsize=(max(6.0, 0.45 * len(units) + 2), 4.5), dpi=100)
    try:
        below = [m - lo for m, lo in zip(median, low, strict=True)]
        above = [hi - m for m, hi in zip(median, high, strict=True)]
        axes.errorbar(
            positions,
            median,
            yerr=[below, above],
            fmt="o",
            color="#1f77b4",
            ecolor="#9ecae1",
            elinewidth=6,
            capsize=0,
            label="median rank, 5–95% of runs",
        )
        axes.scatter(positions, nominal, marker="x", color="#d62728", zorder=3, label="nominal")
        axes.set_xticks(positions, units, rotation=45 if len(units) > 8 else 0, ha="right")
        axes.invert_yaxis()
        axes.set_ylabel("rank (1 = highest)")
        axes.set_title(title, fontsize=12, loc="left")
        axes.grid(axis="y", alpha=0.3)
        axes.spines[["top", "right"]].set_visible(False)
        axes.legend(frameon=False, fontsize=9)
        figure.text(0.01, 0.01, source, fontsize=7, color="#555555")
        figure.tight_layout(rect=(0, 0.03, 1, 1))
        buffer = io.BytesIO()
        figure.savefig(buffer, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
        return buffer.getvalue()
    finally:
        plt.close(figure)
