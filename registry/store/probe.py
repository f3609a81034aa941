"""A cheap, read-only probe of a SQLite registry database, with the standard library only.

Part of the store layer (:mod:`registry.store` re-exports it): the lookup chain asks the own
registry first, and most lookups are of compounds the registry does not hold. Opening the
registry through :mod:`registry.store` imports SQLAlchemy (about 250 ms, more than the whole
lookup), so the chain first asks this probe which compounds, if any, an identifier names, and
opens the full store only when the answer is not empty.

The probe answers with the same semantics as the store's ``ids_by_identifier``,
``ids_by_inchikey`` and ``ids_by_name`` (a test compares them on a seeded registry). It never
writes and never raises: when it cannot answer cheaply (a server database, an unreadable file,
a schema it does not know) it returns None and the caller uses the full store.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

__all__ = ["key", "probe_ids", "sqlite_path"]

_IDENTIFIER = (
    "SELECT DISTINCT compound_id FROM identifiers "
    "WHERE kind = ? AND value_key = ? AND exclusive = 1 ORDER BY compound_id"
)
_BY_INCHIKEY = "SELECT id FROM compounds WHERE inchikey = ? ORDER BY id"
_BY_NAME = (
    "SELECT id FROM compounds WHERE name_key = ? UNION "
    "SELECT compound_id FROM identifiers WHERE kind = 'synonym' AND value_key = ? ORDER BY 1"
)
_RECORDED_INCHIKEY = (
    "SELECT DISTINCT compound_id FROM identifiers "
    "WHERE kind = 'inchikey' AND value_key = ? ORDER BY compound_id"
)


def key(value: str) -> str:
    """The case- and space-insensitive form the store indexes (same as ``store.key``).

    >>> key("  Milnacipran  HCl ")
    'milnacipran hcl'
    """
    return " ".join(value.casefold().split())


def sqlite_path(url: str) -> Path | None:
    """The file of a plain SQLite URL, else None (server databases, memory, URI options).

    >>> sqlite_path("sqlite:////data/registry.sqlite")
    PosixPath('/data/registry.sqlite')
    >>> sqlite_path("postgresql+psycopg://db/registry") is None
    True
    """
    if not url.startswith("sqlite:///") or "?" in url:
        return None
    database = url.removeprefix("sqlite:///")
    if not database or database == ":memory:":
        return None
    return Path(database).expanduser()


def probe_ids(url: str, kind: str, value: str) -> list[int] | None:
    """Ids of the compounds that ``value`` identifies, read without SQLAlchemy.

    ``kind`` is ``cas``, ``pubchem_cid`` (identifying identifiers only, as the store's
    ``ids_by_identifier``), ``inchikey`` or ``name`` (preferred name or synonym). Returns []
    when the database does not exist, None when the probe cannot tell.
    """
    path = sqlite_path(url)
    if path is None:
        return None
    if not path.exists():
        return []
    try:
        # Read-only, but not immutable: another process may be writing (WAL readers see the
        # last committed state).
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return None
    try:
        if kind == "inchikey":
            ids = [r[0] for r in connection.execute(_BY_INCHIKEY, (value.upper(),))]
            if not ids:  # as the store: recorded InChIKeys only when no structure has it
                ids = [r[0] for r in connection.execute(_RECORDED_INCHIKEY, (key(value),))]
        elif kind == "name":
            wanted = key(value)
            ids = [r[0] for r in connection.execute(_BY_NAME, (wanted, wanted))]
        else:
            ids = [r[0] for r in connection.execute(_IDENTIFIER, (kind, key(value)))]
    except sqlite3.Error:
        return None  # no such table yet, another schema, locked: let the store answer
    finally:
        connection.close()
    return [int(i) for i in ids]
