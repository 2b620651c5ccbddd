from pathlib import Path
from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from sela_kit.settings import ServiceSettings


class PortsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SELA_PORTS_", extra="ignore")

    service_name: ClassVar[str] = "ports"
    default_port: ClassVar[int] = 8003

    storage_dir: Path = Field(
        default=Path(".sela/state/ports-files"),
        description="Folder of the local file storage of the collaborative area",
    )
    max_upload_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    shared_dir: Path | None = Field(
        default=None, description="The shared data folder; SELA_SHARED_DIR or <repo>/../shared"
    )
