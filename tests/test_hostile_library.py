"""The hostile-input suite (issue 19): odd Unicode, very long values, binary bytes and wrong
Python types against the CAS core, ``validate_many``, the lookup classifier and, through real
processes, the commands. Nothing here may raise where the API promises an answer, and a valid
number dressed in any script, dash or invisible mark reads as itself everywhere.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_support import cli_env

from registry import cas, validate_many
from registry.identifiers import QueryKind, classify

# The zero of every decimal-digit script Unicode has (its digits are zero..zero+9).
ZEROS = [chr(c) for c in range(0x110000) if unicodedata.decimal(chr(c), None) == 0]
DASHES = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Pd"]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u200e", "\u200f", "\u061c"]
REAL_NUMBERS = ["50-78-2", "64-17-5", "7732-18-5", "92623-85-3", "101312-07-6", "1333-86-4"]


@st.composite
def dressed_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """A real CAS number and the same number in another script, dashes and invisible marks."""
    number = draw(st.sampled_from(REAL_NUMBERS))
    zero = ord(draw(st.sampled_from(ZEROS)))
    text = "".join(chr(zero + int(c)) if c.isdigit() else c for c in number)
    text = text.replace("-", draw(st.sampled_from(["-", *DASHES])))
    marks = draw(st.lists(st.tuples(st.integers(0, len(text)), st.sampled_from(INVISIBLE))))
    for position, mark in sorted(marks, reverse=True):
        text = text[:position] + mark + text[position:]
    return number, text


def test_every_script_and_dash_is_covered() -> None:
    assert len(ZEROS) >= 60  # every decimal-digit script of the Unicode database in use
    assert "\u2013" in DASHES
    assert "\ufe63" in DASHES


@settings(max_examples=400)
@given(dressed_numbers())
def test_a_dressed_number_reads_as_itself_everywhere(case: tuple[str, str]) -> None:
    number, text = case
    result = cas.check(text)
    assert result.is_valid
    assert result.canonical == number
    assert cas.is_valid(text)
    assert cas.validate(text) == number
    query = classify(text)
    assert query.kind is QueryKind.CAS
    assert query.value == number
    (row,) = validate_many([text])
    assert row.canonical == number
    assert row.is_valid


HOSTILE_TEXT = st.one_of(
    st.text(),
    st.text(st.characters(categories=("Nd", "Pd", "Cf", "Zs", "No", "Nl")), max_size=40),
    st.text(min_size=5_000, max_size=20_000),
    st.builds(lambda n, s: "(" * n + s + ")" * n, st.integers(0, 5_000), st.text(max_size=5)),
    st.binary().map(lambda b: b.decode("utf-8", "surrogateescape")),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(HOSTILE_TEXT)
def test_the_core_answers_any_text_without_raising(text: str) -> None:
    result = cas.check(text)
    assert result.input == text
    assert result.status in set(cas.CasStatus)
    assert cas.is_valid(text) is result.is_valid
    if result.is_valid:
        assert result.canonical is not None
        assert re.fullmatch(cas.CANONICAL_PATTERN, result.canonical)
    if result.status is cas.CasStatus.INVALID_CHECKSUM:
        assert all(cas.is_valid(s) for s in cas.suggest(text))
    assert classify(text).text == text


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(HOSTILE_TEXT, max_size=20))
def test_validate_many_gives_one_answer_per_value_in_order(values: list[str]) -> None:
    results = validate_many(values)
    assert len(results) == len(values)
    for value, row in zip(values, results, strict=True):
        assert row.input == value
        assert (row.status in ("valid", "normalised")) is cas.is_valid(value)


WRONG_TYPES = [None, math.nan, float("inf"), 1.5, 50782, -7, True, object(), [1]]


def test_validate_many_answers_values_of_any_type() -> None:
    statuses = [str(row.status) for row in validate_many(WRONG_TYPES)]
    assert statuses == [
        "empty",  # None
        "empty",  # NaN: a missing value, never the text "nan"
        "invalid-format",
        "invalid-format",
        "number",  # 50-78-2 as a spreadsheet stores it
        "invalid-format",
        "invalid-format",  # True is no number
        "invalid-format",
        "invalid-format",
    ]
    assert [cas.is_valid(v) for v in WRONG_TYPES] == [s == "number" for s in statuses]


@pytest.mark.parametrize("whole", ["50-78-2", b"50-78-2", bytearray(b"50-78-2")])
def test_a_string_where_a_sequence_is_expected_is_a_type_error(whole: object) -> None:
    with pytest.raises(TypeError, match="one value"):
        validate_many(whole)  # type: ignore[arg-type]


@settings(
    max_examples=6,
    deadline=None,
    # Arguments of 5,000-20,000 characters are the point: lists of them often exceed
    # Hypothesis's entropy budget, which its health check would fail at random.
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)
@given(st.lists(HOSTILE_TEXT.filter(lambda t: "\x00" not in t), min_size=1, max_size=8))
def test_commands_never_show_a_traceback(tmp_path: Path, values: list[str]) -> None:
    """A sample of hostile arguments through real processes: one error line at most."""
    environment = cli_env(tmp_path, REGISTRY_DB=f"sqlite:///{tmp_path / 'r.sqlite'}")
    environment.pop("REGISTRY_DEBUG", None)
    arguments = [v.encode("utf-8", "surrogateescape") for v in values]
    arguments = [a if not a.startswith(b"-") else b"x" + a for a in arguments]
    for command, given_arguments in (("cas", arguments), ("lookup", arguments[:1])):
        result = subprocess.run(
            [sys.executable, "-m", "registry", command, *given_arguments],
            capture_output=True,
            env=environment,
            timeout=120,
            check=False,
        )
        assert result.returncode in (0, 1, 2), result.stderr
        assert b"Traceback" not in result.stderr, result.stderr
