"""Reacting to the indices service: correlations built on an updated indicator are refreshed."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from sela_contracts.indices import IndicatorUpdated
from sela_kit.messaging import ConsumerSpec, InboundEvent
from sela_migration.analysis.service import refresh_on_indicator_update

logger = logging.getLogger("sela.migration.consumers")


async def on_indicator_updated(session: AsyncSession, inbound: InboundEvent) -> None:
    event = inbound.event
    assert isinstance(event, IndicatorUpdated)
    count = await refresh_on_indicator_update(session, event.indicator_code, event.vintage)
    if count:
        logger.info(
            "%d correlation(s) on %s queued for refresh (vintage %s)",
            count,
            event.indicator_code,
            event.vintage.isoformat(),
        )


INDICATOR_UPDATED = ConsumerSpec(
    name="migration-indicator-updated",
    subjects=("indices.indicator.updated",),
    handler=on_indicator_updated,
)
