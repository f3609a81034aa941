"""The only code that speaks SQL: schema, queries and writes, the probe, the cartridge.

Modules:
    database: :func:`open_store` and :class:`Store` (transactions, migrations, the facade)
    engine: engines, SQLite settings, error translation, password masking
    matching: how a text finds a stored compound (shared by the store and the probe)
    reads, writes: what runs inside a read or write transaction
    loading: whole compound records, one or many
    probe: a standard-library, read-only look into a SQLite registry
    cartridge: the RDKit PostgreSQL cartridge
    schema, migrations: the tables and their Alembic migrations

The package imports SQLAlchemy only when a name that needs it is first used, so
:mod:`registry.store.probe` and :mod:`registry.store.matching` stay cheap for the lookup chain.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from registry._lazy import served_from

if TYPE_CHECKING:
    from registry.store.database import (
        SCHEMA_REVISION,
        CompoundRow,
        Store,
        open_store,
    )
    from registry.store.engine import Conflict, mask_url
    from registry.store.matching import format_registry_id, key, parse_registry_id
    from registry.store.writes import now

# Each public name and the module that defines it (imported on first use).
_HOMES = {
    "SCHEMA_REVISION": "registry.store.database",
    "CompoundRow": "registry.store.database",
    "Conflict": "registry.store.engine",
    "Store": "registry.store.database",
    "format_registry_id": "registry.store.matching",
    "key": "registry.store.matching",
    "mask_url": "registry.store.engine",
    "now": "registry.store.writes",
    "open_store": "registry.store.database",
    "parse_registry_id": "registry.store.matching",
}

__all__ = [
    "SCHEMA_REVISION",
    "CompoundRow",
    "Conflict",
    "Store",
    "format_registry_id",
    "key",
    "mask_url",
    "now",
    "open_store",
    "parse_registry_id",
]


__getattr__ = served_from(__name__, _HOMES)
