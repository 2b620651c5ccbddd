"""The SELA service kit: what every service shares and nothing runs on its own."""

from sela_kit.app import ServiceSpec, create_app
from sela_kit.settings import ServiceSettings

__all__ = ["ServiceSettings", "ServiceSpec", "create_app"]
