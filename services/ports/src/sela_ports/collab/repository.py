"""All SQL of the collaborative area, with visibility decided in the query."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, exists, func, or_, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from sela_kit.pagination import PageParams, paginate
from sela_ports.collab.models import FileVersion, Item, ItemKind, ItemShare
from sela_ports.governance.models import Body


class CollabRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_session(cls, session: AsyncSession) -> CollabRepository:
        return cls(session)

    async def add(self, row: Any) -> None:
        self.session.add(row)
        await self.session.flush()

    def _visible(self, staff: bool, body_ids: Iterable[uuid.UUID]) -> Any:
        if staff:
            return True
        bodies = list(body_ids)
        shared = exists().where(ItemShare.item_id == Item.id, ItemShare.body_id.in_(bodies))
        return or_(Item.public.is_(True), shared) if bodies else Item.public.is_(True)

    async def page_items(
        self,
        page: PageParams,
        *,
        staff: bool,
        body_ids: Iterable[uuid.UUID],
        kind: ItemKind | None,
        body_id: uuid.UUID | None,
    ) -> tuple[list[Item], str | None]:
        stmt = select(Item).where(self._visible(staff, body_ids))
        if kind is not None:
            stmt = stmt.where(Item.kind == kind)
        if body_id is not None:
            stmt = stmt.where(
                exists().where(ItemShare.item_id == Item.id, ItemShare.body_id == body_id)
            )
        return await paginate(self.session, stmt, [Item.created_at, Item.id], page, descending=True)

    async def get_item(self, item_id: uuid.UUID) -> Item | None:
        return await self.session.get(Item, item_id)

    async def visible_item(
        self, item_id: uuid.UUID, *, staff: bool, body_ids: Iterable[uuid.UUID]
    ) -> Item | None:
        stmt = select(Item).where(Item.id == item_id, self._visible(staff, body_ids))
        return await self.session.scalar(stmt)

    async def lock_item(self, item_id: uuid.UUID) -> None:
        # Serialises version numbering of one item between concurrent uploads.
        await self.session.execute(select(Item.id).where(Item.id == item_id).with_for_update())

    async def share_codes(self, item_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
        stmt = (
            select(ItemShare.item_id, Body.code)
            .join(Body, Body.id == ItemShare.body_id)
            .where(ItemShare.item_id.in_(item_ids))
            .order_by(Body.code)
        )
        codes: dict[uuid.UUID, list[str]] = {i: [] for i in item_ids}
        for item_id, code in (await self.session.execute(stmt)).all():
            codes[item_id].append(code)
        return codes

    async def share_body_ids(self, item_id: uuid.UUID) -> set[uuid.UUID]:
        stmt = select(ItemShare.body_id).where(ItemShare.item_id == item_id)
        return set(await self.session.scalars(stmt))

    async def replace_shares(self, item_id: uuid.UUID, body_ids: Iterable[uuid.UUID]) -> None:
        await self.session.execute(delete(ItemShare).where(ItemShare.item_id == item_id))
        for body_id in body_ids:
            self.session.add(ItemShare(item_id=item_id, body_id=body_id))
        await self.session.flush()

    async def bodies_by_codes(self, codes: Sequence[str]) -> dict[str, Body]:
        rows = await self.session.scalars(select(Body).where(Body.code.in_(codes)))
        return {b.code: b for b in rows}

    async def versions(self, item_id: uuid.UUID) -> Sequence[FileVersion]:
        stmt = (
            select(FileVersion).where(FileVersion.item_id == item_id).order_by(FileVersion.version)
        )
        return (await self.session.scalars(stmt)).all()

    async def latest_versions(self, item_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, FileVersion]:
        stmt = (
            select(FileVersion)
            .where(FileVersion.item_id.in_(item_ids))
            .ext(distinct_on(FileVersion.item_id))
            .order_by(FileVersion.item_id, FileVersion.version.desc())
        )
        return {v.item_id: v for v in await self.session.scalars(stmt)}

    async def version(self, item_id: uuid.UUID, number: int) -> FileVersion | None:
        stmt = select(FileVersion).where(
            FileVersion.item_id == item_id, FileVersion.version == number
        )
        return await self.session.scalar(stmt)

    async def next_version(self, item_id: uuid.UUID) -> int:
        stmt = select(func.coalesce(func.max(FileVersion.version), 0)).where(
            FileVersion.item_id == item_id
        )
        return int(await self.session.scalar(stmt) or 0) + 1
