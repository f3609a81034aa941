"""The registry database: schema, transactions and queries (the only module that speaks SQL).

SQLAlchemy Core over SQLite by default (WAL mode, a busy timeout, write transactions that take
the write lock up front) and PostgreSQL through a URL. The schema is created and upgraded by the
Alembic migrations in ``registry/migrations``; :func:`open_store` brings any database to the head
revision before handing it out. Every sqlite3/psycopg/SQLAlchemy error is translated into
:mod:`registry.errors` here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Engine,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, make_url

from registry.errors import DuplicateCompound, NotFound, StoreError
from registry.models import (
    AuditEntry,
    CasEntry,
    Compound,
    CompoundRow,
    Identifier,
    Note,
    Property,
)
from registry.store.schema import (
    audit,
    compounds,
    identifiers,
    imports,
    metadata,
    notes,
    properties,
)

__all__ = [
    "SCHEMA_REVISION",
    "CompoundRow",
    "Conflict",
    "Store",
    "format_registry_id",
    "metadata",
    "open_store",
    "parse_registry_id",
]

#: The Alembic head this code expects (a test checks it against the migration scripts).
SCHEMA_REVISION = "0002"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_BUSY_TIMEOUT_S = 30.0
# The DBAPI placeholder for each paramstyle, for statements passed to the driver directly.
_PARAM_MARKERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}
# PostgreSQL's serialization failure and deadlock: the transaction can simply run again.
_RETRYABLE_SQLSTATES = {"40001", "40P01"}
_REGISTRY_ID = re.compile(r"^\s*REG-?(\d{1,12})\s*$", re.IGNORECASE)


class Conflict(DuplicateCompound):
    """A uniqueness constraint fired because another writer got there first; retry the work."""


def format_registry_id(number: int) -> str:
    """The public id of a compound row.

    >>> format_registry_id(1)
    'REG-000001'
    """
    return f"REG-{number:06d}"


def parse_registry_id(value: str) -> int | None:
    """The row number behind a registry id, or None when ``value`` is not one.

    >>> parse_registry_id("REG-000042"), parse_registry_id("reg-42"), parse_registry_id("aspirin")
    (42, 42, None)
    """
    match = _REGISTRY_ID.match(value)
    return int(match.group(1)) if match else None


def now() -> datetime:
    """The current time in UTC (the one clock every stored timestamp uses)."""
    return datetime.now(UTC)


def _iso(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:  # SQLite keeps no zone; everything is stored in UTC
        value = value.replace(tzinfo=UTC)
    return value.isoformat(timespec="seconds")


def key(value: str) -> str:
    """The case- and Unicode-insensitive form used for lookups and text search.

    >>> key("  Milnacipran  HCl ")
    'milnacipran hcl'
    """
    return " ".join(value.casefold().split())


# --- engine, connections and transactions ------------------------------------------------------


def _translate(error: Exception) -> Exception:
    """A registry error for a database error (the caller raises it ``from`` the original)."""
    if isinstance(error, sa_exc.IntegrityError):
        return Conflict(f"another record already holds this value ({_first_line(error)})")
    if getattr(getattr(error, "orig", None), "sqlstate", None) in _RETRYABLE_SQLSTATES:
        return Conflict(f"a concurrent transaction conflicted; retry ({_first_line(error)})")
    if isinstance(error, sa_exc.OperationalError) and "locked" in str(error).lower():
        return StoreError(
            f"the registry database is locked by another writer: {_first_line(error)}"
        )
    return StoreError(f"registry database error: {_first_line(error)}")


def _first_line(error: Exception) -> str:
    original = getattr(error, "orig", None) or error
    line = str(original).strip().splitlines()[0] if str(original).strip() else type(error).__name__
    return _mask_secrets(line)


_PASSWORD_IN_TEXT = re.compile(r"((?:password|passwd)\s*=\s*)('[^']*'|[^&\s]+)", re.IGNORECASE)
_PASSWORD_IN_URL = re.compile(r"(://[^:/?#@\s]*:)([^@/\s]*)(@)")


def _mask_secrets(message: str) -> str:
    """``message`` with passwords (in URLs or ``password=`` pairs) replaced by ``***``.

    >>> _mask_secrets("postgresql://reg:s3cret@db/x password=abc")
    'postgresql://reg:***@db/x password=***'
    """
    message = _PASSWORD_IN_URL.sub(r"\1***\3", message)
    return _PASSWORD_IN_TEXT.sub(r"\1***", message)


def mask_url(url: str) -> str:
    """A database URL fit to print: the password (in the authority or the query) hidden.

    >>> mask_url("postgresql+psycopg://reg:s3cret@db.example/registry?password=x&sslmode=require")
    'postgresql+psycopg://reg:***@db.example/registry?password=***&sslmode=require'
    >>> mask_url("sqlite:///tmp/r.sqlite")
    'sqlite:///tmp/r.sqlite'
    """
    try:
        rendered = make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy reads: mask it as text
        rendered = url
    return _mask_secrets(rendered)


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Autocommit at the driver level; transactions are begun explicitly in _on_sqlite_begin so
    # that write transactions can take the write lock first (BEGIN IMMEDIATE). A deferred
    # transaction that reads and then writes fails at once with SQLITE_BUSY in WAL mode when
    # another writer committed in between; an immediate one waits for the busy timeout instead.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {int(_BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def _on_sqlite_begin(connection: Connection) -> None:
    write = connection.get_execution_options().get("registry_write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            parsed,
            connect_args={"timeout": _BUSY_TIMEOUT_S, "check_same_thread": False},
        )
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")  # psycopg 3, not psycopg2
    return create_engine(parsed, pool_pre_ping=True)


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

    @property
    def cartridge(self) -> bool:
        """Whether searches run in the database with the RDKit cartridge (else in-process).

        Found out once per store; set it to False to force the in-process search (tests and the
        benchmark compare the two on the same data).
        """
        if self._cartridge is None and self.dialect != "postgresql":
            self._cartridge = False
        if self._cartridge is None:
            from registry.store import cartridge

            with self.read() as connection:
                self._cartridge = cartridge.enabled(connection)
        return self._cartridge

    @cartridge.setter
    def cartridge(self, value: bool) -> None:
        self._cartridge = value

    def enable_cartridge(self) -> bool:
        """Add the cartridge columns and indexes where the extension is available (idempotent)."""
        from registry.store import cartridge

        with self.write() as connection:
            done = cartridge.enable(connection)
        self._cartridge = None
        return done

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction (a consistent snapshot)."""
        try:
            with self.engine.connect() as connection, connection.begin():
                yield connection
        except sa_exc.SQLAlchemyError as error:
            raise _translate(error) from error

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction: everything inside commits together or not at all."""
        try:
            with self.engine.connect() as raw:
                connection = raw.execution_options(registry_write=True)
                with connection.begin():
                    if self.dialect == "postgresql":
                        # Serialise writers on one advisory lock: registration checks for a
                        # duplicate and then inserts, which must not interleave.
                        connection.execute(text("SELECT pg_advisory_xact_lock(4242005)"))
                    yield connection
        except sa_exc.SQLAlchemyError as error:
            raise _translate(error) from error

    # --- migrations ---------------------------------------------------------------------------

    def revision(self) -> str | None:
        """The schema revision the database is at (None for an empty database)."""
        with self.read() as connection:
            if not self.engine.dialect.has_table(connection, "alembic_version"):
                return None
            value = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
            return str(value) if value is not None else None

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
            before = (
                connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
                if self.engine.dialect.has_table(connection, "alembic_version")
                else None
            )
            config.attributes["connection"] = connection
            try:
                command.upgrade(config, "head")
            except CommandError as error:  # e.g. a database made by a newer registry
                raise StoreError(
                    f"cannot bring the registry database to schema {SCHEMA_REVISION}: {error}"
                ) from error
        self.created = before is None

    # --- lookups --------------------------------------------------------------------------------

    def count(self, connection: Connection) -> int:
        """How many compounds are registered."""
        return int(connection.execute(select(func.count()).select_from(compounds)).scalar_one())

    def exists(self, connection: Connection, compound_id: int) -> bool:
        """Whether a compound row exists."""
        found = connection.execute(select(compounds.c.id).where(compounds.c.id == compound_id))
        return found.first() is not None

    def id_by_hash(self, connection: Connection, registration_hash: str) -> int | None:
        """The compound with this registration hash."""
        query = select(compounds.c.id).where(compounds.c.registration_hash == registration_hash)
        return connection.execute(query).scalar()

    def ids_by_hashes(self, connection: Connection, hashes: Sequence[str]) -> dict[str, int]:
        """Registration hash -> compound id for those of ``hashes`` that are registered."""
        found: dict[str, int] = {}
        unique = list(dict.fromkeys(hashes))
        for start in range(0, len(unique), 500):  # stay under every driver's parameter limit
            chunk = unique[start : start + 500]
            query = select(compounds.c.registration_hash, compounds.c.id).where(
                compounds.c.registration_hash.in_(chunk)
            )
            found.update({row[0]: row[1] for row in connection.execute(query)})
        return found

    def ids_by_inchikey(self, connection: Connection, inchikey: str) -> list[int]:
        """Compounds with this InChIKey (the structure's own, or one recorded as identifier)."""
        own = select(compounds.c.id).where(compounds.c.inchikey == inchikey.upper())
        found = {row[0] for row in connection.execute(own)}
        if not found:  # only then the (rarer) InChIKeys recorded as identifiers
            recorded = select(identifiers.c.compound_id).where(
                identifiers.c.kind == "inchikey", identifiers.c.value_key == key(inchikey)
            )
            found = {row[0] for row in connection.execute(recorded)}
        return sorted(found)

    def ids_by_identifier(
        self, connection: Connection, kind: str, value: str, *, exclusive_only: bool = True
    ) -> list[int]:
        """Compounds that carry an identifier (by default only identifying ones)."""
        query = select(identifiers.c.compound_id).where(
            identifiers.c.kind == kind, identifiers.c.value_key == key(value)
        )
        if exclusive_only:
            query = query.where(identifiers.c.exclusive.is_(True))
        return sorted({row[0] for row in connection.execute(query)})

    def ids_by_name(self, connection: Connection, name: str) -> list[int]:
        """Compounds whose preferred name or a synonym is ``name`` (case-insensitive)."""
        wanted = key(name)
        by_name = select(compounds.c.id).where(compounds.c.name_key == wanted)
        by_synonym = select(identifiers.c.compound_id).where(
            identifiers.c.kind == "synonym", identifiers.c.value_key == wanted
        )
        return sorted({row[0] for row in connection.execute(by_name.union(by_synonym))})

    def mentions_of_cas(self, connection: Connection, number: str) -> list[int]:
        """Compounds that record ``number`` with role unknown (mentioned, not identified)."""
        return self.ids_by_identifier(connection, "cas", number, exclusive_only=False)

    def all_ids(
        self, connection: Connection, *, limit: int | None = None, offset: int = 0
    ) -> list[int]:
        """Every compound id in registry order."""
        query = select(compounds.c.id).order_by(compounds.c.id).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        return [row[0] for row in connection.execute(query)]

    def fingerprints(self, connection: Connection) -> Iterator[tuple[int, bytes]]:
        """(id, fingerprint) of every compound that has one, streamed."""
        query = select(compounds.c.id, compounds.c.fingerprint).where(
            compounds.c.fingerprint.is_not(None)
        )
        for row in connection.execute(query):
            yield row[0], bytes(row[1])

    def structures(self, connection: Connection) -> Iterator[tuple[int, str]]:
        """(id, standardised SMILES) of every compound, streamed."""
        query = select(compounds.c.id, compounds.c.smiles).order_by(compounds.c.id)
        for row in connection.execute(query):
            yield row[0], row[1]

    def similar_in_database(
        self, connection: Connection, probe: bytes, min_similarity: float, limit: int
    ) -> list[tuple[float, int]]:
        """(Tanimoto, id) best first, computed by the RDKit cartridge (see :attr:`cartridge`)."""
        from registry.store import cartridge

        return cartridge.similar(connection, probe, min_similarity, limit)

    def substructure_in_database(
        self, connection: Connection, smarts: str, limit: int
    ) -> list[int]:
        """Ids of compounds holding ``smarts`` in registry order, found by the RDKit cartridge."""
        from registry.store import cartridge

        return cartridge.substructure(connection, smarts, limit)

    def info(self, connection: Connection) -> dict[str, Any]:
        """Backend, schema revision, row counts and the search engine, for ``registry db info``."""
        from registry.store import cartridge

        counts = {
            table.name: int(
                connection.execute(select(func.count()).select_from(table)).scalar_one()
            )
            for table in (compounds, identifiers, notes, properties, audit)
        }
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
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
            "schema_revision": version,
            "cartridge_available": cartridge.available(connection),
            "search": "rdkit cartridge (in database)" if in_db else "in-process (RDKit in Python)",
            **counts,
        }

    def import_progress(self, connection: Connection, digest: str) -> tuple[int, bool]:
        """Rows committed so far by a bulk import of the file with ``digest``, and if it ended."""
        row = connection.execute(
            select(imports.c.rows_done, imports.c.finished).where(imports.c.digest == digest)
        ).first()
        return (int(row[0]), bool(row[1])) if row is not None else (0, False)

    def set_import_progress(
        self, connection: Connection, digest: str, source: str, rows_done: int, finished: bool
    ) -> None:
        """Record a bulk import's checkpoint (in the transaction that committed its rows)."""
        values = {"rows_done": rows_done, "finished": finished, "updated_at": now()}
        changed = connection.execute(
            update(imports).where(imports.c.digest == digest).values(values)
        ).rowcount
        if not changed:
            connection.execute(insert(imports).values(digest=digest, source=source, **values))

    def search_text(self, connection: Connection, query: str, limit: int) -> list[tuple[int, str]]:
        """Compounds whose name, synonyms, identifiers or notes contain ``query``.

        Returns (compound id, what matched) pairs, names before notes. The match is on the
        case-folded text with LIKE wildcards escaped, so quotes, ``%`` and ``_`` are literal.
        """
        wanted = key(query)
        hits: dict[int, str] = {}
        searches = [
            (
                select(compounds.c.id, compounds.c.name).where(
                    compounds.c.name_key.contains(wanted, autoescape=True)
                ),
                "name",
            ),
            (
                select(identifiers.c.compound_id, identifiers.c.kind, identifiers.c.value).where(
                    identifiers.c.value_key.contains(wanted, autoescape=True)
                ),
                "identifier",
            ),
            (
                select(notes.c.compound_id, notes.c.section).where(
                    notes.c.search_text.contains(wanted, autoescape=True)
                ),
                "note",
            ),
        ]
        for statement, what in searches:
            for row in connection.execute(statement.order_by(text("1"))):
                if row[0] in hits:
                    continue
                if what == "name":
                    hits[row[0]] = f"name: {row[1]}"
                elif what == "identifier":
                    hits[row[0]] = f"{row[1]}: {row[2]}"
                else:
                    hits[row[0]] = f"note: {row[1]}"
                if len(hits) >= limit:
                    return list(hits.items())
        return list(hits.items())

    # --- reading whole records ------------------------------------------------------------------

    def load(self, connection: Connection, compound_id: int, *, history: bool = False) -> Compound:
        """The full record of one compound."""
        row = connection.execute(select(compounds).where(compounds.c.id == compound_id)).first()
        if row is None:
            raise NotFound(f"no compound {format_registry_id(compound_id)}")
        m = row._mapping
        parent_id = m["parent_id"]
        salts = connection.execute(
            select(compounds.c.id).where(compounds.c.parent_id == compound_id).order_by("id")
        )
        cas_entries: list[CasEntry] = []
        others: list[Identifier] = []
        synonyms: list[str] = []
        id_rows = connection.execute(
            select(identifiers)
            .where(identifiers.c.compound_id == compound_id)
            .order_by(identifiers.c.position, identifiers.c.id)
        )
        for ident in id_rows:
            i = ident._mapping
            if i["kind"] == "cas":
                cas_entries.append(
                    CasEntry(i["value"], i["role"] or "unknown", i["form"], i["source"])
                )
            elif i["kind"] == "synonym":
                synonyms.append(i["value"])
            else:
                others.append(Identifier(i["kind"], i["value"], i["source"]))
        note_rows = connection.execute(
            select(notes)
            .where(notes.c.compound_id == compound_id)
            .order_by(notes.c.position, notes.c.id)
        )
        loaded_notes = tuple(
            Note(
                section=n.section,
                body=n.body,
                source=n.source,
                citations=tuple(json.loads(n.citations)),
                created_at=_iso(n.created_at),
                updated_at=_iso(n.updated_at),
                author=n.author,
            )
            for n in note_rows
        )
        prop_rows = connection.execute(
            select(properties)
            .where(properties.c.compound_id == compound_id)
            .order_by(properties.c.id)
        )
        loaded_properties = tuple(
            Property(p.name, p.value, p.unit, p.source, p.toolkit_version) for p in prop_rows
        )
        trail: tuple[AuditEntry, ...] = ()
        if history:
            trail = tuple(
                AuditEntry(
                    _iso(a.at), a.author, a.action, format_registry_id(compound_id), a.detail
                )
                for a in connection.execute(
                    select(audit).where(audit.c.compound_id == compound_id).order_by(audit.c.id)
                )
            )
        return Compound(
            registry_id=format_registry_id(compound_id),
            name=m["name"],
            smiles=m["smiles"],
            submitted=m["submitted"],
            inchi=m["inchi"],
            inchikey=m["inchikey"],
            formula=m["formula"],
            registration_hash=m["registration_hash"],
            hash_layers=json.loads(m["hash_layers"]),
            parent_id=format_registry_id(parent_id) if parent_id is not None else "",
            salt_forms=tuple(format_registry_id(s[0]) for s in salts),
            is_salt=bool(m["is_salt"]),
            cas=tuple(cas_entries),
            identifiers=tuple(others),
            synonyms=tuple(synonyms),
            notes=loaded_notes,
            properties=loaded_properties,
            history=trail,
            created_at=_iso(m["created_at"]),
            updated_at=_iso(m["updated_at"]),
        )

    def summaries(
        self, connection: Connection, *, limit: int | None = None, offset: int = 0
    ) -> list[Compound]:
        """Compounds in registry order with identity fields and CAS numbers only (2 queries)."""
        query = (
            select(
                compounds.c.id,
                compounds.c.name,
                compounds.c.smiles,
                compounds.c.inchikey,
                compounds.c.formula,
                compounds.c.parent_id,
                compounds.c.is_salt,
            )
            .order_by(compounds.c.id)
            .offset(offset)
        )
        if limit is not None:
            query = query.limit(limit)
        rows = connection.execute(query).all()
        if not rows:
            return []
        first, last = rows[0][0], rows[-1][0]
        cas_by_id: dict[int, list[CasEntry]] = {}
        cas_rows = connection.execute(
            select(
                identifiers.c.compound_id,
                identifiers.c.value,
                identifiers.c.role,
                identifiers.c.form,
                identifiers.c.source,
            )
            .where(
                identifiers.c.kind == "cas",
                identifiers.c.compound_id.between(first, last),
            )
            .order_by(identifiers.c.compound_id, identifiers.c.position, identifiers.c.id)
        )
        for compound_id, value, role, form, source in cas_rows:
            cas_by_id.setdefault(compound_id, []).append(
                CasEntry(value, role or "unknown", form, source)
            )
        return [
            Compound(
                registry_id=format_registry_id(r[0]),
                name=r[1],
                smiles=r[2],
                inchikey=r[3],
                formula=r[4],
                parent_id=format_registry_id(r[5]) if r[5] is not None else "",
                is_salt=bool(r[6]),
                cas=tuple(cas_by_id.get(r[0], ())),
            )
            for r in rows
        ]

    def record_state(self, connection: Connection, compound_id: int) -> dict[str, Any]:
        """The record-file state of a compound: front matter extras, original text, digest."""
        row = connection.execute(
            select(
                compounds.c.record_meta, compounds.c.record_text, compounds.c.record_digest
            ).where(compounds.c.id == compound_id)
        ).first()
        if row is None:
            raise NotFound(f"no compound {format_registry_id(compound_id)}")
        return {
            "meta": json.loads(row[0]) if row[0] else {},
            "text": row[1],
            "digest": row[2],
        }

    # --- writing --------------------------------------------------------------------------------

    def insert_compounds(self, connection: Connection, rows: Sequence[CompoundRow]) -> list[int]:
        """Insert new compounds (and their properties); returns their ids in order.

        A salt is linked to its parent when the parent is registered; a new compound becomes the
        parent of every salt already registered with its hash as ``parent_hash``.
        """
        if not rows:
            return []
        stamp = now()
        values = [
            {
                "name": r.name,
                "name_key": key(r.name),
                "submitted": r.submitted,
                "smiles": r.smiles,
                "inchi": r.inchi,
                "inchikey": r.inchikey,
                "formula": r.formula,
                "registration_hash": r.registration_hash,
                "tautomer_hash": r.tautomer_hash,
                "no_stereo_hash": r.no_stereo_hash,
                "hash_layers": json.dumps(r.hash_layers, sort_keys=True),
                "is_salt": r.is_salt,
                "counterions": json.dumps([list(c) for c in r.counterions]),
                "parent_hash": r.parent_hash,
                "fingerprint": r.fingerprint,
                "record_meta": json.dumps(r.record_meta) if r.record_meta is not None else None,
                "record_text": r.record_text,
                "record_digest": r.record_digest,
                "created_at": stamp,
                "updated_at": stamp,
            }
            for r in rows
        ]
        # One executemany with RETURNING, which SQLAlchemy batches into multi-row INSERTs
        # ("insertmanyvalues", SQLite 3.35+ and PostgreSQL). The rows come back in no promised
        # order (asking for input order makes SQLite go row by row), so they are matched back by
        # registration hash, which the table keeps unique.
        if self.cartridge:  # the cartridge's mol/mfp columns are written in the same INSERT
            from registry.store import cartridge

            table = cartridge.insertable
            for value, r in zip(values, rows, strict=True):
                value["mol"] = r.smiles
                value["mfp"] = cartridge.raw_bits(r.fingerprint) if r.fingerprint else None
        else:
            table = compounds
        statement = insert(table).returning(table.c.registration_hash, table.c.id)
        by_hash: dict[str, int] = dict(connection.execute(statement, values).all())
        ids: list[int] = [by_hash[r.registration_hash] for r in rows]
        self._insert_properties(connection, ids, rows)
        self._link_salts(connection, ids, rows)
        return ids

    def _insert_properties(
        self, connection: Connection, ids: Sequence[int], rows: Sequence[CompoundRow]
    ) -> None:
        prop_rows = [
            (compound_id, p.name, p.value, p.unit, p.source, p.toolkit_version)
            for compound_id, r in zip(ids, rows, strict=True)
            for p in r.properties
        ]
        if not prop_rows:
            return
        names = ("compound_id", "name", "value", "unit", "source", "toolkit_version")
        marker = _PARAM_MARKERS.get(connection.dialect.paramstyle)
        if marker is None:  # pragma: no cover - SQLite and psycopg both have a marker above
            connection.execute(
                insert(properties), [dict(zip(names, r, strict=True)) for r in prop_rows]
            )
            return
        # ~15 rows per compound: through the DBAPI's executemany directly, because SQLAlchemy's
        # per-row parameter processing cost more than SQLite's insert itself (the columns are
        # plain text and floats, nothing for SQLAlchemy to convert).
        placeholders = ", ".join([marker] * len(names))
        connection.exec_driver_sql(
            f"INSERT INTO properties ({', '.join(names)}) VALUES ({placeholders})", prop_rows
        )

    def _link_salts(
        self, connection: Connection, ids: Sequence[int], rows: Sequence[CompoundRow]
    ) -> None:
        new_hashes = {r.registration_hash: i for i, r in zip(ids, rows, strict=True)}
        # New salts whose parent is registered (now or before).
        wanted = [r.parent_hash for r in rows if r.parent_hash]
        parents = self.ids_by_hashes(connection, wanted) if wanted else {}
        for compound_id, r in zip(ids, rows, strict=True):
            if r.parent_hash and r.parent_hash in parents:
                connection.execute(
                    update(compounds)
                    .where(compounds.c.id == compound_id)
                    .values(parent_id=parents[r.parent_hash])
                )
        # Salts registered before their parent, waiting for it.
        for start in range(0, len(new_hashes), 500):
            chunk = list(new_hashes)[start : start + 500]
            waiting = connection.execute(
                select(compounds.c.id, compounds.c.parent_hash).where(
                    compounds.c.parent_hash.in_(chunk), compounds.c.parent_id.is_(None)
                )
            ).all()
            for salt_id, parent_hash in waiting:
                connection.execute(
                    update(compounds)
                    .where(compounds.c.id == salt_id)
                    .values(parent_id=new_hashes[parent_hash], updated_at=now())
                )

    def set_parent(self, connection: Connection, compound_id: int, parent_id: int | None) -> None:
        """Record (or clear) the parent compound of a salt form."""
        connection.execute(
            update(compounds)
            .where(compounds.c.id == compound_id)
            .values(parent_id=parent_id, updated_at=now())
        )

    def update_compound(self, connection: Connection, compound_id: int, **values: Any) -> None:
        """Change columns of a compound (name, record state) and its ``updated_at``."""
        changes = dict(values)
        if "name" in changes:
            changes["name_key"] = key(changes["name"])
        if "record_meta" in changes and changes["record_meta"] is not None:
            changes["record_meta"] = json.dumps(changes["record_meta"])
        changes["updated_at"] = now()
        connection.execute(update(compounds).where(compounds.c.id == compound_id).values(changes))

    def add_identifiers(
        self,
        connection: Connection,
        compound_id: int,
        entries: Iterable[tuple[str, str, str | None, str, str]],
        *,
        origin: str = "",
    ) -> int:
        """Attach identifiers ``(kind, value, role, form, source)``; returns how many were new.

        One already on the compound is left as it is. An identifying one (a CAS number with a
        known role, an InChIKey, a database id) held by another compound raises
        :class:`~registry.errors.DuplicateCompound` naming that compound.
        """
        existing = {
            (row[0], row[1])
            for row in connection.execute(
                select(identifiers.c.kind, identifiers.c.value_key).where(
                    identifiers.c.compound_id == compound_id
                )
            )
        }
        position = connection.execute(
            select(func.coalesce(func.max(identifiers.c.position), -1)).where(
                identifiers.c.compound_id == compound_id
            )
        ).scalar_one()
        added = 0
        for kind, value, role, form, source in entries:
            value_key = key(value)
            if (kind, value_key) in existing:
                continue
            exclusive = kind not in ("synonym",) and not (kind == "cas" and role == "unknown")
            if exclusive:
                holders = self.ids_by_identifier(connection, kind, value)
                others = [h for h in holders if h != compound_id]
                if others and set(others) <= self._family(connection, compound_id):
                    # A salt's CAS recorded on its parent (role salt) and on the salt's own
                    # record: both keep it; lookups find the record that had it first.
                    exclusive = False
                elif others:
                    raise DuplicateCompound(
                        f"{kind} {value} already identifies {format_registry_id(others[0])}"
                    )
            position += 1
            connection.execute(
                insert(identifiers).values(
                    compound_id=compound_id,
                    kind=kind,
                    value=value,
                    value_key=value_key,
                    role=role if kind == "cas" else None,
                    form=form,
                    source=source,
                    origin=origin,
                    exclusive=exclusive,
                    position=position,
                    created_at=now(),
                )
            )
            existing.add((kind, value_key))
            added += 1
        return added

    def _family(self, connection: Connection, compound_id: int) -> set[int]:
        """The compound's parent and salt forms (and the parent's other salt forms)."""
        parent = connection.execute(
            select(compounds.c.parent_id).where(compounds.c.id == compound_id)
        ).scalar()
        root = parent if parent is not None else compound_id
        salts = connection.execute(select(compounds.c.id).where(compounds.c.parent_id == root))
        return {root, *(row[0] for row in salts)} - {compound_id}

    def remove_by_origin(
        self,
        connection: Connection,
        compound_id: int,
        origin: str,
        *,
        identifiers_like: Iterable[tuple[str, str]] = (),
        notes_like: Iterable[tuple[str, str, str]] = (),
    ) -> None:
        """Delete what a record file contributed before importing a new version of it.

        Removes the identifiers and notes with ``origin``, and also those equal to one the new
        version holds (``(kind, value)`` and ``(section, body, source)``), so that the file's
        items go back in the file's order. Anything else (added since) stays.
        """
        connection.execute(
            delete(identifiers).where(
                identifiers.c.compound_id == compound_id, identifiers.c.origin == origin
            )
        )
        connection.execute(
            delete(notes).where(notes.c.compound_id == compound_id, notes.c.origin == origin)
        )
        for kind, value in identifiers_like:
            connection.execute(
                delete(identifiers).where(
                    identifiers.c.compound_id == compound_id,
                    identifiers.c.kind == kind,
                    identifiers.c.value_key == key(value),
                )
            )
        for section, body, source in notes_like:
            connection.execute(
                delete(notes).where(
                    notes.c.compound_id == compound_id,
                    notes.c.section == section,
                    notes.c.body == body,
                    notes.c.source == source,
                )
            )

    def add_note(
        self, connection: Connection, compound_id: int, note: Note, *, origin: str = ""
    ) -> bool:
        """Attach a note; an identical one (section, body, source) is not added twice."""
        duplicate = connection.execute(
            select(notes.c.id).where(
                notes.c.compound_id == compound_id,
                notes.c.section == note.section,
                notes.c.body == note.body,
                notes.c.source == note.source,
            )
        ).first()
        if duplicate is not None:
            return False
        position = connection.execute(
            select(func.coalesce(func.max(notes.c.position), -1)).where(
                notes.c.compound_id == compound_id
            )
        ).scalar_one()
        stamp = now()
        connection.execute(
            insert(notes).values(
                compound_id=compound_id,
                section=note.section,
                body=note.body,
                citations=json.dumps(list(note.citations)),
                source=note.source,
                author=note.author,
                origin=origin,
                position=position + 1,
                search_text=key(f"{note.section}\n{note.body}"),
                created_at=stamp,
                updated_at=stamp,
            )
        )
        return True

    def log(
        self,
        connection: Connection,
        action: str,
        author: str,
        compound_id: int | None = None,
        detail: str = "",
    ) -> None:
        """Append one row to the audit trail."""
        connection.execute(
            insert(audit).values(
                at=now(), author=author, action=action, compound_id=compound_id, detail=detail
            )
        )

    def log_many(self, connection: Connection, entries: Sequence[dict[str, Any]]) -> None:
        """Append many audit rows (``action``, ``author``, ``compound_id``, ``detail``)."""
        if entries:
            stamp = now()
            connection.execute(insert(audit), [{"at": stamp, **entry} for entry in entries])

    def history(self, connection: Connection, limit: int = 100) -> list[AuditEntry]:
        """The most recent audit entries, newest first."""
        rows = connection.execute(select(audit).order_by(audit.c.id.desc()).limit(limit))
        return [
            AuditEntry(
                _iso(a.at),
                a.author,
                a.action,
                format_registry_id(a.compound_id) if a.compound_id is not None else "",
                a.detail,
            )
            for a in rows
        ]

    def names(self, connection: Connection, ids: Sequence[int]) -> dict[int, tuple[str, str]]:
        """id -> (name, smiles) for ``ids``."""
        found: dict[int, tuple[str, str]] = {}
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            query = select(compounds.c.id, compounds.c.name, compounds.c.smiles).where(
                compounds.c.id.in_(chunk)
            )
            found.update({row[0]: (row[1], row[2]) for row in connection.execute(query)})
        return found

    def by_record_name(self, connection: Connection, name: str) -> int | None:
        """The compound imported from a record file whose ``name`` is ``name``."""
        query = select(compounds.c.id).where(
            compounds.c.name_key == key(name), compounds.c.record_digest.is_not(None)
        )
        return connection.execute(query).scalar()


def open_store(url: str, *, upgrade: bool = True) -> Store:
    """Open (creating and migrating as needed) the registry database at ``url``.

    ``upgrade=False`` opens it as it is (``registry db upgrade`` reads the revision first).
    """
    try:
        engine = _make_engine(url)
    except (sa_exc.ArgumentError, sa_exc.NoSuchModuleError, ValueError) as error:
        raise StoreError(
            f"cannot use database URL {mask_url(url)!r}: {_mask_secrets(str(error))}"
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
