"""Countries, the 2026-11 edition of mechanism memberships, first catalogue edition.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from collections.abc import Sequence

from alembic import op

from sela_indices.reference import seed

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    seed.apply(op.get_bind())


def downgrade() -> None:
    op.execute("DELETE FROM membership")
    op.execute("DELETE FROM mechanism_edition")
    op.execute(
        "DELETE FROM indicator WHERE NOT EXISTS (SELECT 1 FROM observation o WHERE o.indicator_id = indicator.id)"
    )
    op.execute(
        "DELETE FROM area WHERE NOT EXISTS (SELECT 1 FROM observation o WHERE o.area = area.code)"
    )
