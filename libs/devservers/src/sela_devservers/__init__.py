"""Embedded PostgreSQL and NATS JetStream, started from PyPI wheels.

Used by ``sela up`` (the one-command run) and by the test suite; services never import it.
"""

from sela_devservers.nats import EmbeddedNats
from sela_devservers.postgres import EmbeddedPostgres
from sela_devservers.process import ServerStartError, free_port

__all__ = ["EmbeddedNats", "EmbeddedPostgres", "ServerStartError", "free_port"]
