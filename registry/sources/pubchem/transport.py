"""One guarded request path to PUG-REST: cache, offline mode, rate limit, timeouts, retries.

Every request goes through :meth:`Transport.fetch`, which adds to a plain ``urllib`` request:

* an answer from the response cache when there is one (:mod:`.cache`), and in offline mode
  :class:`~registry.errors.PubChemUnavailable` on a miss before any socket is opened;
* the process-wide rate limit (:mod:`.ratelimit`);
* a timeout on every request and a bound on the total time of one call (``Settings``);
* retries with exponential backoff and full jitter on 503 ``PUGREST.ServerBusy`` (JSON or HTML
  body), 504 ``PUGREST.Timeout`` and connection errors, honouring ``Retry-After``;
* translation of every HTTP and network error into :mod:`registry.errors`.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import http.client
import json
import random
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from typing import Any

from registry.config import Settings
from registry.errors import PubChemError, PubChemUnavailable
from registry.sources.pubchem.cache import Response, ResponseCache, cache_path
from registry.sources.pubchem.ratelimit import RateLimiter, rate_limiter

__all__ = ["Transport", "fault_message"]

_USER_AGENT = "registry (https://github.com/; PubChem client with rate limiting)"
_RETRYABLE_STATUS = {503, 504}


def fault_message(status: int, reason: str, body: bytes) -> str:
    """PubChem's fault code and message when the body is its JSON fault, else the HTTP reason.

    >>> fault_message(400, "Bad Request", b'{"Fault": {"Code": "PUGREST.BadRequest"}}')
    '400 PUGREST.BadRequest'
    >>> fault_message(503, "Service Unavailable", b"<html>busy</html>")
    '503 Service Unavailable'
    """
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


def _read_quietly(error: urllib.error.HTTPError) -> bytes:
    try:
        return error.read()
    except (OSError, http.client.HTTPException):
        return b""


def _part_key(key: str) -> str:
    return hashlib.sha256(f"PART {key}".encode()).hexdigest()


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Transport:
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
        self._cache = ResponseCache(cache_path(settings))
        handlers: list[urllib.request.BaseHandler] = []
        if _is_loopback(settings.pubchem_url):
            handlers.append(urllib.request.ProxyHandler({}))  # never proxy a local server
        self._opener = urllib.request.build_opener(*handlers)

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
        if response.status == 200 and urllib.parse.urlsplit(url).path.upper().endswith("/JSON"):
            response.json()  # a truncated or garbled answer raises here and is never cached
        self._cache.put(key, method, url, body, response)
        return response

    def recall(self, key: str) -> Response | None:
        """A part of an answer kept with :meth:`remember`, or None."""
        return self._cache.get(_part_key(key))

    def remember(self, key: str, url: str, response: Response) -> None:
        """Keep a part of an answer (one CID's row of a batched answer) under its own key."""
        self._cache.put(_part_key(key), "PART", url, None, response)

    def get_json(self, url: str, form: Sequence[tuple[str, str]] | None = None) -> Any | None:
        """The decoded JSON answer, or None when PubChem answers 404 (not found).

        Raises PubChemError when PubChem refuses the request (400 BadRequest).
        """
        response = self.fetch(url, form)
        if response.status == 404:
            return None
        if response.status == 400:
            problem = fault_message(400, "Bad Request", response.body)
            raise PubChemError(f"PubChem refused the request: {problem}")
        return response.json()

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
                problem = fault_message(error.code, str(error.reason), content)
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
