import os
from pathlib import Path
from typing import ClassVar

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from sela_kit.settings import ServiceSettings


def _default_mail_dir() -> Path:
    return Path(os.environ.get("SELA_STATE_DIR", ".sela")) / "mail"


class EventsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SELA_EVENTS_", extra="ignore")

    service_name: ClassVar[str] = "events"
    default_port: ClassVar[int] = 8002

    # Where participants' links point: the gateway's public address of this service.
    public_url: str = "http://127.0.0.1:8000/api/v1/events"
    # Periodic jobs (offer expiry, retention) in every replica; they share the work with
    # SKIP LOCKED, so running several replicas is safe.
    jobs_enabled: bool = True
    jobs_interval_seconds: float = Field(default=30.0, gt=0)
    # Mail: SMTP when smtp_host is set, otherwise .eml files in mail_dir.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    mail_from: str = "SELA <no-reply@sela.org>"
    mail_dir: Path = Field(default_factory=_default_mail_dir)
