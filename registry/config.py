"""Settings: the one place that reads environment variables.

A frozen :class:`Settings` is built once (``Settings.from_env()``, with command-line options as
overrides) and passed down; no module keeps mutable configuration of its own.

Environment variables:
    REGISTRY_DB: SQLAlchemy URL of the registry database (default: SQLite in the user data dir).
    REGISTRY_DATA_DIR: where the default database and the offline reference index live.
    REGISTRY_CACHE_DIR: where the PubChem response cache lives.
    REGISTRY_OFFLINE: "1"/"true"/"yes" to never open a network connection.
    REGISTRY_PUBCHEM_URL: base URL of PUG-REST (tests and mirrors point it elsewhere).
    REGISTRY_PUBCHEM_TIMEOUT: seconds to wait for one PubChem response.
    REGISTRY_PUBCHEM_RETRIES, REGISTRY_PUBCHEM_BACKOFF, REGISTRY_PUBCHEM_MAX_WAIT: retries after
        a busy/timeout/network failure, the first backoff in seconds (doubling, with jitter),
        and the bound in seconds on the total time of one PubChem request.
    REGISTRY_AUTHOR: who is recorded in the audit log (default: the OS user).
    REGISTRY_MAX_ATOMS: the most atoms an input structure may have (default 2000).
    REGISTRY_MAX_STRUCTURE_CHARS: the longest SMILES, InChI or SMARTS read (default 10000).
"""

from __future__ import annotations

import dataclasses
import getpass
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from registry.errors import ValidationError

__all__ = ["PUBCHEM_URL", "Settings", "StructureLimits", "structure_limits"]

PUBCHEM_URL = "https://pubchem.ncbi.nlm.nih.gov/rest/pug"
_APP = "registry"
_TRUE = {"1", "true", "yes", "on"}


def _default_author() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers) and no USER variable
        return "unknown"


@dataclass(frozen=True, slots=True)
class StructureLimits:
    """How large an input structure may be.

    RDKit's SMILES parser and canonicaliser recurse per atom and per branch: a chain of 20,000
    atoms overflows the C stack and kills the process, and the descriptors grow quadratically
    long before that. Every structure read from outside is held to these bounds, far above
    any small molecule or peptide a registry holds.
    """

    max_atoms: int = 2000
    max_text: int = 10_000


def structure_limits(environ: Mapping[str, str] | None = None) -> StructureLimits:
    """The limits in force (``REGISTRY_MAX_ATOMS``, ``REGISTRY_MAX_STRUCTURE_CHARS``)."""
    env = os.environ if environ is None else environ
    defaults = StructureLimits()
    return StructureLimits(
        max_atoms=_positive(env, "REGISTRY_MAX_ATOMS", defaults.max_atoms),
        max_text=_positive(env, "REGISTRY_MAX_STRUCTURE_CHARS", defaults.max_text),
    )


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise ValidationError(f"{name}={text!r}: give a positive whole number")
    return value


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything configurable, resolved once."""

    data_dir: Path
    cache_dir: Path
    db_url: str
    offline: bool = False
    pubchem_url: str = PUBCHEM_URL
    pubchem_timeout: float = 30.0
    author: str = "unknown"
    # PubChem client (registry.sources.pubchem): retries with exponential backoff and jitter, a
    # bound
    # on the total time one call may take, and PubChem's published request-rate limits.
    pubchem_retries: int = 4
    pubchem_backoff: float = 1.0
    pubchem_max_wait: float = 120.0
    pubchem_rate_per_second: float = 5.0
    pubchem_rate_per_minute: float = 400.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from the environment; keyword overrides that are not None win."""
        env = os.environ if environ is None else environ
        from platformdirs import user_cache_dir, user_data_dir

        # An overridden data_dir also moves the default database (an explicit db_url or
        # REGISTRY_DB still wins): the database lives with the data it belongs to.
        data_dir = Path(
            overrides.get("data_dir")
            or env.get("REGISTRY_DATA_DIR")
            or user_data_dir(_APP, appauthor=False)
        )
        cache_dir = Path(env.get("REGISTRY_CACHE_DIR") or user_cache_dir(_APP, appauthor=False))
        values: dict[str, Any] = {
            "data_dir": data_dir,
            "cache_dir": cache_dir,
            "db_url": env.get("REGISTRY_DB") or f"sqlite:///{data_dir / 'registry.sqlite'}",
            "offline": env.get("REGISTRY_OFFLINE", "").strip().lower() in _TRUE,
            "pubchem_url": (env.get("REGISTRY_PUBCHEM_URL") or PUBCHEM_URL).rstrip("/"),
            "pubchem_timeout": float(env.get("REGISTRY_PUBCHEM_TIMEOUT") or 30.0),
            "author": env.get("REGISTRY_AUTHOR") or _default_author(),
            "pubchem_retries": int(env.get("REGISTRY_PUBCHEM_RETRIES") or 4),
            "pubchem_backoff": float(env.get("REGISTRY_PUBCHEM_BACKOFF") or 1.0),
            "pubchem_max_wait": float(env.get("REGISTRY_PUBCHEM_MAX_WAIT") or 120.0),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        values["data_dir"], values["cache_dir"] = (
            Path(values["data_dir"]),
            Path(values["cache_dir"]),
        )
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)
