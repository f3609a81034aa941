"""Registration's chemistry: standardise, hash, fingerprint and profile structures.

:func:`prepare` turns one structure into the row the store inserts; :func:`prepare_many` does
it for a batch, over worker processes when the batch is large. No database is involved.

The service imports this module at start-up; the modules that import RDKit are imported on the
first structure prepared, so a command that registers nothing never loads RDKit.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, fields
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

from registry.chem.workers import available_cpus, process_pool
from registry.errors import InvalidStructure
from registry.models import CompoundRow, Property

if TYPE_CHECKING:
    from rdkit import Chem

__all__ = ["MIN_PARALLEL", "Prepared", "iter_prepared", "prepare", "prepare_many"]

_T = TypeVar("_T")
#: A structure's entry in the search index: (pattern row bytes, molecule pickle).
_Entry = tuple[bytes, bytes]


@dataclass(frozen=True, slots=True)
class Prepared:
    """A structure standardised, hashed, fingerprinted and profiled, ready to insert."""

    row: CompoundRow
    is_salt: bool
    #: Its search index entry, when asked for (:func:`registry.chem.screening.registered_entry`).
    search_entry: _Entry | None = None

    @property
    def registration_hash(self) -> str:
        return self.row.registration_hash


def _stage(
    timings: dict[str, float] | None,
    name: str,
    start: float,
    clock: Callable[[], float] = time.perf_counter,
) -> float:
    end = clock()
    if timings is not None:
        timings[name] = timings.get(name, 0.0) + end - start
    return end


#: A descriptor value as registration keeps it: (name, value, unit); the source is ``rdkit`` and
#: the toolkit version :func:`_toolkit` (the same for every value of a process).
_Value = tuple[str, float, str]


@cache
def _toolkit() -> str:
    from registry.chem.structures import rdkit_version  # deferred: imports RDKit

    return f"RDKit {rdkit_version()}"


def _values(mol: Chem.Mol, settled: bool) -> list[_Value]:
    # Deferred: these modules import RDKit.
    from registry.chem.descriptors import DEFAULT_PROFILE, default_values
    from registry.chem.structures import capture_rdkit_log

    # ``mol`` is the standardised parent already: measure it as given (no second
    # standardisation), only the numeric values the store keeps, no rule checks.
    with capture_rdkit_log():  # QED's RemoveHs warns about lone hydrogens ([H+])
        values = default_values(mol, settled=settled, numeric_only=True)
    found: list[_Value] = []
    for name, (unit, _function) in DEFAULT_PROFILE.items():
        value = values.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        found.append((name, float(value), unit or ""))
    return found


def _properties(
    values: Sequence[_Value], made: dict[_Value, Property] | None = None
) -> tuple[Property, ...]:
    """``values`` as properties; ``made`` shares one (immutable) Property among equal values."""
    version = _toolkit()
    if made is None:
        return tuple([Property(n, v, u, "rdkit", version) for n, v, u in values])
    out = []
    for value in values:
        found = made.get(value)
        if found is None:
            found = made[value] = Property(*value, "rdkit", version)
        out.append(found)
    return tuple(out)


def _compute(
    structure: str,
    name: str,
    with_descriptors: bool,
    timings: dict[str, float] | None,
    search_entry: bool = False,
) -> tuple[dict[str, Any], list[_Value], _Entry | None]:
    """The fields of the structure's CompoundRow (its properties aside), its values, and its
    search index entry when ``search_entry``."""
    # Deferred: these modules import RDKit.
    from registry.chem.fingerprints import fingerprint_of
    from registry.chem.hashing import identifiers_of, registration_hash
    from registry.chem.screening import registered_entry
    from registry.chem.standardisation import standardise

    # CPU time, not wall time: the stages are CPU-bound, and CPU time does not grow when other
    # processes share the machine.
    clock = time.process_time
    start = clock()
    std = standardise(structure)
    start = _stage(timings, "standardise", start, clock)
    ids = identifiers_of(std.standardised)
    parent_hash = registration_hash(std.parent) if std.is_salt else None
    start = _stage(timings, "hash", start, clock)
    entry = None
    if search_entry:
        entry = registered_entry(std, ids.smiles)
        start = _stage(timings, "search entry", start, clock)
    fingerprint = fingerprint_of(std.parent)
    start = _stage(timings, "fingerprint", start, clock)
    values = _values(std.parent, std.parent_settled) if with_descriptors else []
    _stage(timings, "descriptors", start, clock)
    fields = {
        "name": name.strip() or ids.smiles,
        "submitted": structure,
        "smiles": ids.smiles,
        "inchi": ids.inchi,
        "inchikey": ids.inchikey,
        "formula": ids.formula,
        "registration_hash": ids.registration_hash,
        "tautomer_hash": ids.tautomer_hash,
        "no_stereo_hash": ids.no_stereo_hash,
        "hash_layers": dict(ids.hash_layers),
        "is_salt": std.is_salt,
        "counterions": tuple(std.counterions),
        "parent_hash": parent_hash,
        "fingerprint": fingerprint,
    }
    return fields, values, entry


def prepare(
    structure: str,
    *,
    name: str = "",
    with_descriptors: bool = True,
    timings: dict[str, float] | None = None,
    search_entry: bool = False,
) -> Prepared:
    """Standardise, hash, fingerprint and profile one structure (no database involved).

    ``timings``, when given, accumulates CPU seconds per stage (standardise, hash, fingerprint,
    descriptors), which is what the registration benchmark reports. ``search_entry``: also
    compute the structure's entry in the search index (:attr:`Prepared.search_entry`).

    The results equal the plain calls (``chem.identifiers(std.standardised)``,
    ``chem.fingerprint(std.parent)``, ``descriptors.profile(std.parent, on="submitted")``);
    each thing is computed once and the molecules are not copied again.

    Raises:
        InvalidStructure: the structure cannot be read or standardised.
    """
    fields, values, entry = _compute(structure, name, with_descriptors, timings, search_entry)
    row = CompoundRow(**fields, properties=_properties(values))
    return Prepared(row=row, is_salt=row.is_salt, search_entry=entry)


# A salt with a stereocentre: preparing it goes through every stage's built-once objects.
_WARM_UP = "CCN(CC)C(=O)[C@@]1(C[C@@H]1CN)c1ccccc1.Cl"

#: Below this many structures, preparing runs in this process (workers cost more than they save).
MIN_PARALLEL = 400


def _prepare_chunk(
    items: Sequence[tuple[str, str]], with_descriptors: bool, search_entries: bool
) -> tuple[list[Prepared | None], dict[str, float]]:
    timings: dict[str, float] = {}
    out: list[Prepared | None] = []
    for smiles, name in items:
        try:
            out.append(
                prepare(
                    smiles,
                    name=name,
                    with_descriptors=with_descriptors,
                    timings=timings,
                    search_entry=search_entries,
                )
            )
        except InvalidStructure:
            out.append(None)
    return out, timings


# A prepared structure as a worker sends it back: the CompoundRow fields a registration fills,
# in order, its search index entry (or None), then the descriptor values as (name, value, unit)
# tuples, which pickle far cheaper than the frozen dataclasses (those go through
# __getstate__/__setstate__ field by field) on both sides of the pipe; the worker never builds
# the dataclasses at all. Any: the field values of CompoundRow, of several types.
_Packed = tuple[Any, ...]
_PACKED_FIELDS = tuple(
    f.name
    for f in fields(CompoundRow)
    if f.name not in ("record_meta", "record_text", "record_digest", "properties")
)


def _unpack(packed: _Packed | None, made: dict[_Value, Property]) -> Prepared | None:
    """A worker's structure as a Prepared; ``made`` shares the Property of repeated values
    (counts repeat a lot) across the structures of one batch."""
    if packed is None:
        return None
    *values, entry, properties = packed
    row = CompoundRow(
        **dict(zip(_PACKED_FIELDS, values, strict=True)),
        properties=_properties(properties, made),
    )
    return Prepared(row=row, is_salt=row.is_salt, search_entry=entry)


def _prepare_chunk_packed(
    items: Sequence[tuple[str, str]], with_descriptors: bool, search_entries: bool
) -> tuple[list[_Packed | None], dict[str, float]]:
    timings: dict[str, float] = {}
    out: list[_Packed | None] = []
    for smiles, name in items:
        try:
            row, values, entry = _compute(smiles, name, with_descriptors, timings, search_entries)
        except InvalidStructure:
            out.append(None)
            continue
        out.append((*[row[f] for f in _PACKED_FIELDS], entry, tuple(values)))
    return out, timings


def _chunks(structures: Sequence[_T], workers: int) -> list[Sequence[_T]]:
    """Contiguous chunks, in order: ~100 items each, then smaller ones at the end.

    A chunk is large enough that sending it costs little next to its work. The last
    ``2 * workers`` chunks' worth is cut four times finer, so that the workers run out of work
    within a small chunk of each other instead of one idling while the other finishes a big one.
    """
    size = max(20, min(100, len(structures) // (workers * 8)))
    tail_size = max(5, size // 4)
    tail_start = max(0, len(structures) - 2 * workers * size)
    big = list(range(0, tail_start, size))  # starts of the full-size chunks
    small_from = big[-1] + size if big else 0
    starts = big + list(range(small_from, len(structures), tail_size))
    ends = [*starts[1:], len(structures)] if starts else []
    return [structures[a:b] for a, b in zip(starts, ends, strict=True)]


def iter_prepared(
    structures: Sequence[tuple[str, str]],
    *,
    with_descriptors: bool = True,
    workers: int | None = None,
    timings: dict[str, float] | None = None,
    search_entries: bool = False,
) -> Generator[list[Prepared | None], None, None]:
    """:func:`prepare_many`, yielding the results in input order chunk by chunk as they are ready.

    The caller can use the first chunks (insert them) while the workers still compute the
    rest. ``timings`` is complete once the iterator is exhausted. Closing the iterator early
    cancels the chunks not yet started and waits for the workers to stop.
    """
    if workers is None:
        workers = available_cpus()
    if workers <= 1 or len(structures) < MIN_PARALLEL:
        out, spent = _prepare_chunk(structures, with_descriptors, search_entries)
        _add_timings(timings, spent)
        yield out
        return
    chunks = _chunks(structures, workers)
    made: dict[_Value, Property] = {}
    # Loaded and warmed once here, before the fork: the workers inherit RDKit, the chemistry
    # modules and the objects they build once (transforms, salt list, alert catalogues)
    # instead of each importing and building them again.
    _prepare_chunk_packed([(_WARM_UP, "")], with_descriptors, search_entries)
    with process_pool(workers) as pool:
        # Results come in input order as the chunks complete, while the workers go on.
        for chunk_out, chunk_spent in pool.map(
            _prepare_chunk_packed,
            chunks,
            [with_descriptors] * len(chunks),
            [search_entries] * len(chunks),
        ):
            _add_timings(timings, chunk_spent)
            yield [_unpack(p, made) for p in chunk_out]


def _add_timings(timings: dict[str, float] | None, spent: dict[str, float]) -> None:
    if timings is not None:
        for stage, seconds in spent.items():
            timings[stage] = timings.get(stage, 0.0) + seconds


def prepare_many(
    structures: Sequence[tuple[str, str]],
    *,
    with_descriptors: bool = True,
    workers: int | None = None,
    timings: dict[str, float] | None = None,
    search_entries: bool = False,
) -> list[Prepared | None]:
    """:func:`prepare` for many ``(smiles, name)`` pairs; None where a structure is unreadable.

    The RDKit work is CPU-bound: with ``workers`` > 1 (default: the CPUs this process may use)
    and at least :data:`MIN_PARALLEL` structures, it is spread over worker processes.
    ``timings`` accumulates the CPU seconds of every stage over all workers.
    ``search_entries``: each Prepared also carries its search index entry.
    """
    out: list[Prepared | None] = []
    for chunk in iter_prepared(
        structures,
        with_descriptors=with_descriptors,
        workers=workers,
        timings=timings,
        search_entries=search_entries,
    ):
        out.extend(chunk)
    return out
