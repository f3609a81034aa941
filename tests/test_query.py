"""Query classification: examples and properties."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from registry import cas
from registry.identifiers import QueryKind, cas_from_synonyms, classify


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("50-78-2", QueryKind.CAS, "50-78-2"),
        ("CAS No. 7732-18-5", QueryKind.CAS, "7732-18-5"),
        ("CAS-66-71-7", QueryKind.CAS, "66-71-7"),
        ("50\u201378\u20132", QueryKind.CAS, "50-78-2"),
        ("2244", QueryKind.CID, "2244"),
        ("CID 2519", QueryKind.CID, "2519"),
        ("rYYVLZVUVIJVGH-UHFFFAOYSA-N", QueryKind.INCHIKEY, "RYYVLZVUVIJVGH-UHFFFAOYSA-N"),
        ("InChI=1S/H2O/h1H2", QueryKind.INCHI, "InChI=1S/H2O/h1H2"),
        ("CCCBr", QueryKind.SMILES, "CCCBr"),
        ("[Na+].[Cl-]", QueryKind.SMILES, "[Na+].[Cl-]"),
        ("C1=CC2=C(C3=C(C=CC=N3)C=C2)N=C1", QueryKind.SMILES, "C1=CC2=C(C3=C(C=CC=N3)C=C2)N=C1"),
        ("caffeine", QueryKind.NAME, "caffeine"),
        ("Benzene", QueryKind.NAME, "Benzene"),
        ("NaCl", QueryKind.NAME, "NaCl"),
        ("1,10-phenanthroline", QueryKind.NAME, "1,10-phenanthroline"),
        (
            "tris-(1,10-phenanthroline)ruthenium",
            QueryKind.NAME,
            "tris-(1,10-phenanthroline)ruthenium",
        ),
        ("200-629-2", QueryKind.NAME, "200-629-2"),  # an EC number, not a CAS number
        ("vitamin C", QueryKind.NAME, "vitamin C"),
    ],
)
def test_examples(text: str, kind: QueryKind, value: str) -> None:
    query = classify(text)
    assert (query.kind, query.value) == (kind, value)


def test_checksum_failure_is_still_a_cas_query() -> None:
    query = classify("50-78-3")
    assert query.kind is QueryKind.CAS
    assert query.cas_valid is False
    assert query.value == "50-78-3"


@given(st.text())
def test_never_raises_and_keeps_the_input(text: str) -> None:
    query = classify(text)
    assert query.text == text
    assert isinstance(query.kind, QueryKind)


@st.composite
def valid_cas(draw: st.DrawFn) -> str:
    first = draw(st.integers(10, 9_999_999))
    middle = draw(st.integers(0, 99))
    body = f"{first}-{middle:02d}"
    return f"{body}-{cas.calc_check_digit(body)}"


@given(valid_cas())
def test_valid_cas_numbers_are_cas_queries(number: str) -> None:
    query = classify(f"  {number} ")
    assert query.kind is QueryKind.CAS
    assert query.cas_valid is True
    assert query.value == number


@given(valid_cas(), st.integers(1, 9))
def test_wrong_check_digit_is_flagged(number: str, shift: int) -> None:
    wrong = number[:-1] + str((int(number[-1]) + shift) % 10)
    query = classify(wrong)
    assert query.kind is QueryKind.CAS
    assert query.cas_valid is False


@given(st.integers(1, 10**11))
def test_integers_are_cids(cid: int) -> None:
    assert classify(str(cid)) == classify(str(cid)).__class__(str(cid), QueryKind.CID, str(cid))


@given(st.from_regex(r"[A-Z]{14}-[A-Z]{10}-[A-Z]", fullmatch=True))
def test_inchikey_shapes(key: str) -> None:
    assert classify(key.lower()).kind is QueryKind.INCHIKEY
    assert classify(key.lower()).value == key


@given(st.from_regex(r"[0-9]{1,8}-[0-9]{1,3}-[0-9]{1,2}", fullmatch=True))
@example("00111144-80-0")  # leading zeros beyond seven digits: still a CAS number
def test_canonical_fast_path_agrees_with_cas_check(text: str) -> None:
    query = classify(text)
    result = cas.check(text)
    if result.is_valid and not re.fullmatch(cas.EC_NUMBER_PATTERN, text):
        assert (query.kind, query.value, query.cas_valid) == (QueryKind.CAS, result.canonical, True)
    else:
        assert query.cas_valid is not True


@pytest.mark.parametrize("dash", list(cas.DASHES))
def test_every_dash_cas_accepts_makes_a_cas_query(dash: str) -> None:
    text = f"50{dash}78{dash}2"
    assert cas.check(text).canonical == "50-78-2"
    assert (classify(text).kind, classify(text).value) == (QueryKind.CAS, "50-78-2")


@pytest.mark.parametrize(
    "label", ["CAS", "CAS:", "CAS-", "CAS No.", "CAS RN:", "CAS Registry Number", "cas #"]
)
def test_every_label_cas_removes_marks_a_cas_synonym(label: str) -> None:
    synonym = f"{label} 50-78-2"
    assert cas.compact(synonym) == "50-78-2"
    assert [c.number for c in cas_from_synonyms([synonym])] == ["50-78-2"]
    assert classify(synonym).value == "50-78-2"
