"""The exception tree of the registry: one root, leaves that are also the builtin they resemble.

Every error a caller can see is a :class:`RegistryError`. Third-party errors (sqlite3, psycopg,
pubchempy, RDKit) are translated into these where they enter the package, with ``raise ... from``.
"""

from __future__ import annotations

__all__ = [
    "Ambiguous",
    "DuplicateCompound",
    "InputFileError",
    "InvalidChecksum",
    "InvalidFormat",
    "InvalidLength",
    "InvalidStructure",
    "NotFound",
    "PubChemError",
    "PubChemUnavailable",
    "RecordFileError",
    "RegistryError",
    "RelatedStructure",
    "StoreError",
    "ValidationError",
]


class RegistryError(Exception):
    """Root of every error the registry raises on purpose.

    Messages name Python parameters (``pick=N``, ``link=True``), never command-line flags.
    """


class ValidationError(RegistryError, ValueError):
    """A value (CAS number, structure, record field) is not acceptable."""


class InvalidFormat(ValidationError):
    """The value has characters or a shape that can never be valid."""


class InvalidLength(ValidationError):
    """The value's digit groups have the wrong number of digits."""


class InvalidChecksum(ValidationError):
    """The check digit does not match the rest of the number.

    Attributes:
        expected: the check digit the number should end with.
        found: the check digit it ends with.
    """

    def __init__(self, message: str, *, expected: int, found: int) -> None:
        super().__init__(message)
        self.expected = expected
        self.found = found


class InvalidStructure(ValidationError):
    """A structure that the chemistry toolkit cannot read or sanitise."""


class NotFound(RegistryError, LookupError):
    """Nothing matches the query."""


class Ambiguous(RegistryError, LookupError):
    """Several records match where one was required."""


class DuplicateCompound(RegistryError):
    """The structure or identifier is already registered."""


class RelatedStructure(DuplicateCompound):
    """The structure is a tautomer or stereoisomer of a registered compound, not identical.

    Attributes:
        matches: ``(relation, registry id)`` of each registered compound that blocks it,
            ``relation`` being ``"tautomer"`` (same tautomer-insensitive hash) or
            ``"stereoisomer"`` (same stereo-insensitive hash).
    """

    def __init__(self, message: str, *, matches: tuple[tuple[str, str], ...]) -> None:
        super().__init__(message)
        self.matches = matches


class PubChemError(RegistryError):
    """PubChem answered with a fault that retrying will not fix."""


class PubChemUnavailable(PubChemError):
    """PubChem could not be reached or was busy (retryable: busy, timeout, offline)."""


class RecordFileError(RegistryError):
    """A compound record file is malformed; the message names the file and line."""


class InputFileError(RegistryError):
    """An input file cannot be read as the kind of file it should be (binary, bad encoding)."""


class StoreError(RegistryError):
    """The registry database cannot be opened, read or written (locked, corrupt, unreachable)."""
