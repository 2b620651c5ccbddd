from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from sela_kit.settings import MIN_SECRET_LENGTH, ServiceSettings

SERVICE_PORTS = {"indices": 8001, "events": 8002, "ports": 8003, "smes": 8004, "migration": 8005}
# Only for a developer's machine; production refuses to start without a real one.
DEVELOPMENT_TOKEN_SECRET = "sela-development-only-token-signing-secret"  # noqa: S105


class Upstream(BaseModel):
    url: str
    timeout_seconds: float = Field(default=30.0, gt=0)


class RouteTimeout(BaseModel):
    """A longer or shorter deadline for some operations of one upstream."""

    service: str
    path_prefix: str = Field(description="Path below /api/v1/<service>, e.g. /exports")
    methods: list[str] = Field(default_factory=lambda: ["GET", "POST", "PUT", "PATCH", "DELETE"])
    timeout_seconds: float = Field(gt=0)


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SELA_GATEWAY_", extra="ignore")

    service_name: ClassVar[str] = "gateway"
    default_port: ClassVar[int] = 8000

    upstreams: dict[str, Upstream] = Field(default_factory=dict)
    route_timeouts: list[RouteTimeout] = Field(default_factory=list)
    token_secret: SecretStr | None = None
    access_token_seconds: int = Field(default=900, ge=60)
    refresh_token_days: int = Field(default=14, ge=1)
    oidc_issuer: str | None = None
    oidc_jwks_url: str | None = None
    oidc_audience: str | None = None
    oidc_roles_claim: str = "roles"
    cors_origins: list[str] = Field(default_factory=list)
    max_body_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    rate_limit_anonymous_per_minute: int = Field(default=300, ge=1)
    rate_limit_user_per_minute: int = Field(default=1200, ge=1)
    rate_limit_api_key_per_minute: int = Field(default=3000, ge=1)
    rate_limit_sync_seconds: float = Field(default=0.2, gt=0)
    rate_limit_store: Literal["nats", "redis", "memory"] = "nats"
    rate_limit_redis_url: str = "redis://127.0.0.1:6379/0"
    rate_limit_when_store_down: Literal["allow", "local", "deny"] = "local"
    retry_attempts: int = Field(default=2, ge=0, le=5)
    breaker_failures: int = Field(default=5, ge=1)
    breaker_reset_seconds: float = Field(default=10.0, gt=0)
    cache_max_entries: int = Field(default=5000, ge=0)
    cache_max_body_bytes: int = Field(default=1024 * 1024, ge=0)
    cache_max_age_seconds: int = Field(default=60, ge=0)
    openapi_refresh_seconds: float = Field(default=60.0, gt=0)
    trust_forwarded_for: bool = False
    workers: int = Field(default=1, ge=1, le=64)

    @model_validator(mode="after")
    def _gateway_defaults(self) -> GatewaySettings:
        if not self.upstreams:
            self.upstreams = {
                name: Upstream(url=f"http://127.0.0.1:{port}")
                for name, port in SERVICE_PORTS.items()
            }
        if self.token_secret is None:
            if self.environment == "production":
                raise ValueError("SELA_GATEWAY_TOKEN_SECRET must be set in production")
            self.token_secret = SecretStr(DEVELOPMENT_TOKEN_SECRET)
        if len(self.token_secret.get_secret_value()) < MIN_SECRET_LENGTH:
            raise ValueError(f"the token secret must be at least {MIN_SECRET_LENGTH} characters")
        return self

    @property
    def signing_key(self) -> str:
        assert self.token_secret is not None
        return self.token_secret.get_secret_value()
