"""The CAS core: canonical rule, normalisations, precise rejections, suggestions."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry import cas
from registry.cas import CasStatus
from registry.errors import (
    InvalidChecksum,
    InvalidFormat,
    InvalidLength,
    RegistryError,
    ValidationError,
)

REAL = {
    "50-78-2": "aspirin",
    "7732-18-5": "water",
    "92623-85-3": "milnacipran",
    "101152-94-7": "milnacipran hydrochloride",
    "101312-07-6": "the product card's example",
    "7440-47-3": "chromium",
    "68-22-4": "norethisterone",
    "57-63-6": "ethinylestradiol",
    "34465-46-8": "hexachlorodibenzodioxin",
}


@pytest.mark.parametrize("number", sorted(REAL))
def test_real_numbers_are_valid_and_canonical(number: str) -> None:
    assert cas.is_valid(number)
    assert cas.is_valid(number, strict=True)
    assert cas.validate(number) == number
    result = cas.check(number)
    assert result.status is CasStatus.VALID
    assert result.canonical == number
    assert result.normalisations == ()


def test_check_digit_is_weighted_sum_mod_10() -> None:
    # 1*7 + 2*0 + 3*2 + 4*1 + 5*3 + 6*1 + 7*0 + 8*1 = 46 -> 6
    assert cas.calc_check_digit("101312-07") == "6"
    assert cas.calc_check_digit("773218") == "5"
    with pytest.raises(InvalidFormat):
        cas.calc_check_digit("12a4")


@pytest.mark.parametrize(
    ("raw", "canonical", "change"),
    [
        ("  50-78-2\t", "50-78-2", "removed surrounding whitespace"),
        ("\u00a050-78-2\u00a0", "50-78-2", "removed surrounding whitespace"),
        ("50\u201378\u20132", "50-78-2", "replaced Unicode dashes with hyphens"),
        ("50\u221278\u22122", "50-78-2", "replaced Unicode dashes with hyphens"),
        ("50000", "50-00-0", "inserted hyphens"),
        ("7732185", "7732-18-5", "inserted hyphens"),
        ("34465-46- 8", "34465-46-8", "removed spaces around hyphens"),
        ("34465 - 46 - 8", "34465-46-8", "removed spaces around hyphens"),
        ("CAS 50-78-2", "50-78-2", "removed prefix 'CAS'"),
        ("CAS No. 50-78-2", "50-78-2", "removed prefix 'CAS No.'"),
        ("CAS RN: 50-78-2", "50-78-2", "removed prefix 'CAS RN:'"),
        ("CAS-50-78-2", "50-78-2", "removed prefix 'CAS-'"),
        ("cas#50-78-2", "50-78-2", "removed prefix 'cas#'"),
        ("0000050-78-2", "50-78-2", "removed leading zeros"),
        ("\u200b50-78-2", "50-78-2", "removed invisible characters"),
        ("\uff15\uff10-78-2", "50-78-2", "replaced Unicode digits or symbols with ASCII"),
    ],
)
def test_normalisations_are_applied_and_reported(raw: str, canonical: str, change: str) -> None:
    result = cas.check(raw)
    assert result.status is CasStatus.NORMALISED
    assert result.canonical == canonical
    assert change in result.normalisations
    assert change in result.reason
    assert cas.validate(raw) == canonical
    assert cas.is_valid(raw)


def test_integer_from_a_spreadsheet_is_read() -> None:
    result = cas.check(7732185)
    assert result.canonical == "7732-18-5"
    assert result.normalisations == ("read from a number", "inserted hyphens")


@pytest.mark.parametrize(
    "raw", ["  50-78-2", "50\u201378\u20132", "5078-2", "CAS 50-78-2", "50782"]
)
def test_strict_mode_accepts_only_the_canonical_form(raw: str) -> None:
    assert not cas.is_valid(raw, strict=True)
    result = cas.check(raw, strict=True)
    assert result.status is CasStatus.INVALID_FORMAT
    assert "canonical form" in result.reason
    with pytest.raises(InvalidFormat):
        cas.validate(raw, strict=True)


def test_strict_mode_still_checks_the_checksum() -> None:
    with pytest.raises(InvalidChecksum):
        cas.validate("50-78-3", strict=True)


def test_checksum_failure_names_the_expected_digit() -> None:
    result = cas.check("50-78-3")
    assert result.status is CasStatus.INVALID_CHECKSUM
    assert result.canonical is None
    assert result.expected_check_digit == 2
    assert result.reason == "check digit is 3, expected 2"
    with pytest.raises(InvalidChecksum) as caught:
        cas.validate("50-78-3")
    assert (caught.value.expected, caught.value.found) == (2, 3)
    assert "expected 2" in str(caught.value)


@pytest.mark.parametrize(
    ("raw", "error", "status", "words"),
    [
        ("", InvalidFormat, CasStatus.EMPTY, "empty"),
        ("   ", InvalidFormat, CasStatus.EMPTY, "empty"),
        ("50-7-82", InvalidLength, CasStatus.INVALID_LENGTH, "second group has 1 digits"),
        ("50-78-22", InvalidLength, CasStatus.INVALID_LENGTH, "check digit group has 2 digits"),
        ("5-78-2", InvalidLength, CasStatus.INVALID_LENGTH, "first group has 1"),
        ("12345678-12-1", InvalidLength, CasStatus.INVALID_LENGTH, "first group has 8"),
        ("50-78-2x", InvalidFormat, CasStatus.INVALID_FORMAT, "letters"),
        ("aspirin", InvalidFormat, CasStatus.INVALID_FORMAT, "letters"),
        ("200-629-2", InvalidFormat, CasStatus.INVALID_FORMAT, "EC number"),
        ("50--78-2", InvalidFormat, CasStatus.INVALID_FORMAT, "groups"),
        ("50-78", InvalidFormat, CasStatus.INVALID_FORMAT, "groups"),
        ("1-2-3-4", InvalidFormat, CasStatus.INVALID_FORMAT, "groups"),
        ("1234", InvalidLength, CasStatus.INVALID_LENGTH, "5 to 10 digits"),
        ("12345678901", InvalidLength, CasStatus.INVALID_LENGTH, "5 to 10 digits"),
        ("50.78.2", InvalidFormat, CasStatus.INVALID_FORMAT, "characters"),
    ],
)
def test_rejections_carry_a_precise_reason(
    raw: str, error: type[ValidationError], status: CasStatus, words: str
) -> None:
    result = cas.check(raw)
    assert result.status is status
    assert words in result.reason
    assert not cas.is_valid(raw)
    with pytest.raises(error, match=words):
        cas.validate(raw)


def test_errors_belong_to_the_tree_and_to_valueerror() -> None:
    with pytest.raises(ValueError, match="expected 2"):
        cas.validate("50-78-3")
    with pytest.raises(RegistryError):
        cas.validate("nonsense")


def test_is_valid_never_raises_on_other_types() -> None:
    assert not cas.is_valid(None)
    assert not cas.is_valid(3.5)
    assert not cas.is_valid(True)
    assert cas.is_valid(50782)


def test_compact_cleans_without_judging() -> None:
    assert cas.compact(" CAS RN: 34465\u201346- 8\u00a0") == "34465-46-8"
    assert cas.compact("not a number") == "not a number"


def test_suggest_offers_one_keystroke_corrections_most_likely_first() -> None:
    suggestions = cas.suggest("50-78-3")
    assert suggestions[0] == "50-78-2"  # the corrected check digit
    assert "50-87-3" in suggestions  # adjacent digits swapped
    assert all(cas.is_valid(s, strict=True) for s in suggestions)
    assert len(set(suggestions)) == len(suggestions)
    assert "50-78-3" not in suggestions


def test_suggest_finds_a_swapped_pair() -> None:
    # 92623-85-3 typed with the middle group swapped
    assert "92623-85-3" in cas.suggest("92623-58-3")


def test_suggest_ranks_known_numbers_first() -> None:
    plain = cas.suggest("50-87-2")
    assert plain[0] != "50-78-2"
    assert cas.suggest("50-87-2", known={"50-78-2"})[0] == "50-78-2"
    assert cas.suggest("50-87-2", known=lambda n: n == "50-78-2")[0] == "50-78-2"


@pytest.mark.parametrize("raw", ["50-78-2", "", "abc", "200-629-2", "5-78-2"])
def test_suggest_is_empty_unless_only_the_checksum_fails(raw: str) -> None:
    assert cas.suggest(raw) == []


# --- properties ---------------------------------------------------------------------------

bodies = st.tuples(
    st.integers(min_value=10, max_value=9_999_999), st.integers(min_value=0, max_value=99)
).map(lambda t: f"{t[0]}-{t[1]:02d}")
valid_numbers = bodies.map(lambda b: f"{b}-{cas.calc_check_digit(b)}")


@given(st.text(alphabet="0123456789", min_size=1, max_size=30))
def test_check_digit_is_the_definition_for_any_length(digits: str) -> None:
    """Every digit weighs its position counted from the right; the sum modulo 10."""
    total = sum(weight * int(d) for weight, d in enumerate(reversed(digits), start=1))
    assert cas.calc_check_digit(digits) == str(total % 10)


def test_weights_are_positions_counted_from_the_right() -> None:
    assert tuple(range(9, 0, -1)) == cas.WEIGHTS


@given(bodies, st.integers(min_value=0, max_value=9))
def test_one_check_digit_rule_everywhere(body: str, digit: int) -> None:
    """is_valid, validate, check and calc_check_digit agree on every canonical number."""
    number = f"{body}-{digit}"
    expected = int(cas.calc_check_digit(body))
    assert cas.is_valid(number) is (digit == expected)
    assert cas.is_valid(number, strict=True) is (digit == expected)
    result = cas.check(number)
    if digit == expected:
        assert result.status is CasStatus.VALID
        assert cas.validate(number) == number
    else:
        assert result.status is CasStatus.INVALID_CHECKSUM
        assert result.expected_check_digit == expected
        with pytest.raises(InvalidChecksum):
            cas.validate(number)


@given(st.text(alphabet="0123456789-", max_size=14))
def test_canonical_pattern_is_what_strict_mode_accepts_as_a_shape(text: str) -> None:
    shaped = re.fullmatch(cas.CANONICAL_PATTERN, text) is not None
    status = cas.check(text, strict=True).status
    assert shaped is (status in (CasStatus.VALID, CasStatus.INVALID_CHECKSUM))
    if shaped:
        assert re.fullmatch(cas.SHAPE_PATTERN, text)


@pytest.mark.parametrize("dash", list(cas.DASHES))
def test_every_dash_reads_as_a_hyphen(dash: str) -> None:
    assert cas.compact(f"50{dash}78{dash}2") == "50-78-2"
    assert cas.validate(f"50{dash}78{dash}2") == "50-78-2"


def test_prefix_pattern_and_characters_reason_are_public() -> None:
    match = cas.PREFIX.match("CAS RN: 50-78-2")
    assert match is not None
    assert match.group() == "CAS RN: "
    assert cas.characters_reason("50-78-2") is None
    assert cas.characters_reason("5O-78-2") == "contains letters a CAS number cannot have: 'O'"
    assert cas.characters_reason("50.78.2") == "contains characters a CAS number cannot have: '.'"
    assert cas.check("5O-78-2").reason == cas.characters_reason("5O-78-2")


@given(valid_numbers)
def test_every_generated_valid_number_validates(number: str) -> None:
    assert cas.is_valid(number, strict=True)
    assert cas.validate(number) == number
    assert cas.check(number).status is CasStatus.VALID
    assert cas.validate(number.replace("-", "")) == number


@given(valid_numbers, st.data())
def test_a_single_digit_change_fails_unless_the_checksum_is_blind_to_it(
    number: str, data: st.DataObject
) -> None:
    # The mod-10 weighted sum cannot see a change of delta at weight w when w * delta is a
    # multiple of 10 (weight 5 with an even delta, an even weight with delta 5): 10-00-4 and
    # 60-00-4 are both valid. Every other single-digit change must fail.
    digits = number.replace("-", "")
    position = data.draw(st.integers(min_value=0, max_value=len(digits) - 1))
    new = data.draw(st.sampled_from([d for d in "0123456789" if d != digits[position]]))
    if position == 0 and new == "0":
        return  # a leading zero is a different (normalisable) shape, not a checksum question
    changed_digits = digits[:position] + new + digits[position + 1 :]
    changed = f"{changed_digits[:-3]}-{changed_digits[-3:-1]}-{changed_digits[-1]}"
    weight = len(digits) - 1 - position  # 0 for the check digit itself
    delta = int(new) - int(digits[position])
    blind = weight != 0 and (weight * delta) % 10 == 0
    assert cas.is_valid(changed) is blind
    if not blind:
        assert cas.check(changed).status is CasStatus.INVALID_CHECKSUM
        assert number in cas.suggest(changed)


@given(st.text())
def test_validate_raises_only_validation_errors_on_any_text(text: str) -> None:
    try:
        canonical = cas.validate(text)
    except ValidationError:
        assert not cas.is_valid(text)
    else:
        assert cas.is_valid(canonical, strict=True)
        assert cas.is_valid(text)


@given(st.text(alphabet="0123456789- \u2013\u00a0CASNo.:", max_size=20))
def test_check_agrees_with_is_valid_and_validate(text: str) -> None:
    result = cas.check(text)
    assert result.is_valid == cas.is_valid(text)
    if result.canonical is not None:
        assert cas.validate(text) == result.canonical


# Digits of every script that Unicode gives decimal values: 0-9 in each, as ``str`` of ten.
_SCRIPT_DIGITS = {
    "arabic-indic": "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669",
    "devanagari": "\u0966\u0967\u0968\u0969\u096a\u096b\u096c\u096d\u096e\u096f",
    "thai": "\u0e50\u0e51\u0e52\u0e53\u0e54\u0e55\u0e56\u0e57\u0e58\u0e59",
    "fullwidth": "\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19",
    "mathematical bold": "".join(chr(0x1D7CE + i) for i in range(10)),
}


@pytest.mark.parametrize("script", sorted(_SCRIPT_DIGITS))
def test_decimal_digits_of_any_script_read_as_ascii(script: str) -> None:
    digits = _SCRIPT_DIGITS[script]
    text = "-".join("".join(digits[int(c)] for c in group) for group in ["101312", "07", "6"])
    result = cas.check(text)
    assert (result.status, result.canonical) == (CasStatus.NORMALISED, "101312-07-6")
    assert "replaced Unicode digits or symbols with ASCII" in result.normalisations
    assert cas.validate(text) == "101312-07-6"
    assert cas.is_valid(text)
    wrong = text[:-1] + digits[5]
    assert cas.check(wrong).expected_check_digit == 6
    assert cas.suggest(wrong)[0] == "101312-07-6"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("50-78-\U00010a42", "contains characters a CAS number cannot have"),  # Kharoshthi two
        ("00000", "0 significant digits without hyphens"),
        ("\u00b2\u00b3", "2 significant digits without hyphens"),  # superscripts: NFKC digits
    ],
)
def test_digits_without_decimal_values_are_refused_not_counted(text: str, reason: str) -> None:
    result = cas.check(text)
    assert not result.is_valid
    assert reason in result.reason
    assert cas.suggest(text) == []
    assert cas.is_valid(text) is False


@pytest.mark.parametrize("mark", ["\u200e", "\u200f", "\u202a", "\u202e", "\u2066", "\u2069"])
def test_direction_marks_are_invisible_characters(mark: str) -> None:
    result = cas.check(f"{mark}50-78-2{mark}")
    assert result.canonical == "50-78-2"
    assert result.normalisations == ("removed invisible characters",)


@given(st.text(max_size=20))
def test_no_text_makes_the_core_raise(text: str) -> None:
    result = cas.check(text)
    assert cas.is_valid(text) is result.is_valid
    assert isinstance(cas.suggest(text), list)
    if result.canonical is not None:
        assert cas.validate(text) == result.canonical
    else:
        with pytest.raises(ValidationError):
            cas.validate(text)
