"""The own registry as tables for cross-checks, beside the offline index's.

:func:`registry_tables` reads every registered compound (its name, synonyms, CAS numbers,
formula and InChIKey) into the :class:`~registry.sources.names.NameTables` layout, compound
ids negative so that they never meet a PubChem CID, and :func:`combined` joins them to the
offline index's: a number the registry files under the row's name is confirmed even where the
index says otherwise, and a reason names the source that says it (``compounds.source``).

A machine without a registry database is not given one: the cross-check then runs against the
offline index alone and says so.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import polars as pl

from registry import cas
from registry.bulk.scan import KeySet
from registry.config import Settings
from registry.errors import RegistryError
from registry.sources.names import (
    NameTables,
    fold_series,
    key_hash,
    pair_key,
    read_tables,
    save_tables,
)

__all__ = [
    "REGISTRY",
    "combined",
    "read_key_sets",
    "registry_tables",
    "save_key_sets",
    "tables_key",
]

REGISTRY = "registry"
"""The source name reasons give the own registry."""


def _database_exists(url: str) -> bool:
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///")).is_file()
    return not url.startswith("sqlite")  # a server database: asked, and skipped if it fails


_CACHE_PREFIX = "crosscheck-registry-"


def _cache_for(settings: Settings) -> Path | None:
    """Where the tables of a SQLite registry are kept between runs: named by the database
    file's and its write-ahead log's sizes and times, so any write makes a new one. (Opening
    the registry costs most of a second; reading the cache, a few milliseconds.) None for a
    server database, read every time."""
    import hashlib

    if not settings.db_url.startswith("sqlite:///"):
        return None
    database = Path(settings.db_url.removeprefix("sqlite:///"))
    parts = [str(database.resolve()), pl.__version__]
    for path in (database, database.with_name(database.name + "-wal")):
        try:
            stat = path.stat()
        except OSError:
            parts.append("-")
        else:
            parts.append(f"{stat.st_size}-{stat.st_mtime_ns}")
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:20]
    return settings.cache_dir / f"{_CACHE_PREFIX}{digest}"


def registry_tables(settings: Settings) -> tuple[NameTables | None, str]:
    """The registry's compounds as tables, or None and why not (no database; unreadable)."""
    if not _database_exists(settings.db_url):
        return None, "no registry database"
    cache = _cache_for(settings)
    if cache is not None and cache.is_dir():
        try:
            cached = read_tables(cache)
        except (OSError, pl.exceptions.PolarsError):
            pass  # unreadable: read from the registry again below
        else:
            return cached, f"{cached.compounds.height} compounds"
    read, note = _read_registry(settings)
    if read is not None and cache is not None:
        # No cache directory to write: read from the registry next time too.
        with contextlib.suppress(RegistryError):
            save_tables(cache, read, _CACHE_PREFIX)
    return read, note


def _read_registry(settings: Settings) -> tuple[NameTables | None, str]:
    from registry.service.registry import Registry

    try:
        with Registry.open(settings=settings, seed=False) as registry:
            compounds = list(registry.list_compounds(full=True))
    except (RegistryError, OSError) as error:
        return None, f"registry not read: {error}"
    numbers: list[tuple[str, int]] = []
    names: list[tuple[str, int]] = []
    rows: list[tuple[int, str, str, str, str]] = []
    for position, compound in enumerate(compounds, start=1):
        cid = -position
        valid = [entry.number for entry in compound.cas if cas.is_valid(entry.number)]
        numbers += [(number, cid) for number in valid]
        names += [(text, cid) for text in (compound.name, *compound.synonyms) if text]
        rows.append(
            (cid, compound.name, valid[0] if valid else "", compound.formula, compound.inchikey)
        )
    number_frame = pl.DataFrame(
        numbers, schema={"cas": pl.String, "cid": pl.Int64}, orient="row"
    ).unique()
    folded = pl.DataFrame(names, schema={"key": pl.String, "cid": pl.Int64}, orient="row")
    name_frame = (
        folded.with_columns(key=fold_series(folded.get_column("key")))
        .filter(pl.col("key") != "")
        .select(hash=key_hash(pl.col("key")), cid="cid")
        .unique()
    )
    compound_frame = pl.DataFrame(
        rows,
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
        name_frame.join(number_frame, on="cid")
        .select(key=pair_key(pl.col("hash"), pl.col("cas")))
        .unique()
    )
    tables = NameTables(number_frame, name_frame, compound_frame, pairs)
    return tables, f"{len(compounds)} compounds"


def combined(index: NameTables, source: str, registry: NameTables | None) -> NameTables:
    """The index's tables and the registry's as one, ``compounds.source`` saying whose."""
    parts = [(registry, REGISTRY)] if registry is not None else []
    parts.append((index, source))
    return NameTables(
        *(
            pl.concat(
                [
                    getattr(tables, name).with_columns(source=pl.lit(label))
                    if name == "compounds"
                    else getattr(tables, name)
                    for tables, label in parts
                ]
            )
            for name in NameTables._fields
        )
    )


def tables_key(index_version: str, registry: NameTables | None) -> str:
    """A name for what is derived from the index's tables (named ``index_version``) and the
    registry's: it changes with either."""
    import hashlib

    digest = hashlib.sha256(f"{_SETS_LAYOUT}\n{index_version}\n".encode())
    if registry is not None:
        for frame in (registry.numbers, registry.pairs):
            digest.update(frame.sort(frame.columns).write_ipc(None).getvalue())
    return digest.hexdigest()[:20]


_SETS_LAYOUT = "1"  # the layout of the key sets' cache files
_SETS = ("numbers", "names", "pairs")


def read_key_sets(cache: Path) -> tuple[KeySet, KeySet, KeySet] | None:
    """The three key sets :func:`save_key_sets` wrote in ``cache`` (memory-mapped, read only
    where asked), or None (none there, unreadable, or no compiled kernel)."""
    if not cache.is_dir():
        return None
    found: list[KeySet] = []
    for name in _SETS:
        files = list(cache.glob(f"{name}-*.arrow"))
        if len(files) != 1:
            return None
        try:
            slots = pl.read_ipc(files[0]).get_column("slots")
        except (OSError, pl.exceptions.PolarsError):
            return None
        keys = KeySet.from_slots(slots, files[0].stem.endswith("-1"))
        if keys is None:
            return None
        found.append(keys)
    return found[0], found[1], found[2]


def save_key_sets(cache: Path, sets: tuple[KeySet, KeySet, KeySet], prefix: str) -> None:
    """Write the sets' tables into the directory ``cache`` (older ones beside it, whose names
    start with ``prefix``, removed); nothing without the compiled kernel or when it is there."""
    if cache.is_dir():
        return
    slots = [keys.slots() for keys in sets]
    tables = [pair for pair in slots if pair is not None]
    if len(tables) != len(sets):
        return
    import os
    import shutil

    temporary = cache.with_name(f".{cache.name}.{os.getpid()}.tmp")
    try:
        temporary.mkdir(parents=True, exist_ok=True)
        for name, (table, zero) in zip(_SETS, tables, strict=True):
            table.to_frame().write_ipc(temporary / f"{name}-{int(zero)}.arrow")
        os.replace(temporary, cache)
        for old in cache.parent.glob(f"{prefix}*"):
            if old != cache:
                shutil.rmtree(old, ignore_errors=True)
    except OSError:
        shutil.rmtree(temporary, ignore_errors=True)  # no cache: built again next time
