"""PubChem PUG-REST client: timed out, retried, rate-limited, batched and cached.

The only module that imports :mod:`pubchempy`. pubchempy builds requests well and parses
compound records well, but opens every connection without a timeout, never retries and never
throttles (PubChemPy issues #75, #99, #122). So this module keeps pubchempy's request shape
(identifiers POSTed as ``namespace=value`` form bodies, the same URL layout, its property names)
and its :class:`pubchempy.Compound` record parsing, and sends every request through
:meth:`PubChemClient.fetch`, which adds:

* a timeout on every request and a bound on the total time of one call (``Settings``);
* retries with exponential backoff and full jitter on 503 ``PUGREST.ServerBusy`` (JSON or HTML
  body), 504 ``PUGREST.Timeout`` and connection errors, honouring ``Retry-After``;
* one process-wide :class:`RateLimiter` (at most 5 requests per second and 400 per minute by
  default, shared by all threads) that slows down further when PubChem's
  ``X-Throttling-Control`` header reports Yellow or Red;
* a dated SQLite response cache in ``Settings.cache_dir`` (answers and "not found" alike), so a
  repeated lookup makes no request and an answer can be reproduced later;
* offline mode, where a cache miss raises :class:`~registry.errors.PubChemUnavailable` before any
  socket is opened;
* translation of every HTTP, network and pubchempy error into :mod:`registry.errors`.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import http.client
import json
import math
import random
import re
import sqlite3
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pubchempy  # type: ignore[import-untyped]

from registry.config import Settings
from registry.errors import PubChemError, PubChemUnavailable
from registry.identifiers import Query, QueryKind, cas_from_synonyms
from registry.models import Candidate

__all__ = [
    "CacheInfo",
    "PubChemClient",
    "PubChemSource",
    "RateLimiter",
    "Response",
    "cache_clear",
    "cache_info",
    "cas_from_synonyms",
    "rate_limiter",
]

CACHE_FILE = "pubchem-cache.sqlite"
# Properties fetched for each candidate, in one POST per chunk of CIDs. PubChem renamed
# IsomericSMILES to SMILES in 2025; both spellings are read back.
PROPERTIES = ("Title", "MolecularFormula", "MolecularWeight", "IsomericSMILES", "InChI", "InChIKey",
              "IUPACName")  # fmt: skip
CHUNK = 100  # CIDs per POST: well under PubChem's URL/body and response-size limits
MAX_CIDS_PER_QUERY = 10  # a name like "sugar" maps to hundreds of CIDs; keep the first ones
_USER_AGENT = "registry (https://github.com/; PubChem client with rate limiting)"
_RETRYABLE_STATUS = {503, 504}
_NAMESPACE = {
    QueryKind.NAME: "name",
    QueryKind.CAS: "name",  # PubChem knows CAS numbers as synonyms
    QueryKind.SMILES: "smiles",
    QueryKind.INCHI: "inchi",
    QueryKind.INCHIKEY: "inchikey",
    QueryKind.CID: "cid",
}


# --- Rate limiting ---------------------------------------------------------------------------

_THROTTLE_STATUS = re.compile(r"status:\s*(Green|Yellow|Red|Black)", re.IGNORECASE)
# Extra spacing between requests while PubChem reports load (seconds).
_THROTTLE_PAUSE = {"green": 0.0, "yellow": 0.5, "red": 2.0, "black": 10.0}


class _Slot:
    """One request's place in the limiter's window: in flight (inf) until it completes."""

    __slots__ = ("time",)

    def __init__(self) -> None:
        self.time = math.inf


class RateLimiter:
    """A thread-safe sliding-window limiter over two windows (per second and per minute).

    A request counts from the moment it starts until one window length after it completes, so
    that however long the network holds it, the server never sees more than the limit in any
    window: PubChem receives a request somewhere between its start and its completion, and a
    new request starts only when fewer than the limit completed (or are still in flight)
    within the window before it. Use ``release(acquire())`` around every request.
    """

    def __init__(
        self,
        per_second: float = 5.0,
        per_minute: float = 400.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        margin: float = 0.02,
    ) -> None:
        self.per_second = max(1, int(per_second))
        self.per_minute = max(1, int(per_minute))
        self._clock = clock
        self._sleep = sleep
        self._margin = margin
        self._lock = threading.Lock()
        self._slots: list[_Slot] = []
        self._last_start = -math.inf
        self._pause = 0.0  # from X-Throttling-Control
        self.level = "green"

    def _wait_needed(self, now: float) -> float:
        horizon = now - 60.0 - self._margin
        self._slots = [slot for slot in self._slots if slot.time > horizon]
        times = sorted(slot.time for slot in self._slots)
        waits = [0.0, self._last_start + self._pause - now]
        for limit, window in ((self.per_second, 1.0), (self.per_minute, 60.0)):
            if len(times) >= limit:
                oldest = times[-limit]
                # All of the last `limit` still in flight: look again shortly.
                waits.append(0.01 if oldest == math.inf else oldest + window + self._margin - now)
        return max(waits)

    def acquire(self, deadline: float | None = None) -> _Slot:
        """Block until a request may start; raise PubChemUnavailable past ``deadline``."""
        while True:
            with self._lock:
                now = self._clock()
                wait = self._wait_needed(now)
                if wait <= 0:
                    slot = _Slot()
                    self._slots.append(slot)
                    self._last_start = now
                    return slot
            if deadline is not None and now + wait > deadline:
                raise PubChemUnavailable(
                    "PubChem request budget exhausted while waiting for the rate limit"
                )
            self._sleep(wait)

    def release(self, slot: _Slot) -> None:
        """Mark a request complete (answered, failed or timed out)."""
        with self._lock:
            slot.time = self._clock()

    def observe(self, header: str | None) -> None:
        """Adapt to PubChem's ``X-Throttling-Control`` header (absent: no change)."""
        if not header:
            return
        levels = [m.lower() for m in _THROTTLE_STATUS.findall(header)]
        if not levels:
            return
        worst = max(levels, key=lambda level: _THROTTLE_PAUSE.get(level, 0.0))
        with self._lock:
            self.level = worst
            self._pause = _THROTTLE_PAUSE.get(worst, 0.0)


_LIMITERS: dict[tuple[int, int], RateLimiter] = {}
_LIMITERS_LOCK = threading.Lock()


def rate_limiter(settings: Settings) -> RateLimiter:
    """The process-wide limiter for these limits (one per distinct pair of limits)."""
    key = (int(settings.pubchem_rate_per_second), int(settings.pubchem_rate_per_minute))
    with _LIMITERS_LOCK:
        limiter = _LIMITERS.get(key)
        if limiter is None:
            limiter = _LIMITERS[key] = RateLimiter(*key)
        return limiter


# --- Response cache --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Response:
    """One PubChem answer: status 200 or 404, body, when it was fetched, whether from cache."""

    status: int
    body: bytes
    fetched: str
    from_cache: bool = False

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as error:
            raise PubChemError(f"PubChem sent a malformed JSON answer: {error}") from error


@dataclass(frozen=True, slots=True)
class CacheInfo:
    path: Path
    entries: int
    size_bytes: int
    oldest: str | None
    newest: str | None


_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    method TEXT NOT NULL,
    url TEXT NOT NULL,
    body TEXT,
    status INTEGER NOT NULL,
    content BLOB NOT NULL,
    fetched TEXT NOT NULL
)
"""


def _cache_path(settings: Settings) -> Path:
    return settings.cache_dir / CACHE_FILE


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(_SCHEMA)
    return connection


class _Cache:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None

    def _db(self) -> sqlite3.Connection:
        if self._connection is None:
            try:
                self._connection = _connect(self.path)
            except sqlite3.Error as error:
                raise PubChemError(f"cannot open the PubChem cache {self.path}: {error}") from error
        return self._connection

    def get(self, key: str) -> Response | None:
        with self._lock:
            try:
                row = (
                    self._db()
                    .execute("SELECT status, content, fetched FROM responses WHERE key = ?", (key,))
                    .fetchone()
                )
            except sqlite3.Error as error:
                raise PubChemError(f"PubChem cache {self.path} unreadable: {error}") from error
        if row is None:
            return None
        return Response(int(row[0]), bytes(row[1]), str(row[2]), from_cache=True)

    def put(self, key: str, method: str, url: str, body: str | None, response: Response) -> None:
        with self._lock:
            try:
                self._db().execute(
                    "INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (key, method, url, body, response.status, response.body, response.fetched),
                )
            except sqlite3.Error as error:
                raise PubChemError(
                    f"cannot write the PubChem cache {self.path}: {error}"
                ) from error


def cache_info(settings: Settings) -> CacheInfo:
    """Where the response cache is, how many answers it holds and from when."""
    path = _cache_path(settings)
    if not path.exists():
        return CacheInfo(path, 0, 0, None, None)
    try:
        connection = _connect(path)
        try:
            count, oldest, newest = connection.execute(
                "SELECT count(*), min(fetched), max(fetched) FROM responses"
            ).fetchone()
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise PubChemError(f"PubChem cache {path} unreadable: {error}") from error
    size = sum(p.stat().st_size for p in path.parent.glob(CACHE_FILE + "*") if p.is_file())
    return CacheInfo(path, int(count), size, oldest, newest)


def cache_clear(settings: Settings) -> int:
    """Delete every cached answer; returns how many there were."""
    path = _cache_path(settings)
    if not path.exists():
        return 0
    try:
        connection = _connect(path)
        try:
            (count,) = connection.execute("SELECT count(*) FROM responses").fetchone()
            connection.execute("DELETE FROM responses")
            connection.execute("VACUUM")
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise PubChemError(f"cannot clear the PubChem cache {path}: {error}") from error
    return int(count)


# --- The client ------------------------------------------------------------------------------


def _fault_message(status: int, reason: str, body: bytes) -> str:
    """PubChem's fault code and message when the body is its JSON fault, else the HTTP reason."""
    try:
        fault = json.loads(body)["Fault"]
        message = str(fault.get("Code", reason))
        if fault.get("Message"):
            message = f"{message}: {fault['Message']}"
        return f"{status} {message}"
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return f"{status} {reason}".strip()  # an HTML page (busy proxies send those)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))  # seconds (PubChem sends whole seconds)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def _is_loopback(url: str) -> bool:
    host = urllib.parse.urlsplit(url).hostname or ""
    return host in {"127.0.0.1", "localhost", "::1"}


class PubChemClient:
    """PUG-REST through one guarded request path.

    Args:
        settings: base URL, timeouts, retries, rate limits, cache directory, offline flag.
        limiter: the rate limiter (default: the process-wide one for the settings' limits).
        sleep: how to wait between retries (tests may pass a recorder).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.limiter = limiter or rate_limiter(settings)
        self._sleep = sleep
        self._cache = _Cache(_cache_path(settings))
        handlers: list[urllib.request.BaseHandler] = []
        if _is_loopback(settings.pubchem_url):
            handlers.append(urllib.request.ProxyHandler({}))  # never proxy a local server
        self._opener = urllib.request.build_opener(*handlers)

    # -- transport ----------------------------------------------------------------------------

    def url(self, *parts: str) -> str:
        """The PUG-REST URL for path parts, laid out as pubchempy does."""
        return "/".join([self.settings.pubchem_url.rstrip("/"), *[p for p in parts if p]])

    def fetch(self, url: str, form: Sequence[tuple[str, str]] | None = None) -> Response:
        """One GET (or POST with ``form``), from the cache when possible.

        Returns a 200 or 404 :class:`Response` (both are cached) or a 400 one (not cached).
        Raises PubChemUnavailable when offline with a cache miss, or when PubChem stays busy,
        times out or is unreachable past the retries and the time budget; PubChemError for any
        other fault.
        """
        body = urllib.parse.urlencode(form) if form is not None else None
        method = "POST" if body is not None else "GET"
        key = hashlib.sha256(f"{method} {url}\n{body or ''}".encode()).hexdigest()
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        if self.settings.offline:
            raise PubChemUnavailable(f"offline mode: no cached PubChem answer for {url}")
        response = self._send(url, body)
        if response.status == 400:
            return response  # a bad request may be PubChem's passing fault: not cached
        if response.status == 200 and url.upper().endswith("/JSON"):
            response.json()  # a truncated or garbled answer raises here and is never cached
        self._cache.put(key, method, url, body, response)
        return response

    def _send(self, url: str, body: str | None) -> Response:
        settings = self.settings
        deadline = time.monotonic() + settings.pubchem_max_wait
        data = body.encode() if body is not None else None
        problem = "no attempt made"
        for attempt in range(settings.pubchem_retries + 1):
            slot = self.limiter.acquire(deadline)
            try:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                response, problem, retry_after = self._attempt(
                    url, data, min(settings.pubchem_timeout, remaining)
                )
            finally:
                self.limiter.release(slot)
            if response is not None:
                return response
            if attempt == settings.pubchem_retries:
                break
            # Full jitter on an exponential backoff; Retry-After, when given, is the floor.
            delay = random.uniform(0, settings.pubchem_backoff * 2**attempt)
            if retry_after is not None:
                delay = max(delay, retry_after)
            if time.monotonic() + delay >= deadline:
                break
            self._sleep(delay)
        raise PubChemUnavailable(
            f"PubChem unavailable after {attempt + 1} attempt(s) "
            f"(budget {settings.pubchem_max_wait:g} s): {problem}"
        )

    def _attempt(
        self, url: str, data: bytes | None, timeout: float
    ) -> tuple[Response | None, str, float | None]:
        """One request: (response, "", None), or (None, problem, Retry-After) to retry."""
        request = urllib.request.Request(url, data=data, headers={"User-Agent": _USER_AGENT})
        if data is not None:
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with self._opener.open(request, timeout=timeout) as answer:
                content = answer.read()
                self.limiter.observe(answer.headers.get("X-Throttling-Control"))
                return Response(answer.status, content, _now()), "", None
        except urllib.error.HTTPError as error:
            with error:
                content = _read_quietly(error)
                self.limiter.observe(error.headers.get("X-Throttling-Control"))
                problem = _fault_message(error.code, str(error.reason), content)
                if error.code in (400, 404):  # the caller decides; 400 is never cached
                    return Response(error.code, content, _now()), "", None
                if error.code not in _RETRYABLE_STATUS:
                    raise PubChemError(f"PubChem refused the request: {problem}") from error
                return None, problem, _retry_after(error.headers.get("Retry-After"))
        except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
            # URLError wraps refused connections and timeouts while connecting; a stall while
            # reading raises TimeoutError (an OSError); a dropped connection raises
            # RemoteDisconnected or IncompleteRead (HTTPException) or ConnectionResetError.
            reason = getattr(error, "reason", error)
            return None, f"{type(reason).__name__}: {reason}" if str(reason) else repr(reason), None

    def get_json(self, url: str, form: Sequence[tuple[str, str]] | None = None) -> Any | None:
        """The decoded JSON answer, or None when PubChem answers 404 (not found).

        Raises PubChemError when PubChem refuses the request (400 BadRequest).
        """
        response = self.fetch(url, form)
        if response.status == 404:
            return None
        if response.status == 400:
            problem = _fault_message(400, "Bad Request", response.body)
            raise PubChemError(f"PubChem refused the request: {problem}")
        return response.json()

    # -- operations ---------------------------------------------------------------------------

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
        """Properties of many CIDs, one POST per chunk; also the newest fetch date."""
        operation = "property/" + ",".join(PROPERTIES)
        return self._chunked(
            operation,
            cids,
            lambda data: ((int(p["CID"]), p) for p in data["PropertyTable"]["Properties"]),
        )

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

    def compounds(self, namespace: str, identifier: str) -> list[pubchempy.Compound]:
        """Full compound records, parsed by :class:`pubchempy.Compound`."""
        data = self.get_json(self.url("compound", namespace, "JSON"), [(namespace, identifier)])
        if data is None:
            return []
        try:
            return [pubchempy.Compound(record) for record in data["PC_Compounds"]]
        except (pubchempy.PubChemPyError, KeyError, TypeError, ValueError) as error:
            raise PubChemError(f"unreadable PubChem compound record: {error}") from error

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
        return [
            [
                _candidate(props[cid], names.get(cid, []), fetched, self.settings.pubchem_url)
                for cid in cids
                if cid in props
            ]
            for cids in cids_per_query
        ]


def _candidate(props: dict[str, Any], synonyms: list[str], fetched: str, base: str) -> Candidate:
    cid = int(props["CID"])
    weight = props.get("MolecularWeight")
    return Candidate(
        source="pubchem",
        retrieved=fetched,
        name=str(props.get("Title") or (synonyms[0] if synonyms else "")),
        cas=cas_from_synonyms(synonyms),
        formula=str(props.get("MolecularFormula", "")),
        inchikey=str(props.get("InChIKey", "")),
        cid=cid,
        smiles=str(props.get("SMILES") or props.get("IsomericSMILES") or ""),
        inchi=str(props.get("InChI", "")),
        iupac_name=str(props.get("IUPACName", "")),
        molecular_weight=float(weight) if weight not in (None, "") else None,
        synonyms=tuple(synonyms[:20]),
        origin=f"{base}/compound/cid/{cid}",
    )


def _read_quietly(error: urllib.error.HTTPError) -> bytes:
    try:
        return error.read()
    except (OSError, http.client.HTTPException):
        return b""


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class PubChemSource:
    """The PubChem step of the lookup chain."""

    name = "pubchem"

    def __init__(self, settings: Settings, client: PubChemClient | None = None) -> None:
        self.client = client or PubChemClient(settings)
        self._down: PubChemUnavailable | None = None

    def find_many(self, queries: Sequence[Query]) -> list[list[Candidate]]:
        """Candidates per query; once PubChem proved unavailable, fail at once (no new waits)."""
        if self._down is not None:
            raise PubChemUnavailable(f"{self._down} (not retried in this run)")
        try:
            return self.client.candidates(queries)
        except PubChemUnavailable as error:
            if not self.client.settings.offline:
                self._down = error
            raise
