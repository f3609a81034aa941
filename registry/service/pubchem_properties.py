"""``registry.properties`` and ``properties_many``: PubChem's values for compounds, with provenance.

For each query: its CID (a CID as given; otherwise the offline reference index, then PubChem's
CID search, through the lookup chain without the own registry), then

* the computed properties (XLogP, TPSA, counts, masses...) from the one batched property
  request the lookup already makes (no extra request when PubChem answered the lookup);
* on request, the experimental values and GHS classifications from one PUG-View request per
  CID (cached and dated like every answer);
* RDKit's values for the properties both compute, side by side (:mod:`.comparison`).

Nothing here raises for one compound PubChem could not answer: its result says what is missing
(``error``) and the others are kept. :func:`properties` (one query) raises instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from registry.config import Settings
from registry.descriptor_models import DescriptorValue
from registry.errors import NotFound, PubChemError, PubChemUnavailable
from registry.identifiers import QueryKind, classify
from registry.models import Candidate
from registry.property_models import (
    CompoundProperties,
    Property,
    PropertyResults,
)
from registry.service.comparison import compare, rdkit_values
from registry.sources import chain

if TYPE_CHECKING:
    from registry.sources.pubchem import PubChemClient
    from registry.sources.pubchem.pug_view import ViewRecord

__all__ = ["Progress", "properties", "properties_many"]

#: Called as ``progress(done, total)`` after each compound's PUG-View answer.
Progress = Callable[[int, int], None]
# After this many PUG-View requests in a row find PubChem unavailable, the rest are not sent:
# each would wait out the whole retry budget again.
_GIVE_UP_AFTER = 3


# Per CID: name, SMILES, InChI, computed properties, retrieval date.
_Computed = tuple[str, str, str, tuple[Property, ...], str]


@dataclass(frozen=True, slots=True)
class _Found:
    query: str
    candidate: Candidate | None = None
    cid: int | None = None
    error: str = ""
    missing: bool = False  # PubChem could not be asked (down, offline miss), not "not found"


def _resolve(queries: Sequence[str | int], settings: Settings) -> list[_Found]:
    """Each query's PubChem CID: as given, else through the reference index and PubChem."""
    found: list[_Found | None] = [None] * len(queries)
    texts: list[tuple[int, str]] = []
    for i, query in enumerate(queries):
        if isinstance(query, int):
            found[i] = _Found(str(query), cid=query)
            continue
        classified = classify(query)
        if classified.kind is QueryKind.CID:
            found[i] = _Found(query, cid=int(classified.value))
        else:
            texts.append((i, query))
    if texts:
        sources = chain.default_sources(settings)  # the reference index, then PubChem
        results = chain.lookup_many([t for _, t in texts], settings, sources)
        for (i, text), result in zip(texts, results, strict=True):
            with_cid = [c for c in result.candidates if c.cid is not None]
            if with_cid:
                first = next((c for c in with_cid if c.source == "pubchem"), with_cid[0])
                found[i] = _Found(text, first, first.cid)
            elif result.warnings:
                found[i] = _Found(text, error="; ".join(result.warnings), missing=True)
            else:
                found[i] = _Found(text, error=f"PubChem knows no compound for {text!r}")
    return [f for f in found if f is not None]


def _computed(found: list[_Found], client: PubChemClient) -> tuple[dict[int, _Computed], str]:
    """(name, SMILES, computed properties, retrieved) per CID; the batched request's error."""
    from registry.sources.pubchem.translation import computed_properties

    out: dict[int, _Computed] = {}
    ask: list[int] = []
    for f in found:
        c = f.candidate
        if c is not None and c.source == "pubchem" and c.cid is not None:
            out[c.cid] = (c.name, c.smiles, c.inchi, c.properties, c.retrieved)
        elif f.cid is not None and f.cid not in out:
            ask.append(f.cid)
    ask = [cid for cid in dict.fromkeys(ask) if cid not in out]
    if not ask:
        return out, ""
    problem = ""
    try:
        rows, fetched = client.properties(ask)
        dated = {cid: (row, fetched) for cid, row in rows.items()}
    except PubChemError as error:  # PubChemUnavailable too: keep the rows already answered
        dated = client.cached_properties(ask)
        missing = [str(cid) for cid in ask if cid not in dated]
        problem = f"computed properties of CID {', '.join(missing)}: {error}"
    for cid, (row, date) in dated.items():
        smiles = str(row.get("SMILES") or row.get("IsomericSMILES") or "")
        name, inchi = str(row.get("Title", "")), str(row.get("InChI", ""))
        out[cid] = (name, smiles, inchi, computed_properties(row, date), date)
    return out, problem


def properties_many(
    queries: Sequence[str | int],
    settings: Settings | None = None,
    *,
    experimental: bool = False,
    hazards: bool = False,
    rdkit: bool = True,
    progress: Progress | None = None,
    client: PubChemClient | None = None,
) -> PropertyResults:
    """PubChem's properties for many queries (names, CAS numbers, CIDs, InChIKeys, SMILES).

    Args:
        queries: what to look up; an ``int`` is a CID.
        settings: PubChem URL, cache, offline mode... (default: from the environment).
        experimental: also the measured values (one PUG-View request per CID, cached).
        hazards: also the GHS classifications (the same PUG-View request).
        rdkit: also RDKit's values for the computed properties both give, side by side.
        progress: called as ``progress(done, total)`` after each PUG-View answer.
        client: a :class:`~registry.sources.pubchem.PubChemClient` to use (default: a new one).

    Returns:
        One :class:`CompoundProperties` per query, in order. A query PubChem could not answer
        (down, offline without a cached answer) says what is missing in ``error``; the
        others are answered.
    """
    from registry.sources.pubchem import PubChemClient
    from registry.sources.pubchem.pug_view import view_heading

    settings = settings or (client.settings if client else Settings.from_env())
    pubchem = client or PubChemClient(settings)
    found = _resolve(queries, settings)
    computed, computed_error = _computed(found, pubchem)
    views: dict[int, ViewRecord | None] = {}
    view_errors: dict[int, str] = {}
    missing: set[int] = set()  # CIDs PubChem could not be asked about
    if experimental or hazards:
        heading = view_heading(experimental, hazards)
        cids = list(dict.fromkeys(f.cid for f in found if f.cid is not None))
        failures = 0
        for done, cid in enumerate(cids, 1):
            if failures >= _GIVE_UP_AFTER and not settings.offline:
                view_errors[cid] = f"PUG-View record of CID {cid} not asked: PubChem unavailable"
                missing.add(cid)
            else:
                try:
                    views[cid] = pubchem.view(cid, heading)
                    failures = 0
                except PubChemError as error:
                    unavailable = isinstance(error, PubChemUnavailable)
                    failures = failures + 1 if unavailable else 0
                    view_errors[cid] = f"PUG-View record of CID {cid}: {error}"
                    if unavailable:
                        missing.add(cid)
            if progress is not None:
                progress(done, len(cids))
    rdkit_cache: dict[str, dict[str, DescriptorValue]] = {}
    out = []
    for f in found:
        if f.cid is None:
            out.append(CompoundProperties(f.query, error=f.error, unavailable=f.missing))
            continue
        name, smiles, inchi, values, retrieved = computed.get(f.cid, ("", "", "", (), ""))
        errors = [] if f.cid in computed else [computed_error or f"PubChem has no CID {f.cid}"]
        unavailable = f.cid in missing or (f.cid not in computed and bool(computed_error))
        view = views.get(f.cid)
        if f.cid in view_errors:
            errors.append(view_errors[f.cid])
        result = CompoundProperties(
            query=f.query,
            cid=f.cid,
            name=name or (view.title if view else ""),
            smiles=smiles,
            computed=values,
            experimental=view.experimental if view and experimental else (),
            hazards=view.hazards if view and hazards else (),
            retrieved=retrieved,
            error="; ".join(e for e in errors if e),
            unavailable=unavailable,
        )
        structure = smiles or inchi  # PubChem's structure, as RDKit reads it
        if rdkit and structure and values:
            if structure not in rdkit_cache:
                rdkit_cache[structure] = rdkit_values(structure)[0]
            result = replace(result, comparison=compare(values, rdkit_cache[structure]))
        out.append(result)
    return PropertyResults(out)


def properties(
    query: str | int,
    settings: Settings | None = None,
    *,
    experimental: bool = False,
    hazards: bool = False,
    rdkit: bool = True,
    client: PubChemClient | None = None,
) -> CompoundProperties:
    """PubChem's properties of one compound; see :func:`properties_many` for the options.

    >>> import registry
    >>> registry.properties("benzene", experimental=True).to_frame()  # doctest: +SKIP

    Raises:
        NotFound: PubChem knows no compound for the query.
        PubChemUnavailable: something asked for could not be had (PubChem down, or offline
            with no cached answer); the message names what was missing.
    """
    result = properties_many(
        [query], settings, experimental=experimental, hazards=hazards, rdkit=rdkit, client=client
    )[0]
    if result.error:
        if result.unavailable:
            raise PubChemUnavailable(result.error)
        if result.cid is None:
            raise NotFound(result.error)
        raise PubChemError(result.error)
    return result
