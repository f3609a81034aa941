"""The RDKit PostgreSQL cartridge: structure columns, GiST indexes and in-database search.

On PostgreSQL with the ``rdkit`` extension available, ``compounds`` carries two extra columns:
``mol`` (the registered structure, ``mol_from_smiles`` of the stored SMILES) and ``mfp`` (a
``bfp`` holding exactly the bits of the stored Morgan fingerprint), each with a GiST index.
Similarity then runs as ``mfp % probe`` (index-assisted) and substructure as ``mol @> query``.

``mfp`` is loaded from the fingerprint the store already keeps (the parent structure's Morgan
bits, radius 2, 2048 bits) rather than computed by the cartridge's ``morganbv_fp``: the
in-process search and the database search then compare identical bit vectors, so their
Tanimoto scores are identical, whatever RDKit version the server's cartridge was built with.

The columns live outside :mod:`registry.store.schema` (SQLite has no such types); :func:`enable`
adds them, idempotently, from migration 0002 and from ``registry db upgrade`` (for a server
whose extension was installed after the registry was created). Only :mod:`registry.store` and
the migrations call this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Column, ColumnElement, MetaData, Table, cast, func, text
from sqlalchemy.engine import Connection
from sqlalchemy.types import UserDefinedType

from registry.errors import InvalidStructure
from registry.store.schema import compounds

__all__ = [
    "COLUMNS",
    "INDEXES",
    "available",
    "enable",
    "enabled",
    "include_object",
    "insertable",
    "raw_bits",
    "similar",
    "substructure",
    "substructure_count",
    "sync_rows",
]

COLUMNS = ("mol", "mfp")


class _CString(UserDefinedType[str]):
    cache_ok = True

    def get_col_spec(self, **_kw: Any) -> str:
        return "cstring"


class _Mol(UserDefinedType[str]):
    """A ``mol`` column written from SMILES text (parsed by the cartridge in the INSERT)."""

    cache_ok = True

    def get_col_spec(self, **_kw: Any) -> str:
        return "mol"

    def bind_expression(self, bindvalue: Any) -> ColumnElement[Any]:
        return func.mol_from_smiles(cast(bindvalue, _CString()))


class _Bfp(UserDefinedType[bytes]):
    """A ``bfp`` column written from a plain bit string (see :func:`raw_bits`)."""

    cache_ok = True

    def get_col_spec(self, **_kw: Any) -> str:
        return "bfp"

    def bind_expression(self, bindvalue: Any) -> ColumnElement[Any]:
        return func.bfp_from_binary_text(bindvalue)


#: ``compounds`` as seen on a cartridge database: the schema's columns plus ``mol``/``mfp``,
#: so that one multi-row INSERT writes the structure columns too (no second pass over the rows).
insertable = Table(
    "compounds",
    MetaData(),
    *(Column(c.name, c.type, primary_key=c.primary_key) for c in compounds.columns),
    Column("mol", _Mol()),
    Column("mfp", _Bfp()),
)
INDEXES = ("ix_compounds_mol", "ix_compounds_mfp")
_BACKFILL_BATCH = 5000


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic filter: the cartridge's columns and indexes are not part of the metadata."""
    if type_ == "column" and name in COLUMNS and getattr(obj, "table", None) is not None:
        return str(obj.table.name) != "compounds"
    return not (type_ == "index" and name in INDEXES)


def available(connection: Connection) -> bool:
    """Whether the server can load the ``rdkit`` extension (installed or installable)."""
    if connection.dialect.name != "postgresql":
        return False
    found = connection.execute(
        text("SELECT 1 FROM pg_available_extensions WHERE name = 'rdkit'")
    ).first()
    return found is not None


def enabled(connection: Connection) -> bool:
    """Whether this database searches with the cartridge (extension and columns present)."""
    if connection.dialect.name != "postgresql":
        return False
    found = connection.execute(
        text(
            "SELECT count(*) FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = 'compounds' "
            "AND column_name IN ('mol', 'mfp')"
        )
    ).scalar_one()
    installed = connection.execute(
        text("SELECT 1 FROM pg_extension WHERE extname = 'rdkit'")
    ).first()
    return int(found) == 2 and installed is not None


def enable(connection: Connection) -> bool:
    """Add the cartridge columns, fill them and index them; False when there is no cartridge.

    Idempotent. Creating the extension needs a role allowed to (a superuser, or the database
    owner where an administrator marked it trusted); a failure leaves the database as it was
    (a savepoint) and the registry searches in-process.
    """
    if not available(connection):
        return False
    if enabled(connection):
        return True
    savepoint = connection.begin_nested()
    try:
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS rdkit"))
    except Exception:  # insufficient privilege and the like: stay with in-process search
        savepoint.rollback()
        return False
    savepoint.commit()
    connection.execute(text("ALTER TABLE compounds ADD COLUMN IF NOT EXISTS mol mol"))
    connection.execute(text("ALTER TABLE compounds ADD COLUMN IF NOT EXISTS mfp bfp"))
    _backfill(connection)
    connection.execute(
        text("CREATE INDEX IF NOT EXISTS ix_compounds_mol ON compounds USING gist (mol)")
    )
    connection.execute(
        text("CREATE INDEX IF NOT EXISTS ix_compounds_mfp ON compounds USING gist (mfp)")
    )
    return True


def _backfill(connection: Connection) -> None:
    last = 0
    while True:
        rows = connection.execute(
            text(
                "SELECT id, fingerprint FROM compounds WHERE id > :last AND mol IS NULL "
                "ORDER BY id LIMIT :n"
            ),
            {"last": last, "n": _BACKFILL_BATCH},
        ).all()
        if not rows:
            return
        sync_rows(connection, [r[0] for r in rows], [r[1] for r in rows])
        last = rows[-1][0]


def raw_bits(fingerprint: bytes) -> bytes:
    """The plain bit string (what ``bfp_from_binary_text`` reads) of a stored fingerprint.

    A stored fingerprint is an RDKit ``ExplicitBitVect`` pickle (``ToBinary``); raises
    InvalidStructure for bytes that are not one.
    """
    from rdkit import DataStructs

    try:
        # The constructor takes the binary pickle (typed as str in RDKit's stubs).
        vector = DataStructs.ExplicitBitVect(fingerprint)  # type: ignore[call-overload]
    except Exception as error:  # boost raises RuntimeError / ValueError on bad pickles
        raise InvalidStructure(f"not a serialised fingerprint: {error}") from error
    return bytes(DataStructs.BitVectToBinaryText(vector))


def sync_rows(
    connection: Connection, ids: Sequence[int], fingerprints: Sequence[bytes | None]
) -> None:
    """Fill ``mol`` and ``mfp`` of freshly written compounds, in one statement."""
    if not ids:
        return
    bits = [raw_bits(bytes(fp)) if fp is not None else None for fp in fingerprints]
    connection.execute(
        text(
            "UPDATE compounds AS c SET mol = mol_from_smiles(c.smiles::cstring), "
            "mfp = bfp_from_binary_text(v.bits) "
            "FROM unnest(CAST(:ids AS integer[]), CAST(:bits AS bytea[])) AS v(id, bits) "
            "WHERE c.id = v.id"
        ),
        {"ids": list(ids), "bits": bits},
    )


def similar(
    connection: Connection,
    probe: bytes,
    min_similarity: float,
    limit: int,
    *,
    metric: str = "tanimoto",
    alpha: float = 0.5,
    beta: float = 0.5,
) -> list[tuple[float, int]]:
    """(score, id) of compounds at least ``min_similarity`` like ``probe``, best first.

    ``metric`` is ``tanimoto`` or ``tversky`` (``alpha`` weighing the probe's own bits,
    ``beta`` the compound's, as :func:`registry.chem.screening.similarity`).
    """
    params = {
        "probe": raw_bits(probe),
        "min": min_similarity,
        "limit": limit,
        "a": alpha,
        "b": beta,
    }
    if metric == "tversky":
        score = "tversky_sml(p.fp, mfp, CAST(:a AS float4), CAST(:b AS float4))"
        condition = f"{score} >= :min"
    else:
        score = "tanimoto_sml(mfp, p.fp)"
        condition = f"{score} >= :min"
    if metric != "tversky" and min_similarity > 0:
        # The GiST index serves '%', which compares with rdkit.tanimoto_threshold; the explicit
        # test keeps the exact '>=' of the in-process search at the boundary.
        connection.execute(
            text("SELECT set_config('rdkit.tanimoto_threshold', :t, true)"),
            {"t": repr(min_similarity)},
        )
        condition = f"mfp % p.fp AND {condition}"
    rows = connection.execute(
        text(
            f"SELECT {score} AS score, id FROM compounds, "
            "(SELECT bfp_from_binary_text(:probe) AS fp) AS p "
            f"WHERE mfp IS NOT NULL AND {condition} ORDER BY score DESC, id LIMIT :limit"
        ),
        params,
    ).all()
    return [(float(r[0]), int(r[1])) for r in rows]


def _query(smiles: bool) -> str:
    return "mol_from_smiles" if smiles else "qmol_from_smarts"


def substructure(
    connection: Connection, query: str, limit: int, *, smiles: bool = False
) -> list[int]:
    """Ids of compounds containing the SMARTS (or, ``smiles``, SMILES) query, in registry order."""
    rows = connection.execute(
        text(
            f"SELECT id FROM compounds WHERE mol @> {_query(smiles)}(CAST(:q AS cstring)) "
            "ORDER BY id LIMIT :limit"
        ),
        {"q": query.strip(), "limit": limit},
    ).all()
    return [int(r[0]) for r in rows]


def substructure_count(connection: Connection, query: str, *, smiles: bool = False) -> int:
    """How many compounds contain the query (see :func:`substructure`)."""
    found = connection.execute(
        text(f"SELECT count(*) FROM compounds WHERE mol @> {_query(smiles)}(CAST(:q AS cstring))"),
        {"q": query.strip()},
    ).scalar_one()
    return int(found)
