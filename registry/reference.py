"""The offline reference index: PubChem-derived identifiers from ``chemicals``, in SQLite.

``chemicals`` ships PubChem identifier tables (CID, CAS, formula, weight, SMILES, InChI,
InChIKey, IUPAC name, synonyms): the large table (71,347 compounds), the small one of common
compounds (caffeine lives there) and an example user table (aspirin lives there). They are read
once (on first use, or by ``registry reference build``) into an indexed SQLite file in
``Settings.data_dir``; lookups by CAS number, name or synonym (case-insensitive), InChIKey, CID
or formula are then single index probes. The file is a read-only cache: it is rebuilt when the
source tables change, and written to a temporary file then renamed, so a crash never leaves a
half-built index behind.
"""

from __future__ import annotations

import datetime as dt
import marshal
import os
import sqlite3
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from registry import cas
from registry.chemicals_data import PubChemRow, iter_pubchem_rows, pubchem_tsv_path
from registry.config import Settings
from registry.errors import NotFound, RegistryError
from registry.models import Candidate, CasNumber
from registry.query import Query, QueryKind, cas_from_synonyms

__all__ = ["ReferenceIndex", "ReferenceInfo", "ReferenceSource", "build_reference", "source_files"]

INDEX_FILE = "reference.sqlite"
# The payloads are marshal data, whose format belongs to the Python version: a new version
# (or a new layout) makes the fingerprint differ, and the index is rebuilt.
SCHEMA_VERSION = f"4/marshal{marshal.version}/py{sys.version_info[0]}.{sys.version_info[1]}"
# chemicals' tables, most authoritative first: a CID met again later is skipped.
_TABLES = (
    ("pubchem-small", "chemical identifiers pubchem small.tsv"),
    ("pubchem-large", "chemical identifiers pubchem large.tsv"),
    ("example-user-db", "chemical identifiers example user db.tsv"),
)
_MAX_CANDIDATES = 25
# What a candidate carries (its CAS numbers come from all synonyms, at build time).
_SYNONYMS_KEPT = 20
_MMAP_BYTES = 1 << 30  # more than the file: all of it is mapped

# The payloads (~500 bytes) sit in a rowid table keyed by CID (a WITHOUT ROWID table suits
# small rows only). Every lookup value is one key in one WITHOUT ROWID b-tree,
# ``<kind>:<value>`` with a rank (0 = the compound's own field, then synonym order), so a lookup
# is one range scan that yields the CIDs in answer order, joined to the pre-built payloads.
_CAS, _NAME, _INCHIKEY, _INCHI, _SMILES, _FORMULA = "c:", "n:", "k:", "i:", "s:", "f:"

_DDL = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE compounds (cid INTEGER PRIMARY KEY, payload BLOB NOT NULL);
CREATE TABLE keys (
    key TEXT NOT NULL, rank INTEGER NOT NULL, cid INTEGER NOT NULL, PRIMARY KEY (key, rank, cid)
) WITHOUT ROWID;
"""
_BY_KEY = (
    "SELECT c.payload FROM keys k JOIN compounds c ON c.cid = k.cid "
    f"WHERE k.key = ? ORDER BY k.rank, k.cid LIMIT {_MAX_CANDIDATES}"
)
_BY_CID = "SELECT payload FROM compounds WHERE cid = ?"
_HAS_KEY = "SELECT 1 FROM keys WHERE key = ? LIMIT 1"


@dataclass(frozen=True, slots=True)
class ReferenceInfo:
    path: Path
    compounds: int
    names: int
    size_bytes: int
    built: str
    sources: str


def source_files() -> list[tuple[str, Path]]:
    """The ``chemicals`` tables the index is built from, as (label, path)."""
    folder = pubchem_tsv_path().parent
    return [(label, folder / name) for label, name in _TABLES if (folder / name).is_file()]


def _fingerprint(files: Sequence[tuple[str, Path]]) -> str:
    parts = [SCHEMA_VERSION]
    for label, path in files:
        stat = path.stat()
        parts.append(f"{label}:{stat.st_size}:{int(stat.st_mtime)}")
    return ";".join(parts)


def _rows(files: Sequence[tuple[str, Path]]) -> Iterator[tuple[str, PubChemRow]]:
    for label, path in files:
        for row in iter_pubchem_rows(path):
            yield label, row


def _cas_numbers(row: PubChemRow) -> tuple[tuple[str, str, bool], ...]:
    """(number, role, valid): the table's own CAS field first, then those among the synonyms.

    Computed once at build time, so a lookup never re-parses synonyms.
    """
    own = [(row.cas, "primary", cas.is_valid(row.cas))] if row.cas else []
    found = [(c.number, c.role, c.valid) for c in cas_from_synonyms(row.synonyms)]
    return tuple(own + [c for c in found if c[0] != row.cas])


def _payload(label: str, row: PubChemRow) -> bytes:
    """A candidate's fields in :class:`Candidate` order after source/retrieved (see _decode)."""
    return marshal.dumps(
        (
            row.common_name or row.iupac_name,
            _cas_numbers(row),
            row.formula,
            row.inchikey,
            row.cid,
            row.smiles,
            row.inchi,
            row.iupac_name,
            row.molecular_weight,
            tuple(row.synonyms[:_SYNONYMS_KEPT]),
            f"chemicals:{label}",
        )
    )


def _keys(row: PubChemRow) -> Iterator[str]:
    """Every lookup key of a row, best first (the rank is the position)."""
    if row.cas:
        yield _CAS + row.cas
    for number, _role, valid in _cas_numbers(row):
        if valid:  # a query failing its checksum never reaches the index
            yield _CAS + number
    if row.inchikey:
        yield _INCHIKEY + row.inchikey
    if row.inchi:
        yield _INCHI + row.inchi
    if row.smiles:
        yield _SMILES + row.smiles
    if row.formula:
        yield _FORMULA + row.formula
    for name in (*row.synonyms, row.iupac_name):
        if name:
            yield _NAME + name.casefold()


def build_reference(settings: Settings, path: Path | None = None) -> Path:
    """Build the index file (atomically: temporary file, then rename); returns its path."""
    target = path or settings.data_dir / INDEX_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    files = source_files()
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    temporary.unlink(missing_ok=True)
    try:
        connection = sqlite3.connect(temporary, isolation_level=None)
        try:
            connection.executescript(
                "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; BEGIN;" + _DDL
            )
            seen: set[int] = set()
            payloads: list[tuple[int, bytes]] = []
            keys: dict[tuple[str, int], int] = {}  # (key, cid) -> best rank
            for label, row in _rows(files):
                if row.cid in seen:
                    continue
                seen.add(row.cid)
                payloads.append((row.cid, _payload(label, row)))
                for rank, key in enumerate(_keys(row)):
                    keys.setdefault((key, row.cid), rank)
            connection.executemany("INSERT INTO compounds VALUES (?, ?)", payloads)
            # A b-tree fills fastest in key order.
            rows = sorted((key, rank, cid) for (key, cid), rank in keys.items())
            connection.executemany("INSERT INTO keys VALUES (?, ?, ?)", rows)
            connection.execute("COMMIT")
            built = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            connection.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [
                    ("fingerprint", _fingerprint(files)),
                    ("built", built),
                    ("sources", ", ".join(f"{label}={p}" for label, p in files)),
                ],
            )
        finally:
            connection.close()
        os.replace(temporary, target)
    except (OSError, sqlite3.Error) as error:
        temporary.unlink(missing_ok=True)
        raise RegistryError(f"cannot build the reference index {target}: {error}") from error
    return target


class ReferenceIndex:
    """Read-only queries on the index file, building it first when missing or stale."""

    def __init__(self, settings: Settings, *, path: Path | None = None) -> None:
        self.path = path or settings.data_dir / INDEX_FILE
        self._settings = settings
        self._connection: sqlite3.Connection | None = None
        self._built = ""  # when the index was built: every candidate's retrieval date
        self._lock = threading.Lock()

    def _db(self) -> sqlite3.Connection:
        if self._connection is None:
            with self._lock:
                if self._connection is None:
                    connection = self._open()
                    row = connection.execute("SELECT value FROM meta WHERE key = 'built'")
                    self._built = str((row.fetchone() or ("",))[0])
                    self._connection = connection
        return self._connection

    def _open(self) -> sqlite3.Connection:
        if not self._current():
            build_reference(self._settings, self.path)
        try:
            # immutable: the file is never changed in place (a rebuild writes a new file and
            # renames it over this one, and an open connection keeps reading the old one), so
            # SQLite may skip the file locks and change checks it would make on every query,
            # which cost more than the lookup itself.
            connection = sqlite3.connect(
                f"{self.path.resolve().as_uri()}?mode=ro&immutable=1",
                uri=True,
                check_same_thread=False,
            )
            # Memory-map the file: a lookup then reads b-tree pages straight from the page cache
            # instead of a read() system call per page (random lookups got 2-3x faster).
            connection.execute(f"PRAGMA mmap_size = {_MMAP_BYTES}")
        except sqlite3.Error as error:
            raise RegistryError(f"cannot open the reference index {self.path}: {error}") from error
        return connection

    def _current(self) -> bool:
        """The index exists and was built from the installed tables."""
        if not self.path.exists():
            return False
        try:
            connection = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
            try:
                row = connection.execute(
                    "SELECT value FROM meta WHERE key = 'fingerprint'"
                ).fetchone()
            finally:
                connection.close()
        except sqlite3.Error:
            return False  # unreadable or from another schema: rebuild
        try:
            return row is not None and row[0] == _fingerprint(source_files())
        except NotFound:
            return True  # chemicals uninstalled later: keep the index that exists

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def info(self) -> ReferenceInfo:
        db = self._db()
        (compounds,) = db.execute("SELECT count(*) FROM compounds").fetchone()
        (names,) = db.execute(
            "SELECT count(*) FROM keys WHERE key >= ? AND key < ?", (_NAME, _NAME[:-1] + ";")
        ).fetchone()
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        return ReferenceInfo(
            self.path, int(compounds), int(names), self.path.stat().st_size,
            meta.get("built", ""), meta.get("sources", ""),
        )  # fmt: skip

    def _decode(self, payloads: list[tuple[bytes]]) -> list[Candidate]:
        # Positional construction from the stored tuple: the fastest way to a frozen dataclass.
        out = []
        for (payload,) in payloads:
            name, numbers, *rest = marshal.loads(payload)
            cas_numbers = tuple([CasNumber(n, role, valid) for n, role, valid in numbers])
            out.append(Candidate("reference", self._built, name, cas_numbers, *rest))
        return out

    def _by_key(self, key: str) -> list[Candidate]:
        return self._decode(self._db().execute(_BY_KEY, (key,)).fetchall())

    def by_cas(self, number: str) -> list[Candidate]:
        """Compounds whose CAS field is the number, then those listing it among their names."""
        return self._by_key(_CAS + number)

    def by_name(self, name: str) -> list[Candidate]:
        """Compounds with this name or synonym (case-insensitive), best-ranked name first."""
        return self._by_key(_NAME + name.casefold())

    def by_inchikey(self, inchikey: str) -> list[Candidate]:
        return self._by_key(_INCHIKEY + inchikey)

    def by_cid(self, cid: int) -> list[Candidate]:
        return self._decode(self._db().execute(_BY_CID, (cid,)).fetchall())

    def by_formula(self, formula: str) -> list[Candidate]:
        return self._by_key(_FORMULA + formula)

    def knows_cas(self, number: str) -> bool:
        """Whether any compound has this CAS number (as its CAS field or a synonym)."""
        return self._db().execute(_HAS_KEY, (_CAS + number,)).fetchone() is not None

    def find(self, query: Query) -> list[Candidate]:
        """Candidates for a classified query (SMILES and InChI are compared as written)."""
        kind = query.kind
        if kind is QueryKind.CAS:
            return self._by_key(_CAS + query.value) if query.cas_valid else []
        if kind is QueryKind.NAME:
            return self._by_key(_NAME + query.value.casefold())
        if kind is QueryKind.INCHIKEY:
            return self._by_key(_INCHIKEY + query.value)
        if kind is QueryKind.CID:
            return self.by_cid(int(query.value))
        if kind is QueryKind.INCHI:
            return self._by_key(_INCHI + query.value)
        return self._by_key(_SMILES + query.value) or self.by_name(query.value)


class ReferenceSource:
    """The offline-index step of the lookup chain."""

    name = "reference"

    def __init__(self, settings: Settings, index: ReferenceIndex | None = None) -> None:
        self.index = index or ReferenceIndex(settings)

    def find_many(self, queries: Sequence[Query]) -> list[list[Candidate]]:
        return [self.index.find(query) for query in queries]

    def knows_cas(self, number: str) -> bool:
        return self.index.knows_cas(number)
