"""Names and CAS numbers of the offline index as whole columns, for cross-checking files.

A file's name column is checked against its CAS column row by row: does a source call this
number by this name? :class:`NameIndex` holds the tables that answer it for a million rows,
taken from the reference index (:class:`~registry.sources.reference.ReferenceIndex`): every
valid CAS number with its compounds, every name and synonym folded (:func:`fold`: case, spaces
and punctuation removed) with its compounds, each compound's name, first CAS number, formula
and InChIKey, and the key of every name and number of one compound (:func:`pair_key`). The
tables are cached as Arrow IPC files beside
the index, rebuilt when the index changes. :meth:`NameIndex.cas_for_name` and
:meth:`NameIndex.names_for_cas` are the same look-ups for one value.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from registry.config import Settings
from registry.errors import RegistryError
from registry.sources.reference import ReferenceIndex

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "NameIndex",
    "NameTables",
    "fold",
    "fold_expr",
    "fold_series",
    "key_hash",
    "pair_key",
    "read_tables",
    "save_tables",
]

# What folding removes: ASCII punctuation, spaces and their common Unicode stand-ins (a
# fixed list rather than a Unicode class: a multi-pattern replace is cheaper than a regex).
_FOLDED = [
    *"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ \t\n\r",
    *"\u00a0\u2009\u202f\u2010\u2011\u2012\u2013\u2014\u2212\u2018\u2019\u2032\u00b7",
]


def fold_expr(column: pl.Expr) -> pl.Expr:
    """A name column folded for matching: lower case, without spaces and punctuation."""
    return column.str.to_lowercase().str.replace_many(_FOLDED, [""] * len(_FOLDED))


_UPPER = [chr(code) for code in range(ord("A"), ord("Z") + 1)]
_FOLD_ASCII = (_UPPER + _FOLDED, [letter.lower() for letter in _UPPER] + [""] * len(_FOLDED))


def fold_series(names: pl.Series) -> pl.Series:
    """:func:`fold_expr` of a whole column, with the same result, in about half the time: the
    ASCII letters are lowered by the same pass that removes punctuation, and only the texts
    that hold other characters are lowered by Unicode's rules first."""
    import polars as pl

    names = names.cast(pl.String)
    other = names.str.len_bytes() != names.str.len_chars()
    if other.any():
        rows = other.arg_true()
        names = names.scatter(rows, names.gather(rows).str.to_lowercase())
    return names.str.replace_many(*_FOLD_ASCII)


def key_hash(column: pl.Expr) -> pl.Expr:
    """The 64-bit hash names are joined by (cheaper than joining text); ``column`` folded."""
    return column.hash(seed=0)


def pair_key(name_hash: pl.Expr, number: pl.Expr) -> pl.Expr:
    """One 64-bit key for a name (its :func:`key_hash`) and a CAS number (canonical text):
    the name's hash XOR the number's. A folded name has no hyphens and a canonical number has
    two, so no name and number share a hash by being the same text."""
    return name_hash ^ number.hash(seed=0)


def fold(name: str) -> str:
    """One name folded as :func:`fold_expr` folds a column.

    >>> fold(" Acetyl-Salicylic  acid "), fold("1,2-Dichloroethane")
    ('acetylsalicylicacid', '12dichloroethane')
    """
    import polars as pl

    return str(pl.select(fold_expr(pl.lit(name, dtype=pl.String))).item())


class NameTables(NamedTuple):
    """The offline index as three polars tables."""

    numbers: pl.DataFrame
    """``cas`` (a valid CAS number), ``cid``: one row per number and compound."""
    names: pl.DataFrame
    """``hash`` (:func:`key_hash` of a folded name or synonym), ``cid``: one row per name and
    compound."""
    compounds: pl.DataFrame
    """``cid``, ``name``, ``cas`` (its first number), ``formula``, ``inchikey``."""
    pairs: pl.DataFrame
    """``key`` (:func:`pair_key` of a name's hash and a number): one row per name and number
    of the same compound, so that "does a source call this number by this name" is one
    look-up."""


_CACHE_PREFIX = "names-"
_CACHE_VERSION = "4"  # a new fold or layout changes it, so old caches are not read


class NameIndex:
    """Whole-column name and CAS look-ups over the offline reference index."""

    source = "offline index"

    def __init__(self, settings: Settings, reference: ReferenceIndex | None = None) -> None:
        self._reference = reference or ReferenceIndex(settings)
        self._tables: NameTables | None = None
        self._lock = threading.Lock()
        self.settings = settings
        self.version = ""
        """Names the tables' cache (the index's size and time, the layout, polars' version):
        what is derived from the tables can be cached under it. Set by :meth:`tables`."""

    def tables(self) -> NameTables:
        """The three tables, read from the cache file or built (and cached) once."""
        if self._tables is None:
            with self._lock:
                if self._tables is None:
                    self._tables = self._load()
        return self._tables

    def _load(self) -> NameTables:
        import polars as pl

        index = self._reference.path
        if not index.is_file():
            self._reference.info()  # builds the index
        stat = index.stat()
        # polars' hashes may change between its versions: a cache is for one version.
        cache = index.with_name(
            f"{_CACHE_PREFIX}{_CACHE_VERSION}-pl{pl.__version__}-{stat.st_size}-"
            f"{int(stat.st_mtime)}"
        )
        if cache.is_dir():
            try:
                tables = read_tables(cache)
                self.version = cache.name
                return tables
            except (OSError, pl.exceptions.PolarsError):
                pass  # unreadable: built again below
        tables = self._build()
        save_tables(cache, tables, _CACHE_PREFIX)
        self.version = cache.name
        return tables

    def _build(self) -> NameTables:
        import polars as pl

        numbers = pl.DataFrame(
            self._reference.key_rows("cas"),
            schema={"cas": pl.String, "cid": pl.Int64},
            orient="row",
        ).unique(maintain_order=True)
        names = (
            pl.DataFrame(
                self._reference.key_rows("name"),
                schema={"key": pl.String, "cid": pl.Int64},
                orient="row",
            )
            .with_columns(fold_expr(pl.col("key")).alias("key"))
            .filter(pl.col("key") != "")
            .select(hash=key_hash(pl.col("key")), cid="cid")
            .unique(maintain_order=True)
        )
        compounds = pl.DataFrame(
            self._reference.identity_rows(),
            schema={
                "cid": pl.Int64,
                "name": pl.String,
                "cas": pl.String,
                "formula": pl.String,
                "inchikey": pl.String,
            },
            orient="row",
        )
        pairs = (
            names.join(numbers, on="cid")
            .select(key=pair_key(pl.col("hash"), pl.col("cas")))
            .unique()
        )
        return NameTables(numbers, names, compounds, pairs)

    def cas_for_name(self, name: str) -> list[str]:
        """The CAS numbers of the compounds a name or synonym names (case and punctuation
        folded), best first."""
        import polars as pl

        tables = self.tables()
        hashed = pl.select(key_hash(fold_expr(pl.lit(name, dtype=pl.String)))).item()
        cids = tables.names.filter(pl.col("hash") == hashed).get_column("cid")
        return (
            tables.numbers.filter(pl.col("cid").is_in(cids.implode()))
            .get_column("cas")
            .unique(maintain_order=True)
            .to_list()
        )

    def names_for_cas(self, number: str) -> list[str]:
        """The names of the compounds a CAS number belongs to."""
        import polars as pl

        tables = self.tables()
        cids = tables.numbers.filter(pl.col("cas") == number).get_column("cid")
        return (
            tables.compounds.filter(pl.col("cid").is_in(cids.implode()))
            .get_column("name")
            .to_list()
        )


def save_tables(cache: Path, tables: NameTables, prefix: str) -> None:
    """Write the tables as IPC files in the directory ``cache`` (made under a temporary name,
    then renamed); older caches beside it whose names start with ``prefix`` are removed."""
    import shutil

    temporary = cache.with_name(f".{cache.name}.{os.getpid()}.tmp")
    try:
        temporary.mkdir(parents=True, exist_ok=True)
        for name, frame in zip(NameTables._fields, tables, strict=True):
            frame.write_ipc(temporary / f"{name}.arrow")
        os.replace(temporary, cache)
        for old in cache.parent.glob(f"{prefix}*"):
            if old != cache:
                shutil.rmtree(old, ignore_errors=True)
    except OSError as error:
        shutil.rmtree(temporary, ignore_errors=True)
        if not cache.is_dir():  # another process may have written the same cache first
            raise RegistryError(f"cannot write the name tables {cache}: {error}") from error


def read_tables(cache: Path) -> NameTables:
    """The tables :func:`save_tables` wrote in ``cache``."""
    import polars as pl

    return NameTables(*(pl.read_ipc(cache / f"{name}.arrow") for name in NameTables._fields))
