from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class JobRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: Literal["network", "correlation", "gravity"]
    status: Literal["queued", "running", "done", "failed"]
    params: dict[str, Any]
    result: dict[str, Any] | None = Field(
        default=None, description="The outcome once done (tables as lists of rows)"
    )
    error: str | None = None
    stale: bool = Field(
        default=False,
        description="A correlation whose indicators were updated since; POST .../refresh",
    )
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
