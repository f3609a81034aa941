"""The initial registry schema: compounds, identifiers, notes, properties, audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _stamp(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "compounds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("submitted", sa.Text(), nullable=False),
        sa.Column("smiles", sa.Text(), nullable=False),
        sa.Column("inchi", sa.Text(), nullable=False),
        sa.Column("inchikey", sa.Text(), nullable=False),
        sa.Column("formula", sa.Text(), nullable=False),
        sa.Column("registration_hash", sa.Text(), nullable=False),
        sa.Column("tautomer_hash", sa.Text(), nullable=False),
        sa.Column("no_stereo_hash", sa.Text(), nullable=False),
        sa.Column("hash_layers", sa.Text(), nullable=False),
        sa.Column("is_salt", sa.Boolean(), nullable=False),
        sa.Column("counterions", sa.Text(), nullable=False),
        sa.Column("parent_hash", sa.Text(), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("fingerprint", sa.LargeBinary(), nullable=True),
        sa.Column("record_meta", sa.Text(), nullable=True),
        sa.Column("record_text", sa.Text(), nullable=True),
        sa.Column("record_digest", sa.Text(), nullable=True),
        _stamp("created_at"),
        _stamp("updated_at"),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["compounds.id"], name="fk_compounds_parent_id", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_compounds"),
        sa.UniqueConstraint("registration_hash", name="uq_compounds_registration_hash"),
    )
    for column in ("name_key", "inchikey", "tautomer_hash", "no_stereo_hash", "parent_hash"):
        op.create_index(f"ix_compounds_{column}", "compounds", [column])
    op.create_index("ix_compounds_parent_id", "compounds", ["parent_id"])

    op.create_table(
        "identifiers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("compound_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("value_key", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=True),
        sa.Column("form", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("origin", sa.Text(), nullable=False),
        sa.Column("exclusive", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        _stamp("created_at"),
        sa.ForeignKeyConstraint(
            ["compound_id"],
            ["compounds.id"],
            name="fk_identifiers_compound_id",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_identifiers"),
        sa.UniqueConstraint(
            "compound_id", "kind", "value_key", name="uq_identifiers_compound_kind"
        ),
    )
    op.create_index("ix_identifiers_compound_id", "identifiers", ["compound_id"])
    op.create_index("ix_identifiers_kind_value", "identifiers", ["kind", "value_key"])
    exclusive = sa.column("exclusive").is_(True)
    op.create_index(
        "uq_identifiers_exclusive",
        "identifiers",
        ["kind", "value_key"],
        unique=True,
        sqlite_where=exclusive,
        postgresql_where=exclusive,
    )

    op.create_table(
        "notes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("compound_id", sa.Integer(), nullable=False),
        sa.Column("section", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("citations", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("author", sa.Text(), nullable=False),
        sa.Column("origin", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        _stamp("created_at"),
        _stamp("updated_at"),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name="fk_notes_compound_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_notes"),
    )
    op.create_index("ix_notes_compound_id", "notes", ["compound_id"])

    op.create_table(
        "properties",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("compound_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("unit", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("toolkit_version", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id"],
            ["compounds.id"],
            name="fk_properties_compound_id",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_properties"),
        sa.UniqueConstraint("compound_id", "name", "source", name="uq_properties_compound_name"),
    )
    op.create_index("ix_properties_compound_id", "properties", ["compound_id"])

    op.create_table(
        "audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _stamp("at"),
        sa.Column("author", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("compound_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit"),
    )
    op.create_index("ix_audit_compound_id", "audit", ["compound_id"])


def downgrade() -> None:
    for table in ("audit", "properties", "notes", "identifiers", "compounds"):
        op.drop_table(table)
