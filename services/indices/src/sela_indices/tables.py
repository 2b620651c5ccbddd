"""Every table of the indices service, imported so that its metadata is complete."""

from sela_indices.analyses.models import AnalysisRun, AnalysisTable
from sela_indices.catalogue.models import Indicator
from sela_indices.models import Base
from sela_indices.observations.models import Observation, Vintage
from sela_indices.reference.models import Area, MechanismEdition, Membership
from sela_indices.trade.models import TradeDataset, TradeFlow

metadata = Base.metadata

__all__ = [
    "AnalysisRun",
    "AnalysisTable",
    "Area",
    "Indicator",
    "MechanismEdition",
    "Membership",
    "Observation",
    "TradeDataset",
    "TradeFlow",
    "Vintage",
    "metadata",
]
