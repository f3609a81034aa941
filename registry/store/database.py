"""The registry database: opening it, transactions, migrations, and the :class:`Store` facade.

SQLAlchemy Core over SQLite by default (WAL mode, a busy timeout, write transactions that take
the write lock up front) and PostgreSQL through a URL (see :mod:`registry.store.engine`). The
schema is created and upgraded by the Alembic migrations in ``registry/store/migrations``;
:func:`open_store` brings any database to the head revision before handing it out. Every
database error leaves as a :mod:`registry.errors` error.

:class:`Store` gathers the work done inside a transaction: reading
(:mod:`registry.store.reads`), finding compounds by a query (:mod:`registry.store.matching`),
writing (:mod:`registry.store.writes`) and the RDKit cartridge (:mod:`registry.store.cartridge`).
Each of those methods takes the connection of a transaction opened with :meth:`Store.read` or
:meth:`Store.write`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection

from registry.errors import StoreError
from registry.models import CompoundRow
from registry.store import cartridge, loading, matching, property_rows, reads, writes
from registry.store.engine import (
    Conflict,
    in_memory,
    make_engine,
    mask_secrets,
    mask_url,
    translate_error,
)
from registry.store.matching import format_registry_id, key, parse_registry_id
from registry.store.schema import metadata
from registry.store.search_index import IndexFiles, index_directory
from registry.store.writes import now

__all__ = [
    "MIGRATIONS_DIR",
    "SCHEMA_REVISION",
    "CompoundRow",
    "Conflict",
    "Store",
    "format_registry_id",
    "key",
    "mask_url",
    "metadata",
    "now",
    "open_store",
    "parse_registry_id",
]

#: The Alembic head this code expects (a test checks it against the migration scripts).
SCHEMA_REVISION = "0004"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Any fixed key: every writer on a PostgreSQL database takes this one transaction lock.
_WRITERS_LOCK = 4242005


class Store:
    """An open registry database. Use :meth:`read` and :meth:`write` for transactions."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        #: True when :meth:`upgrade` created the schema in an empty database.
        self.created = False
        self._cartridge: bool | None = None

    @property
    def url(self) -> str:
        """The database URL without its password."""
        return mask_url(self.engine.url.render_as_string(hide_password=False))

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    # --- transactions -----------------------------------------------------------------------

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction (a consistent snapshot)."""
        try:
            with self.engine.connect() as connection, connection.begin():
                yield connection
        except sa_exc.SQLAlchemyError as error:
            raise translate_error(error) from error

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction: everything inside commits together or not at all.

        Writers never interleave: on SQLite the transaction takes the write lock as it begins,
        on PostgreSQL an advisory transaction lock, since registration checks for a duplicate
        and then inserts.
        """
        try:
            with self.engine.connect() as raw:
                connection = raw.execution_options(registry_write=True)
                with connection.begin():
                    if self.dialect == "postgresql":
                        connection.execute(text(f"SELECT pg_advisory_xact_lock({_WRITERS_LOCK})"))
                    yield connection
        except sa_exc.SQLAlchemyError as error:
            raise translate_error(error) from error

    # --- migrations -------------------------------------------------------------------------

    def revision(self) -> str | None:
        """The schema revision the database is at (None for an empty database)."""
        with self.read() as connection:
            return _revision(connection)

    def upgrade(self) -> None:
        """Bring the schema to the head revision (a no-op when it is there already)."""
        if self.revision() == SCHEMA_REVISION:
            return  # the common case, without importing Alembic
        from alembic import command
        from alembic.config import Config
        from alembic.util import CommandError

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        with self.write() as connection:  # one writer migrates; the others wait, then no-op
            before = _revision(connection)
            config.attributes["connection"] = connection
            try:
                command.upgrade(config, "head")
            except CommandError as error:  # e.g. a database made by a newer registry
                raise StoreError(
                    f"cannot bring the registry database to schema {SCHEMA_REVISION}: {error}"
                ) from error
        self.created = before is None

    def info(self, connection: Connection) -> dict[str, Any]:
        """Backend, schema revision, row counts and the search engine, for ``registry db info``."""
        server = ""
        if self.dialect == "postgresql":
            server = str(connection.execute(text("SHOW server_version")).scalar())
        elif self.dialect == "sqlite":
            server = str(connection.execute(text("SELECT sqlite_version()")).scalar())
        in_db = cartridge.enabled(connection)
        return {
            "backend": self.dialect,
            "server_version": server,
            "url": self.url,
            "schema_revision": _revision(connection),
            "cartridge_available": cartridge.available(connection),
            "search": _search_engine(in_db, index_directory(self.engine) is not None),
            **reads.row_counts(connection),
        }

    # --- the RDKit cartridge ----------------------------------------------------------------

    @property
    def cartridge(self) -> bool:
        """Whether searches run in the database with the RDKit cartridge (else in-process).

        Found out once per store; set it to False to force the in-process search (tests and the
        benchmark compare the two on the same data).
        """
        if self._cartridge is None and self.dialect != "postgresql":
            self._cartridge = False
        if self._cartridge is None:
            with self.read() as connection:
                self._cartridge = cartridge.enabled(connection)
        return self._cartridge

    @cartridge.setter
    def cartridge(self, value: bool) -> None:
        self._cartridge = value

    def enable_cartridge(self) -> bool:
        """Add the cartridge columns and indexes where the extension is available (idempotent)."""
        with self.write() as connection:
            done = cartridge.enable(connection)
        self._cartridge = None
        return done

    def similar_in_database(
        self, connection: Connection, probe: bytes, min_similarity: float, limit: int, **how: Any
    ) -> list[tuple[float, int]]:
        """(score, id) best first, computed by the RDKit cartridge (see :attr:`cartridge`)."""
        return cartridge.similar(connection, probe, min_similarity, limit, **how)

    def substructure_in_database(
        self, connection: Connection, smarts: str, limit: int, *, smiles: bool = False
    ) -> list[int]:
        """Ids of compounds holding the query in registry order, found by the RDKit cartridge."""
        return cartridge.substructure(connection, smarts, limit, smiles=smiles)

    def substructure_count_in_database(
        self, connection: Connection, query: str, *, smiles: bool = False
    ) -> int:
        """How many compounds hold the query, counted by the RDKit cartridge."""
        return cartridge.substructure_count(connection, query, smiles=smiles)

    @property
    def search_index(self) -> IndexFiles | None:
        """The structure search index files beside an SQLite database file (else None)."""
        directory = index_directory(self.engine)
        return IndexFiles(directory) if directory is not None else None

    # --- finding compounds by a query (registry.store.matching) -----------------------------

    def ids_by_identifier(
        self, connection: Connection, kind: str, value: str, *, exclusive_only: bool = True
    ) -> list[int]:
        """Compounds that carry an identifier (by default only identifying ones)."""
        return matching.identifier_ids(connection, kind, value, identifying=exclusive_only)

    def ids_by_inchikey(self, connection: Connection, inchikey: str) -> list[int]:
        """Compounds with this InChIKey (the structure's own, or one recorded as identifier)."""
        return matching.compound_ids(connection, "inchikey", inchikey)

    def ids_by_name(self, connection: Connection, name: str) -> list[int]:
        """Compounds whose preferred name or a synonym is ``name`` (case-insensitive)."""
        return matching.compound_ids(connection, "name", name)

    def mentions_of_cas(self, connection: Connection, number: str) -> list[int]:
        """Compounds that record ``number``, identifying it or not (role unknown)."""
        return matching.compound_ids(connection, "cas_mention", number)

    # --- reading (registry.store.reads) -----------------------------------------------------

    count = staticmethod(reads.count)
    exists = staticmethod(reads.exists)
    id_by_hash = staticmethod(reads.id_by_hash)
    ids_by_hashes = staticmethod(reads.ids_by_hashes)
    names = staticmethod(reads.names)
    all_ids = staticmethod(reads.all_ids)
    fingerprints = staticmethod(reads.fingerprints)
    structures = staticmethod(reads.structures)
    search_text = staticmethod(reads.search_text)
    fingerprints_after = staticmethod(reads.fingerprints_after)
    structures_after = staticmethod(reads.structures_after)
    index_state = staticmethod(reads.index_state)
    ids_by_hash_layer = staticmethod(reads.ids_by_hash_layer)
    ids_by_parent = staticmethod(reads.ids_by_parent)
    load = staticmethod(loading.load)
    load_many = staticmethod(loading.load_many)
    summaries = staticmethod(reads.summaries)
    record_state = staticmethod(reads.record_state)
    record_states = staticmethod(reads.record_states)
    history = staticmethod(reads.history)
    import_progress = staticmethod(reads.import_progress)

    # --- writing (registry.store.writes) ----------------------------------------------------

    def insert_compounds(self, connection: Connection, rows: Sequence[CompoundRow]) -> list[int]:
        """Insert new compounds (see :func:`registry.store.writes.insert_compounds`).

        On a database searched by the cartridge the same INSERT fills its structure columns.
        """
        return writes.insert_compounds(connection, rows, with_cartridge=self.cartridge)

    set_parent = staticmethod(writes.set_parent)
    update_compound = staticmethod(writes.update_compound)
    add_identifiers = staticmethod(writes.add_identifiers)
    remove_by_origin = staticmethod(writes.remove_by_origin)
    add_note = staticmethod(writes.add_note)
    log = staticmethod(writes.log)
    log_many = staticmethod(writes.log_many)
    replace_properties = staticmethod(property_rows.replace_properties)
    set_import_progress = staticmethod(writes.set_import_progress)


def _search_engine(cartridge_enabled: bool, has_index: bool) -> str:
    if cartridge_enabled:
        return "rdkit cartridge (in database)"
    if has_index:
        return "search index beside the database file (in-process)"
    return "in-process (RDKit in Python)"


def _revision(connection: Connection) -> str | None:
    if not connection.dialect.has_table(connection, "alembic_version"):
        return None
    value = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return str(value) if value is not None else None


def open_store(url: str, *, upgrade: bool = True, persistent: bool = False) -> Store:
    """Open (creating and migrating as needed) the registry database at ``url``.

    ``upgrade=False`` opens it as it is (``registry db upgrade`` reads the revision first).
    ``persistent=True`` refuses a database that lives in memory (:func:`in_memory`), whose
    writes are lost when it is closed: what a command line, a process per command, needs.
    Raises StoreError for a URL it cannot use, a missing driver or a database it cannot
    bring to :data:`SCHEMA_REVISION`.
    """
    if persistent and in_memory(url):
        raise StoreError(
            f"cannot use database URL {mask_secrets(url)!r}: the database is in memory and is "
            "discarded when it is closed; give a file (sqlite:///path/registry.sqlite) or a "
            "server database"
        )
    try:
        engine = make_engine(url)
    except (sa_exc.ArgumentError, sa_exc.NoSuchModuleError, ValueError) as error:
        raise StoreError(
            f"cannot use database URL {mask_url(url)!r}: {mask_secrets(str(error))}"
        ) from error
    except ImportError as error:  # the database driver (psycopg for PostgreSQL) is missing
        raise StoreError(
            f"cannot use database URL {mask_url(url)!r}: its driver is not installed "
            f"({error.name or error}); for PostgreSQL: pip install 'registry[postgres]'"
        ) from error
    store = Store(engine)
    if not upgrade:
        return store
    try:
        store.upgrade()
    except Exception:
        engine.dispose()
        raise
    return store
