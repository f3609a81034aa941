"""Registering many structures at once: one transaction, duplicates skipped with a reason.

:func:`add_many` computes the structures in worker processes (see
:func:`registry.chem.registration.iter_prepared`) and starts its transaction only when at most
:data:`OVERLAP_TAIL` of them are still being computed; from then on it inserts each
:data:`STREAM_BATCH` as it arrives, so the insert overlaps the last of the computation while
the write lock is held for as short a time as that allows. Whatever the timing, the result
equals one :func:`add_prepared` of the whole batch.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from typing import TYPE_CHECKING

from registry.chem.registration import Prepared, iter_prepared
from registry.progress import Progress, ProgressOption, reporting
from registry.service import search_index
from registry.service.conflicts import retrying
from registry.service.register import TEXT_TYPES
from registry.service.related import Allowed, Batch
from registry.store import Conflict
from registry.store.matching import format_registry_id

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from registry.store import Store

__all__ = [
    "DEFAULT_BATCH",
    "NOTHING_ALLOWED",
    "OVERLAP_TAIL",
    "STREAM_BATCH",
    "Annotator",
    "Checkpoint",
    "Outcome",
    "StructureItem",
    "add_many",
    "add_prepared",
    "add_streaming",
    "insert_new",
    "pairs",
]

#: Rows per transaction of an import: large enough that a commit is rare, small enough to lose
#: little.
DEFAULT_BATCH = 5000
#: The transaction starts when this many structures are still being computed.
OVERLAP_TAIL = 1000
#: Structures that arrive after the transaction started are inserted in batches of this many.
STREAM_BATCH = 200
#: The default: every tautomer and stereoisomer of a registered compound is refused.
NOTHING_ALLOWED = Allowed()

#: The new registry ids, and ``(input index, reason)`` for every structure not registered.
Outcome = tuple[list[str], list[tuple[int, str]]]
#: (file digest, source, rows done, finished): a bulk import's resume point.
Checkpoint = tuple[str, str, int, bool]
#: Work :func:`add_prepared` runs inside its transaction, after the inserts.
Annotator = Callable[["Connection"], None]
#: One structure for :func:`add_many`: a SMILES, or a ``(structure, name)`` pair (a list of
#: two also does); a name None or empty is the SMILES.
StructureItem = str | tuple[str, str | None]


def pairs(structures: Sequence[StructureItem]) -> list[tuple[str, str]]:
    """Every item of ``structures`` as a ``(structure, name)`` pair, checked before any work.

    Raises TypeError, naming the parameter or the item, for a str or bytes given as the
    whole batch (it would be read character by character) and for an item that is neither a
    SMILES nor a pair of a structure and a name (str or None).

    >>> pairs(["CO", ("CN", "methylamine"), ("CC", None)])
    [('CO', ''), ('CN', 'methylamine'), ('CC', '')]
    """
    if isinstance(structures, TEXT_TYPES):
        raise TypeError(
            "structures must be a sequence of SMILES or (structure, name) pairs, "
            f"not {type(structures).__name__}"
        )
    return [_pair(index, item) for index, item in enumerate(structures)]


def _pair(index: int, item: object) -> tuple[str, str]:
    if isinstance(item, str):
        return item, ""
    if isinstance(item, tuple | list) and len(item) == 2:
        structure, name = item
        if not isinstance(structure, str):
            shown = f"a structure of type {type(structure).__name__}"
        elif name is not None and not isinstance(name, str):
            shown = f"a name of type {type(name).__name__}"
        else:
            return structure, name or ""
    elif isinstance(item, tuple | list):
        shown = f"a {type(item).__name__} of {len(item)} item{'' if len(item) == 1 else 's'}"
    else:
        shown = type(item).__name__
    raise TypeError(
        f"structures[{index}] must be a SMILES or a (structure, name) pair, not {shown}"
    )


def add_many(
    store: Store,
    author: str,
    structures: Sequence[StructureItem],
    *,
    source: str = "user",
    with_descriptors: bool = True,
    workers: int | None = None,
    timings: dict[str, float] | None = None,
    allowed: Allowed = NOTHING_ALLOWED,
    progress: ProgressOption = None,
) -> Outcome:
    """Register structures in one transaction (see :meth:`Registry.add_many`).

    Every item is checked (:func:`pairs`) before any structure is computed or inserted.
    ``allowed``: the tautomers and stereoisomers of registered compounds (or of other inputs)
    that are registered instead of refused (:mod:`registry.service.related`). ``progress``
    counts the structures computed (the RDKit work, most of the time taken).
    """
    items = pairs(structures)
    with reporting(progress, len(items), "registering", unit="structures") as step:
        stream = iter_prepared(
            items,
            with_descriptors=with_descriptors,
            workers=workers,
            timings=timings,
            search_entries=search_index.entries_wanted(store, len(items)),
        )
        counted = _counted(stream, step, len(items))
        return _add_stream(store, author, len(items), counted, source, timings, allowed)


def _counted(
    stream: Generator[list[Prepared | None], None, None], step: Progress, total: int
) -> Generator[list[Prepared | None], None, None]:
    """``stream``, calling ``step(done, total)`` as each chunk arrives; closing it closes
    ``stream`` (which stops the workers)."""
    done = 0
    with contextlib.closing(stream):
        for chunk in stream:
            done += len(chunk)
            step(done, total)
            yield chunk


def _add_stream(
    store: Store,
    author: str,
    total: int,
    stream: Generator[list[Prepared | None], None, None],
    source: str,
    timings: dict[str, float] | None,
    allowed: Allowed,
) -> Outcome:
    """Insert the ``total`` structures of ``stream`` while the rest are computed, or all at
    once when they came in one chunk (or the streamed insert met a conflict)."""
    received: list[Prepared | None] = []
    with contextlib.closing(stream):
        for chunk in stream:
            received.extend(chunk)
            if total - len(received) <= OVERLAP_TAIL:
                break
        if len(received) == total:  # one chunk: small batch or no workers
            return add_prepared(
                store, author, received, source=source, timings=timings, allowed=allowed
            )
        try:
            return add_streaming(store, author, received, stream, source, timings, allowed)
        except Conflict:
            # Rolled back: finish the computation, then insert it all in one (retried) go.
            for chunk in stream:
                received.extend(chunk)
            return add_prepared(
                store, author, received, source=source, timings=timings, allowed=allowed
            )


def add_streaming(
    store: Store,
    author: str,
    received: list[Prepared | None],
    rest: Iterator[list[Prepared | None]],
    source: str,
    timings: dict[str, float] | None,
    allowed: Allowed = NOTHING_ALLOWED,
) -> Outcome:
    """:func:`add_prepared` for ``received`` and then each chunk of ``rest`` as it comes.

    One transaction; the result equals ``add_prepared(received + all of rest)``. A structure
    inserted by an earlier batch of this call is reported as the same structure as that
    input (or its tautomer or stereoisomer), as the single insert would (it was not registered
    before this call). ``received`` is extended with every chunk of ``rest``.
    """
    skipped: list[tuple[int, str]] = []
    seen = Batch(allowed)
    ids: list[int] = []
    spent = 0.0
    detail = json.dumps({"source": source, "batch": True})

    def insert(connection: Connection, batch: Sequence[Prepared | None], offset: int) -> None:
        valid = [(offset + i, p) for i, p in enumerate(batch) if p is not None]
        skipped.extend((offset + i, "invalid structure") for i, p in enumerate(batch) if p is None)
        ids.extend(insert_new(store, author, connection, valid, seen, skipped, detail, timings))

    start = time.perf_counter()
    with store.write() as connection:
        insert(connection, received, 0)
        spent += time.perf_counter() - start
        pending: list[Prepared | None] = []
        for chunk in rest:
            pending.extend(chunk)
            received.extend(chunk)
            if len(pending) >= STREAM_BATCH:
                start = time.perf_counter()
                insert(connection, pending, len(received) - len(pending))
                spent += time.perf_counter() - start
                pending = []
        start = time.perf_counter()
        insert(connection, pending, len(received) - len(pending))
    spent += time.perf_counter() - start  # the last batch and the commit
    _offer(store, received, timings)
    if timings is not None:  # wall-clock: the insert waits on the disk, not the CPU
        timings["insert"] = timings.get("insert", 0.0) + spent
    return [format_registry_id(i) for i in ids], sorted(skipped)


def add_prepared(
    store: Store,
    author: str,
    prepared: Sequence[Prepared | None],
    *,
    source: str = "user",
    timings: dict[str, float] | None = None,
    checkpoint: Checkpoint | None = None,
    annotate: Annotator | None = None,
    allowed: Allowed = NOTHING_ALLOWED,
) -> Outcome:
    """Insert prepared structures (None: unreadable) in one transaction, retried on Conflict.

    ``checkpoint`` is recorded in the same transaction, so a bulk import resumes exactly after
    the last committed batch. ``annotate(connection)`` runs in that transaction after the
    inserts (a bulk import attaches its rows' CAS numbers and properties there); it runs again
    if the transaction is retried. ``allowed`` as for :func:`add_many`.
    """
    valid = [(i, p) for i, p in enumerate(prepared) if p is not None]
    invalid = [(i, "invalid structure") for i, p in enumerate(prepared) if p is None]

    def work() -> Outcome:
        start = time.perf_counter()
        skipped = list(invalid)
        with store.write() as connection:
            detail = json.dumps({"source": source, "batch": True})
            batch = Batch(allowed)
            ids = insert_new(store, author, connection, valid, batch, skipped, detail, timings)
            if annotate is not None:
                annotate(connection)
            if checkpoint is not None:
                store.set_import_progress(connection, *checkpoint)
        if timings is not None:  # wall-clock: the insert waits on the disk, not the CPU
            timings["insert"] = timings.get("insert", 0.0) + time.perf_counter() - start
        return [format_registry_id(i) for i in ids], sorted(skipped)

    outcome = retrying(work)
    _offer(store, prepared, timings)
    return outcome


def _offer(
    store: Store, prepared: Sequence[Prepared | None], timings: dict[str, float] | None
) -> None:
    """Offer the search index entries of a committed batch; ``timings["search offer"]``
    accumulates the wall-clock seconds (the file is flushed to disk)."""
    start = time.perf_counter()
    search_index.offer(store, prepared)
    if timings is not None:
        timings["search offer"] = timings.get("search offer", 0.0) + time.perf_counter() - start


def insert_new(
    store: Store,
    author: str,
    connection: Connection,
    valid: Sequence[tuple[int, Prepared]],
    seen: Batch,
    skipped: list[tuple[int, str]],
    detail: str,
    timings: dict[str, float] | None = None,
) -> list[int]:
    """Insert the structures neither registered nor met earlier in this input, and log them.

    ``seen`` holds the structures this input inserted so far and the relations allowed (see
    :meth:`Batch.sort <registry.service.related.Batch.sort>` for the order of the rules); every
    structure not inserted goes into ``skipped`` with the reason. ``timings["duplicate_check"]``
    accumulates the wall-clock seconds of that sorting (one query and the rules).
    """
    start = time.perf_counter()
    fresh, refused = seen.sort(connection, [(index, item.row) for index, item in valid])
    skipped.extend(refused)
    if timings is not None:
        timings["duplicate_check"] = timings.get("duplicate_check", 0.0) + (
            time.perf_counter() - start
        )
    ids = store.insert_compounds(connection, [row for _, row in fresh])
    seen.taken(ids)
    store.log_many(
        connection,
        [{"action": "register", "author": author, "compound_id": i, "detail": detail} for i in ids],
    )
    return ids
