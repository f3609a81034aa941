"""Retired and merged compounds: when and why a record was retired, and where a merge sent it.

Three nullable columns on ``compounds``, added in place (no table rebuild, so SQLite keeps its
foreign keys and no row is copied): ``retired_at``, ``retired_reason`` and ``merged_into`` (the
compound a merged record's queries redirect to, indexed for the reverse look-up). Existing
compounds are active: every new column is NULL.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("compounds", sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("compounds", sa.Column("retired_reason", sa.Text(), nullable=True))
    op.add_column("compounds", sa.Column("merged_into", sa.Integer(), nullable=True))
    op.create_index("ix_compounds_merged_into", "compounds", ["merged_into"])


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+): a batch rebuild of compounds would cascade-delete the
    # identifiers, notes and properties that reference it.
    op.drop_index("ix_compounds_merged_into", table_name="compounds")
    for name in ("merged_into", "retired_reason", "retired_at"):
        op.drop_column("compounds", name)
