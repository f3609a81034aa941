"""The registry's tables (SQLAlchemy Core metadata), shared by the store and the migrations.

The Alembic migrations in ``registry/store/migrations`` create exactly these (a test compares
them); :mod:`registry.store` is the only package that queries them.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = ["audit", "compounds", "identifiers", "imports", "metadata", "notes", "properties"]

# Names follow a convention so that Alembic migrations and this metadata agree on them.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
    }
)

compounds = Table(
    "compounds",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False),
    Column("name_key", Text, nullable=False, index=True),
    Column("submitted", Text, nullable=False),
    Column("smiles", Text, nullable=False),
    Column("inchi", Text, nullable=False),
    Column("inchikey", Text, nullable=False, index=True),
    Column("formula", Text, nullable=False),
    Column("registration_hash", Text, nullable=False, unique=True),
    Column("tautomer_hash", Text, nullable=False, index=True),
    Column("no_stereo_hash", Text, nullable=False, index=True),
    Column("hash_layers", Text, nullable=False),
    Column("is_salt", Boolean, nullable=False),
    Column("counterions", Text, nullable=False),
    Column("parent_hash", Text, nullable=True, index=True),
    Column(
        "parent_id",
        Integer,
        ForeignKey("compounds.id", ondelete="SET NULL"),
        nullable=True,
        index=True,
    ),
    Column("fingerprint", LargeBinary, nullable=True),
    Column("record_meta", Text, nullable=True),
    Column("record_text", Text, nullable=True),
    Column("record_digest", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # Revision 0004. A retired compound keeps its row, structure and identifiers (so they never
    # name another compound); a merged one is also retired, and ``merged_into`` is the compound
    # its queries redirect to. No foreign key: compounds are never deleted, and SQLite could
    # only add one by rebuilding the table, which would cascade-delete every identifier.
    Column("retired_at", DateTime(timezone=True), nullable=True),
    Column("retired_reason", Text, nullable=True),
    Column("merged_into", Integer, nullable=True, index=True),
)


def _owning_compound() -> Column[int]:
    """The compound a row belongs to: the row goes when the compound goes."""
    return Column(
        "compound_id",
        Integer,
        ForeignKey("compounds.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )


identifiers = Table(
    "identifiers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _owning_compound(),
    Column("kind", Text, nullable=False),
    Column("value", Text, nullable=False),
    Column("value_key", Text, nullable=False),
    Column("role", Text, nullable=True),
    Column("form", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("origin", Text, nullable=False),
    # True when the identifier names exactly one compound (never for synonyms or 'unknown' CAS).
    Column("exclusive", Boolean, nullable=False),
    Column("position", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("compound_id", "kind", "value_key", name="uq_identifiers_compound_kind"),
    Index("ix_identifiers_kind_value", "kind", "value_key"),
)
Index(
    "uq_identifiers_exclusive",
    identifiers.c.kind,
    identifiers.c.value_key,
    unique=True,
    # The same WHERE on PostgreSQL is migration 0001's: naming that dialect here would import
    # SQLAlchemy's PostgreSQL dialect into every command (~15 ms), also on SQLite.
    sqlite_where=identifiers.c.exclusive.is_(True),
)

notes = Table(
    "notes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _owning_compound(),
    Column("section", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("citations", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("author", Text, nullable=False),
    Column("origin", Text, nullable=False),
    Column("position", Integer, nullable=False),
    Column("search_text", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

properties = Table(
    "properties",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _owning_compound(),
    Column("name", Text, nullable=False),
    Column("value", Float, nullable=True),
    Column("unit", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("toolkit_version", Text, nullable=False),
    # Provenance of values from a source such as PubChem (revision 0003): a property may have
    # several values (one per reference), so (compound, name, source) is not unique.
    Column("text", Text, nullable=True),
    Column("upper", Float, nullable=True),
    Column("conditions", Text, nullable=True),
    Column("reference", Text, nullable=True),
    Column("retrieved", Text, nullable=True),
    Column("cid", Integer, nullable=True),
    Column("kind", Text, nullable=True),
    Index("ix_properties_compound_source", "compound_id", "source"),
)

audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("author", Text, nullable=False),
    Column("action", Text, nullable=False),
    # No foreign key: the trail outlives what it describes.
    Column("compound_id", Integer, nullable=True, index=True),
    Column("detail", Text, nullable=False),
)

# Bulk imports in progress or done: rows committed so far per input file (by content digest).
imports = Table(
    "imports",
    metadata,
    Column("digest", Text, primary_key=True),
    Column("source", Text, nullable=False),
    Column("rows_done", Integer, nullable=False),
    Column("finished", Boolean, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
