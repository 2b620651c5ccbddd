"""Jobs on the kit's work queue, correlations as their own table, network measures by sex.

The service's own ``jobs`` table (run in-process) gives way to the kit's (``sela_kit.jobs``:
messages on the JOBS work-queue stream taken by worker processes). Finished jobs are copied
over (``done`` becomes ``succeeded``); jobs still queued or running were run by a task of
the old process that no longer exists: they are copied as ``failed``. Every correlation job
becomes a row of ``correlations`` keeping its id, parameters, result and ``stale`` flag, so
``POST /correlations/{id}/refresh`` with an old job id still finds it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from sela_kit.jobs import JOBS, create_jobs_table

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

INTERRUPTED = "Stopped by the upgrade to the job queue; submit it again."


def upgrade() -> None:
    bind = op.get_bind()
    old = bind.execute(
        sa.text(
            "SELECT id, kind, status, params, result, error, stale, requested_by, created_at, "
            "updated_at, started_at, finished_at FROM jobs"
        )
    ).mappings()
    rows = [dict(r) for r in old]

    op.drop_constraint("fk_network_measures_job_id_jobs", "network_measures", type_="foreignkey")
    op.drop_index("ix_jobs_kind", table_name="jobs")
    op.drop_table("jobs")
    create_jobs_table()

    op.create_table(
        "correlations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dataset_id", sa.Uuid(), nullable=False),
        sa.Column("params", postgresql.JSONB(), nullable=False),
        sa.Column("result", postgresql.JSONB(), nullable=True),
        sa.Column("vintages", postgresql.JSONB(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.Column("pending_job_id", sa.Uuid(), nullable=True),
        sa.Column("pending_vintage", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stale", sa.Boolean(), nullable=False),
        sa.Column("submitted_by", sa.String(200), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_correlations_dataset_id_datasets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_correlations")),
    )
    op.create_index(op.f("ix_correlations_dataset_id"), "correlations", ["dataset_id"])

    op.add_column(
        "network_measures",
        sa.Column("sex", sa.String(6), server_default="total", nullable=False),
    )
    op.alter_column("network_measures", "sex", server_default=None)
    op.drop_constraint(
        "uq_network_measures_dataset_id_year_scope", "network_measures", type_="unique"
    )
    op.create_unique_constraint(
        op.f("uq_network_measures_dataset_id_year_scope_sex"),
        "network_measures",
        ["dataset_id", "year", "scope", "sex"],
    )

    datasets = {r.slug: r.id for r in bind.execute(sa.text("SELECT id, slug FROM datasets")).all()}
    correlations = sa.table(
        "correlations",
        sa.column("id", sa.Uuid()),
        sa.column("dataset_id", sa.Uuid()),
        sa.column("params", postgresql.JSONB()),
        sa.column("result", postgresql.JSONB()),
        sa.column("vintages", postgresql.JSONB()),
        sa.column("computed_at", sa.DateTime(timezone=True)),
        sa.column("job_id", sa.Uuid()),
        sa.column("stale", sa.Boolean()),
        sa.column("submitted_by", sa.String()),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    for row in rows:
        done = row["status"] == "done"
        bind.execute(
            sa.insert(JOBS).values(
                id=row["id"],
                kind=row["kind"],
                params=row["params"],
                status="succeeded" if done else "failed",
                progress=1.0 if done else 0.0,
                result=row["result"] if done else None,
                error=row["error"]
                if row["status"] == "failed"
                else (None if done else INTERRUPTED),
                attempts=1,
                submitted_by=row["requested_by"],
                created_at=row["created_at"],
                started_at=row["started_at"],
                finished_at=row["finished_at"] or row["updated_at"],
                updated_at=row["updated_at"],
            )
        )
        dataset_id = datasets.get(str(row["params"].get("dataset")))
        if row["kind"] != "correlation" or dataset_id is None:
            continue
        bind.execute(
            sa.insert(correlations).values(
                id=row["id"],
                dataset_id=dataset_id,
                params=row["params"],
                result=row["result"] if done else None,
                vintages={},
                computed_at=row["finished_at"] if done else None,
                job_id=row["id"] if done else None,
                stale=bool(row["stale"]),
                submitted_by=row["requested_by"],
                created_at=row["created_at"],
            )
        )


def downgrade() -> None:
    # Back to the in-process jobs table; finished jobs and each correlation's last result
    # survive, the rest (progress, vintages, pending refreshes) does not.
    bind = op.get_bind()
    jobs = [dict(r) for r in bind.execute(sa.select(JOBS)).mappings()]
    stale = {
        r.id: bool(r.stale)
        for r in bind.execute(sa.text("SELECT id, stale FROM correlations")).all()
    }
    op.drop_constraint(
        "uq_network_measures_dataset_id_year_scope_sex", "network_measures", type_="unique"
    )
    op.execute("DELETE FROM network_measures WHERE sex <> 'total'")
    op.create_unique_constraint(
        op.f("uq_network_measures_dataset_id_year_scope"),
        "network_measures",
        ["dataset_id", "year", "scope"],
    )
    op.drop_column("network_measures", "sex")
    op.drop_index(op.f("ix_correlations_dataset_id"), table_name="correlations")
    op.drop_table("correlations")
    op.drop_index("ix_jobs_kind_created", table_name="jobs")
    op.drop_table("jobs")
    op.create_table(
        "jobs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("params", postgresql.JSONB(), nullable=False),
        sa.Column("result", postgresql.JSONB(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("stale", sa.Boolean(), nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    op.create_index(op.f("ix_jobs_kind"), "jobs", ["kind"])
    old = sa.table(
        "jobs",
        sa.column("id", sa.Uuid()),
        sa.column("kind", sa.String()),
        sa.column("status", sa.String()),
        sa.column("params", postgresql.JSONB()),
        sa.column("result", postgresql.JSONB()),
        sa.column("error", sa.Text()),
        sa.column("stale", sa.Boolean()),
        sa.column("requested_by", sa.String()),
        sa.column("started_at", sa.DateTime(timezone=True)),
        sa.column("finished_at", sa.DateTime(timezone=True)),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    for job in jobs:
        bind.execute(
            sa.insert(old).values(
                id=job["id"],
                kind=job["kind"],
                status={"succeeded": "done", "failed": "failed"}.get(job["status"], "failed"),
                params=job["params"],
                result=job["result"],
                error=job["error"],
                stale=stale.get(job["id"], False),
                requested_by=job["submitted_by"],
                started_at=job["started_at"],
                finished_at=job["finished_at"],
                created_at=job["created_at"],
                updated_at=job["updated_at"],
            )
        )
    op.execute(
        "UPDATE network_measures SET job_id = NULL WHERE job_id NOT IN (SELECT id FROM jobs)"
    )
    op.create_foreign_key(
        "fk_network_measures_job_id_jobs",
        "network_measures",
        "jobs",
        ["job_id"],
        ["id"],
        ondelete="SET NULL",
    )
