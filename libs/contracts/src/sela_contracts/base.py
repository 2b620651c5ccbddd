from __future__ import annotations

import re
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

_SUBJECT = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){2,}$")
_REGISTRY: dict[tuple[str, int], type[EventContract]] = {}


class UnknownEventError(LookupError):
    """A message names a subject/version pair that no contract declares."""


class EventContract(BaseModel):
    """Base of every event payload.

    Subclasses declare ``subject`` and ``version`` as class keywords::

        class IndicatorUpdated(EventContract, subject="indices.indicator.updated", version=1):
            code: str
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    subject: ClassVar[str]
    version: ClassVar[int]

    def __init_subclass__(cls, *, subject: str | None = None, version: int = 1, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        if subject is None:
            return
        if not _SUBJECT.match(subject):
            raise ValueError(f"subject {subject!r} must look like 'service.entity.verb'")
        key = (subject, version)
        if key in _REGISTRY and _REGISTRY[key].__qualname__ != cls.__qualname__:
            raise ValueError(f"{subject} v{version} is already declared by {_REGISTRY[key]}")
        cls.subject = subject
        cls.version = version
        _REGISTRY[key] = cls


def contract_for(subject: str, version: int) -> type[EventContract]:
    try:
        return _REGISTRY[(subject, version)]
    except KeyError:
        raise UnknownEventError(f"no contract for {subject} v{version}") from None


def parse_event(subject: str, version: int, data: bytes | str) -> EventContract:
    return contract_for(subject, version).model_validate_json(data)


def all_contracts() -> list[type[EventContract]]:
    _load_builtin()
    return sorted(_REGISTRY.values(), key=lambda c: (c.subject, c.version))


def _load_builtin() -> None:
    # Importing the modules registers their contracts.
    from sela_contracts import events, indices, jobs, migration, ports, smes  # noqa: F401
