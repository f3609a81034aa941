"""Cross-checks by formula, SMILES, InChIKey and against the own registry: a formula or
structure of another substance is a ``mismatch`` naming what the source says; a salt, hydrate
or ion form of the source's formula is a note, not a mismatch; EC columns are reported as not
checked; the registry, where its database exists, is a source beside the offline index."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl
import pytest

import registry
from registry.bulk import scan
from registry.config import Settings
from registry.service.crosscheck import validate_file
from registry.service.formula_forms import parse_formula, relation
from registry.sources.names import fold_expr, fold_series

DATA = Path(__file__).resolve().parent / "data"
FORMULAS = DATA / "crosscheck_formulas.csv"
COMPTOX = DATA / "ubiq_CompTox_P65.csv"


def _rows(settings: Settings, path: Path, **options: object) -> tuple[list[dict[str, str]], object]:
    buffer = io.StringIO()
    report = validate_file(path, settings=settings, output=buffer, output_format="csv", **options)
    return list(csv.DictReader(io.StringIO(buffer.getvalue()))), report


@pytest.mark.parametrize(
    ("given", "theirs", "expected"),
    [
        ("C9H8O4", "C9H8O4", "same"),
        ("C12H12N2", "C12H12N2+2", "same"),  # an ion: charge aside
        ("[226Ra]", "Ra", "same"),  # an isotope label aside
        ("C16H15Cl2N3O", "C16H14ClN3O", "form"),  # hydrochloride
        ("C17H19NO3.HCl", "C17H19NO3", "form"),  # dot notation
        ("C46H58N4O14S", "C46H56N4O10", "form"),  # sulfate
        ("C15H11N2NaO2", "C15H12N2O2", "form"),  # sodium salt
        ("C42H84N14O36S3", "C21H39N7O12", "form"),  # sulfate 2:3
        ("C46H58Cl2N4O18", "C22H24N2O8", "form"),  # hyclate: 2 HCl, ethanol, water
        ("C6H9N3O2", "C6H5N2O2-", "form"),  # ammonium salt
        ("C22H24N2O8", "C46H58Cl2N4O18", "form"),  # either way round
        ("C8H10N4O2", "C9H8O4", "different"),  # caffeine against aspirin
        ("C6H12", "C6H6", "different"),  # six hydrogens are no protonation
        ("C23H38N2O", "C21H32N2O", "different"),
        ("In2P", "InP", "different"),
        ("C70H76N10O16", "C37H41N5O11", "different"),  # 2:1 against 1:1 salt: not told apart
        ("not a formula", "C6H6", "different"),
    ],
)
def test_formula_relation(given: str, theirs: str, expected: str) -> None:
    assert relation(given, theirs) == expected


def test_parse_formula() -> None:
    assert parse_formula("(C2H5)2O") == {"C": 4, "H": 10, "O": 1}
    assert parse_formula("CuSO4·5H2O") == {"Cu": 1, "S": 1, "O": 9, "H": 10}
    assert parse_formula("C12H14N2+2") == {"C": 12, "H": 14, "N": 2}
    assert parse_formula("hello") is None
    assert parse_formula("") is None


def test_formula_and_smiles_columns(settings: Settings) -> None:
    rows, report = _rows(settings, FORMULAS)
    with FORMULAS.open(encoding="utf-8", newline="") as handle:
        notes = [r["Note"] for r in csv.DictReader(handle)]
    assert [r["Note"] for r in rows] == notes  # every row, in order
    verdicts = [(r["cas_status"], r["cas_reason"]) for r in rows]
    assert verdicts == [
        ("valid", ""),
        ("mismatch", "50-78-2 is aspirin (C9H8O4) in the offline index, not formula C8H10N4O2"),
        (
            "mismatch",
            "58-08-2 is caffeine (C8H10N4O2) in the offline index, not the SMILES's formula C9H8O4",
        ),
        (
            "valid",
            "formula C16H15Cl2N3O is a salt, hydrate or ion form of C16H14ClN3O, "
            "chlordiazepoxide's in the offline index",
        ),
        (
            "valid",
            "formula (of the SMILES) C7H4NNaO3S is a salt, hydrate or ion form of C7H5NO3S, "
            "saccharin's in the offline index",
        ),
        ("valid", ""),
    ]
    assert report.cross_check == {  # type: ignore[attr-defined]
        "source": "offline index (no registry database)",
        "columns": {"formula": "Molecular formula", "smiles": "SMILES"},
        "columns not checked": {"ec": "EC No."},  # no source holds EC numbers
        "confirmed": 3,  # aspirin and the two salts
        "mismatch": 2,
        "not cross-checked": 1,
        "suggestion confirmed": 0,
        "salt or ion form": 2,
        "formula differs": 0,
    }
    assert not Path(settings.db_url.removeprefix("sqlite:///")).exists()  # none created


def test_comptox_list_salts_are_notes_not_mismatches(settings: Settings) -> None:
    rows, report = _rows(settings, COMPTOX)
    assert len(rows) == 993
    by_number = {r["CASRN"]: r for r in rows}
    salt = by_number["438-41-5"]  # chlordiazepoxide hydrochloride
    assert salt["cas_status"] == "valid"
    assert salt["cas_reason"].startswith("formula C16H15Cl2N3O is a salt, hydrate or ion form")
    # The name agrees, the formula is no form of the index's: said, not a mismatch.
    stanozolol = by_number["10418-03-8"]
    assert (stanozolol["cas_status"], stanozolol["cas_reason"]) == (
        "valid",
        "formula C23H38N2O differs from C21H32N2O, stanozolol's in the offline index",
    )
    tartrate = by_number["379-79-3"]  # 2:1 salt against the index's 1:1, name shares a word
    assert tartrate["cas_status"] == "valid"
    assert "differs from C37H41N5O11" in tartrate["cas_reason"]
    cross = report.cross_check  # type: ignore[attr-defined]
    assert cross["columns"] == {
        "name": "PREFERRED NAME",
        "formula": "MOLECULAR FORMULA",
        "smiles": "SMILES",
        "inchikey": "INCHIKEY",
    }
    assert cross["mismatch"] == 2  # by name: idarubicin hydrochloride, a PCB congener
    assert cross["salt or ion form"] == 15
    assert cross["formula differs"] == 4
    mismatched = sorted(r["CASRN"] for r in rows if r["cas_status"] == "mismatch")
    assert mismatched == ["31508-00-6", "57852-57-0"]


def test_registry_is_a_source_where_it_exists(settings: Settings, tmp_path: Path) -> None:
    # The bundled records seed a new registry: milnacipran, which the offline index lacks.
    with registry.Registry.open(settings=settings):
        pass
    path = tmp_path / "names.csv"
    path.write_text(
        "Name,CAS No.\n"
        "Milnacipran,92623-85-3\n"  # only the registry knows it
        "Aspirin,92623-85-3\n"  # the registry's number, another substance's name
        "Milnacipran,92623-85-2\n"  # a check-digit slip the registry's name resolves
        "Caffeine,50-78-2\n",  # the offline index still answers
        encoding="utf-8",
    )
    rows, report = _rows(settings, path)
    verdicts = [(r["cas_status"], r["cas_reason"], r["cas_suggestion"]) for r in rows]
    assert verdicts[0] == ("valid", "", "")
    assert verdicts[1][0] == "mismatch"
    # (Which of aspirin's numbers comes first is the index's order of its records.)
    assert verdicts[1][1].startswith("92623-85-3 is milnacipran in the registry, not Aspirin (")
    assert verdicts[2][0] == "invalid-checksum"
    assert verdicts[2][1].endswith("; Milnacipran is 92623-85-3 in the registry")  # as given
    assert verdicts[2][2] == "92623-85-3"
    assert verdicts[3][0] == "mismatch"
    cross = report.cross_check  # type: ignore[attr-defined]
    assert cross["source"].startswith("registry (")
    assert cross["source"].endswith(" compounds) and offline index")
    assert cross["confirmed"] == 1
    _, without = _rows(settings, path, registry=False)
    assert without.cross_check["source"] == "offline index"  # type: ignore[attr-defined]
    assert without.cross_check["confirmed"] == 0  # type: ignore[attr-defined]


def test_key_set_compiled_and_polars_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    keys = pl.Series([0, 1, 2**64 - 1, 12345678901234567890, 7, 7], dtype=pl.UInt64)
    asked = pl.Series([7, None, 0, 3, 2**64 - 1, 12345678901234567890, 8], dtype=pl.UInt64)
    expected = [True, False, True, False, True, True, False]
    assert scan.KeySet(keys).members(asked).to_list() == expected
    chunked = pl.concat([asked.head(3), asked.tail(4)], rechunk=False)
    assert scan.KeySet(keys).members(chunked).to_list() == expected
    monkeypatch.setattr(scan, "_scan", None)
    assert scan.KeySet(keys).members(asked).to_list() == expected


def test_fold_series_folds_as_fold_expr() -> None:
    names = pl.Series(
        ["ÄTHANOL", "Acetyl-Salicylic ACID", None, "İstanbul", "ΑΣΠΙΡΊΝΗ", "", " - ", "x\u2013Y"]
    )
    assert fold_series(names).to_list() == pl.select(fold_expr(pl.lit(names))).to_series().to_list()
    assert fold_series(names).to_list()[:2] == ["äthanol", "acetylsalicylicacid"]


def test_public_names() -> None:
    assert registry.CasResult is registry.bulk.CasResult
    assert registry.validate_file is validate_file
    assert {"CasResult", "validate_file"} <= set(registry.__all__)


def test_cli_names_the_columns_no_source_checks(settings: Settings) -> None:
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "REGISTRY_DATA_DIR": str(settings.data_dir),
        "REGISTRY_DB": settings.db_url,
    }
    run = subprocess.run(
        [sys.executable, "-m", "registry", "validate", str(FORMULAS)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1  # two mismatches
    flat = " ".join(run.stdout.split())
    assert "columns no source can check ec (EC No.)" in flat
    assert "cross-check salt or ion form 2" in flat
    assert "cross-check mismatch 2" in flat


def test_close_mask_is_close_pairwise() -> None:
    import random

    from registry.service.near_numbers import close as _close
    from registry.service.near_numbers import close_mask

    rng = random.Random(7)
    values, numbers = [], []
    for _ in range(2000):
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(5, 9)))
        other = list(digits)
        kind = rng.random()
        if kind < 0.3:  # one digit changed
            other[rng.randrange(len(other))] = rng.choice("0123456789")
        elif kind < 0.6:  # two adjacent digits swapped
            i = rng.randrange(len(other) - 1)
            other[i], other[i + 1] = other[i + 1], other[i]
        elif kind < 0.7:  # a zero inserted
            other.insert(rng.randrange(len(other)), "0")
        elif kind < 0.8:
            other = list(rng.choice(["", "000", "12"]))
        values.append(f"{digits[:-3]}-{digits[-3:-1]}-{digits[-1]}")
        numbers.append("".join(other))
    mask = close_mask(pl.Series(values), pl.Series(numbers)).to_list()
    assert mask == [_close(v, n) for v, n in zip(values, numbers, strict=True)]
    assert 0 < sum(mask) < len(mask)
