"""Every table of the service, imported once so the metadata is complete (migrations, tests)."""

from sela_ports.benchmark import models as benchmark_models
from sela_ports.collab import models as collab_models
from sela_ports.governance import models as governance_models
from sela_ports.models import Base
from sela_ports.registry import models as registry_models

__all__ = ["Base", "benchmark_models", "collab_models", "governance_models", "registry_models"]
