"""Reacting to the indices service: correlations built on an updated indicator go stale."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from sela_contracts.indices import IndicatorUpdated
from sela_kit.messaging import ConsumerSpec, InboundEvent
from sela_migration.analysis.service import mark_stale

logger = logging.getLogger("sela.migration.consumers")


async def on_indicator_updated(session: AsyncSession, inbound: InboundEvent) -> None:
    event = inbound.event
    assert isinstance(event, IndicatorUpdated)
    count = await mark_stale(session, event.indicator_code)
    if count:
        logger.info("%d correlation(s) on %s marked stale", count, event.indicator_code)


INDICATOR_UPDATED = ConsumerSpec(
    name="migration-indicator-updated",
    subjects=("indices.indicator.updated",),
    handler=on_indicator_updated,
)
