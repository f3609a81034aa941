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
import operator
import os
import sqlite3
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
SCHEMA_VERSION = "3"
# chemicals' tables, most authoritative first: a CID met again later is skipped.
_TABLES = (
    ("pubchem-small", "chemical identifiers pubchem small.tsv"),
    ("pubchem-large", "chemical identifiers pubchem large.tsv"),
    ("example-user-db", "chemical identifiers example user db.tsv"),
)
_MAX_CANDIDATES = 25

_DDL = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE compounds (
    cid INTEGER PRIMARY KEY, cas TEXT, formula TEXT, mw REAL, smiles TEXT, inchi TEXT,
    inchikey TEXT, iupac TEXT, name TEXT, origin TEXT, synonyms TEXT
) WITHOUT ROWID;
CREATE TABLE names (
    name TEXT NOT NULL, cid INTEGER NOT NULL, rank INTEGER NOT NULL, PRIMARY KEY (name, cid)
) WITHOUT ROWID;
"""
_INDEXES = """
CREATE INDEX compounds_cas ON compounds (cas);
CREATE INDEX compounds_inchikey ON compounds (inchikey);
CREATE INDEX compounds_formula ON compounds (formula);
"""


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
            compounds: list[tuple[object, ...]] = []
            names: list[tuple[str, int, int]] = []
            for label, row in _rows(files):
                if row.cid in seen:
                    continue
                seen.add(row.cid)
                name = row.common_name or row.iupac_name
                compounds.append((row.cid, row.cas, row.formula, row.molecular_weight, row.smiles,
                                  row.inchi, row.inchikey, row.iupac_name, name, label,
                                  "\t".join(row.synonyms)))  # fmt: skip
                keys = dict.fromkeys(n.casefold() for n in (*row.synonyms, row.iupac_name) if n)
                names.extend((key, row.cid, rank) for rank, key in enumerate(keys))
            connection.executemany(
                "INSERT INTO compounds VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", compounds
            )
            # The names table is a b-tree on (name, cid): inserting in key order is fastest.
            names.sort(key=operator.itemgetter(0))
            connection.executemany("INSERT INTO names VALUES (?, ?, ?)", names)
            connection.execute("COMMIT")
            connection.executescript(_INDEXES)
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
        self._lock = threading.Lock()

    def _db(self) -> sqlite3.Connection:
        if self._connection is None:
            with self._lock:
                if self._connection is None:
                    self._connection = self._open()
        return self._connection

    def _open(self) -> sqlite3.Connection:
        if not self._current():
            build_reference(self._settings, self.path)
        try:
            connection = sqlite3.connect(
                f"file:{self.path}?mode=ro", uri=True, check_same_thread=False
            )
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
        (names,) = db.execute("SELECT count(*) FROM names").fetchone()
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        return ReferenceInfo(
            self.path, int(compounds), int(names), self.path.stat().st_size,
            meta.get("built", ""), meta.get("sources", ""),
        )  # fmt: skip

    def _fetch(self, where: str, args: Sequence[object]) -> list[Candidate]:
        db = self._db()
        rows = db.execute(
            "SELECT cid, cas, formula, mw, smiles, inchi, inchikey, iupac, name, origin, synonyms, "
            f"(SELECT value FROM meta WHERE key = 'built') FROM compounds WHERE {where} "
            f"LIMIT {_MAX_CANDIDATES}",
            tuple(args),
        ).fetchall()
        out = []
        for (
            cid,
            number,
            formula,
            mw,
            smiles,
            inchi,
            inchikey,
            iupac,
            name,
            origin,
            names,
            built,
        ) in rows:
            synonyms = names.split("\t") if names else []
            numbers = [CasNumber(number, "primary", cas.is_valid(number))] if number else []
            numbers += [c for c in cas_from_synonyms(synonyms) if c.number != number]
            out.append(
                Candidate(
                    source="reference",
                    retrieved=built,
                    name=name or iupac,
                    cas=tuple(numbers),
                    formula=formula,
                    inchikey=inchikey,
                    cid=cid,
                    smiles=smiles,
                    inchi=inchi,
                    iupac_name=iupac,
                    molecular_weight=mw,
                    synonyms=tuple(synonyms[:20]),
                    origin=f"chemicals:{origin}",
                )
            )
        return out

    def by_cas(self, number: str) -> list[Candidate]:
        """Compounds whose CAS field is the number, then those listing it among their names."""
        return self._fetch(
            "cid IN (SELECT cid FROM compounds WHERE cas = ? "
            "UNION SELECT cid FROM names WHERE name = ?) ORDER BY cas != ?, cid",
            (number, number, number),
        )

    def by_name(self, name: str) -> list[Candidate]:
        """Compounds with this name or synonym (case-insensitive), best-ranked name first."""
        return self._fetch(
            "cid IN (SELECT cid FROM names WHERE name = ?) ORDER BY "
            "(SELECT min(rank) FROM names n WHERE n.cid = compounds.cid AND n.name = ?), cid",
            (name.casefold(), name.casefold()),
        )

    def by_inchikey(self, inchikey: str) -> list[Candidate]:
        return self._fetch("inchikey = ?", (inchikey,))

    def by_cid(self, cid: int) -> list[Candidate]:
        return self._fetch("cid = ?", (cid,))

    def by_formula(self, formula: str) -> list[Candidate]:
        return self._fetch("formula = ? ORDER BY cid", (formula,))

    def knows_cas(self, number: str) -> bool:
        """Whether any compound has this CAS number (as its CAS field or a synonym)."""
        db = self._db()
        return (
            db.execute(
                "SELECT 1 FROM compounds WHERE cas = ? UNION ALL "
                "SELECT 1 FROM names WHERE name = ? LIMIT 1",
                (number, number),
            ).fetchone()
            is not None
        )

    def find(self, query: Query) -> list[Candidate]:
        """Candidates for a classified query (SMILES is compared as written)."""
        if query.kind is QueryKind.CAS:
            return self.by_cas(query.value) if query.cas_valid else []
        if query.kind is QueryKind.CID:
            return self.by_cid(int(query.value))
        if query.kind is QueryKind.INCHIKEY:
            return self.by_inchikey(query.value)
        if query.kind is QueryKind.INCHI:
            return self._fetch("inchi = ?", (query.value,))
        if query.kind is QueryKind.SMILES:
            return self._fetch("smiles = ?", (query.value,)) or self.by_name(query.value)
        return self.by_name(query.value)


class ReferenceSource:
    """The offline-index step of the lookup chain."""

    name = "reference"

    def __init__(self, settings: Settings, index: ReferenceIndex | None = None) -> None:
        self.index = index or ReferenceIndex(settings)

    def find_many(self, queries: Sequence[Query]) -> list[list[Candidate]]:
        return [self.index.find(query) for query in queries]

    def knows_cas(self, number: str) -> bool:
        return self.index.knows_cas(number)
