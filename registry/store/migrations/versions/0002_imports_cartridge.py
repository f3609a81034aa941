"""Bulk-import checkpoints; on PostgreSQL with the RDKit cartridge, mol/bfp columns.

``imports`` remembers, per input file (by content digest), how many rows a bulk import has
committed, so that a re-run after an interruption continues where it stopped.

The cartridge part is conditional: where the ``rdkit`` extension is available,
:func:`registry.store.cartridge.enable` adds ``compounds.mol`` and ``compounds.mfp`` with GiST
indexes (and fills them for rows already there); elsewhere it does nothing and the registry
searches in-process. ``registry db upgrade`` runs the same step again for a server whose
extension was installed later.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from registry.store import cartridge

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "imports",
        sa.Column("digest", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("rows_done", sa.Integer(), nullable=False),
        sa.Column("finished", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("digest", name="pk_imports"),
    )
    cartridge.enable(op.get_bind())


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_compounds_mol")
        op.execute("DROP INDEX IF EXISTS ix_compounds_mfp")
        op.execute("ALTER TABLE compounds DROP COLUMN IF EXISTS mol")
        op.execute("ALTER TABLE compounds DROP COLUMN IF EXISTS mfp")
    op.drop_table("imports")
