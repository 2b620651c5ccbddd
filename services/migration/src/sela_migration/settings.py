from pathlib import Path
from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from sela_kit.settings import ServiceSettings

REPO_ROOT = Path(__file__).resolve().parents[4]


class MigrationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SELA_MIGRATION_", extra="ignore")

    service_name: ClassVar[str] = "migration"
    default_port: ClassVar[int] = 8005

    indices_url: str = Field(
        default="http://127.0.0.1:8001",
        description="Base URL of the indices service (development indicators)",
    )
    indices_timeout_seconds: float = Field(default=10.0, gt=0)
    # The shared data folder (real data sets); SELA_SHARED_DIR, else <repo>/../shared.
    shared_dir: Path | None = None
    max_upload_bytes: int = Field(default=50_000_000, ge=1)

    def shared_data(self) -> Path:
        import os

        if self.shared_dir is not None:
            return self.shared_dir / "data"
        base = os.environ.get("SELA_SHARED_DIR")
        return (Path(base) if base else REPO_ROOT.parent / "shared") / "data"
