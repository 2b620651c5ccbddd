from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from sela_kit.settings import ServiceSettings


class IndicesSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SELA_INDICES_", extra="ignore")

    service_name: ClassVar[str] = "indices"
    default_port: ClassVar[int] = 8001

    max_rows: int = Field(
        default=1_000_000, ge=1, description="Most observations one query returns"
    )
    max_upload_bytes: int = Field(default=200 * 1024 * 1024, ge=1024)
