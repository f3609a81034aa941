"""The maths of the structure search index: packed bit matrices, scores and the substructure screen.

A fingerprint row is the 2048 bits of a fingerprint packed into 32 ``uint64`` words (the bytes
of RDKit's ``BitVectToBinaryText``, whose bit order is the same for every row, so a popcount of
``row & probe`` counts the bits in common). Scores are computed from exact integer counts with the
expressions RDKit's ``TanimotoSimilarity`` and ``TverskySimilarity`` use, so they equal RDKit's
to the last bit (``tests/test_search_index.py`` checks it).

Substructure search screens with RDKit's pattern fingerprints (2048 bits): a compound can contain
the query only if its pattern bits include every bit of the query's, so only the rows passing the
screen are matched, each from the pickle of its sanitised molecule (the molecule the plain search
parses from the stored SMILES, read back several times faster).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt
from rdkit import Chem, DataStructs

from registry.chem.fingerprints import FINGERPRINT_BITS, fingerprint_from_bytes
from registry.chem.structures import capture_rdkit_log, parse
from registry.errors import InvalidStructure

if TYPE_CHECKING:
    from registry.chem.standardisation import Standardised

__all__ = [
    "PATTERN_BITS",
    "WORDS",
    "Metric",
    "best",
    "concatenated",
    "contains",
    "counts_of",
    "matching",
    "molecule_entry",
    "morgan_rows",
    "pattern_row",
    "registered_entry",
    "screen",
    "similarity",
    "similarity_many",
    "structure_rows",
]

#: Bits of the pattern fingerprint that screens substructure queries.
PATTERN_BITS = 2048
#: 64-bit words per row (both fingerprints have 2048 bits).
WORDS = FINGERPRINT_BITS // 64
# Rows scored at once: a block of rows and its temporaries stay in the processor's cache.
_BLOCK = 16384
# An entry that is not a molecule pickle but the SMILES RDKit could not read back: matching it
# parses the SMILES again, which raises the same error the plain search raises.
_SMILES_ENTRY = b"\x00smiles\x00"

Metric = Literal["tanimoto", "tversky"]
Matrix = npt.NDArray[np.uint64]
Counts = npt.NDArray[np.int64]


def _row_of(vector: DataStructs.ExplicitBitVect) -> Matrix:
    return np.frombuffer(DataStructs.BitVectToBinaryText(vector), dtype=np.uint64)


def morgan_rows(fingerprints: Sequence[bytes]) -> Matrix:
    """The stored fingerprints (``ExplicitBitVect`` pickles) as rows of a ``(n, 32)`` matrix."""
    out = np.zeros((len(fingerprints), WORDS), dtype=np.uint64)
    for i, data in enumerate(fingerprints):
        vector = fingerprint_from_bytes(data)
        if vector.GetNumBits() != FINGERPRINT_BITS:
            raise InvalidStructure(
                f"a stored fingerprint has {vector.GetNumBits()} bits, not {FINGERPRINT_BITS}"
            )
        out[i] = _row_of(vector)
    return out


def counts_of(matrix: Matrix) -> Counts:
    """Bits set in each row."""
    if not len(matrix):
        return np.zeros(0, dtype=np.int64)
    counts: Counts = np.bitwise_count(matrix).sum(axis=1, dtype=np.int64)
    return counts


def pattern_row(query: Chem.Mol) -> Matrix:
    """The pattern fingerprint of a query molecule (from SMARTS or SMILES) as one row."""
    with capture_rdkit_log():
        return _row_of(Chem.PatternFingerprint(query, PATTERN_BITS))


def molecule_entry(smiles: str) -> tuple[Matrix, bytes]:
    """(pattern fingerprint row, molecule pickle) of a stored SMILES.

    A SMILES that does not parse gets a row of every bit (it always passes the screen) and an
    entry that parses it again when matched, so the search raises what the plain search raises.
    """
    with capture_rdkit_log():
        return _entry(smiles)


def _entry(smiles: str) -> tuple[Matrix, bytes]:
    # Stored SMILES are RDKit's own canonical output: RDKit's reader gives the molecule that
    # ``parse`` gives (without its checks on what a user submits), in half the time.
    mol = Chem.MolFromSmiles(smiles)
    if mol is None or mol.GetNumAtoms() == 0:
        return np.full(WORDS, np.iinfo(np.uint64).max, dtype=np.uint64), (
            _SMILES_ENTRY + smiles.encode()
        )
    return _row_of(Chem.PatternFingerprint(mol, PATTERN_BITS)), bytes(mol.ToBinary())


def registered_entry(std: Standardised, smiles: str) -> tuple[bytes, bytes]:
    """:func:`molecule_entry` of ``smiles``, the stored SMILES of ``std.standardised``, as
    registration computes it: (the pattern row's bytes, the pickle).

    A settled molecule (``Standardised.standardised_settled``) is the molecule its SMILES reads
    back as, up to the order of its atoms, in every property a substructure query or the screen
    tests (``scripts/compare_registered_molecules.py`` checks it on the whole PubChem table),
    so its entry is taken from it without parsing the SMILES again. Any other is read back from
    its SMILES.
    """
    pickle = std.settled_pickle()
    if pickle is None:
        row, entry = molecule_entry(smiles)
        return row.tobytes(), entry
    pattern = Chem.PatternFingerprint(std.standardised, PATTERN_BITS)
    return DataStructs.BitVectToBinaryText(pattern), pickle


def structure_rows(smiles: Sequence[str]) -> tuple[Matrix, list[bytes]]:
    """:func:`molecule_entry` of many SMILES: the pattern matrix and the pickles, in order."""
    matrix = np.zeros((len(smiles), WORDS), dtype=np.uint64)
    pickles: list[bytes] = []
    with capture_rdkit_log():  # once for the batch: RDKit's warnings never reach stderr
        for i, text in enumerate(smiles):
            matrix[i], entry = _entry(text)
            pickles.append(entry)
    return matrix, pickles


def contains(entry: bytes, query: Chem.Mol) -> bool:
    """Whether the molecule of an entry (see :func:`molecule_entry`) holds the query.

    The same test as :func:`registry.chem.fingerprints.substructure_match` (chirality ignored).
    """
    if entry.startswith(_SMILES_ENTRY):
        mol = parse(entry[len(_SMILES_ENTRY) :].decode(), fmt="smiles")
    else:
        # The constructor takes the binary pickle (typed as str in RDKit's stubs).
        mol = Chem.Mol(entry)  # type: ignore[call-overload]
    return bool(mol.HasSubstructMatch(query, useChirality=False))


def matching(entries: Sequence[bytes], query: Chem.Mol, threads: int = 1) -> list[int]:
    """Indexes of the entries (see :func:`molecule_entry`) whose molecule holds the query.

    The same test as :func:`contains`, run by RDKit's ``SubstructLibrary`` on ``threads``
    threads (its matching releases the interpreter), in order.
    """
    from rdkit.Chem import rdSubstructLibrary

    holder = rdSubstructLibrary.CachedMolHolder()
    by_python: list[int] = []
    for i, entry in enumerate(entries):
        if entry.startswith(_SMILES_ENTRY):
            holder.AddMol(Chem.Mol())  # keeps the numbering; an empty molecule holds nothing
            by_python.append(i)
        else:
            holder.AddBinary(entry)  # type: ignore[arg-type]  # a pickle: bytes (stubs: str)
    library = rdSubstructLibrary.SubstructLibrary(holder)
    found = set(
        library.GetMatches(
            query,
            recursionPossible=True,
            useChirality=False,
            useQueryQueryMatches=False,
            numThreads=threads,
            maxResults=-1,
        )
    )
    found.update(i for i in by_python if contains(entries[i], query))
    return sorted(found)


def screen(patterns: Matrix, query_row: Matrix) -> npt.NDArray[np.intp]:
    """Indexes of the rows whose pattern bits include every bit of ``query_row``, in order."""
    found: list[npt.NDArray[np.intp]] = []
    for start in range(0, len(patterns), _BLOCK):
        block = patterns[start : start + _BLOCK]
        passing = ((block & query_row) == query_row).all(axis=1)
        found.append(np.flatnonzero(passing) + start)
    return np.concatenate(found) if found else np.zeros(0, dtype=np.intp)


def _scores(
    common: npt.NDArray[np.int64],
    counts: Counts,
    probe_count: int,
    metric: Metric,
    alpha: float,
    beta: float,
) -> npt.NDArray[np.float64]:
    c = common.astype(np.float64)
    if metric == "tanimoto":
        # RDKit: common / (|a| + |b| - common), 0 when both are empty
        denominator = (probe_count + counts - common).astype(np.float64)
    else:
        # RDKit: common / (alpha |a| + beta |b| + (1 - alpha - beta) common), a the probe
        denominator = alpha * float(probe_count) + beta * counts.astype(np.float64)
        denominator = denominator + (1.0 - alpha - beta) * c
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator == 0.0, 0.0, c / denominator)


def similarity(
    matrix: Matrix,
    counts: Counts,
    probe: Matrix,
    minimum: float,
    *,
    metric: Metric = "tanimoto",
    alpha: float = 0.5,
    beta: float = 0.5,
    by_count: bool = False,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]:
    """Rows scoring at least ``minimum`` against ``probe`` and their scores, in row order.

    ``by_count``: the rows are sorted by bit count, so the rows that can reach ``minimum`` are
    one slice (else they are picked out one by one).
    """
    probes = probe[np.newaxis, :]
    [found] = similarity_many(
        matrix, counts, probes, minimum, metric=metric, alpha=alpha, beta=beta, by_count=by_count
    )
    return found


def _window(probe_counts: Sequence[int], minimum: float, metric: str) -> tuple[int, int] | None:
    """Bit counts outside which no row can reach ``minimum`` (Tanimoto only), or None.

    Tanimoto is at most min(a, b) / max(a, b): a row of ``b`` bits below ``minimum * a`` or
    above ``a / minimum`` scores below ``minimum`` (the bounds FPSim2 uses). The window is
    widened to whole numbers, so it never drops a row that qualifies.
    """
    if metric != "tanimoto" or minimum <= 0 or not probe_counts:
        return None
    low = min(int(np.floor(minimum * a)) for a in probe_counts)
    high = max(int(np.ceil(a / minimum)) for a in probe_counts)
    return low, high


def similarity_many(
    matrix: Matrix,
    counts: Counts,
    probes: Matrix,
    minimum: float,
    *,
    metric: Metric = "tanimoto",
    alpha: float = 0.5,
    beta: float = 0.5,
    by_count: bool = False,
) -> list[tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]]:
    """:func:`similarity` of each probe, reading each block of the matrix once for all probes."""
    probe_counts = [int(n) for n in counts_of(probes)]
    window = _window(probe_counts, minimum, metric)
    rows: list[list[npt.NDArray[np.intp]]] = [[] for _ in probe_counts]
    scores: list[list[npt.NDArray[np.float64]]] = [[] for _ in probe_counts]
    start, stop = 0, len(matrix)
    if window is not None and by_count:
        start = int(np.searchsorted(counts, window[0], side="left"))
        stop = int(np.searchsorted(counts, window[1], side="right"))
        window = None
    for block_rows, common in _common_blocks(matrix, counts, probes, window, start, stop):
        block_counts = np.asarray(counts[block_rows]).astype(np.int64)
        for p, probe_count in enumerate(probe_counts):
            block_scores = _scores(common[p], block_counts, probe_count, metric, alpha, beta)
            keep = np.flatnonzero(block_scores >= minimum)
            rows[p].append(block_rows[keep])
            scores[p].append(block_scores[keep])
    empty = (np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.float64))
    return [
        (np.concatenate(r), np.concatenate(s)) if r else empty
        for r, s in zip(rows, scores, strict=True)
    ]


def _common_blocks(
    matrix: Matrix,
    counts: Counts,
    probes: Matrix,
    window: tuple[int, int] | None,
    first: int,
    end: int,
) -> Iterator[tuple[npt.NDArray[np.intp], Counts]]:
    """(rows, bits in common of each probe with each of those rows) per block of rows
    ``first`` to ``end``; with a ``window``, only the rows whose bit count lies in it."""
    # Fewer rows per block for many probes: the (probes, rows, words) temporary stays small.
    block = max(256, _BLOCK // max(1, len(probes)))
    for start in range(first, end, block):
        stop = min(start + block, end)
        if window is None:
            chosen = np.arange(start, stop)
            rows = np.asarray(matrix[start:stop])
        else:
            part = np.asarray(counts[start:stop])
            chosen = np.flatnonzero((part >= window[0]) & (part <= window[1])) + start
            if not len(chosen):
                continue
            rows = np.asarray(matrix[chosen]) if len(chosen) < stop - start else matrix[start:stop]
        both = np.asarray(rows)[np.newaxis, :, :] & probes[:, np.newaxis, :]
        yield chosen, np.bitwise_count(both).sum(axis=2, dtype=np.int64)


def best(
    ids: npt.NDArray[np.int64], scores: npt.NDArray[np.float64], limit: int
) -> list[tuple[float, int]]:
    """(score, id) best first, ties in registry order, at most ``limit``."""
    order = np.lexsort((ids, -scores))[:limit]
    return [(float(scores[i]), int(ids[i])) for i in order]


def concatenated(parts: Iterable[Matrix], words: int = WORDS) -> Matrix:
    """Row blocks stacked into one matrix (an empty one for none)."""
    blocks = list(parts)
    if not blocks:
        return np.zeros((0, words), dtype=np.uint64)
    return np.concatenate(blocks)
