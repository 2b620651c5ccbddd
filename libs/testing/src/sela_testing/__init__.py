"""Test support for SELA services (a pytest plugin: ``pytest_plugins = ["sela_testing.plugin"]``).

Embedded PostgreSQL and NATS start once per test session on free ports, unless
``SELA_TEST_DATABASE_URL`` / ``SELA_TEST_NATS_URL`` name running servers. Every service's
database is created and migrated once; each test then runs inside an outer transaction that is
rolled back, so tests see real PostgreSQL behaviour and leave nothing behind.
"""

from sela_testing.support import (
    Servers,
    ServiceHarness,
    bind_to_connection,
    identity_headers,
    settings_for_tests,
)

__all__ = [
    "Servers",
    "ServiceHarness",
    "bind_to_connection",
    "identity_headers",
    "settings_for_tests",
]
