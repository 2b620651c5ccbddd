"""The job kinds of the indices service."""

from __future__ import annotations

from sela_indices.analyses import complexity, composite, vulnerability
from sela_kit.jobs import JobKind

JOB_KINDS: dict[str, JobKind] = {
    vulnerability.KIND: JobKind(vulnerability.KIND, vulnerability.run),
    complexity.KIND: JobKind(complexity.KIND, complexity.run),
    composite.KIND: JobKind(composite.KIND, composite.run),
}
