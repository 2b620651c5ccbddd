from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from sela_kit.settings import ServiceSettings


class SmesSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SELA_SMES_", extra="ignore")

    service_name: ClassVar[str] = "smes"
    default_port: ClassVar[int] = 8004
