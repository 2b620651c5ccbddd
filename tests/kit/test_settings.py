from __future__ import annotations

import pytest
from pydantic import ValidationError

from sela_events.settings import EventsSettings
from sela_indices.settings import IndicesSettings


def test_platform_database_url_names_a_server_and_each_service_its_database(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SELA_DATABASE_URL", "postgresql://app:pw@db.internal:6432/postgres")
    monkeypatch.setenv("SELA_NATS_URL", "nats://nats.internal:4222")
    indices = IndicesSettings()
    assert indices.sqlalchemy_url.render_as_string(hide_password=False) == (
        "postgresql+asyncpg://app:pw@db.internal:6432/sela_indices"
    )
    assert indices.nats_url == "nats://nats.internal:4222"
    assert indices.port == 8001
    assert EventsSettings().sqlalchemy_url.database == "sela_events"


def test_service_variables_win_over_platform_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SELA_DATABASE_URL", "postgresql://a@one/postgres")
    monkeypatch.setenv("SELA_EVENTS_DATABASE_URL", "postgresql://b@two/meetings")
    monkeypatch.setenv("SELA_EVENTS_PORT", "9102")
    settings = EventsSettings()
    assert settings.sqlalchemy_url.host == "two"
    assert settings.sqlalchemy_url.database == "meetings"
    assert settings.port == 9102
    assert IndicesSettings().sqlalchemy_url.host == "one"


def test_production_refuses_missing_or_development_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SELA_ENVIRONMENT", "production")
    monkeypatch.delenv("SELA_INTERNAL_SECRET", raising=False)
    with pytest.raises(ValidationError, match="SELA_INTERNAL_SECRET must be set"):
        IndicesSettings()
    monkeypatch.setenv("SELA_INTERNAL_SECRET", "sela-development-only-internal-secret")
    with pytest.raises(ValidationError, match="cannot be used in production"):
        IndicesSettings()
    monkeypatch.setenv("SELA_INTERNAL_SECRET", "short")
    with pytest.raises(ValidationError, match="at least 32"):
        IndicesSettings()
    monkeypatch.setenv("SELA_INTERNAL_SECRET", "p" * 48)
    assert IndicesSettings().secret == "p" * 48


def test_unknown_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SELA_ENVIRONMENT", "staging")
    with pytest.raises(ValidationError, match="development or production"):
        IndicesSettings()


def test_a_second_internal_secret_is_accepted_but_never_signs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    current = "the-current-internal-secret-long-enough-x"
    previous = "the-previous-internal-secret-long-enough-x"
    monkeypatch.setenv("SELA_INTERNAL_SECRET", current)
    monkeypatch.setenv("SELA_INTERNAL_SECRET_ACCEPTED", previous)
    settings = IndicesSettings()
    assert settings.secret == current
    assert settings.verification_secrets == (current, previous)
    monkeypatch.setenv("SELA_INTERNAL_SECRET_ACCEPTED", current)
    assert IndicesSettings().verification_secrets == (current,)
    monkeypatch.setenv("SELA_INTERNAL_SECRET_ACCEPTED", "")
    assert IndicesSettings().verification_secrets == (current,)
    monkeypatch.setenv("SELA_INTERNAL_SECRET_ACCEPTED", "short")
    with pytest.raises(ValueError, match="accepted internal secret must be at least 32"):
        IndicesSettings()
