"""Events between services: JetStream bus, transactional outbox, idempotent inbox."""

from sela_kit.messaging.bus import Bus
from sela_kit.messaging.inbox import ConsumerRunner, ConsumerSpec, InboundEvent, PermanentError
from sela_kit.messaging.outbox import OutboxRelay, record_event, record_events
from sela_kit.messaging.tables import INBOX, KIT_METADATA, OUTBOX

__all__ = [
    "INBOX",
    "KIT_METADATA",
    "OUTBOX",
    "Bus",
    "ConsumerRunner",
    "ConsumerSpec",
    "InboundEvent",
    "OutboxRelay",
    "PermanentError",
    "record_event",
    "record_events",
]
