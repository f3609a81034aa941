"""CAS Registry Numbers: parse, normalise, check, explain and suggest corrections.

A CAS RN is 2 to 7 digits (the first not 0), a hyphen, 2 digits, a hyphen and a check digit.
The check digit is the sum of every other digit times its position counted from the right,
modulo 10. The shape of this module follows python-stdnum: :func:`compact`,
:func:`calc_check_digit`, :func:`validate` (canonical string or a typed error) and
:func:`is_valid`, plus :func:`check` for a full explanation and :func:`suggest` for corrections.

Pure standard library: ``registry cas`` imports it, so nothing here may import anything heavy.
The check digit has one computation (:func:`_residue`: three dictionary look-ups built from
:data:`WEIGHTS`); :mod:`registry.bulk` applies the same weights in its vectorised engines.

>>> validate("CAS No. 50\u201378\u20132")
'50-78-2'
>>> is_valid("50-78-3")
False
>>> calc_check_digit("5078")
'2'
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Callable, Container, Iterable
from typing import NamedTuple

from registry.errors import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError

__all__ = [
    "CANONICAL_PATTERN",
    "DASHES",
    "EC_NUMBER_PATTERN",
    "PREFIX",
    "SHAPE_PATTERN",
    "WEIGHTS",
    "CasCheck",
    "CasStatus",
    "calc_check_digit",
    "characters_reason",
    "check",
    "compact",
    "is_valid",
    "suggest",
    "validate",
]

CANONICAL_PATTERN = r"[1-9][0-9]{1,6}-[0-9]{2}-[0-9]"
"""A CAS number in canonical form, its check digit unchecked: 2 to 7 digits (the first not 0),
a hyphen, 2 digits, a hyphen and one digit. Anchor it (``^...$``) or use ``fullmatch``."""
SHAPE_PATTERN = r"[0-9]{2,7}-[0-9]{2}-[0-9]"
"""The three digit groups of a CAS number with leading zeros allowed, as found inside text."""
EC_NUMBER_PATTERN = r"[0-9]{3}-[0-9]{3}-[0-9]"
"""An EC (EINECS/ELINCS) number, which lists often put where a CAS number belongs."""
WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, 1)
"""The weight of each digit of the body (every digit but the check digit) of ``NNNNNNN-NN-C``,
left to right: its position counted from the right. A shorter first group is left-padded
with zeros, which weigh nothing. The check digit is the weighted sum modulo 10."""

_CANONICAL = re.compile(CANONICAL_PATTERN).fullmatch
_DIGIT_CHARS = "0123456789"


def _sums(weights: tuple[int, ...], *, shortest: int = 0) -> dict[str, int]:
    """The weighted sum of every string of ``shortest`` to ``len(weights)`` digits, aligned
    right: its last digit weighs ``weights[-1]``, the one before ``weights[-2]``, and so on."""
    levels = [{"": 0}]
    for weight in reversed(weights):
        levels.append(
            {
                digit + key: weight * value + total
                for key, total in levels[-1].items()
                for value, digit in enumerate(_DIGIT_CHARS)
            }
        )
    table: dict[str, int] = {}
    for level in levels[shortest:]:
        table.update(level)
    return table


# The check digit by look-ups of substrings, the one computation of it in the package: a
# first group of 2 to 7 digits is split into its last three (or two) digits and the 0 to 4
# before them, so no text is padded or joined; "-NN-C" is looked up whole, hyphens included.
# A key that is not all digits (or hyphens in their places) misses.
_HIGH = _sums(WEIGHTS[:4])
_LOW = _sums(WEIGHTS[4:7], shortest=2)
_TAIL = {
    f"-{pair}-{digit}": (total - value) % 10
    for pair, total in _sums(WEIGHTS[7:], shortest=2).items()
    for value, digit in enumerate(_DIGIT_CHARS)
}


def _residue(text: str) -> int | None:
    """For text of the shape ``D{2,7}-DD-D`` (leading zeros allowed): the weighted sum of its
    body minus its check digit, modulo 10 (0 exactly when the check digit holds). None for
    any other text."""
    tail = _TAIL.get(text[-5:])
    if tail is None:
        return None
    low = _LOW.get(text[-8:-5])
    high = _HIGH.get(text[:-8])
    if low is None or high is None:
        return None
    return (high + low + tail) % 10


DASHES = (
    "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\ufe58\ufe63\uff0d\u02d7\u00ad"
    # the rest of Unicode's dash punctuation (category Pd), of every script
    "\u058a\u05be\u1400\u1806\u2e17\u2e1a\u2e3a\u2e3b\u2e40\u2e5d\u301c\u3030\u30a0\ufe31\ufe32"
    "\U00010ead"
)
"""Characters that people and word processors put where a hyphen belongs; each is read as one:
every Unicode dash (category Pd), the minus sign, the hyphen bullet, the modifier minus and
the soft hyphen."""
_DASH_TO_HYPHEN = str.maketrans(dict.fromkeys(DASHES, "-"))
# Invisible characters that survive str.strip(): zero-width space, joiners, byte-order mark, and
# the marks and isolates that set the direction of right-to-left text.
_INVISIBLE = str.maketrans(
    dict.fromkeys(
        "\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e"
        "\u2066\u2067\u2068\u2069",
        None,
    )
)
_UNICODE_NOISE = {**_DASH_TO_HYPHEN, **_INVISIBLE}


def _ascii_digits(text: str) -> str:
    """Every decimal digit of any script (Arabic-Indic, Devanagari, Thai...) as an ASCII digit."""
    return "".join(
        chr(48 + unicodedata.decimal(c)) if c.isdecimal() and not c.isascii() else c for c in text
    )


def _is_digits(text: str) -> bool:
    """Only ASCII digits (``str.isdigit`` alone also accepts superscripts and other scripts)."""
    return text.isascii() and text.isdigit()


PREFIX = re.compile(
    r"^CAS(?:[\s_-]*(?:RN|Reg(?:istry)?\.?(?:\s*No\.?|\s*Number)?|No\.?|Number|N°|#))?"
    r"\s*[:#.]?\s*-?\s*",
    re.IGNORECASE,
)
"""A label before the number (``CAS``, ``CAS No.``, ``CAS RN:``, ``CAS Registry Number``...),
with the spaces and punctuation after it; :func:`compact` removes it. Its ``pattern`` uses
only syntax that Rust's regex crate shares (polars matches it there)."""
_HYPHEN_SPACING = re.compile(r"\s*-\s*")
_SPACE_GROUPS = re.compile(r"([0-9]+)\s+([0-9]{2})\s+([0-9])")
_EC_NUMBER = re.compile(EC_NUMBER_PATTERN).fullmatch
_DISALLOWED = re.compile(r"[^0-9\s-]")


class CasStatus(enum.StrEnum):
    """Outcome of checking one value."""

    VALID = "valid"
    """Already in canonical form and the checksum holds."""
    NORMALISED = "normalised"
    """Valid once the listed normalisations are applied."""
    EMPTY = "empty"
    INVALID_FORMAT = "invalid-format"
    INVALID_LENGTH = "invalid-length"
    INVALID_CHECKSUM = "invalid-checksum"

    @property
    def is_valid(self) -> bool:
        return self in (CasStatus.VALID, CasStatus.NORMALISED)


class CasCheck(NamedTuple):
    """Everything known about one checked value.

    Attributes:
        input: the value as given.
        canonical: the canonical ``NNNNNNN-NN-N`` form, or None when the value is invalid.
            For a checksum failure it is None; ``digits`` holds the hyphenated form that failed.
        status: the outcome.
        reason: the outcome in plain words ("" when valid and unchanged).
        normalisations: what was changed to reach the canonical form, in order.
        expected_check_digit: for a checksum failure, the digit the number should end with.
        digits: the hyphenated form that was checked, when the value got that far.
    """

    input: str
    canonical: str | None
    status: CasStatus
    reason: str
    normalisations: tuple[str, ...] = ()
    expected_check_digit: int | None = None
    digits: str | None = None

    @property
    def is_valid(self) -> bool:
        return self.status.is_valid


def calc_check_digit(body: str) -> str:
    """The check digit for the digits of a CAS RN without its check digit (hyphens allowed).

    >>> calc_check_digit("101312-07")
    '6'
    """
    digits = body.replace("-", "")
    if not digits.isascii() or not digits.isdigit():
        raise InvalidFormat(f"a CAS number body has only digits, got {body!r}")
    # Weights count positions modulo 10, so every ten digits from the right sum as a body of
    # nine (the tenth weighs 10, nothing); a check digit of 0 leaves the residue the sum.
    total = 0
    for end in range(len(digits), 0, -10):
        nine = digits[max(0, end - 9) : end].zfill(9)
        residue = _residue(f"{nine[:7]}-{nine[7:]}-0")
        assert residue is not None  # nine digits always hit the tables
        total += residue
    return str(total % 10)


def _expected_check_digit(shaped: str) -> int:
    """The check digit a number of the shape ``D{2,7}-DD-D`` calls for."""
    residue = _residue(shaped)
    assert residue is not None, shaped
    return (residue + ord(shaped[-1]) - 48) % 10


def is_valid(value: object, *, strict: bool = False) -> bool:
    """True when ``value`` is a CAS RN with a correct check digit.

    Canonical input takes a fast path; anything else goes through the same normalisation as
    :func:`validate` (unless ``strict``). Never raises.

    >>> is_valid("7732-18-5"), is_valid("7732185"), is_valid("7732185", strict=True)
    (True, True, False)
    """
    if type(value) is str and 7 <= len(value) <= 12 and value[0] != "0":
        # Canonical input is settled by the look-ups alone; other text misses them.
        residue = _residue(value)
        if residue is not None:
            return residue == 0
    kind = type(value)
    if strict or (kind is not str and kind is not int):
        return False
    shaped = _shape(_normalise(value if kind is str else str(value), None), None)  # type: ignore[arg-type]
    return isinstance(shaped, str) and _residue(shaped) == 0


def compact(value: str) -> str:
    """The value with the obvious noise removed, without judging whether it is valid.

    Removes surrounding and invisible whitespace, a ``CAS``/``CAS No.``/``CAS RN:`` prefix and
    spaces around hyphens, and turns Unicode dashes into hyphens.

    >>> compact(" CAS RN: 34465\u201346- 8\u00a0")
    '34465-46-8'
    """
    return _normalise(value, None)


def _normalise(value: str, changes: list[str] | None) -> str:
    """Apply the lossless clean-ups, recording each one in ``changes`` unless it is None."""
    text = value
    if not text.isascii():
        if changes is None:  # the same clean-up in one pass, when nobody asks what changed
            text = _ascii_digits(unicodedata.normalize("NFKC", text.translate(_UNICODE_NOISE)))
        else:
            visible = text.translate(_INVISIBLE)
            if visible != text:
                changes.append("removed invisible characters")
            hyphens = visible.translate(_DASH_TO_HYPHEN)
            if hyphens != visible:
                changes.append("replaced Unicode dashes with hyphens")
            text = _ascii_digits(unicodedata.normalize("NFKC", hyphens))
            if text != hyphens and "".join(text.split()) != "".join(hyphens.split()):
                changes.append("replaced Unicode digits or symbols with ASCII")
    stripped = text.strip()
    if changes is not None and stripped != text:
        changes.append("removed surrounding whitespace")
    text = stripped
    if text[:1] in ("c", "C"):
        prefix = PREFIX.match(text)
        if prefix is not None:
            if changes is not None:
                changes.append(f"removed prefix {prefix.group().strip()!r}")
            text = text[prefix.end() :]
    if not _is_digits(text.replace("-", "")):  # only then can there be inner whitespace
        spaced = _HYPHEN_SPACING.sub("-", text)
        if changes is not None and spaced != text:
            changes.append("removed spaces around hyphens")
        text = spaced
        grouped = _SPACE_GROUPS.fullmatch(text)
        if grouped is not None:
            if changes is not None:
                changes.append("replaced spaces between digit groups with hyphens")
            text = "-".join(grouped.groups())
    return text


def check(value: str | int, *, strict: bool = False) -> CasCheck:
    """Check one value and explain the outcome; never raises for bad input.

    Args:
        value: the text as found (an int is taken as the digits a spreadsheet kept).
        strict: accept only the canonical form, with no normalisation.

    >>> check("50-78-3").reason
    'check digit is 3, expected 2'
    >>> check("0000050-78-2").normalisations
    ('removed leading zeros',)
    """
    original = str(value)
    changes: list[str] = []
    if strict:
        if not original:
            return CasCheck(original, None, CasStatus.EMPTY, "empty")
        if _CANONICAL(original) is None:
            shape = _normalise(original, None)
            hint = f" (would normalise to {shape!r})" if shape != original else ""
            reason = f"not in canonical form{hint}"
            return CasCheck(original, None, CasStatus.INVALID_FORMAT, reason)
        return _judge_checksum(original, original, ())
    if isinstance(value, int) and not isinstance(value, bool):
        changes.append("read from a number")
    shaped = _shape(_normalise(original, changes), changes)
    if isinstance(shaped, str):
        return _judge_checksum(original, shaped, tuple(changes))
    status, reason = shaped
    return CasCheck(original, None, status, reason, tuple(changes))


def characters_reason(text: str) -> str | None:
    """Why ``text`` cannot be a CAS number for characters in it, or None if it has none such.

    Allowed are digits, hyphens and whitespace; the reason names the others, sorted.

    >>> characters_reason("50-78-2x")
    "contains letters a CAS number cannot have: 'x'"
    >>> characters_reason("50 78-2") is None
    True
    """
    bad = _DISALLOWED.search(text)
    if bad is None:
        return None
    kind = "letters" if bad.group().isalpha() else "characters"
    found = "".join(sorted(set(_DISALLOWED.findall(text))))
    return f"contains {kind} a CAS number cannot have: {found!r}"


def _shape(text: str, changes: list[str] | None) -> str | tuple[CasStatus, str]:
    """The normalised text as ``N-NN-N`` groups of the right lengths, or why it cannot be."""
    if not text:
        return CasStatus.EMPTY, "empty"
    if not _is_digits(text.replace("-", "")):
        reason = characters_reason(text)
        if reason is not None:
            return CasStatus.INVALID_FORMAT, reason
        return CasStatus.INVALID_FORMAT, "digit groups must be separated by single hyphens"
    if _EC_NUMBER(text):
        return (
            CasStatus.INVALID_FORMAT,
            "looks like an EC number (NNN-NNN-N), not a CAS number (N-NN-N groups)",
        )
    if "-" not in text:
        significant = len(text.lstrip("0"))
        if not 5 <= significant <= 10:
            return (
                CasStatus.INVALID_LENGTH,
                f"{significant} significant digits without hyphens; "
                "a CAS number has 5 to 10 digits",
            )
        if changes is not None:
            changes.append("inserted hyphens")
        text = f"{text[:-3]}-{text[-3:-1]}-{text[-1]}"
    groups = text.split("-")
    if len(groups) != 3 or not all(groups):
        return (
            CasStatus.INVALID_FORMAT,
            f"has {len(groups)} hyphen-separated groups; a CAS number has 3 (N-NN-N)",
        )
    first, middle, last = groups
    if first[0] == "0":
        first = first.lstrip("0")
        if changes is not None:
            changes.append("removed leading zeros")
    if len(middle) != 2:
        return CasStatus.INVALID_LENGTH, f"second group has {len(middle)} digits, needs 2"
    if len(last) != 1:
        return CasStatus.INVALID_LENGTH, f"check digit group has {len(last)} digits, needs 1"
    if not 2 <= len(first) <= 7:
        return (
            CasStatus.INVALID_LENGTH,
            f"first group has {len(first)} significant digits, needs 2 to 7",
        )
    return f"{first}-{middle}-{last}"


def _judge_checksum(original: str, shaped: str, changes: tuple[str, ...]) -> CasCheck:
    expected = _expected_check_digit(shaped)
    found = ord(shaped[-1]) - 48
    if expected != found:
        return CasCheck(
            original,
            None,
            CasStatus.INVALID_CHECKSUM,
            f"check digit is {found}, expected {expected}",
            changes,
            expected_check_digit=expected,
            digits=shaped,
        )
    status = CasStatus.NORMALISED if changes else CasStatus.VALID
    reason = "; ".join(changes)
    return CasCheck(original, shaped, status, reason, changes, digits=shaped)


def validate(value: str | int, *, strict: bool = False) -> str:
    """The canonical form of a CAS RN, or a :class:`~registry.errors.ValidationError`.

    >>> validate("50-78-3")
    Traceback (most recent call last):
    ...
    registry.errors.InvalidChecksum: '50-78-3': check digit is 3, expected 2
    """
    if type(value) is str and _CANONICAL(value) is not None and _residue(value) == 0:
        return value
    result = check(value, strict=strict)
    if result.canonical is not None:
        return result.canonical
    raise _error_for(result)


def _error_for(result: CasCheck) -> ValidationError:
    message = f"{result.input!r}: {result.reason}"
    if result.status is CasStatus.INVALID_CHECKSUM:
        assert result.expected_check_digit is not None
        assert result.digits is not None
        return InvalidChecksum(
            message, expected=result.expected_check_digit, found=ord(result.digits[-1]) - 48
        )
    if result.status is CasStatus.INVALID_LENGTH:
        return InvalidLength(message)
    return InvalidFormat(message)


def suggest(
    value: str | int,
    *,
    known: Container[str] | Callable[[str], bool] | None = None,
) -> list[str]:
    """Valid CAS numbers one keystroke away from a number that fails its checksum.

    One keystroke is two adjacent digits swapped within a group, or one digit changed. The most
    likely come first: a corrected check digit (a slip in the last digit is the single likeliest
    edit), then swaps, then changes by one (neighbouring keys), then the rest. Given ``known``
    (a set of numbers, or a predicate), numbers it knows move to the front, keeping that order
    among themselves.
    Returns an empty list unless the value fails only its checksum.

    >>> suggest("50-87-2")[:2]
    ['50-87-3', '50-78-2']
    """
    result = check(value)
    if result.status is not CasStatus.INVALID_CHECKSUM or result.digits is None:
        return []
    ranked = _rank_candidates(result.digits)
    if known is None:
        return ranked
    knows = known if callable(known) else known.__contains__
    return sorted(ranked, key=lambda number: not knows(number))


def _rank_candidates(shaped: str) -> list[str]:
    groups = shaped.split("-")
    candidates: dict[str, int] = {}

    def offer(new_groups: Iterable[str], rank: int) -> None:
        number = "-".join(new_groups)
        if number != shaped and _CANONICAL(number) and _residue(number) == 0:
            candidates.setdefault(number, rank)

    for g, group in enumerate(groups):
        for i in range(len(group) - 1):
            swapped = group[:i] + group[i + 1] + group[i] + group[i + 2 :]
            offer((*groups[:g], swapped, *groups[g + 1 :]), 1)
    offer((groups[0], groups[1], calc_check_digit(shaped[:-2])), 0)
    for g, group in enumerate(groups):
        for i, old in enumerate(group):
            for new in "0123456789":
                if new != old:
                    changed = group[:i] + new + group[i + 1 :]
                    rank = 2 if abs(int(new) - int(old)) == 1 else 3
                    offer((*groups[:g], changed, *groups[g + 1 :]), rank)
    return sorted(candidates, key=candidates.__getitem__)
