"""The offline reference index built from the chemicals package's PubChem tables."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry import cas
from registry.config import Settings
from registry.errors import RegistryError
from registry.models import Candidate, CasNumber
from registry.sources import reference
from registry.sources.chain import lookup
from registry.sources.chemicals_data import iter_pubchem_rows
from registry.sources.reference import ReferenceIndex, build_reference


@pytest.fixture(scope="module")
def index(reference_dir: Path) -> ReferenceIndex:
    settings = Settings.from_env({}, data_dir=reference_dir, cache_dir=reference_dir / "c")
    return ReferenceIndex(settings)


def test_every_table_row_is_indexed(index: ReferenceIndex) -> None:
    info = index.info()
    large = sum(1 for _ in iter_pubchem_rows())
    assert large == 71347
    assert info.compounds >= large
    assert "pubchem-large" in info.sources


def test_lookups_by_every_identifier(index: ReferenceIndex) -> None:
    [by_cas] = [c for c in index.by_cas("58-08-2") if c.cid == 2519]
    assert by_cas.name == "caffeine"
    assert by_cas.cas[0].role == "primary"
    assert index.by_name("CAFFEINE")[0].cid == 2519
    assert index.by_name("1,3,7-trimethylxanthine")[0].cid == 2519
    assert index.by_inchikey("RYYVLZVUVIJVGH-UHFFFAOYSA-N")[0].cid == 2519
    assert index.by_cid(2519)[0].formula == "C8H10N4O2"
    assert 2519 in [c.cid for c in index.by_formula("C8H10N4O2")]
    assert index.by_name("no such compound anywhere") == []
    assert index.knows_cas("50-78-2")
    assert not index.knows_cas("50-78-3")


def test_row_from_the_large_table(index: ReferenceIndex) -> None:
    row = next(iter_pubchem_rows())
    [candidate] = index.by_cid(row.cid)
    assert candidate.inchikey == row.inchikey
    assert candidate.cas_numbers[0] == row.cas
    assert candidate.origin == "chemicals:pubchem-large"


def test_invalid_cas_gets_known_suggestions_first(
    index: ReferenceIndex, reference_dir: Path
) -> None:
    settings = Settings.from_env(
        {},
        data_dir=reference_dir,
        cache_dir=reference_dir / "c",
        db_url=f"sqlite:///{reference_dir / 'no-registry.sqlite'}",
        offline=True,
    )
    result = lookup("50-87-2", settings)
    assert not result.found
    assert result.suggestions[0] == "50-78-2"  # aspirin: known to the index
    assert set(result.suggestions) == set(cas.suggest("50-87-2"))


def test_failed_build_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(path: Path | None = None, *, read: object = None) -> object:
        yield from ()
        raise OSError("disk full")

    monkeypatch.setattr(reference, "iter_pubchem_rows", broken)
    settings = Settings.from_env({}, data_dir=tmp_path, cache_dir=tmp_path)
    with pytest.raises(RegistryError, match="disk full"):
        build_reference(settings)
    assert list(tmp_path.iterdir()) == []


def test_every_identifier_kind_is_an_index_probe(index: ReferenceIndex) -> None:
    from registry.identifiers import classify

    row = next(r for r in iter_pubchem_rows() if r.cas and len(r.synonyms) > 25)
    [by_inchi] = index.find(classify(row.inchi))
    [by_smiles] = [c for c in index.find(classify(row.smiles)) if c.cid == row.cid]
    assert by_inchi.cid == by_smiles.cid == row.cid
    assert len(by_inchi.synonyms) == 20  # the candidate carries the first 20 names...
    # ...but its CAS numbers come from every synonym, extracted once when the index was built
    expected = [c.number for c in reference.cas_from_synonyms(row.synonyms) if c.number != row.cas]
    assert [c.number for c in by_inchi.cas] == [row.cas, *expected]
    assert index.info().names > index.info().compounds


_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=0x2FFF), max_size=30)


@given(
    name=_TEXT,
    numbers=st.lists(
        st.tuples(
            st.from_regex(r"\A[0-9]{2,7}-[0-9]{2}-[0-9]\Z"),
            st.sampled_from(["primary", "synonym"]),
            st.booleans(),
        ),
        max_size=4,
    ),
    texts=st.lists(_TEXT, min_size=6, max_size=6),
    cid=st.integers(min_value=1, max_value=10**9),
    weight=st.none() | st.floats(allow_nan=False, allow_infinity=False),
    synonyms=st.lists(_TEXT, max_size=25),
)
def test_payload_round_trips(
    name: str,
    numbers: list[tuple[str, str, bool]],
    texts: list[str],
    cid: int,
    weight: float | None,
    synonyms: list[str],
) -> None:
    formula, inchikey, smiles, inchi, iupac_name, origin = texts
    if len(synonyms) == 1 and not synonyms[0]:
        with pytest.raises(RegistryError):
            reference._encode(name, numbers, formula, inchikey, cid, smiles, inchi,
                              iupac_name, weight, synonyms, origin)  # fmt: skip
        return
    payload = reference._encode(
        name, numbers, formula, inchikey, cid, smiles, inchi, iupac_name, weight, synonyms, origin
    )
    expected = Candidate(
        "reference", "2026-11-23", name, tuple(CasNumber(*n) for n in numbers), formula,
        inchikey, cid, smiles, inchi, iupac_name, weight, tuple(synonyms), origin,
    )  # fmt: skip
    assert reference._decode_one(payload, "2026-11-23") == expected


def test_control_characters_are_refused() -> None:
    with pytest.raises(RegistryError, match="control character"):
        reference._encode("a\x1fb", [], "", "", 1, "", "", "", None, [], "o")
