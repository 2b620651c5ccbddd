"""Outbox and inbox tables of the ports service.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from sela_kit.migrations import create_messaging_tables, drop_messaging_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables()


def downgrade() -> None:
    drop_messaging_tables()
