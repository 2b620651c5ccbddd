from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from sela_kit.settings import ServiceSettings


class MigrationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SELA_MIGRATION_", extra="ignore")

    service_name: ClassVar[str] = "migration"
    default_port: ClassVar[int] = 8005
