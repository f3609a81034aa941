"""The PUG-REST operations the registry uses, batched: CIDs, properties, synonyms, records.

:meth:`PubChemClient.candidates` answers many lookup queries with one CID search each, then the
properties (identity and computed ones, in one request) and synonyms of every CID found in
chunked POSTs. :meth:`PubChemClient.view` fetches one CID's PUG-View record (experimental
properties, GHS hazards), asked only when a caller wants them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from registry.errors import PubChemError
from registry.identifiers import Query, QueryKind
from registry.models import Candidate
from registry.sources.pubchem.cache import Response
from registry.sources.pubchem.pug_view import ViewRecord, read_record, view_url
from registry.sources.pubchem.translation import (
    PROPERTIES,
    Compound,
    candidate_from_properties,
    compound_records,
)
from registry.sources.pubchem.transport import Transport, fault_message

__all__ = ["CHUNK", "MAX_CIDS_PER_QUERY", "PubChemClient"]

CHUNK = 100  # CIDs per POST: well under PubChem's URL/body and response-size limits
MAX_CIDS_PER_QUERY = 10  # a name like "sugar" maps to hundreds of CIDs; keep the first ones
_PROPERTY_OPERATION = "property/" + ",".join(PROPERTIES)
_NAMESPACE = {
    QueryKind.NAME: "name",
    QueryKind.CAS: "name",  # PubChem knows CAS numbers as synonyms
    QueryKind.SMILES: "smiles",
    QueryKind.INCHI: "inchi",
    QueryKind.INCHIKEY: "inchikey",
    QueryKind.CID: "cid",
}


class PubChemClient(Transport):
    """PUG-REST operations, each request through the guarded path of :class:`Transport`.

    Args:
        settings: base URL, timeouts, retries, rate limits, cache directory, offline flag.
        limiter: the rate limiter (default: the process-wide one for the settings' limits).
        sleep: how to wait between retries (tests may pass a recorder).
    """

    def cids(self, namespace: str, identifier: str) -> list[int]:
        """CIDs for one identifier in a namespace (``name``, ``smiles``, ``inchikey``...)."""
        if namespace == "cid":
            return [int(identifier)]
        response = self.fetch(
            self.url("compound", namespace, "cids", "JSON"), [(namespace, identifier)]
        )
        if response.status in (400, 404):
            return []  # 400: an identifier PubChem cannot parse in this namespace, found nowhere
        data = response.json()
        try:
            return [int(c) for c in data["IdentifierList"]["CID"] if int(c) > 0]
        except (KeyError, TypeError, ValueError) as error:
            raise PubChemError(f"unexpected PubChem CID list: {str(data)[:200]}") from error

    def _chunked(
        self, operation: str, cids: Sequence[int], pick: Callable[[Any], Iterable[tuple[int, Any]]]
    ) -> tuple[dict[int, Any], str]:
        results: dict[int, Any] = {}
        fetched = ""
        unique = list(dict.fromkeys(cids))
        for start in range(0, len(unique), CHUNK):
            chunk = unique[start : start + CHUNK]
            response = self.fetch(
                self.url("compound", "cid", operation, "JSON"),
                [("cid", ",".join(str(c) for c in chunk))],
            )
            fetched = max(fetched, response.fetched)
            if response.status == 404:
                continue
            try:
                results.update(pick(response.json()))
            except (KeyError, TypeError, ValueError) as error:
                raise PubChemError(f"unexpected PubChem {operation} answer") from error
        return results, fetched

    def properties(self, cids: Sequence[int]) -> tuple[dict[int, dict[str, Any]], str]:
        """Properties of many CIDs, one POST per chunk; also the newest fetch date.

        Each CID's row is also kept on its own, so that a later call with other CIDs alongside
        asks only for the CIDs never answered (and offline mode answers every CID seen).
        """
        kept = self.cached_properties(cids)
        missing = [cid for cid in dict.fromkeys(cids) if cid not in kept]
        fetched = max((row_date for _, row_date in kept.values()), default="")
        rows = {cid: row for cid, (row, _) in kept.items()}
        if not missing:
            return rows, fetched
        found, date = self._chunked(
            _PROPERTY_OPERATION,
            missing,
            lambda data: ((int(p["CID"]), p) for p in data["PropertyTable"]["Properties"]),
        )
        url = self.url("compound", "cid", _PROPERTY_OPERATION, "JSON")
        for cid, row in found.items():
            self.remember(
                f"{_PROPERTY_OPERATION} {cid}", url, Response(200, json.dumps(row).encode(), date)
            )
        rows.update(found)
        return rows, max(fetched, date)

    def cached_properties(self, cids: Sequence[int]) -> dict[int, tuple[dict[str, Any], str]]:
        """The property rows already answered for these CIDs, with their dates (no request)."""
        out = {}
        for cid in dict.fromkeys(cids):
            kept = self.recall(f"{_PROPERTY_OPERATION} {cid}")
            if kept is not None:
                out[cid] = (kept.json(), kept.fetched)
        return out

    def synonyms(self, cids: Sequence[int]) -> dict[int, list[str]]:
        """Synonyms of many CIDs, one POST per chunk."""
        found, _ = self._chunked(
            "synonyms",
            cids,
            lambda data: (
                (int(i["CID"]), list(i.get("Synonym", [])))
                for i in data["InformationList"]["Information"]
            ),
        )
        return found

    def view(self, cid: int, heading: str | None = None) -> ViewRecord | None:
        """The PUG-View record of one CID (one request, cached), narrowed to ``heading``.

        None when PubChem has no such record or heading (404). Raises PubChemUnavailable
        (busy, down, offline cache miss) and PubChemError (a garbled answer).
        """
        response = self.fetch(view_url(self.settings.pubchem_url, cid, heading))
        if response.status == 404:
            return None
        if response.status == 400:
            problem = fault_message(400, "Bad Request", response.body)
            raise PubChemError(f"PubChem refused the PUG-View request for CID {cid}: {problem}")
        return read_record(response.json(), response.fetched)

    def compounds(self, namespace: str, identifier: str) -> list[Compound]:
        """Full compound records, parsed by :class:`pubchempy.Compound`."""
        data = self.get_json(self.url("compound", namespace, "JSON"), [(namespace, identifier)])
        if data is None:
            return []
        return compound_records(data)

    def candidates(self, queries: Sequence[Query]) -> list[list[Candidate]]:
        """Candidates for many queries: one CID search per query, then batched details.

        A query PubChem does not know gives an empty list; a query it cannot parse (400) too.
        Raises PubChemUnavailable (busy, down, offline) and PubChemError (garbled answers).
        """
        cids_per_query: list[list[int]] = []
        for query in queries:
            namespace = _NAMESPACE[query.kind]
            found = self.cids(namespace, query.value)
            if not found and query.kind is QueryKind.SMILES and query.value.isalnum():
                found = self.cids("name", query.value)  # "nsc94017" reads as SMILES too
            cids_per_query.append(found[:MAX_CIDS_PER_QUERY])
        every = [cid for cids in cids_per_query for cid in cids]
        if not every:
            return [[] for _ in queries]
        props, fetched = self.properties(every)
        names = self.synonyms(every)
        base = self.settings.pubchem_url
        return [
            [
                candidate_from_properties(props[cid], names.get(cid, []), fetched, base)
                for cid in cids
                if cid in props
            ]
            for cids in cids_per_query
        ]
