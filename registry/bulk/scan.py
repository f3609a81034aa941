"""The first pass over a column: which texts are CAS numbers in canonical form, and their codes.

:func:`canonical_codes` gives one code per text: 0 unless the text is a CAS number in canonical
form (:data:`registry.cas.CANONICAL_PATTERN`), whatever its check digit; otherwise
``1 + 10 * found + expected`` (the check digit it has, the one :data:`registry.cas.WEIGHTS`
call for). Nearly every cell of a real column is settled by this code alone.

Two engines compute it, with the same rule: the compiled kernel ``registry.bulk._scan`` (built
from ``_scan.c`` where a C compiler was found at install) and, without it, polars expressions
(:func:`with_check_digits`). Both take their weights from :mod:`registry.cas`, and
``tests/test_scan_kernel.py`` checks both against :func:`registry.cas.check` and against each
other.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Protocol, cast

import polars as pl

from registry import cas

_Capsules = tuple[object, object]


class _Kernel(Protocol):
    """The functions of the compiled kernel ``registry.bulk._scan`` (see ``_scan.c``)."""

    def use_allocator(self, capsule: object, polars_major: int, /) -> bool: ...

    def canonical_codes(
        self, stream: object, length: int, weights: Sequence[int], /
    ) -> _Capsules: ...

    def key_set(self, stream: object, length: int, /) -> object: ...

    def key_members(self, keys: object, stream: object, length: int, /) -> _Capsules: ...

    def key_set_slots(self, keys: object, /) -> _Capsules: ...

    def key_set_view(self, stream: object, length: int, zero: bool, /) -> object: ...

    def key_set_zero(self, keys: object, /) -> bool: ...


_scan: _Kernel | None
try:
    # By name: a compiled module is no Python source, so import graphs would otherwise take
    # it for an import of the package registry.bulk, which imports this module.
    _scan = cast(_Kernel, importlib.import_module("registry.bulk._scan"))
except ImportError:  # built without a C compiler: polars expressions do the work
    _scan = None

__all__ = [
    "ArrowArray",
    "KeySet",
    "canonical_codes",
    "code_columns",
    "compiled",
    "use_polars_allocator",
    "with_check_digits",
]


def compiled() -> bool:
    """True when the compiled kernel is loaded (then it computes :func:`canonical_codes`)."""
    return _scan is not None


def use_polars_allocator() -> bool:
    """Let the kernel allocate its columns with polars' own allocator; True when it does.

    Polars hands its allocator to extensions as the capsule ``polars.polars._allocator``, whose
    layout the kernel knows for the polars majors it was tested with. The kernel checks the
    capsule's name and the major version given here, and otherwise keeps the C library's
    allocator (columns are then the same, only allocated from elsewhere).
    """
    if _scan is None:
        return False
    capsule = getattr(pl, "_allocator", None)
    major = int(pl.__version__.split(".")[0])
    return _scan.use_allocator(capsule, major)


use_polars_allocator()


# --- the polars twin ---------------------------------------------------------------------------

_LAYOUT = "DDDDDDD-DD-C"
"""A CAS number left-padded with "0" to 12 bytes (body digits D, check digit C): three
big-endian 32-bit words."""
_WORDS = pl.Array(pl.UInt32, 3)


def _word_masks(digit: int, hyphen: int, check: int | None = None) -> tuple[int, int, int]:
    """Per word of ``_LAYOUT``, the bytes ``digit`` at its body digits, ``check`` (default
    ``digit``) at the check digit and ``hyphen`` at its hyphens."""
    byte = {"D": digit, "C": digit if check is None else check, "-": hyphen}
    lanes = bytes(byte[char] for char in _LAYOUT)
    first, second, third = (int.from_bytes(lanes[at : at + 4], "big") for at in range(0, 12, 4))
    return first, second, third


# Per word: the bits that must equal the layout (a digit's high nibble is 3, a hyphen whole),
# what carries a digit's high nibble out of 3 when its low nibble is above 9, and the body's
# digits.
_WORD_MASK = _word_masks(0xF0, 0xFF)
_WORD_PATTERN = _word_masks(0x30, ord("-"))
_WORD_CARRY = _word_masks(0x06, 0x00)
_WORD_HIGH = _word_masks(0xF0, 0x00)
_WORD_DIGITS = _word_masks(0x0F, 0x00, check=0x00)


def _word_weights() -> tuple[int, int, int]:
    """Per word, a multiplier whose product with the word's digits holds in byte 3 their
    weighted sum by ``cas.WEIGHTS`` negated modulo 10.

    A digit in byte ``p`` of a word (0 the highest) times lane ``p`` of the multiplier lands in
    byte 3 of the product. Negated, the weights 9..1 become 1..9 from the left, so no byte of
    a product reaches 256 and no carry spoils byte 3 (checked here).
    """
    body = [at for at, char in enumerate(_LAYOUT) if char == "D"]
    multipliers = [0, 0, 0]
    for at, weight in zip(body, cas.WEIGHTS, strict=True):
        multipliers[at // 4] |= (-weight % 10) << 8 * (at % 4)
    for multiplier in multipliers:
        assert 9 * sum(multiplier.to_bytes(4, "big")) < 256, "a carry would spoil byte 3"
    return multipliers[0], multipliers[1], multipliers[2]


_WORD_WEIGHTS = _word_weights()
_ABOVE_ANY_SUM = 1000  # a multiple of 10 above any sum of three byte lanes


def with_check_digits(frame: pl.LazyFrame, column: str) -> pl.LazyFrame:
    """``frame`` with ``shaped``, ``expected`` and ``found`` for text that may be ``N-NN-N``.

    ``shaped`` is true when the text, left-padded with "0" to 12 bytes, reads
    ``DDDDDDD-DD-D``; then ``expected`` is the check digit the body calls for and ``found`` the
    one present (elsewhere both mean nothing). Integer arithmetic on the bytes, a word at a
    time, costs less than a regex and a byte look-up per digit.
    """
    words = (
        pl.col(column)
        .str.pad_start(12, "0")
        .cast(pl.Binary)
        .bin.reinterpret(dtype=_WORDS, endianness="big")
    )  # null where the text is longer than 12 bytes
    oks: list[pl.Expr] = []
    sums: list[pl.Expr] = []
    for i in range(3):
        word = pl.col(f"_w{i}")
        oks.append(
            ((word & _WORD_MASK[i]) == _WORD_PATTERN[i])
            & (((word + _WORD_CARRY[i]) & _WORD_HIGH[i]) == (_WORD_PATTERN[i] & _WORD_HIGH[i]))
        )
        sums.append(
            ((word & _WORD_DIGITS[i]).cast(pl.UInt64) * _WORD_WEIGHTS[i]) // (1 << 24) & 0xFF
        )
    return (
        frame.with_columns(_words=words)
        .with_columns(pl.col("_words").arr.get(i).alias(f"_w{i}") for i in range(3))
        .with_columns(
            shaped=(oks[0] & oks[1] & oks[2]).fill_null(False),
            expected=((_ABOVE_ANY_SUM - (sums[0] + sums[1] + sums[2])) % 10).cast(pl.UInt8),
            found=(pl.col("_w2") & 0x0F).cast(pl.UInt8),
        )
        .drop("_words", "_w0", "_w1", "_w2")
    )


# --- the codes ---------------------------------------------------------------------------------


def canonical_codes(text: pl.Series) -> pl.Series:
    """Per text (UInt8, one chunk): 0 unless it is a CAS number in canonical form, checksum
    aside; then ``1 + 10 * found + expected`` (its check digit, the one its other digits call
    for). Null counts as text that is not a number.

    >>> canonical_codes(pl.Series(["50-78-2", "50-78-3", "050-78-2", None])).to_list()
    [23, 33, 0, 0]
    """
    if _scan is not None:
        try:
            capsules = _scan.canonical_codes(text.__arrow_c_stream__(), text.len(), cas.WEIGHTS)
        except TypeError:  # not laid out as string views: a polars that stores text otherwise
            pass
        else:
            return pl.Series(ArrowArray(capsules)).alias("code")
    return (
        with_check_digits(pl.LazyFrame({"text": text}), "text")
        .select(
            code=pl.when(
                pl.col("shaped")
                & (pl.col("text").str.len_bytes() >= 7)
                & ~pl.col("text").str.starts_with("0")  # leading zeros are a normalisation
            )
            .then(1 + pl.col("found") * 10 + pl.col("expected"))
            .otherwise(0)
            .cast(pl.UInt8)
        )
        .collect(engine="streaming")
        .to_series()
        .rechunk()  # one chunk, as the kernel gives it
    )


def code_columns(codes: pl.Series) -> pl.DataFrame:
    """The codes of :func:`canonical_codes` as columns: ``canonical`` (the text is a number in
    canonical form, checksum aside), ``ok`` (its check digit holds), ``bad`` (canonical but
    the check digit fails), ``expected`` and ``checksum_reason`` (the code itself: 1 + 10 *
    found + expected indexes the reason for a failed check digit in the message tables)."""
    code = pl.col("code")
    canonical = code > 0
    found, expected = (code - 1) // 10, (code - 1) % 10
    return pl.select(code=codes).select(
        canonical=canonical,
        expected=expected,
        ok=canonical & (found == expected),
        bad=canonical & (found != expected),
        checksum_reason=code,
    )


class ArrowArray:
    """An Arrow array's capsules, for polars to take in by the Arrow PyCapsule interface."""

    def __init__(self, capsules: _Capsules) -> None:
        self._capsules = capsules

    def __arrow_c_array__(self, requested_schema: object = None) -> _Capsules:
        return self._capsules


class KeySet:
    """A set of 64-bit keys (hashes), built once and asked about a whole column at a time.

    A polars join or ``is_in`` against a large table hashes that table again on every call;
    the compiled kernel keeps its hash table between calls. Without the kernel, ``is_in``
    does the same work each time, with the same answers.

    >>> keys = KeySet(pl.Series([5, 7], dtype=pl.UInt64))
    >>> keys.members(pl.Series([7, 8, None], dtype=pl.UInt64)).to_list()
    [True, False, False]
    """

    def __init__(self, keys: pl.Series) -> None:
        keys = keys.cast(pl.UInt64)
        self._table: object | None = None
        self._keys: pl.Series | None = None
        if _scan is not None:
            self._table = _scan.key_set(keys.__arrow_c_stream__(), keys.len())
        else:
            self._keys = keys.drop_nulls().unique()

    def slots(self) -> tuple[pl.Series, bool] | None:
        """The compiled set's hash table (a UInt64 column) and whether it holds key 0, for
        :meth:`from_slots` to take back (a cache file); None without the kernel."""
        if self._table is None or _scan is None:
            return None
        table = pl.Series(ArrowArray(_scan.key_set_slots(self._table))).alias("slots")
        return table, _scan.key_set_zero(self._table)

    @classmethod
    def from_slots(cls, slots: pl.Series, zero: bool) -> KeySet | None:
        """The set :meth:`slots` gave, without building it again (the column is kept, not
        copied: memory-mapped from a file, it is read only where asked); None without the
        kernel or for a column that is no such table."""
        if _scan is None:
            return None
        slots = slots.rechunk()
        try:
            table = _scan.key_set_view(slots.__arrow_c_stream__(), slots.len(), zero)
        except (TypeError, ValueError):
            return None
        keys = cls.__new__(cls)
        keys._table, keys._keys = table, None
        return keys

    def members(self, keys: pl.Series) -> pl.Series:
        """Per key (UInt64), whether the set holds it; False for a null."""
        keys = keys.cast(pl.UInt64)
        if self._table is not None and _scan is not None:
            capsules = _scan.key_members(self._table, keys.__arrow_c_stream__(), keys.len())
            return pl.Series(ArrowArray(capsules)).cast(pl.Boolean).alias(keys.name)
        assert self._keys is not None
        return keys.is_in(self._keys.implode()).fill_null(False).alias(keys.name)
