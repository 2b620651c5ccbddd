"""Subjects published by the migration service."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sela_contracts.base import EventContract


class NetworkComputed(EventContract, subject="migration.network.computed", version=1):
    """Network measures of one year and scope were (re)computed."""

    run_id: str
    year: int
    scope: Literal["world", "lac"]
    sex: Literal["total", "female", "male"] = Field(
        default="total", description="Whose stocks weigh the links"
    )
    nodes: int = Field(ge=0)
    links: int = Field(ge=0)
