"""Applying a `DataSelection` to an observation frame (for callers that filter in memory).

The service's database query does the dimension and period filtering itself; this module is the
reference for what those filters mean, and does the per-series first/last N.
"""

from __future__ import annotations

import polars as pl

from sela_indices.sdmx.model import DIMENSIONS, TIME_DIMENSION
from sela_indices.sdmx.query import DataSelection, period_bounds


def apply_selection(frame: pl.DataFrame, selection: DataSelection) -> pl.DataFrame:
    """The rows of `frame` (columns `model.FRAME_COLUMNS`) that `selection` asks for."""
    for dimension in DIMENSIONS:
        codes = selection.codes(dimension)
        if codes is not None:
            frame = frame.filter(pl.col(dimension).is_in(sorted(codes)))
    if selection.start is not None or selection.end is not None:
        keep = []
        for period in frame.get_column(TIME_DIMENSION).unique().to_list():
            first, last = period_bounds(period)
            if (selection.start is None or last >= selection.start) and (
                selection.end is None or first <= selection.end
            ):
                keep.append(period)
        frame = frame.filter(pl.col(TIME_DIMENSION).is_in(keep))
    if selection.first_n is None and selection.last_n is None:
        return frame
    # Within one series the frequency is fixed, so the period texts sort chronologically.
    series = list(DIMENSIONS)
    frame = frame.sort([*series, TIME_DIMENSION])
    position = pl.int_range(pl.len()).over(series)
    # pl.len() is unsigned: subtracting from it must not wrap around.
    size = pl.len().over(series).cast(pl.Int64)
    keep_first = position < selection.first_n if selection.first_n is not None else pl.lit(False)
    keep_last = (
        position >= size - selection.last_n if selection.last_n is not None else pl.lit(False)
    )
    return frame.filter(keep_first | keep_last)
