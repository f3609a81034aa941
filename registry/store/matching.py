"""How a text finds a stored compound: the one definition, for the store and for its probe.

A query is matched by *kind*: each kind is a short list of SQL statements tried in order, the
first that finds any compound answering (see :func:`statements`). The statements are plain
text with named ``:parameters``, which SQLAlchemy's ``text()`` and the standard library's
``sqlite3`` both run, so :func:`compound_ids` (SQLAlchemy, any backend) and the read-only
probe (:func:`registry.store.probe.probe_ids`, ``sqlite3`` only) execute the very same
statements through :func:`run`. Stored text is compared by :func:`key`, the form the store
indexes.

Match kinds:

``registry_id``
    the compound with this registry id (``REG-000042``; any other text matches nothing).
``cas``, ``pubchem_cid``, ``unii``, ``chembl``, ``drugbank``
    the compounds this identifier *identifies* (see :data:`IDENTIFYING_KINDS`): identifiers
    recorded as exclusive, never synonyms nor CAS numbers of role ``unknown``.
``cas_mention``
    every compound that records the CAS number, identifying it or only mentioning it.
``inchikey``
    the compounds whose structure has this InChIKey; only when there is none, those that
    record it as an identifier.
``name``
    the compounds whose preferred name or one of whose synonyms is the text.

A structure is found by its hashes instead (:func:`hash_matches`): its registration hash finds
the same structure, its tautomer-insensitive and stereo-insensitive hashes its tautomers and
stereoisomers (:data:`RELATED_LAYERS`).

This module imports only the standard library and :mod:`registry.identifiers` (with the leaves
it imports); SQLAlchemy is imported by :func:`compound_ids` when it runs, so the probe stays
cheap.

>>> from registry.identifiers import classify
>>> match_kind(classify("50-78-2"))
('cas', '50-78-2')
>>> [sql.split()[0] for sql, _ in statements("inchikey", "RYYVLZVUVIJVGH-UHFFFAOYSA-N")]
['SELECT', 'SELECT']
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, get_args

from registry.identifiers import Query, QueryKind

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

__all__ = [
    "HASH_COLUMNS",
    "IDENTIFYING_KINDS",
    "MATCH_KINDS",
    "RELATED_LAYERS",
    "HashMatch",
    "MatchKind",
    "Statement",
    "compound_ids",
    "format_registry_id",
    "hash_matches",
    "hash_statement",
    "identifier_ids",
    "identifier_statement",
    "key",
    "match_kind",
    "parse_registry_id",
    "run",
    "statements",
]

MatchKind = Literal[
    "registry_id",
    "cas",
    "cas_mention",
    "pubchem_cid",
    "unii",
    "chembl",
    "drugbank",
    "inchikey",
    "name",
]
#: Every match kind :func:`statements` and :func:`compound_ids` accept.
MATCH_KINDS: tuple[MatchKind, ...] = get_args(MatchKind)
#: The match kinds that are identifier kinds searched among identifying identifiers only.
IDENTIFYING_KINDS: tuple[MatchKind, ...] = ("cas", "pubchem_cid", "unii", "chembl", "drugbank")

_REGISTRY_ID = re.compile(r"^\s*REG-?(\d{1,12})\s*$", re.IGNORECASE)

# Each statement selects compound ids in its first column. ``exclusive = TRUE`` reads the same
# on SQLite (3.23+, where TRUE is 1) and on PostgreSQL (a boolean column).
_IDENTIFIER = "SELECT compound_id FROM identifiers WHERE kind = :kind AND value_key = :key"
_IDENTIFYING = f"{_IDENTIFIER} AND exclusive = TRUE"
_BY_ID = "SELECT id FROM compounds WHERE id = :id"
_BY_STRUCTURE_INCHIKEY = "SELECT id FROM compounds WHERE inchikey = :inchikey"
_BY_NAME = (
    "SELECT id FROM compounds WHERE name_key = :key "
    "UNION SELECT compound_id FROM identifiers WHERE kind = 'synonym' AND value_key = :key"
)


class Statement(NamedTuple):
    """One SQL statement selecting compound ids, with its named parameters."""

    sql: str
    params: Mapping[str, object]


def key(value: str) -> str:
    """The case- and space-insensitive form stored names and identifiers are compared by.

    >>> key("  Milnacipran  HCl ")
    'milnacipran hcl'
    """
    return " ".join(value.casefold().split())


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


def match_kind(query: Query) -> tuple[MatchKind, str] | None:
    """What the store searches for a classified query: ``(kind, value)``, None for nothing.

    A CAS number (whatever its check digit) is searched as ``cas``, a PubChem CID as
    ``pubchem_cid``, an InChIKey as ``inchikey``; anything else by its text as a ``name``,
    SMILES and InChI included (short names such as "PCP" classify as SMILES). Finding a
    SMILES or InChI by its structure needs chemistry: the caller computes the InChIKey and
    asks for ``inchikey``. A registry id is not a query kind of its own: callers that accept
    one ask for ``registry_id`` first. An empty query searches nothing (None).

    >>> from registry.identifiers import classify
    >>> match_kind(classify("CID 2244")), match_kind(classify(" Milnacipran "))
    (('pubchem_cid', '2244'), ('name', 'Milnacipran'))
    >>> match_kind(classify("CCO")), match_kind(classify("  "))
    (('name', 'CCO'), None)
    """
    if not query.value:
        return None
    if query.kind is QueryKind.CAS:
        return "cas", query.value
    if query.kind is QueryKind.CID:
        return "pubchem_cid", query.value
    if query.kind is QueryKind.INCHIKEY:
        return "inchikey", query.value
    return "name", query.value


def identifier_statement(kind: str, value: str, *, identifying: bool = True) -> Statement:
    """The compounds carrying identifier ``(kind, value)`` (by default identifying ones only).

    >>> identifier_statement("cas", " 50-78-2").params
    {'kind': 'cas', 'key': '50-78-2'}
    """
    return Statement(
        _IDENTIFYING if identifying else _IDENTIFIER, {"kind": kind, "key": key(value)}
    )


def statements(kind: MatchKind, value: str) -> tuple[Statement, ...]:
    """The statements that find ``value`` as ``kind``, to be tried in order (see :func:`run`).

    >>> statements("registry_id", "aspirin")
    ()
    >>> statements("name", "Aspirin")[0].params
    {'key': 'aspirin'}
    """
    if kind == "registry_id":
        number = parse_registry_id(value)
        return () if number is None else (Statement(_BY_ID, {"id": number}),)
    if kind == "inchikey":
        return (
            Statement(_BY_STRUCTURE_INCHIKEY, {"inchikey": value.upper()}),
            identifier_statement("inchikey", value, identifying=False),
        )
    if kind == "name":
        return (Statement(_BY_NAME, {"key": key(value)}),)
    if kind == "cas_mention":
        return (identifier_statement("cas", value, identifying=False),)
    if kind in IDENTIFYING_KINDS:
        return (identifier_statement(kind, value),)
    raise ValueError(f"kind={kind!r} is not a match kind; use one of {', '.join(MATCH_KINDS)}")


def run(
    steps: Iterable[Statement],
    execute: Callable[[str, Mapping[str, object]], Iterable[Sequence[Any]]],
) -> list[int]:
    """The sorted compound ids of the first statement that finds any, [] when none does.

    ``execute(sql, params)`` runs one statement and returns its rows; the store passes
    SQLAlchemy's ``connection.execute(text(sql), params)``, the probe ``sqlite3``'s.

    >>> rows = {"a": [], "b": [(3,), (1,), (3,)]}
    >>> run([Statement("a", {}), Statement("b", {})], lambda sql, _: rows[sql])
    [1, 3]
    """
    for sql, params in steps:
        found = sorted({int(row[0]) for row in execute(sql, params)})
        if found:
            return found
    return []


def compound_ids(connection: Connection, kind: MatchKind, value: str) -> list[int]:
    """The ids of the stored compounds that ``value`` finds as ``kind``, sorted.

    Raises ValueError for a kind that is not one of :data:`MATCH_KINDS`.
    """
    return run(statements(kind, value), _executor(connection))


def identifier_ids(
    connection: Connection, kind: str, value: str, *, identifying: bool = True
) -> list[int]:
    """The ids of the compounds carrying identifier ``(kind, value)``, sorted.

    With ``identifying=True`` only those it identifies (the holders a new exclusive
    identifier would collide with); with False also those that merely record it.
    """
    return run([identifier_statement(kind, value, identifying=identifying)], _executor(connection))


def _executor(
    connection: Connection,
) -> Callable[[str, Mapping[str, object]], Iterable[Sequence[Any]]]:
    from sqlalchemy import text

    def execute(sql: str, params: Mapping[str, object]) -> Iterable[Sequence[Any]]:
        return connection.execute(text(sql), dict(params))

    return execute


#: The hash columns that find a structure's relatives, and what a compound found by each is to
#: it: the same tautomer-insensitive hash makes a tautomer, the same stereo-insensitive hash a
#: stereoisomer (with a different registration hash: the same one is the same structure).
RELATED_LAYERS: dict[str, str] = {"tautomer_hash": "tautomer", "no_stereo_hash": "stereoisomer"}
#: The hash columns :func:`hash_matches` searches.
HASH_COLUMNS = ("registration_hash", *RELATED_LAYERS)
# Values per IN list: three lists of them stay under every driver's limit on bound parameters.
_VALUES_PER_LIST = 500
# The DBAPI placeholder for each paramstyle (the statement goes to the driver as it is).
_MARKERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


class HashMatch(NamedTuple):
    """A stored compound with its three structure hashes."""

    compound_id: int
    registration_hash: str
    tautomer_hash: str
    no_stereo_hash: str


def hash_statement(counts: Mapping[str, int], marker: str = "?") -> str:
    """The SQL selecting compounds whose hash column is in a list, for each column counted.

    >>> hash_statement({"registration_hash": 2, "tautomer_hash": 1}).split(" WHERE ")[1]
    'registration_hash IN (?, ?) OR tautomer_hash IN (?)'
    """
    unknown = [c for c in counts if c not in HASH_COLUMNS]
    if unknown or not any(counts.values()):
        raise ValueError(f"hash_statement: counts of {', '.join(HASH_COLUMNS)}, not {counts!r}")
    where = " OR ".join(
        f"{column} IN ({', '.join([marker] * n)})" for column, n in counts.items() if n
    )
    return f"SELECT id, {', '.join(HASH_COLUMNS)} FROM compounds WHERE {where}"


def hash_matches(connection: Connection, hashes: Mapping[str, Sequence[str]]) -> list[HashMatch]:
    """The stored compounds that hold any of ``hashes`` (column -> values) in that column, by id.

    One statement for up to 500 values of each column, an OR of IN lists (each served by its
    column's index), sent to the driver as it is: what a batch registration asks once per
    batch. Raises ValueError for a column not in :data:`HASH_COLUMNS`.
    """
    lists = {column: list(dict.fromkeys(values)) for column, values in hashes.items()}
    if any(column not in HASH_COLUMNS for column in lists):
        raise ValueError(f"hashes: columns of {', '.join(HASH_COLUMNS)}, not {sorted(lists)}")
    marker = _MARKERS.get(connection.dialect.paramstyle, "?")
    found: dict[int, HashMatch] = {}
    longest = max((len(values) for values in lists.values()), default=0)
    for start in range(0, longest, _VALUES_PER_LIST):
        chunks = {c: v[start : start + _VALUES_PER_LIST] for c, v in lists.items()}
        sql = hash_statement({c: len(v) for c, v in chunks.items()}, marker)
        params = tuple(value for values in chunks.values() for value in values)
        for row in connection.exec_driver_sql(sql, params):
            found[int(row[0])] = HashMatch(int(row[0]), row[1], row[2], row[3])
    return [found[i] for i in sorted(found)]
