"""Registration's chemistry: standardise, hash, fingerprint and profile structures.

:func:`prepare` turns one structure into the row the store inserts; :func:`prepare_many` does
it for a batch, over worker processes when the batch is large. No database is involved.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from registry.errors import InvalidStructure
from registry.models import Property
from registry.store import CompoundRow

__all__ = ["MIN_PARALLEL", "Prepared", "prepare", "prepare_many"]


@dataclass(frozen=True, slots=True)
class Prepared:
    """A structure standardised, hashed, fingerprinted and profiled, ready to insert."""

    row: CompoundRow
    is_salt: bool

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


def _properties(mol: Any, settled: bool) -> tuple[Property, ...]:
    from registry import chem, descriptors

    # ``mol`` is the standardised parent already: measure it as given (no second
    # standardisation), only the numeric values the store keeps, no rule checks.
    version = f"RDKit {chem.rdkit_version()}"
    with chem.capture_rdkit_log():  # QED's RemoveHs warns about lone hydrogens ([H+])
        values = descriptors.default_values(mol, settled=settled, numeric_only=True)
    found: list[Property] = []
    for name, (unit, _function) in descriptors.DEFAULT_PROFILE.items():
        value = values.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        found.append(Property(name, float(value), unit or "", "rdkit", version))
    return tuple(found)


def prepare(
    structure: str,
    *,
    name: str = "",
    with_descriptors: bool = True,
    timings: dict[str, float] | None = None,
) -> Prepared:
    """Standardise, hash, fingerprint and profile one structure (no database involved).

    ``timings``, when given, accumulates CPU seconds per stage (standardise, hash, fingerprint,
    descriptors), which is what the registration benchmark reports.

    The results equal the plain calls (``chem.identifiers(std.standardised)``,
    ``chem.fingerprint(std.parent)``, ``descriptors.profile(std.parent, on="submitted")``);
    each thing is computed once and the molecules are not copied again.

    Raises:
        InvalidStructure: the structure cannot be read or standardised.
    """
    from registry import chem

    # CPU time, not wall time: the stages are CPU-bound, and CPU time does not grow when other
    # processes share the machine.
    clock = time.process_time
    start = clock()
    std = chem.standardise(structure)
    start = _stage(timings, "standardise", start, clock)
    ids = chem.identifiers_of(std.standardised)
    parent_hash = chem.registration_hash(std.parent) if std.is_salt else None
    start = _stage(timings, "hash", start, clock)
    fingerprint = chem.fingerprint_of(std.parent)
    start = _stage(timings, "fingerprint", start, clock)
    props = _properties(std.parent, std.parent_settled) if with_descriptors else ()
    _stage(timings, "descriptors", start, clock)
    row = CompoundRow(
        name=name.strip() or ids.smiles,
        submitted=structure,
        smiles=ids.smiles,
        inchi=ids.inchi,
        inchikey=ids.inchikey,
        formula=ids.formula,
        registration_hash=ids.registration_hash,
        tautomer_hash=ids.tautomer_hash,
        no_stereo_hash=ids.no_stereo_hash,
        hash_layers=dict(ids.hash_layers),
        is_salt=std.is_salt,
        counterions=tuple(std.counterions),
        parent_hash=parent_hash,
        fingerprint=fingerprint,
        properties=props,
    )
    return Prepared(row=row, is_salt=std.is_salt)


#: Below this many structures, preparing runs in this process (workers cost more than they save).
MIN_PARALLEL = 400


def _prepare_chunk(
    items: Sequence[tuple[str, str]], with_descriptors: bool
) -> tuple[list[Prepared | None], dict[str, float]]:
    timings: dict[str, float] = {}
    out: list[Prepared | None] = []
    for smiles, name in items:
        try:
            out.append(
                prepare(smiles, name=name, with_descriptors=with_descriptors, timings=timings)
            )
        except InvalidStructure:
            out.append(None)
    return out, timings


def prepare_many(
    structures: Sequence[tuple[str, str]],
    *,
    with_descriptors: bool = True,
    workers: int | None = None,
    timings: dict[str, float] | None = None,
) -> list[Prepared | None]:
    """:func:`prepare` for many ``(smiles, name)`` pairs; None where a structure is unreadable.

    The RDKit work is CPU-bound: with ``workers`` > 1 (default: the CPUs this process may use)
    and at least :data:`MIN_PARALLEL` structures, it is spread over worker processes.
    ``timings`` accumulates the CPU seconds of every stage over all workers.
    """
    if workers is None:
        from registry.descriptors import available_cpus

        workers = available_cpus()
    if workers <= 1 or len(structures) < MIN_PARALLEL:
        out, spent = _prepare_chunk(structures, with_descriptors)
    else:
        import gc
        import multiprocessing
        import sys
        from concurrent.futures import ProcessPoolExecutor

        # fork starts a worker in milliseconds with RDKit already imported
        method = "fork" if sys.platform.startswith("linux") else None
        # Chunks of ~100 (~0.3 s of work): sending one costs well under a millisecond, and the
        # workers finish within a chunk of each other instead of one idling at the end.
        size = max(20, min(100, len(structures) // (workers * 8)))
        chunks = [structures[i : i + size] for i in range(0, len(structures), size)]
        out, spent = [], {}
        # Objects that exist before the fork go to the permanent generation: the workers' garbage
        # collector then leaves them alone instead of touching (and copying) every inherited page.
        gc.freeze()
        try:
            context = multiprocessing.get_context(method)
            with ProcessPoolExecutor(workers, mp_context=context) as pool:
                for chunk_out, chunk_spent in pool.map(
                    _prepare_chunk, chunks, [with_descriptors] * len(chunks)
                ):
                    out.extend(chunk_out)
                    for stage, seconds in chunk_spent.items():
                        spent[stage] = spent.get(stage, 0.0) + seconds
        finally:
            gc.unfreeze()
    if timings is not None:
        for stage, seconds in spent.items():
            timings[stage] = timings.get(stage, 0.0) + seconds
    return out
