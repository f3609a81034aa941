"""The lookup chain: classify the query, then ask each source in turn.

Sources are tried in order: those the caller puts first, the offline reference index, then
PubChem (unless offline). By default the chain stops at the first source that knows the query,
so a common compound never costs a network request; ``exhaustive=True`` asks every source,
which is what finds conflicts between them. A source that cannot answer (PubChem down or
offline) becomes a warning on the result as long as another source answered.

A source is any object with a ``name`` and ``find_many(queries) -> list[list[Candidate]]``
(one list per query, in order). The own registry is such a source; the chain with it in front
is :func:`registry.lookup` (:mod:`registry.service.lookups`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from registry import cas
from registry.config import Settings
from registry.errors import Ambiguous, NotFound, PubChemUnavailable, ValidationError
from registry.frames import FrameLibrary, chosen, is_missing
from registry.identifiers import Query, QueryKind, classify
from registry.models import Candidate, LookupResult, LookupResults
from registry.progress import ProgressOption, reporting
from registry.sources.reference import ReferenceSource

__all__ = [
    "Source",
    "choose",
    "default_sources",
    "describe",
    "flags",
    "lookup",
    "lookup_many",
    "query_texts",
]


class Source(Protocol):
    """One step of the lookup chain."""

    name: str

    def find_many(self, queries: Sequence[Query]) -> list[list[Candidate]]: ...


def default_sources(
    settings: Settings,
    first: Sequence[Source] = (),
    *,
    before_pubchem: Sequence[Source] = (),
) -> list[Source]:
    """``first``, the offline reference index, ``before_pubchem``, then PubChem.

    PubChem is left out when offline; its client (and pubchempy) is imported only when
    online. The chain with the own registry is :func:`registry.service.lookups.default_chain`.
    """
    sources: list[Source] = [*first, ReferenceSource(settings), *before_pubchem]
    if not settings.offline:
        from registry.sources.pubchem import PubChemSource

        sources.append(PubChemSource(settings))
    return sources


def _salt_parent(candidates: Sequence[Candidate]) -> tuple[tuple[int, int], ...]:
    """(salt, parent) index pairs: one candidate's SMILES is a component of another's."""
    pairs = []
    for i, salt in enumerate(candidates):
        components = set(salt.smiles.split(".")) if "." in salt.smiles else set()
        if not components:
            continue
        for j, parent in enumerate(candidates):
            if (
                i != j
                and parent.smiles
                and "." not in parent.smiles
                and parent.smiles in components
            ):
                pairs.append((i, j))
    return tuple(dict.fromkeys(pairs))


def flags(
    query: Query, candidates: Sequence[Candidate]
) -> tuple[bool, bool, tuple[tuple[int, int], ...]]:
    """(ambiguous, conflict, salt_parent) for a query's candidates.

    Ambiguous: one source gives more than one record (distinct CIDs). Conflict: for a CAS number,
    candidates (from any sources) that carry it disagree on the InChIKey.
    """
    if len(candidates) < 2:  # the common case: every flag needs two candidates
        return False, False, ()
    per_source: dict[str, set[str]] = {}
    for c in candidates:
        # Distinct records, by CID where there is one: PubChem gives water's InChIKey two CIDs.
        per_source.setdefault(c.source, set()).add(f"cid:{c.cid}" if c.cid else c.inchikey)
    ambiguous = any(len(keys) > 1 for keys in per_source.values())
    conflict = False
    if query.kind is QueryKind.CAS:
        keys = {c.inchikey for c in candidates if c.inchikey and query.value in c.cas_numbers}
        conflict = len(keys) > 1 and len(per_source) > 1
    return ambiguous, conflict, _salt_parent(candidates)


def query_texts(values: Iterable[object]) -> list[str | None]:
    """Queries as text, None for a missing one (None, NaN, pandas' NA, polars' null, blank).

    A list, tuple, pandas or polars Series. A whole number (a CID, even one that a pandas
    column holding NaN keeps as a float) is its digits.

    >>> query_texts(["caffeine", None, float("nan"), 2519, 2519.0, "  "])
    ['caffeine', None, None, '2519', '2519', None]
    """
    tolist = getattr(values, "to_list", None) or getattr(values, "tolist", None)
    items: list[object] = tolist() if callable(tolist) else list(values)
    texts: list[str | None] = []
    for item in items:
        if is_missing(item):
            texts.append(None)
        elif isinstance(item, float) and item.is_integer():
            texts.append(str(int(item)))
        else:
            text = item if isinstance(item, str) else str(item)
            texts.append(text if text.strip() else None)
    return texts


# Queries per round of the chain when progress is reported (each source asked once a round).
_PROGRESS_BATCH = 100


def lookup_many(
    texts: Iterable[object],
    settings: Settings,
    sources: Sequence[Source] | None = None,
    *,
    exhaustive: bool = False,
    progress: ProgressOption = None,
    frame: FrameLibrary | None = None,
) -> LookupResults:
    """Look many queries up, each source asked once for all queries still open (batching).

    ``texts`` is a list or a pandas or polars Series; a missing query (None, NaN, NA, null,
    blank text) gets a result of kind and status ``empty``, asked of no source. ``progress``
    (True for a bar, or ``progress(done, total)``) reports after each round of 100 queries.
    ``frame`` chooses the library of the results' ``to_frame()`` (default: the input's;
    polars for a list).

    Never raises for a source that cannot answer (PubChem down, offline cache miss): each
    affected result carries a warning instead, so the other answers are not lost.
    """
    library = chosen(frame, texts)
    given = query_texts(texts)
    chain = list(sources) if sources is not None else default_sources(settings)
    if progress is None or progress is False:
        return LookupResults(_lookup_all(given, chain, exhaustive), library)
    results: list[LookupResult] = []
    with reporting(progress, len(given), "looking up", unit="query") as step:
        for start in range(0, len(given), _PROGRESS_BATCH):
            results += _lookup_all(given[start : start + _PROGRESS_BATCH], chain, exhaustive)
            step(len(results), len(given))
    return LookupResults(results, library)


def _lookup_all(
    given: Sequence[str | None], chain: Sequence[Source], exhaustive: bool
) -> list[LookupResult]:
    """:func:`lookup_many` of queries as text (None: missing), the chain asked once."""
    queries = [classify(text) for text in given if text is not None]
    found: list[list[Candidate]] = [[] for _ in queries]
    warnings: list[list[str]] = [[] for _ in queries]
    for source in chain:
        open_ = [
            i
            for i, q in enumerate(queries)
            if q.value
            and (exhaustive or not found[i])
            and (q.kind is not QueryKind.CAS or q.cas_valid)
        ]
        if not open_:
            break
        try:
            answers = source.find_many([queries[i] for i in open_])
        except PubChemUnavailable as error:
            for i in open_:
                warnings[i].append(f"{source.name}: {error}")
            continue
        for i, answer in zip(open_, answers, strict=True):
            found[i].extend(answer)
    results: list[LookupResult] = []
    for i, query in enumerate(queries):
        candidates = found[i]
        suggestions: tuple[str, ...] = ()
        if query.kind is QueryKind.CAS and not query.cas_valid:
            suggestions = tuple(cas.suggest(query.value, known=_knows(chain)))
        ambiguous, conflict, salt_parent = flags(query, candidates)
        results.append(
            LookupResult(
                query=query.text,
                kind=str(query.kind),
                candidates=tuple(candidates),
                ambiguous=ambiguous,
                conflict=conflict,
                salt_parent=salt_parent,
                suggestions=suggestions,
                sources=tuple(s.name for s in chain),
                warnings=tuple(warnings[i]),
            )
        )
    answered = iter(results)
    return [LookupResult("", "empty") if text is None else next(answered) for text in given]


def _knows(chain: Sequence[Source]) -> Callable[[str], bool]:
    checkers = [k for s in chain if (k := getattr(s, "knows_cas", None)) is not None]
    return lambda number: any(check(number) for check in checkers)


def lookup(
    text: str,
    settings: Settings,
    sources: Sequence[Source] | None = None,
    *,
    exhaustive: bool = False,
) -> LookupResult:
    """Look one query up through the chain.

    Raises NotFound when no source knows it (a CAS number failing its checksum is not an
    error: the result carries suggestions), PubChemUnavailable when PubChem was needed and
    could not be reached.
    """
    result = lookup_many([text], settings, sources, exhaustive=exhaustive)[0]
    if not result.found and not result.suggestions:
        if result.warnings:
            raise PubChemUnavailable("; ".join(result.warnings))
        raise NotFound(f"nothing found for {text!r}")
    return result


def describe(candidates: Sequence[Candidate]) -> str:
    """The candidates numbered as :func:`choose` takes them (``pick=N``), on one line.

    >>> from registry.models import Candidate, CasNumber
    >>> describe([Candidate("reference", "", "caffeine", (CasNumber("58-08-2", "primary"),),
    ...                     inchikey="RYYVLZVUVIJVGH-UHFFFAOYSA-N", cid=2519)])
    '1. reference: caffeine (CID 2519; 58-08-2; RYYVLZVUVIJVGH-UHFFFAOYSA-N)'
    """
    lines = []
    for i, c in enumerate(candidates, 1):
        numbers = ", ".join(n.number for n in c.cas if n.valid) or "no CAS"
        cid = f"CID {c.cid}" if c.cid else "no CID"
        lines.append(f"{i}. {c.source}: {c.name} ({cid}; {numbers}; {c.inchikey or '-'})")
    return "; ".join(lines)


def choose(result: LookupResult, *, pick: int | None = None, cid: int | None = None) -> Candidate:
    """The one candidate of a lookup to act on (register), never a guess.

    Without ``pick`` (1-based, in result order) or ``cid``, the result must name one compound:
    every candidate the same record (CID, else InChIKey) and no ambiguity or conflict flag.

    Raises:
        NotFound: nothing was found, or no candidate has ``cid``.
        Ambiguous: several compounds and no choice; the message lists them, numbered.
        ValidationError: ``pick`` is out of range.
    """
    candidates = result.candidates
    if not candidates:
        hint = f"; did you mean {', '.join(result.suggestions)}?" if result.suggestions else ""
        raise NotFound(f"nothing found for {result.query!r}{hint}")
    if cid is not None:
        chosen = [c for c in candidates if c.cid == cid]
        if not chosen:
            raise NotFound(
                f"no candidate for {result.query!r} has CID {cid}: {describe(candidates)}"
            )
        return chosen[0]
    if pick is not None:
        if not 1 <= pick <= len(candidates):
            raise ValidationError(
                f"pick={pick}: choose 1 to {len(candidates)}: {describe(candidates)}"
            )
        return candidates[pick - 1]
    records = {f"cid:{c.cid}" if c.cid else c.inchikey for c in candidates}
    if result.ambiguous or result.conflict or len(records) > 1:
        raise Ambiguous(
            f"{result.query!r} names {len(records)} different records; choose one with "
            f"pick=N or cid=CID: {describe(candidates)}"
        )
    return candidates[0]
