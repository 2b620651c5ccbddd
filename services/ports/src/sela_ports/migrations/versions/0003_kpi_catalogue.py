"""The KPI catalogue as reference data.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from collections.abc import Sequence
from dataclasses import asdict

import sqlalchemy as sa
from alembic import op

from sela_ports.benchmark.catalogue import CATALOGUE

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KPIS = sa.table(
    "ports_kpi_definitions",
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("unit", sa.String),
    sa.column("definition", sa.Text),
    sa.column("formula", sa.Text),
    sa.column("scorecard_group", sa.String),
    sa.column("higher_is_better", sa.Boolean),
    sa.column("plausible_min", sa.Float),
    sa.column("plausible_max", sa.Float),
    sa.column("source", sa.String),
)


def upgrade() -> None:
    # The catalogue as it stands at this revision; a later change to it gets its own migration.
    op.bulk_insert(KPIS, [asdict(kpi) for kpi in CATALOGUE])


def downgrade() -> None:
    op.execute(KPIS.delete())
