"""Radar charts of IPPALC dimension scores, as PNG or SVG. Pure (matplotlib, Agg)."""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from typing import Literal

ChartFormat = Literal["png", "svg"]
MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


def radar_chart(
    title: str,
    axes_labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    scale: tuple[float, float],
    fmt: ChartFormat,
    source: str,
) -> bytes:
    """One polygon per series over ``axes_labels``; a missing value is drawn at the centre."""
    # Imported on first use: matplotlib costs seconds at import.
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    low, high = scale
    n = len(axes_labels)
    angles = [2 * math.pi * i / n for i in range(n)]
    figure = plt.figure(figsize=(7, 7), dpi=100)
    try:
        axes = figure.add_subplot(polar=True)
        axes.set_theta_offset(math.pi / 2)  # type: ignore[attr-defined]
        axes.set_theta_direction(-1)  # type: ignore[attr-defined]
        axes.set_ylim(low - (high - low) / 8, high)
        axes.set_yticks([low + (high - low) * k / 4 for k in range(5)])
        axes.set_xticks(angles)
        axes.set_xticklabels(axes_labels, fontsize=8)
        for label, values in series.items():
            points = [low if v is None else v for v in values]
            closed_angles = [*angles, angles[0]]
            closed = [*points, points[0]]
            axes.plot(closed_angles, closed, linewidth=1.6, label=label)
            axes.fill(closed_angles, closed, alpha=0.08)
        axes.set_title(title, fontsize=12, loc="left", pad=24)
        axes.legend(loc="upper right", bbox_to_anchor=(1.15, 1.1), frameon=False, fontsize=9)
        figure.text(0.01, 0.01, source, fontsize=7, color="#555555")
        buffer = io.BytesIO()
        figure.savefig(buffer, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
        return buffer.getvalue()
    finally:
        plt.close(figure)
