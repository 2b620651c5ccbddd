from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from sela_kit.settings import ServiceSettings


class PortsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SELA_PORTS_", extra="ignore")

    service_name: ClassVar[str] = "ports"
    default_port: ClassVar[int] = 8003
