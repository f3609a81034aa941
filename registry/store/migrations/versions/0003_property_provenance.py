"""Properties with provenance: original text, range, conditions, reference, date, CID, kind.

PubChem's values keep where they came from (its source's name and reference number), when they
were retrieved and for which CID; a measured property may have several values (one per
reference), so the unique constraint on (compound, name, source) becomes a plain index.
RDKit's rows keep their columns and leave the new ones empty.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_COLUMNS = (
    ("text", sa.Text()),
    ("upper", sa.Float()),
    ("conditions", sa.Text()),
    ("reference", sa.Text()),
    ("retrieved", sa.Text()),
    ("cid", sa.Integer()),
    ("kind", sa.Text()),
)


def upgrade() -> None:
    # Batch mode: SQLite cannot drop a constraint in place, so the table is copied.
    with op.batch_alter_table("properties") as batch:
        batch.drop_constraint("uq_properties_compound_name", type_="unique")
        for name, type_ in _COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
        batch.create_index("ix_properties_compound_source", ["compound_id", "source"])


def downgrade() -> None:
    # Rows that only the new shape allows (several values of one property from one source)
    # are kept once each: the first by id.
    op.execute(
        "DELETE FROM properties WHERE id NOT IN (SELECT min(id) FROM properties "
        "GROUP BY compound_id, name, source)"
    )
    with op.batch_alter_table("properties") as batch:
        batch.drop_index("ix_properties_compound_source")
        for name, _ in reversed(_COLUMNS):
            batch.drop_column(name)
        batch.create_unique_constraint(
            "uq_properties_compound_name", ["compound_id", "name", "source"]
        )
