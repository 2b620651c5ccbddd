from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from sela_kit.settings import ServiceSettings


class EventsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SELA_EVENTS_", extra="ignore")

    service_name: ClassVar[str] = "events"
    default_port: ClassVar[int] = 8002
