from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


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

    @field_validator("params")
    @classmethod
    def _summarise_observations(cls, params: dict[str, Any]) -> dict[str, Any]:
        # Observations sent with a correlation or gravity request can be many thousands;
        # the job shows how many, not all of them again.
        if isinstance(params.get("observations"), list):
            return {**params, "observations": len(params["observations"])}
        return params
