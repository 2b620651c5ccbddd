from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class TableInfo(BaseModel):
    name: str
    rows: int
    columns: list[str]


class AnalysisRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str
    params: dict[str, Any] = Field(description="The exact settings that produced the result")
    inputs: dict[str, Any] = Field(description="Datasets and vintages read")
    summary: dict[str, Any]
    submitted_by: str | None
    created_at: datetime
    tables: list[TableInfo] = []


class JobAccepted(BaseModel):
    job: uuid.UUID
    status_url: str = Field(description="Poll for status and progress")
    result_url: str = Field(description="The analysis, once the job has succeeded")
