from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class TradeDatasetRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    layout: str
    file_name: str | None
    sha256: str
    rows: int = Field(description="Flows stored")
    domestic: int = Field(description="Domestic flows (reporter = partner), never in the indices")
    first_year: int
    last_year: int
    flows: str = Field(description="Flow types in the file: X (exports), M (imports) or XM")
    products: bool
    unit: str
    skipped: dict[str, int]
    note: str | None
    submitted_by: str | None
    created_at: datetime


class IntroversionRow(BaseModel):
    """One bloc and year (and product group); every flow aggregate of the method is included
    (f_ii, f_io, f_i, f_oi, f_oo, f_o, f_wi = F_.i, f_w = F_..)."""

    model_config = ConfigDict(extra="allow")

    bloc: str
    year: int
    flow: str
    members: int
    reporting: int
    f_ii: float | None
    f_i: float | None
    share: float | None = Field(description="S = F_ii / F_i")
    intensity: float | None = Field(description="I = S / (F_.i / F_..)")
    hi: float | None = Field(description="Homogeneous introversion")
    he: float | None = Field(description="Homogeneous extraversion")
    rtii: float | None = Field(description="Regional trade introversion index, in [-1, 1]")


class BilateralRow(BaseModel):
    model_config = ConfigDict(extra="allow")

    reporter: str
    partner: str
    year: int
    flow: str
    intensity: float | None = Field(description="TI_ab = (f_ab / F_a) / (F_.b / F_..)")


class BilateralResult(BaseModel):
    dataset: TradeDatasetRead
    mirrored: bool
    items: list[BilateralRow]


class IntroversionResult(BaseModel):
    dataset: TradeDatasetRead
    mirrored: bool = Field(
        description="True when imports were taken as the mirror of partners' exports"
    )
    items: list[IntroversionRow]
