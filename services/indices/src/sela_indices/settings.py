from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from sela_kit.settings import ServiceSettings


class IndicesSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SELA_INDICES_", extra="ignore")

    service_name: ClassVar[str] = "indices"
    default_port: ClassVar[int] = 8001
