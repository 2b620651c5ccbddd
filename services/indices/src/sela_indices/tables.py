"""Every table of the indices service, imported so that its metadata is complete."""

from sela_indices.catalogue.models import Indicator
from sela_indices.models import Base
from sela_indices.observations.models import Observation, Vintage
from sela_indices.reference.models import Area, MechanismEdition, Membership

metadata = Base.metadata

__all__ = [
    "Area",
    "Indicator",
    "MechanismEdition",
    "Membership",
    "Observation",
    "Vintage",
    "metadata",
]
