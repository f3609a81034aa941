"""Keeping the structure search index of an SQLite registry in step with its database.

The index (files: :mod:`registry.store.search_index`, maths: :mod:`registry.chem.screening`) has
two parts, built independently on first use: ``similarity`` (Morgan rows of the stored
fingerprints, cheap to build) and ``substructure`` (pattern fingerprints and molecule pickles,
which need every stored SMILES parsed once).

Writes never touch the index: every write path (add, add_many, import, streaming add, record
import) changes the database only, and the index checks, before each search, that it still
describes the database (:func:`current`). Compounds are only added (with higher ids) or deleted,
and a stored structure never changes, so that check is three index look-ups: the compounds up to
the last one covered, the registration hashes of the first and of that last one. When only
newer compounds were added, their rows are computed and appended as a segment; when anything
else changed (a compound deleted, another database file, another RDKit version, a damaged or
missing file), the part is rebuilt. A stale index is never used.

A bulk registration computes the substructure entries of its structures in its workers, where
that is cheaper than reading each SMILES back, and offers them (:func:`offer`). The catch-up
takes the entries of the SMILES it adds from the offers, which are keyed by SMILES (and by the
engine that computed them) and so can never describe another structure, and computes the rest.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from registry.chem.workers import available_cpus, process_pool
from registry.progress import Progress, ProgressOption, reporting
from registry.store.search_index import FORMAT, MAX_SEGMENTS, Coverage, Part

if TYPE_CHECKING:
    from pathlib import Path

    import numpy as np
    import numpy.typing as npt
    from sqlalchemy.engine import Connection

    from registry.chem.registration import Prepared
    from registry.store import Store

__all__ = ["Kind", "Status", "build", "current", "engine_tag", "entries_wanted", "offer", "status"]

Kind = Literal["similarity", "substructure"]
KINDS: tuple[Kind, ...] = ("similarity", "substructure")
Block = dict[str, "npt.NDArray[Any]"]

# Most rows per task of a parallel build; the fewest rows worth starting worker processes for
# (a similarity row costs about 10 µs, less than sending its fingerprint to a worker and back).
_CHUNK = 2000
_PARALLEL_FROM: dict[Kind, int] = {"similarity": 50_000, "substructure": 4000}
# The fewest rows to compute for which ``progress=True`` shows a bar (fewer take about a
# second at most: a bar would only flash).
_BAR_FROM = 4000


def engine_tag() -> dict[str, Any]:
    """What computed the index: a part computed by anything else is rebuilt, never read."""
    from registry.chem.fingerprints import FINGERPRINT_BITS, FINGERPRINT_RADIUS
    from registry.chem.screening import PATTERN_BITS
    from registry.chem.structures import rdkit_version

    return {
        "format": FORMAT,
        "rdkit": rdkit_version(),
        "morgan": f"radius {FINGERPRINT_RADIUS}, {FINGERPRINT_BITS} bits",
        "pattern": f"{PATTERN_BITS} bits",
        "similarity rows": "sorted by bit count",
    }


# --- computing rows (in this process or in workers) ------------------------------------------


def _similarity_rows(ids: Sequence[int], fingerprints: Sequence[bytes]) -> Block:
    import numpy as np

    from registry.chem.screening import counts_of, morgan_rows

    bits = morgan_rows(fingerprints)
    return _by_count(
        {
            "ids": np.asarray(ids, dtype=np.int64),
            "bits": bits,
            "counts": counts_of(bits).astype(np.int32),
        }
    )


def _by_count(block: Block) -> Block:
    """The rows of a similarity block sorted by bit count: the rows that can reach a Tanimoto
    threshold are then one slice of each segment (see ``screening.similarity``)."""
    import numpy as np

    order = np.argsort(np.asarray(block["counts"]), kind="stable")
    return {name: np.asarray(array)[order] for name, array in block.items()}


def _substructure_rows(ids: Sequence[int], smiles: Sequence[str]) -> Block:
    from registry.chem.screening import structure_rows

    patterns, pickles = structure_rows(smiles)
    return _structure_block(ids, patterns, pickles)


def _structure_block(
    ids: Sequence[int], patterns: npt.NDArray[np.uint64], pickles: Sequence[bytes]
) -> Block:
    import numpy as np

    offsets, blob = _packed(pickles)
    return {"ids": np.asarray(ids, dtype=np.int64), "patterns": patterns, "offsets": offsets,
            "blob": blob}  # fmt: skip


def _packed(items: Sequence[bytes]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint8]]:
    """Byte strings as (offsets, bytes): item i is ``blob[offsets[i]:offsets[i + 1]]``."""
    import numpy as np

    offsets = np.zeros(len(items) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(item) for item in items], dtype=np.int64)
    return offsets, np.frombuffer(b"".join(items), dtype=np.uint8)


_ROWS: dict[Kind, Callable[[Sequence[int], Sequence[Any]], Block]] = {
    "similarity": _similarity_rows,
    "substructure": _substructure_rows,
}


def _compute(
    kind: Kind, ids: list[int], values: list[Any], workers: int | None, step: Progress
) -> Block:
    """The rows of part ``kind`` for ``ids``, in chunks, ``step(done, total)`` after each."""
    rows = _ROWS[kind]
    if not ids:
        return rows(ids, values)
    wanted = workers if workers is not None else available_cpus()
    parallel = wanted > 1 and len(ids) >= _PARALLEL_FROM[kind]
    # Tasks of at most _CHUNK rows, as many for each worker: 5,000 rows in chunks of 2,000
    # would leave one worker idle for the last 1,000.
    tasks = wanted * -(-len(ids) // (wanted * _CHUNK)) if parallel else -(-len(ids) // _CHUNK)
    size = -(-len(ids) // tasks)
    chunks = [(ids[i : i + size], values[i : i + size]) for i in range(0, len(ids), size)]
    blocks: list[Block] = []
    done = 0
    with contextlib.ExitStack() as stack:
        if parallel:
            pool = stack.enter_context(process_pool(min(wanted, len(chunks))))
            results: Iterable[Block] = pool.map(rows, *zip(*chunks, strict=True))
        else:
            results = (rows(chunk_ids, chunk_values) for chunk_ids, chunk_values in chunks)
        for block in results:
            blocks.append(block)
            done += len(block["ids"])
            step(done, len(ids))
    return merge(blocks)


def merge(blocks: Sequence[Block]) -> Block:
    """Blocks of one part joined into one (offsets into the pickles shifted accordingly)."""
    import numpy as np

    if len(blocks) == 1:
        return dict(blocks[0])
    merged: Block = {}
    for name in blocks[0]:
        if name == "offsets":
            shifted = [blocks[0]["offsets"]]
            base = int(blocks[0]["offsets"][-1])
            for block in blocks[1:]:
                shifted.append(np.asarray(block["offsets"][1:]) + base)
                base += int(block["offsets"][-1])
            merged[name] = np.concatenate(shifted)
        else:
            merged[name] = np.concatenate([np.asarray(b[name]) for b in blocks])
    return _by_count(merged) if "counts" in merged else merged


def _read_rows(
    store: Store, connection: Connection, kind: Kind, after: int
) -> tuple[list[int], list[Any]]:
    source = store.fingerprints_after if kind == "similarity" else store.structures_after
    ids: list[int] = []
    values: list[Any] = []
    for compound_id, value in source(connection, after):
        ids.append(compound_id)
        values.append(value)
    return ids, values


# --- entries offered by bulk registrations ---------------------------------------------------

#: The fewest structures a registration computes entries for: an offer file for each small
#: batch would cost more to write, find and read than its entries save.
_OFFER_FROM = 400


def entries_wanted(store: Store, count: int) -> bool:
    """Whether registering ``count`` structures should compute their entries (see :func:`offer`)."""
    return store.search_index is not None and count >= _OFFER_FROM


def offer(store: Store, prepared: Iterable[Prepared | None]) -> None:
    """Keep the search index entries a bulk registration computed for the next catch-up.

    Nothing is kept for a registry without an index, or when its directory cannot be written
    (the catch-up then computes the entries itself).
    """
    files = store.search_index
    entries = [
        (p.row.smiles.encode(), p.search_entry)
        for p in prepared
        if p is not None and p.search_entry is not None
    ]
    if files is None or not entries:
        return
    with contextlib.suppress(OSError):
        files.offer(engine_tag(), _offer_arrays(entries))


def _offer_arrays(entries: Sequence[tuple[bytes, tuple[bytes, bytes]]]) -> Block:
    """The arrays of an offer of ``(SMILES, (pattern row bytes, pickle))`` entries."""
    import numpy as np

    from registry.chem.screening import WORDS

    smiles_offsets, smiles = _packed([text for text, _ in entries])
    offsets, blob = _packed([entry[1] for _, entry in entries])
    patterns = np.frombuffer(b"".join(entry[0] for _, entry in entries), dtype=np.uint64)
    return {
        "smiles_offsets": smiles_offsets,
        "smiles": smiles,
        "patterns": patterns.reshape(-1, WORDS),
        "offsets": offsets,
        "blob": blob,
    }


# An offered entry: (the number of its offer, its row there, its pickle).
_Offered = tuple[int, int, bytes]


def _offered(offers: Sequence[tuple[Path, Block]], wanted: Iterable[str]) -> dict[str, _Offered]:
    """The offered entries of the ``wanted`` SMILES (the latest offer's where several are)."""
    from registry.chem.screening import WORDS

    wanted = set(wanted)
    found: dict[str, _Offered] = {}
    for number, (_path, arrays) in enumerate(offers):
        try:
            starts = arrays["smiles_offsets"].tolist()
            text = bytes(arrays["smiles"])
            at = arrays["offsets"].tolist()
            blob = bytes(arrays["blob"])
            shape = arrays["patterns"].shape
        except KeyError:
            continue
        # Written whole by offer(); arrays that disagree are not an offer of ours: unused.
        if shape != (len(starts) - 1, WORDS) or len(at) != len(starts):
            continue
        if starts[-1] != len(text) or at[-1] != len(blob):
            continue
        for i in range(len(starts) - 1):
            smiles = text[starts[i] : starts[i + 1]].decode()
            if smiles in wanted:
                found[smiles] = (number, i, blob[at[i] : at[i + 1]])
    return found


def _with_offered(
    ids: list[int],
    values: list[str],
    offers: Sequence[tuple[Path, Block]],
    found: Mapping[str, _Offered],
    computed: Block,
) -> Block:
    """The substructure block of ``ids``: the entries ``found`` in the offers, and ``computed``
    (the rows of the others, in order) for the rest."""
    import numpy as np

    from registry.chem.screening import WORDS

    patterns = np.empty((len(ids), WORDS), dtype=np.uint64)
    pickles: list[bytes] = []
    rows: list[list[tuple[int, int]]] = [[] for _ in offers]  # per offer: (row here, row there)
    own: list[int] = []  # the rows computed
    computed_at = computed["offsets"].tolist()
    computed_blob = bytes(computed["blob"])
    for k, smiles in enumerate(values):
        hit = found.get(smiles)
        if hit is None:
            j = len(own)
            own.append(k)
            pickles.append(computed_blob[computed_at[j] : computed_at[j + 1]])
        else:
            number, row, pickle = hit
            rows[number].append((k, row))
            pickles.append(pickle)
    patterns[own] = computed["patterns"]
    for (_path, arrays), pairs in zip(offers, rows, strict=True):
        if pairs:
            here, there = zip(*pairs, strict=True)
            patterns[list(here)] = np.asarray(arrays["patterns"])[list(there)]
    return _structure_block(ids, patterns, pickles)


# --- keeping it current -----------------------------------------------------------------------


def _still_covers(coverage: Coverage, state: tuple[int, str, str, int]) -> bool:
    count, first, last, _highest = state
    if count != coverage.count:
        return False
    return coverage.count == 0 or (first, last) == (coverage.first_hash, coverage.last_hash)


def current(
    store: Store,
    kind: Kind,
    *,
    workers: int | None = None,
    persist: bool = True,
    progress: ProgressOption = None,
) -> list[Block] | None:
    """The blocks of part ``kind`` describing the database as it is now; None without an index.

    There is an index for a registry in an SQLite file (:attr:`Store.search_index`). Rows the
    index lacks are taken from what registrations offered or computed from the database and,
    unless ``persist`` is False or the directory cannot be written, stored for the next search
    (the offers used are then deleted). ``progress`` hears how computing
    them goes (see :mod:`registry.progress`; ``True`` shows a bar only for 4,000 rows or more).
    """
    files = store.search_index
    if files is None:
        return None
    engine = engine_tag()
    part = files.load(kind, engine)
    # Listed before the database is read: an offer is written after its compounds committed,
    # so every compound of an offer listed here is in what is read next.
    offers = files.offers(engine) if kind == "substructure" else []
    with store.read() as connection:
        base = part.coverage if part is not None else None
        state = store.index_state(connection, base.max_id if base else 0)
        if part is not None and base is not None and _still_covers(base, state):
            if state[3] == base.max_id:
                files.withdraw(path for path, _ in offers)  # entries of compounds indexed
                return part.arrays
            after: Coverage | None = base
        else:
            part, after = None, None
        ids, values = _read_rows(store, connection, kind, after.max_id if after else 0)
        count, first, last, highest = store.index_state(connection, state[3])
    coverage = Coverage(highest, count, first, last)
    found = _offered(offers, values) if offers else {}
    missing = [k for k, value in enumerate(values) if value not in found]
    if progress is True and len(missing) < _BAR_FROM:
        progress = None
    title = f"indexing for {kind} search"
    with reporting(progress, len(missing), title, unit="compounds") as step:
        block = _compute(kind, [ids[k] for k in missing], [values[k] for k in missing],
                         workers, step)  # fmt: skip
    if found:
        block = _with_offered(ids, values, offers, found, block)
    blocks = [*(part.arrays if part is not None else []), block]
    if persist and _persist(files, kind, engine, coverage, block, after, blocks, part):
        files.withdraw(path for path, _ in offers)
    return blocks


def _persist(
    files: Any,
    kind: Kind,
    engine: dict[str, Any],
    coverage: Coverage,
    block: Block,
    after: Coverage | None,
    blocks: list[Block],
    part: Part | None,
) -> bool:
    """Store the new rows; whether they were stored."""
    merged = None
    if part is not None and len(part.segments) + 1 > MAX_SEGMENTS:
        merged = merge(blocks)
    # A read-only directory: this search uses the rows computed, the next computes them again.
    try:
        return bool(files.store(kind, engine, coverage, block, after=after, merged=merged))
    except OSError:
        return False


def build(
    store: Store,
    *,
    rebuild: bool = False,
    workers: int | None = None,
    progress: ProgressOption = None,
) -> dict[str, Any]:
    """Bring both parts of the index up to date (``rebuild``: from nothing); their status.

    ``progress`` hears each part's progress in turn, as :func:`current` tells it.

    Raises StoreError for a database without an index (PostgreSQL, in memory).
    """
    from registry.errors import StoreError

    files = store.search_index
    if files is None:
        raise StoreError(
            f"the registry at {store.url} has no search index: only a registry in an SQLite "
            "file has one (PostgreSQL searches with the RDKit cartridge when it is installed)"
        )
    if rebuild:
        files.remove()
    seconds: dict[str, float] = {}
    for kind in KINDS:
        start = time.perf_counter()
        current(store, kind, workers=workers, progress=progress)
        seconds[kind] = round(time.perf_counter() - start, 2)
    found = status(store)
    for kind in KINDS:
        found[f"index_{kind}_seconds"] = seconds[kind]
    return found


@dataclass(frozen=True, slots=True)
class Status:
    """One part of the index as ``registry db info`` shows it."""

    state: str  # current, behind (newer compounds to add), stale (rebuilt at next use), missing
    rows: int
    mib: float
    segments: int


def status(store: Store) -> dict[str, Any]:
    """Where the index is and, per part, whether it is current, its rows, size and segments."""
    files = store.search_index
    if files is None:
        searched = "rdkit cartridge" if store.cartridge else "none: every structure is read"
        return {"search_index": f"none ({store.dialect}; {searched})"}
    found: dict[str, Any] = {"search_index": str(files.directory)}
    engine = engine_tag()
    with store.read() as connection:
        for kind in KINDS:
            part = files.load(kind, engine)
            if part is None:
                shown = Status("missing", 0, 0.0, 0)
            else:
                state = store.index_state(connection, part.coverage.max_id)
                fresh = _still_covers(part.coverage, state)
                label = "stale" if not fresh else "current"
                if fresh and state[3] != part.coverage.max_id:
                    label = "behind"
                shown = Status(label, part.rows, round(part.bytes / 2**20, 3), len(part.segments))
            found[f"index_{kind}"] = shown.state
            found[f"index_{kind}_rows"] = shown.rows
            found[f"index_{kind}_mib"] = shown.mib
            found[f"index_{kind}_segments"] = shown.segments
    return found


def row_ids(blocks: Sequence[Block]) -> npt.NDArray[np.int64]:
    """Every compound id of the blocks, in order."""
    import numpy as np

    if not blocks:
        return np.zeros(0, dtype=np.int64)
    return np.concatenate([np.asarray(b["ids"]) for b in blocks])
