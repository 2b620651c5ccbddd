from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StreamSpec:
    """A JetStream stream: the publishing service owns it and everyone may ensure it."""

    name: str
    subjects: tuple[str, ...]
    # Long enough to absorb an outbox relay retrying after a crash or a broker restart.
    duplicate_window_seconds: float = 600.0
    max_age_days: float = 30.0
    # "workqueue": a message is removed once acknowledged (jobs taken by whichever worker).
    retention: str = "limits"


STREAMS: tuple[StreamSpec, ...] = (
    StreamSpec("INDICES", ("indices.>",)),
    StreamSpec("EVENTS", ("events.>",)),
    StreamSpec("PORTS", ("ports.>",)),
    StreamSpec("SMES", ("smes.>",)),
    StreamSpec("MIGRATION", ("migration.>",)),
)

DEAD_LETTER_STREAM = StreamSpec("DEAD_LETTERS", ("dlq.>",), max_age_days=90.0)

# Jobs of every service, `jobs.<service>.<kind>`; each service's workers share one durable
# consumer filtered on its own subjects, so more workers take more jobs.
JOBS_STREAM = StreamSpec("JOBS", ("jobs.>",), max_age_days=7.0, retention="workqueue")


def stream_for_subject(subject: str) -> StreamSpec:
    head = subject.split(".", 1)[0]
    for spec in (*STREAMS, DEAD_LETTER_STREAM, JOBS_STREAM):
        if any(pattern.split(".", 1)[0] == head for pattern in spec.subjects):
            return spec
    raise LookupError(f"no stream carries subject {subject!r}")
