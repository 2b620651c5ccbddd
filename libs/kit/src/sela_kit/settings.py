from __future__ import annotations

import os
from typing import ClassVar, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url

# Only for a developer's machine; production refuses to start without a real secret.
DEVELOPMENT_INTERNAL_SECRET = "sela-development-only-internal-secret"  # noqa: S105
MIN_SECRET_LENGTH = 32


def asyncpg_url(raw: str, database: str | None = None) -> URL:
    """Normalise a PostgreSQL URL to the asyncpg driver, optionally naming another database."""
    url = make_url(raw)
    if url.drivername in ("postgres", "postgresql", "postgresql+psycopg", "postgresql+psycopg2"):
        url = url.set(drivername="postgresql+asyncpg")
    if database is not None:
        url = url.set(database=database)
    return url


class ServiceSettings(BaseSettings):
    """Settings common to every service; each service subclasses it with its own env prefix.

    Service-specific variables (``SELA_EVENTS_DATABASE_URL``) win over the platform-wide ones
    (``SELA_DATABASE_URL``, ``SELA_NATS_URL``, ``SELA_INTERNAL_SECRET``, ``SELA_ENVIRONMENT``).
    A platform-wide database URL names a server: each service uses its own database on it,
    ``sela_<service>``.
    """

    model_config = SettingsConfigDict(env_prefix="SELA_SERVICE_", extra="ignore")

    service_name: ClassVar[str] = "service"
    default_port: ClassVar[int] = 8000

    environment: Literal["development", "production"] | None = None
    host: str = "127.0.0.1"
    port: int | None = None
    database_url: str | None = None
    nats_url: str | None = None
    internal_secret: SecretStr | None = None
    # A second secret that incoming identity tokens and self-service links may carry, never
    # used to sign: it lets the internal secret be rotated without a moment of 401s
    # (docs/operations.md).
    internal_secret_accepted: SecretStr | None = None
    log_level: str = "INFO"
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    relay_batch_size: int = Field(default=200, ge=1, le=5000)
    relay_poll_seconds: float = Field(default=0.5, gt=0)
    consumer_max_deliver: int = Field(default=5, ge=1)
    consumer_ack_wait_seconds: float = Field(default=30.0, gt=0)
    # Event consumers inside the serving process (false: only `python -m sela_<svc> consumers`).
    consumers_in_process: bool = True
    readiness_timeout_seconds: float = Field(default=2.0, gt=0)
    # Job workers inside this process (0: only dedicated `python -m sela_<svc> worker`s).
    job_workers: int = Field(default=1, ge=0)
    job_ack_wait_seconds: float = Field(default=30.0, gt=0)

    @model_validator(mode="after")
    def _apply_platform_defaults(self) -> ServiceSettings:
        env = os.environ
        if self.environment is None:
            value = env.get("SELA_ENVIRONMENT", "development")
            if value not in ("development", "production"):
                raise ValueError(
                    f"SELA_ENVIRONMENT must be development or production, not {value!r}"
                )
            self.environment = value  # type: ignore[assignment]
        if self.database_url is None:
            server = env.get("SELA_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
            self.database_url = asyncpg_url(server, self.database_name).render_as_string(
                hide_password=False
            )
        if self.nats_url is None:
            self.nats_url = env.get("SELA_NATS_URL", "nats://127.0.0.1:4222")
        if self.internal_secret is None and "SELA_INTERNAL_SECRET" in env:
            self.internal_secret = SecretStr(env["SELA_INTERNAL_SECRET"])
        if self.internal_secret is None:
            if self.environment == "production":
                raise ValueError("SELA_INTERNAL_SECRET must be set in production")
            self.internal_secret = SecretStr(DEVELOPMENT_INTERNAL_SECRET)
        if len(self.internal_secret.get_secret_value()) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"the internal secret must be at least {MIN_SECRET_LENGTH} characters"
                " (HS256 wants a key as long as its hash)"
            )
        if self.internal_secret_accepted is None and env.get("SELA_INTERNAL_SECRET_ACCEPTED"):
            self.internal_secret_accepted = SecretStr(env["SELA_INTERNAL_SECRET_ACCEPTED"])
        if self.internal_secret_accepted is not None and (
            len(self.internal_secret_accepted.get_secret_value()) < MIN_SECRET_LENGTH
        ):
            raise ValueError(
                f"the accepted internal secret must be at least {MIN_SECRET_LENGTH} characters"
            )
        if self.environment == "production" and self.secret == DEVELOPMENT_INTERNAL_SECRET:
            raise ValueError("the development internal secret cannot be used in production")
        if self.port is None:
            self.port = self.default_port
        return self

    @property
    def database_name(self) -> str:
        return f"sela_{self.service_name}"

    @property
    def sqlalchemy_url(self) -> URL:
        assert self.database_url is not None
        return asyncpg_url(self.database_url)

    @property
    def secret(self) -> str:
        """The internal secret that this process signs with."""
        assert self.internal_secret is not None
        return self.internal_secret.get_secret_value()

    @property
    def verification_secrets(self) -> tuple[str, ...]:
        """The secrets an incoming token or link may be signed with, the signing one first."""
        accepted = self.internal_secret_accepted
        if accepted is None or accepted.get_secret_value() == self.secret:
            return (self.secret,)
        return (self.secret, accepted.get_secret_value())
