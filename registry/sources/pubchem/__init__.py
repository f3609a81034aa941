"""PubChem PUG-REST client: timed out, retried, rate-limited, batched and cached.

pubchempy builds requests well and parses compound records well, but opens every connection
without a timeout, never retries and never throttles (PubChemPy issues #75, #99, #122). So this
package keeps pubchempy's request shape and its record parsing and sends every request through
one guarded path. The modules, each with one job:

* :mod:`.ratelimit`: one process-wide :class:`RateLimiter` (at most 5 requests per second and
  400 per minute by default, shared by all threads) that slows down further when PubChem's
  ``X-Throttling-Control`` header reports Yellow or Red;
* :mod:`.cache`: a dated SQLite response cache in ``Settings.cache_dir`` (answers and "not
  found" alike), so a repeated lookup makes no request and an answer can be reproduced later;
* :mod:`.transport`: the request path (cache, offline mode, rate limit, timeouts, retries with
  backoff, every HTTP and network error translated into :mod:`registry.errors`);
* :mod:`.client`: :class:`PubChemClient`, the PUG-REST operations, batched;
* :mod:`.translation`: answers into :class:`~registry.models.Candidate` and pubchempy records
  (the only importer of :mod:`pubchempy`);
* :mod:`.source`: :class:`PubChemSource`, the PubChem step of the lookup chain.
"""

from __future__ import annotations

from registry.identifiers import cas_from_synonyms
from registry.sources.pubchem.cache import (
    CACHE_FILE,
    CacheInfo,
    Response,
    ResponseCache,
    cache_clear,
    cache_info,
)
from registry.sources.pubchem.client import CHUNK, MAX_CIDS_PER_QUERY, PubChemClient
from registry.sources.pubchem.ratelimit import RateLimiter, Slot, rate_limiter
from registry.sources.pubchem.source import PubChemSource
from registry.sources.pubchem.translation import PROPERTIES

__all__ = [
    "CACHE_FILE",
    "CHUNK",
    "MAX_CIDS_PER_QUERY",
    "PROPERTIES",
    "CacheInfo",
    "PubChemClient",
    "PubChemSource",
    "RateLimiter",
    "Response",
    "ResponseCache",
    "Slot",
    "cache_clear",
    "cache_info",
    "cas_from_synonyms",
    "rate_limiter",
]
