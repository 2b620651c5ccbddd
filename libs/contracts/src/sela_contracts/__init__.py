"""Event contracts shared by every SELA service.

A contract is a pydantic model bound to one NATS subject and one version. Publishers
build the model and hand it to their outbox; consumers parse the payload back with
:func:`parse_event`. A breaking change gets a new version of the same subject, so
consumers can keep reading the old one until every publisher has moved.
"""

from sela_contracts.base import (
    EventContract,
    UnknownEventError,
    all_contracts,
    contract_for,
    parse_event,
)
from sela_contracts.streams import (
    DEAD_LETTER_STREAM,
    JOBS_STREAM,
    STREAMS,
    StreamSpec,
    stream_for_subject,
)

__all__ = [
    "DEAD_LETTER_STREAM",
    "JOBS_STREAM",
    "STREAMS",
    "EventContract",
    "StreamSpec",
    "UnknownEventError",
    "all_contracts",
    "contract_for",
    "parse_event",
    "stream_for_subject",
]
