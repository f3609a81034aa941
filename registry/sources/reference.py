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

import dataclasses
import datetime as dt
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from registry import cas
from registry.config import Settings
from registry.errors import NotFound, RegistryError
from registry.identifiers import Query, QueryKind, cas_from_synonyms
from registry.models import Candidate, CasNumber
from registry.progress import Progress, ProgressOption, Stages, reporting, watched
from registry.sources.chemicals_data import PubChemRow, iter_pubchem_rows, pubchem_tsv_path

__all__ = ["ReferenceIndex", "ReferenceInfo", "ReferenceSource", "build_reference", "source_files"]

INDEX_FILE = "reference.sqlite"
# A new payload layout or key scheme changes the version, so the fingerprint differs and the
# index is rebuilt.
SCHEMA_VERSION = "5/text"
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
# Payload separators: ASCII unit and record separators, which no identifier contains (the
# build refuses one that does, and an empty list is stored as an empty field).
_FIELD, _LIST = "\x1f", "\x1e"
_CONTROL = re.compile(r"[\x00-\x1f]")
# One letter per (role, checksum) of a CAS number, prefixed to the number in the payload.
_CAS_FLAGS = {
    "P": ("primary", True),
    "p": ("primary", False),
    "S": ("synonym", True),
    "s": ("synonym", False),
}
_FLAG_OF = {value: flag for flag, value in _CAS_FLAGS.items()}

# The payloads (hundreds of bytes each) sit in a rowid table keyed by CID (a WITHOUT ROWID
# table suits small rows only). Every lookup value is one key in one WITHOUT ROWID b-tree,
# ``<kind>:<value>`` with a rank (0 = the compound's own field, then synonym order), so a lookup
# is one range scan that yields the CIDs in answer order, joined to the pre-built payloads.
_CAS, _NAME, _INCHIKEY, _INCHI, _SMILES, _FORMULA = "c:", "n:", "k:", "i:", "s:", "f:"
# The common kinds bound once as module globals: the hot path compares with them on every query,
# and a global is cheaper to read than an Enum member off its class.
_KIND_CAS, _KIND_NAME, _KIND_INCHIKEY = QueryKind.CAS, QueryKind.NAME, QueryKind.INCHIKEY

_DDL = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE compounds (cid INTEGER PRIMARY KEY, payload TEXT NOT NULL);
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


# The build's progress, in hundredths: reading the tables, sorting the keys, writing them.
_READ, _SORTED, _WRITTEN = 45, 60, 100


def _cas_numbers(row: PubChemRow) -> tuple[tuple[str, str, bool], ...]:
    """(number, role, valid): the table's own CAS field first, then those among the synonyms.

    Computed once at build time, so a lookup never re-parses synonyms.
    """
    own = [(row.cas, "primary", cas.is_valid(row.cas))] if row.cas else []
    found = [(c.number, c.role, c.valid) for c in cas_from_synonyms(row.synonyms)]
    return tuple(own + [c for c in found if c[0] != row.cas])


def _payload(label: str, row: PubChemRow) -> str:
    """A candidate's fields as one line of text (see :func:`_encode`)."""
    return _encode(
        row.common_name or row.iupac_name,
        _cas_numbers(row),
        row.formula,
        row.inchikey,
        row.cid,
        row.smiles,
        row.inchi,
        row.iupac_name,
        row.molecular_weight,
        row.synonyms[:_SYNONYMS_KEPT],
        f"chemicals:{label}",
    )


def _encode(
    name: str,
    numbers: Sequence[tuple[str, str, bool]],
    formula: str,
    inchikey: str,
    cid: int,
    smiles: str,
    inchi: str,
    iupac_name: str,
    molecular_weight: float | None,
    synonyms: Sequence[str],
    origin: str,
) -> str:
    """The payload: plain text split by control characters, decoded by :func:`_decode_one`.

    Text rather than marshal or pickle, so a tampered file can give wrong answers but never run
    code; ``str.split`` is a cheap decoder. Each CAS number carries one flag letter for its role
    and checksum (see ``_CAS_FLAGS``).

    >>> p = _encode("caffeine", [("58-08-2", "primary", True)], "C8H10N4O2", "RYY", 2519,
    ...             "C", "InChI=1S/", "1,3,7-trimethylpurine-2,6-dione", 194.19, ["a", "b"], "o")
    >>> _decode_one(p, "2026-11-23").cas, _decode_one(p, "").synonyms
    ((CasNumber(number='58-08-2', role='primary', valid=True),), ('a', 'b'))
    """
    texts = (name, formula, inchikey, smiles, inchi, iupac_name, origin, *synonyms)
    if _CONTROL.search("".join((*texts, *(number for number, _, _ in numbers)))):
        raise RegistryError(f"control character in the identifiers of CID {cid}")
    if len(synonyms) == 1 and not synonyms[0]:
        raise RegistryError(f"one empty synonym for CID {cid}")  # would read back as none
    flags = [_FLAG_OF[role, valid] + number for number, role, valid in numbers]
    weight = "" if molecular_weight is None else repr(molecular_weight)
    fields = (
        name, _LIST.join(flags), formula, inchikey, str(cid), smiles, inchi, iupac_name,
        weight, _LIST.join(synonyms), origin,
    )  # fmt: skip
    return _FIELD.join(fields)


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


def build_reference(
    settings: Settings, path: Path | None = None, *, progress: ProgressOption = None
) -> Path:
    """Build the index file (atomically: temporary file, then rename); returns its path.

    ``progress``: True for a bar naming each stage (reading the tables, sorting, writing), or
    ``progress(done, 100)``; the build takes seconds, once per installed ``chemicals``.
    """
    target = path or settings.data_dir / INDEX_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    files = source_files()
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    temporary.unlink(missing_ok=True)
    try:
        connection = sqlite3.connect(temporary, isolation_level=None)
        try:
            with reporting(progress, 100, "offline index", unit="%") as step:
                _fill(connection, files, step)
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


def _fill(
    connection: sqlite3.Connection, files: Sequence[tuple[str, Path]], step: Progress
) -> None:
    """Create the tables in ``connection`` and fill them from ``files`` (the transaction is
    left open), telling ``step`` each stage."""
    connection.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; BEGIN;" + _DDL)
    stages = Stages(step, "offline index (built once): ")
    stages.stage(0, "reading PubChem's tables")
    read = stages.reading(sum(path.stat().st_size for _, path in files), _READ)
    seen: set[int] = set()
    payloads: list[tuple[int, str]] = []
    keys: dict[tuple[str, int], int] = {}  # (key, cid) -> best rank
    rows_read = (
        (label, row) for label, path in files for row in iter_pubchem_rows(path, read=read)
    )
    for label, row in rows_read:
        if row.cid in seen:
            continue
        seen.add(row.cid)
        payloads.append((row.cid, _payload(label, row)))
        for rank, key in enumerate(_keys(row)):
            keys.setdefault((key, row.cid), rank)
    stages.stage(_READ, f"sorting {len(keys):,} keys")
    # A b-tree fills fastest in key order.
    rows = sorted((key, rank, cid) for (key, cid), rank in keys.items())
    stages.stage(_SORTED, f"writing {len(payloads):,} compounds")
    insert = "INSERT INTO compounds VALUES (?, ?)"
    connection.executemany(insert, stages.counted(payloads, _SORTED + 5))
    connection.executemany("INSERT INTO keys VALUES (?, ?, ?)", stages.counted(rows, _WRITTEN))


def _slot_setters(cls: type, names: Sequence[str]) -> list[Callable[[object, object], None]]:
    """Setters of a frozen, slotted dataclass's fields, in ``names`` order.

    Decoding builds many candidates, and a frozen dataclass's ``__init__`` sets each field
    through ``object.__setattr__``: setting the slots directly is cheaper. That is only
    equivalent while the class has exactly these fields and no ``__post_init__``: checked here,
    once, so a change to the model fails at import instead of leaving a field unset.
    """
    declared = [field.name for field in dataclasses.fields(cls)]
    if declared != list(names) or hasattr(cls, "__post_init__") or "__slots__" not in vars(cls):
        raise TypeError(f"{cls.__name__} changed: update registry.sources.reference's decoder")
    return [vars(cls)[name].__set__ for name in names]


(
    _set_source, _set_retrieved, _set_name, _set_cas, _set_formula, _set_inchikey, _set_cid,
    _set_smiles, _set_inchi, _set_iupac_name, _set_molecular_weight, _set_synonyms, _set_origin,
    _set_properties,
) = _slot_setters(Candidate, (
    "source", "retrieved", "name", "cas", "formula", "inchikey", "cid", "smiles", "inchi",
    "iupac_name", "molecular_weight", "synonyms", "origin", "properties",
))  # fmt: skip
_set_number, _set_role, _set_valid = _slot_setters(CasNumber, ("number", "role", "valid"))
_new = object.__new__


def _cas_number(flagged: str) -> CasNumber:
    number = _new(CasNumber)
    _set_number(number, flagged[1:])
    role, valid = _CAS_FLAGS[flagged[0]]
    _set_role(number, role)
    _set_valid(number, valid)
    return number


def _decode_one(payload: str, retrieved: str) -> Candidate:
    """The candidate a payload describes (see :func:`_encode`); one field set per line."""
    (name, numbers, formula, inchikey, cid, smiles, inchi, iupac_name, weight, synonyms,
     origin) = payload.split(_FIELD)  # fmt: skip
    candidate = _new(Candidate)
    _set_source(candidate, "reference")
    _set_retrieved(candidate, retrieved)
    _set_name(candidate, name)
    _set_cas(candidate, tuple([_cas_number(n) for n in numbers.split(_LIST)]) if numbers else ())
    _set_formula(candidate, formula)
    _set_inchikey(candidate, inchikey)
    _set_cid(candidate, int(cid))
    _set_smiles(candidate, smiles)
    _set_inchi(candidate, inchi)
    _set_iupac_name(candidate, iupac_name)
    _set_molecular_weight(candidate, float(weight) if weight else None)
    _set_synonyms(candidate, tuple(synonyms.split(_LIST)) if synonyms else ())
    _set_origin(candidate, origin)
    _set_properties(candidate, ())
    return candidate


class ReferenceIndex:
    """Read-only queries on the index file, building it first when missing or stale.

    ``progress`` is the build's (see :func:`build_reference`); by default a bar shows where
    someone watches: stderr is a terminal, or this is a notebook.
    """

    def __init__(
        self, settings: Settings, *, path: Path | None = None, progress: ProgressOption = None
    ) -> None:
        self.path = path or settings.data_dir / INDEX_FILE
        self._settings = settings
        # The first use builds the index, which takes seconds: a bar shows where someone
        # watches (a terminal's stderr, a notebook) unless progress says otherwise.
        self._progress = progress
        self._connection: sqlite3.Connection | None = None
        self._built = ""  # when the index was built: every candidate's retrieval date
        self._lock = threading.Lock()
        # One cursor per thread, kept across queries: the hot path creates none.
        self._cursors = threading.local()

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
            shown = watched() if self._progress is None else self._progress
            build_reference(self._settings, self.path, progress=shown)
        try:
            # immutable: the file is never changed in place (a rebuild writes a new file and
            # renames it over this one, and an open connection keeps reading the old one), so
            # SQLite may skip the file locks and change checks it would make on every query.
            connection = sqlite3.connect(
                f"{self.path.resolve().as_uri()}?mode=ro&immutable=1",
                uri=True,
                check_same_thread=False,
            )
            # Memory-map the file: a lookup then reads b-tree pages straight from the page cache
            # instead of a read() system call per page.
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

    def _cursor(self) -> sqlite3.Cursor:
        cursor = self._db().cursor()
        self._cursors.cursor = cursor
        return cursor

    def close(self) -> None:
        self._cursors = threading.local()  # every thread's cursor belonged to the connection
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

    def _decode(self, payloads: list[tuple[str]]) -> list[Candidate]:
        built = self._built
        return [_decode_one(payload, built) for (payload,) in payloads]

    def _by_key(self, key: str) -> list[Candidate]:
        # The hot path: one statement (cached by the connection) on this thread's cursor, and
        # each payload decoded in place.
        cursor = getattr(self._cursors, "cursor", None) or self._cursor()
        rows = cursor.execute(_BY_KEY, (key,)).fetchall()
        built = self._built
        return [_decode_one(payload, built) for (payload,) in rows]

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

    def key_rows(self, kind: str) -> list[tuple[str, int]]:
        """Every (value, CID) of one kind of key: ``"cas"`` (valid CAS numbers, the compound's
        own and those among its synonyms) or ``"name"`` (names and synonyms, casefolded),
        best-ranked first per value; for building whole-column tables (see
        :mod:`registry.sources.names`)."""
        prefix = {"cas": _CAS, "name": _NAME}[kind]
        rows = self._db().execute(
            "SELECT substr(key, 3), cid FROM keys WHERE key >= ? AND key < ? ORDER BY key, rank",
            (prefix, prefix[:-1] + ";"),
        )
        return [(str(value), int(cid)) for value, cid in rows]

    def identity_rows(self) -> list[tuple[int, str, str, str, str]]:
        """(CID, name, first CAS number, formula, InChIKey) of every compound."""
        rows = []
        for cid, payload in self._db().execute("SELECT cid, payload FROM compounds"):
            name, numbers, formula, inchikey = payload.split(_FIELD, 4)[:4]
            first = numbers.split(_LIST, 1)[0][1:] if numbers else ""
            rows.append((int(cid), name, first, formula, inchikey))
        return rows

    def knows_cas(self, number: str) -> bool:
        """Whether any compound has this CAS number (as its CAS field or a synonym)."""
        return self._db().execute(_HAS_KEY, (_CAS + number,)).fetchone() is not None

    def find(self, query: Query) -> list[Candidate]:
        """Candidates for a classified query (SMILES and InChI are compared as written)."""
        kind = query.kind
        if kind is _KIND_CAS:
            return self._by_key(_CAS + query.value) if query.cas_valid else []
        if kind is _KIND_NAME:
            return self._by_key(_NAME + query.value.casefold())
        if kind is _KIND_INCHIKEY:
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
