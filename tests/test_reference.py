"""The offline reference index built from the chemicals package's PubChem tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry import cas, reference
from registry.chemicals_data import iter_pubchem_rows
from registry.config import Settings
from registry.errors import RegistryError
from registry.lookup import lookup
from registry.reference import ReferenceIndex, build_reference


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
    def broken(path: Path | None = None) -> object:
        yield from ()
        raise OSError("disk full")

    monkeypatch.setattr(reference, "iter_pubchem_rows", broken)
    settings = Settings.from_env({}, data_dir=tmp_path, cache_dir=tmp_path)
    with pytest.raises(RegistryError, match="disk full"):
        build_reference(settings)
    assert list(tmp_path.iterdir()) == []
