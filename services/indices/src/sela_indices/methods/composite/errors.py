"""Typed errors of the composite-indicator engine; the service turns them into 422s."""

from __future__ import annotations


class CompositeError(ValueError):
    """Base class: bad input to the composite engine (structure, settings or data)."""


class StructureError(CompositeError):
    """The index structure is inconsistent (duplicate codes, empty aggregates, bad weights)."""


class SettingsError(CompositeError):
    """A setting cannot be applied to this structure or data (missing goalposts, targets...)."""


class DataError(CompositeError):
    """The observations frame is malformed (columns, duplicates, unknown or missing codes)."""


class AggregationError(CompositeError):
    """An aggregation method cannot take these values (e.g. geometric mean of values ≤ 0)."""


class WeightsError(CompositeError):
    """Weights cannot be derived (e.g. PCA on too few complete observations)."""
