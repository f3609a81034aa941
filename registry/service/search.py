"""Searching the registry: by text, by similarity, by substructure, by exact structure.

Similarity and substructure search run, by store:

* PostgreSQL with the RDKit cartridge (:attr:`Store.cartridge <registry.store.Store.cartridge>`):
  in the database;
* an SQLite file: over the structure search index beside it
  (:mod:`registry.service.search_index`), brought up to date first;
* otherwise (PostgreSQL without the cartridge, SQLite in memory): over every stored structure,
  the plain loop, which is also what the other two are tested against.

All three compare the same fingerprint bits with the same expressions, so scores and hits agree.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal

from registry import chem
from registry.errors import InvalidStructure, ValidationError
from registry.models import SearchHit, SearchResults
from registry.progress import ProgressOption
from registry.service import search_index
from registry.service.search_exact import EXACT_MODES, ExactMode, exact_ids
from registry.store.matching import format_registry_id

if TYPE_CHECKING:
    from rdkit import Chem
    from sqlalchemy.engine import Connection

    from registry.store import Store

__all__ = [
    "LONGEST_SEARCH_TEXT",
    "CountedResults",
    "Metric",
    "QueryFormat",
    "search_exact",
    "search_many",
    "search_registry",
    "search_similar",
    "search_substructure",
    "search_text",
]

Metric = Literal["tanimoto", "tversky"]
# Screened candidates matched per call of the threaded matcher.
_MATCH_BATCH = 2048
QueryFormat = Literal["smarts", "smiles"]


class CountedResults(SearchResults):
    """Search hits and ``total``: how many compounds matched in all (None: not counted).

    ``total`` is larger than the number of hits when ``limit`` cut them.
    """

    total: int | None

    def __new__(cls, hits: Iterable[SearchHit], total: int | None = None) -> CountedResults:
        results = super().__new__(cls, hits)
        results.total = total
        return results


def search_registry(
    store: Store,
    text: str | None = None,
    *,
    similar: str | None = None,
    min_similarity: float = 0.7,
    substructure: str | None = None,
    limit: int = 100,
    metric: Metric = "tanimoto",
    alpha: float = 0.5,
    beta: float = 0.5,
    query_format: QueryFormat = "smarts",
    count: bool = False,
    same_parent: str | None = None,
    tautomers: str | None = None,
    stereoisomers: str | None = None,
    progress: ProgressOption = None,
) -> CountedResults:
    """Search by exactly one of the modes (``text``, ``similar``, ``substructure``, ...).

    ``progress`` hears the structure search index catch up, when it must (see
    :func:`registry.service.search_index.current`)."""
    exact: dict[ExactMode, str | None] = {
        "same_parent": same_parent,
        "tautomers": tautomers,
        "stereoisomers": stereoisomers,
    }
    given = [v for v in (text, similar, substructure, *exact.values()) if v is not None]
    if len(given) != 1:
        raise ValidationError(
            "search by exactly one of: text, similar, substructure, same_parent, tautomers, "
            "stereoisomers"
        )
    _check_limit(limit)
    if text is not None:
        return search_text(store, text, limit)
    if similar is not None:
        return search_similar(
            store, similar, min_similarity, limit, metric=metric, alpha=alpha, beta=beta,
            progress=progress,
        )  # fmt: skip
    if substructure is not None:
        return search_substructure(
            store, substructure, limit, query_format=query_format, count=count, progress=progress
        )
    mode, structure = next((m, v) for m, v in exact.items() if v is not None)
    assert structure is not None
    return search_exact(store, mode, structure, limit)


def _check_limit(limit: int) -> None:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValidationError(f"limit={limit!r}: give a whole number of hits, 1 or more")


def _results(
    connection: Connection, store: Store, found: Sequence[tuple[float | None, int]], matched: str,
    total: int | None,
) -> CountedResults:  # fmt: skip
    names = store.names(connection, [i for _, i in found])
    return CountedResults(
        (
            SearchHit(
                format_registry_id(i),
                names[i][0],
                matched,
                round(s, 4) if s is not None else None,
                names[i][1],
            )
            for s, i in found
        ),
        total,
    )


# Longer than any name or note phrase; SQLite refuses LIKE patterns past 50,000 bytes.
LONGEST_SEARCH_TEXT = 1000


def search_text(store: Store, text: str, limit: int) -> CountedResults:
    """Compounds whose names, synonyms, identifiers or notes contain ``text``."""
    if not text.strip():
        raise ValidationError("empty search text")
    if len(text) > LONGEST_SEARCH_TEXT:
        raise ValidationError(
            f"search text of {len(text):,} characters is longer than {LONGEST_SEARCH_TEXT:,}: "
            "search for a part of it"
        )
    with store.read() as connection:
        found = store.search_text(connection, text, limit)
        names = store.names(connection, [i for i, _ in found])
    return CountedResults(
        SearchHit(format_registry_id(i), names[i][0], matched, None, names[i][1])
        for i, matched in found
    )


# --- similarity -----------------------------------------------------------------------------


def _check_similarity(min_similarity: float, metric: str, alpha: float, beta: float) -> None:
    if metric not in ("tanimoto", "tversky"):
        raise ValidationError(f"metric={metric!r}: choose tanimoto or tversky")
    if not 0.0 <= min_similarity <= 1.0:
        raise ValidationError(
            f"min_similarity={min_similarity}: a {metric.capitalize()} similarity lies "
            "between 0 and 1"
        )
    if metric == "tversky" and not (alpha >= 0 and beta >= 0 and alpha + beta > 0):
        raise ValidationError(
            f"alpha={alpha}, beta={beta}: Tversky weights are 0 or more, not both 0"
        )


def _single(weight: float) -> float:
    """A Tversky weight at single precision: the cartridge takes its weights as ``float4``, so
    every engine computes with the same two numbers and scores alike to the last bit."""
    return float(struct.unpack("f", struct.pack("f", weight))[0])


def _probe(smiles: str) -> bytes:
    return chem.fingerprint(chem.standardise(smiles).parent)


def search_similar(
    store: Store,
    smiles: str,
    min_similarity: float,
    limit: int,
    *,
    metric: Metric = "tanimoto",
    alpha: float = 0.5,
    beta: float = 0.5,
    use_index: bool = True,
    progress: ProgressOption = None,
) -> CountedResults:
    """Compounds whose parent structure is at least ``min_similarity`` similar, best first.

    Tanimoto (or Tversky: ``alpha`` weighs the probe's own bits, ``beta`` the compound's, both
    taken at single precision as the cartridge takes them) of Morgan fingerprints of the
    standardised parents; ties in registry order. ``total`` counts every compound above the
    threshold (None on the cartridge). ``use_index=False`` scores every stored fingerprint in a
    loop (the reference the index is tested against).
    """
    _check_similarity(min_similarity, metric, alpha, beta)
    _check_limit(limit)
    alpha, beta = _single(alpha), _single(beta)
    probe = _probe(smiles)
    label = "similar" if metric == "tanimoto" else "tversky"
    blocks = None
    if use_index and not store.cartridge:
        blocks = search_index.current(store, "similarity", progress=progress)
    with store.read() as connection:
        if store.cartridge:
            how = {"metric": metric, "alpha": alpha, "beta": beta}
            scored = store.similar_in_database(connection, probe, min_similarity, limit, **how)
            return _results(connection, store, scored, label, None)
        if blocks is not None:
            [(found, total)] = _scored_blocks(
                blocks, [probe], min_similarity, limit, metric, alpha, beta
            )
        else:
            found, total = _scored_loop(
                store, connection, probe, min_similarity, limit, metric, alpha, beta
            )
        return _results(connection, store, found, label, total)


def _scored_loop(
    store: Store, connection: Connection, probe: bytes, minimum: float, limit: int,
    metric: str, alpha: float, beta: float,
) -> tuple[list[tuple[float | None, int]], int]:  # fmt: skip
    from registry.chem.fingerprints import tversky

    scored: list[tuple[float, int]] = []
    for compound_id, fingerprint in store.fingerprints(connection):
        if metric == "tversky":
            score = tversky(probe, fingerprint, alpha, beta)
        else:
            score = chem.tanimoto(probe, fingerprint)
        if score >= minimum:
            scored.append((score, compound_id))
    scored.sort(key=lambda s: (-s[0], s[1]))
    return [(s, i) for s, i in scored[:limit]], len(scored)


def _scored_blocks(
    blocks: Sequence[dict[str, Any]], probes: Sequence[bytes], minimum: float, limit: int,
    metric: Any, alpha: float, beta: float,
) -> list[tuple[list[tuple[float | None, int]], int]]:  # fmt: skip
    import numpy as np

    from registry.chem import screening

    matrix = screening.morgan_rows(probes)
    per_probe: list[tuple[list[Any], list[Any]]] = [([], []) for _ in probes]
    for block in blocks:
        found = screening.similarity_many(
            block["bits"],
            block["counts"],
            matrix,
            minimum,
            metric=metric,
            alpha=alpha,
            beta=beta,
            by_count=True,
        )
        for (ids, scores), (rows, values) in zip(per_probe, found, strict=True):
            ids.append(np.asarray(block["ids"])[rows])
            scores.append(values)
    out: list[tuple[list[tuple[float | None, int]], int]] = []
    for ids, scores in per_probe:
        all_ids = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64)
        all_scores = np.concatenate(scores) if scores else np.zeros(0)
        best = screening.best(all_ids, all_scores, limit)
        out.append(([(s, i) for s, i in best], len(all_ids)))
    return out


def search_many(
    store: Store,
    probes: Sequence[str],
    *,
    min_similarity: float = 0.7,
    limit: int = 100,
    metric: Metric = "tanimoto",
    alpha: float = 0.5,
    beta: float = 0.5,
    use_index: bool = True,
    progress: ProgressOption = None,
) -> list[CountedResults]:
    """:func:`search_similar` of each probe, in order; on the index, all probes in one pass.

    Raises InvalidStructure naming the probe (1-based, as ``probes[N]``) that cannot be read.
    """
    if isinstance(probes, str | bytes):
        raise TypeError("probes: give a sequence of SMILES, not one str")
    _check_similarity(min_similarity, metric, alpha, beta)
    _check_limit(limit)
    alpha, beta = _single(alpha), _single(beta)
    fingerprints: list[bytes] = []
    for number, smiles in enumerate(probes, start=1):
        try:
            fingerprints.append(_probe(smiles))
        except InvalidStructure as error:
            raise InvalidStructure(f"probe {number} of {len(probes)}: {error}") from error
    if not fingerprints:
        return []
    if store.cartridge or not use_index:
        return [
            search_similar(
                store, s, min_similarity, limit, metric=metric, alpha=alpha, beta=beta,
                use_index=use_index,
            )
            for s in probes
        ]  # fmt: skip
    blocks = search_index.current(store, "similarity", progress=progress)
    label = "similar" if metric == "tanimoto" else "tversky"
    with store.read() as connection:
        if blocks is None:
            found = [
                _scored_loop(store, connection, p, min_similarity, limit, metric, alpha, beta)
                for p in fingerprints
            ]
        else:
            found = _scored_blocks(blocks, fingerprints, min_similarity, limit, metric, alpha, beta)
        return [_results(connection, store, hits, label, total) for hits, total in found]


# --- substructure ---------------------------------------------------------------------------


def _query(query: str, query_format: str) -> Chem.Mol:
    if query_format == "smarts":
        return chem.parse_smarts(query)
    if query_format == "smiles":
        if not query.strip():
            raise InvalidStructure("empty SMILES query")
        return chem.parse(query, fmt="smiles")
    raise ValidationError(f"query_format={query_format!r}: choose smarts or smiles")


def search_substructure(
    store: Store,
    query: str,
    limit: int,
    *,
    query_format: QueryFormat = "smarts",
    count: bool = False,
    use_index: bool = True,
    progress: ProgressOption = None,
) -> CountedResults:
    """Compounds that contain the SMARTS (or SMILES) query, in registry order.

    The search stops at ``limit`` hits unless ``count``, which matches every compound so that
    ``total`` is the number of compounds containing the query; without it ``total`` is None
    when ``limit`` cut the hits. ``use_index=False`` parses every stored structure (the
    reference).
    """
    _check_limit(limit)
    pattern = _query(query, query_format)
    blocks = None
    if use_index and not store.cartridge:
        blocks = search_index.current(store, "substructure", progress=progress)
    with store.read() as connection:
        if store.cartridge:
            smiles = query_format == "smiles"
            matches = store.substructure_in_database(connection, query, limit, smiles=smiles)
            total: int | None = len(matches) if len(matches) < limit else None
            if count and total is None:
                total = store.substructure_count_in_database(connection, query, smiles=smiles)
        elif blocks is not None:
            matches, total = _matched_blocks(blocks, pattern, limit, count)
        else:
            matches, total = _matched_loop(store, connection, pattern, limit, count)
        return _results(connection, store, [(None, i) for i in matches], "substructure", total)


def _matched_loop(
    store: Store, connection: Connection, pattern: Chem.Mol, limit: int, count: bool
) -> tuple[list[int], int | None]:
    matches: list[int] = []
    seen = 0
    for compound_id, smiles in store.structures(connection):
        if chem.substructure_match(smiles, pattern):
            seen += 1
            if len(matches) < limit:
                matches.append(compound_id)
            elif not count:
                return matches, None
    return matches, seen


def _matched_blocks(
    blocks: Sequence[dict[str, Any]], pattern: Chem.Mol, limit: int, count: bool
) -> tuple[list[int], int | None]:
    from registry.chem import screening
    from registry.chem.workers import available_cpus

    query_row = screening.pattern_row(pattern)
    threads = available_cpus()
    matches: list[int] = []
    seen = 0
    for block in blocks:
        ids, offsets, blob = block["ids"], block["offsets"], block["blob"]
        candidates = screening.screen(block["patterns"], query_row)
        # In registry order, a batch at a time: without ``count`` the search stops at ``limit``.
        for begin in range(0, len(candidates), _MATCH_BATCH):
            rows = candidates[begin : begin + _MATCH_BATCH]
            entries = [bytes(blob[offsets[r] : offsets[r + 1]]) for r in rows]
            for i in screening.matching(entries, pattern, threads):
                seen += 1
                if len(matches) < limit:
                    matches.append(int(ids[rows[i]]))
                elif not count:
                    return matches, None
    return matches, seen


# --- exact structure ------------------------------------------------------------------------


def search_exact(store: Store, mode: ExactMode, structure: str, limit: int) -> CountedResults:
    """Compounds related to ``structure`` by ``mode`` (see :mod:`registry.service.search_exact`),
    in registry order; ``total`` counts them all."""
    _check_limit(limit)
    if mode not in EXACT_MODES:
        raise ValidationError(f"mode={mode!r}: choose one of {', '.join(EXACT_MODES)}")
    with store.read() as connection:
        found = exact_ids(store, connection, mode, structure)
        return _results(
            connection, store, [(None, i) for i in found[:limit]], EXACT_MODES[mode], len(found)
        )
