from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from sela_kit.settings import ServiceSettings


class SmesSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SELA_SMES_", extra="ignore")

    service_name: ClassVar[str] = "smes"
    default_port: ClassVar[int] = 8004

    indices_url: str = Field(
        default="http://127.0.0.1:8001",
        description="Base URL of the indices service (product-space proximities for matching)",
    )
    indices_timeout_seconds: float = Field(default=5.0, gt=0)
    max_upload_bytes: int = Field(default=20_000_000, ge=1)
