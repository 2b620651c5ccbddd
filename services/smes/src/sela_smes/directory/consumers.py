"""Reacting to other services, through the kit's idempotent inbox.

- ``indices.niches.published``: the niches of the latest analysis flag the listings whose HS
  headings are niches for their country.
- ``events.registration.confirmed``: a registration whose organisation tax id, or email,
  belongs to a listing records that the enterprise takes part in the meeting.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from sela_contracts.events import RegistrationConfirmed
from sela_contracts.indices import NichesPublished
from sela_kit.messaging import ConsumerSpec, InboundEvent
from sela_smes.directory.models import Enterprise
from sela_smes.directory.repository import DirectoryRepository

logger = logging.getLogger("sela.smes.consumers")


def heading(product: str) -> str | None:
    """The HS heading of a niche's product code (HS4 of an HS4 or HS6 code), else None."""
    code = product.strip().replace(".", "")
    return code[:4] if code.isdigit() and len(code) >= 4 else None


async def on_niches_published(session: AsyncSession, inbound: InboundEvent) -> None:
    event = inbound.event
    assert isinstance(event, NichesPublished)
    niches = sorted(
        {
            (n.country.upper(), h, n.classification)
            for n in event.niches
            if (h := heading(n.product)) is not None
        }
    )
    repo = DirectoryRepository.from_session(session)
    await repo.replace_niches(event.run_id, event.year, niches)
    countries = sorted({c for c, _, _ in niches})
    flagged = await repo.refresh_niche_flags(countries=countries) if countries else 0
    logger.info(
        "niches of run %s: %d in %d countries; %d listings refreshed",
        event.run_id,
        len(niches),
        len(countries),
        flagged,
    )


async def on_registration_confirmed(session: AsyncSession, inbound: InboundEvent) -> None:
    event = inbound.event
    assert isinstance(event, RegistrationConfirmed)
    repo = DirectoryRepository.from_session(session)
    matched_by = None
    enterprises: list[Enterprise] = []
    if event.organisation_tax_id:
        found = list(await repo.by_tax_id_anywhere(event.organisation_tax_id.strip()))
        if event.country:
            found = [e for e in found if e.country_iso3 == event.country.upper()]
        if len(found) == 1:
            enterprises, matched_by = found, "tax_id"
    if not enterprises and event.email:
        found = list(await repo.by_email(event.email.strip()))
        if len(found) == 1:
            enterprises, matched_by = found, "email"
    if not enterprises or matched_by is None:
        logger.info("registration %s matches no single listing", event.registration_id)
        return
    await repo.record_attendance(
        enterprises[0].id, event.registration_id, event.meeting_id, event.activity, matched_by
    )


NICHES_PUBLISHED = ConsumerSpec(
    name="smes-niches-published",
    subjects=("indices.niches.published",),
    handler=on_niches_published,
)
REGISTRATION_CONFIRMED = ConsumerSpec(
    name="smes-registration-confirmed",
    subjects=("events.registration.confirmed",),
    handler=on_registration_confirmed,
)
