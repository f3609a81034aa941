"""registry.chem.structure_files: SMILES lists, CSV/TSV tables and SDF files as they come."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdkit import Chem

from registry.chem.structure_files import read_structures
from registry.cli.base import exit_code
from registry.errors import InputFileError


def test_csv_with_bom_quotes_and_semicolons(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    text = (
        "\ufeffCAS;Compound;SMILES\n"
        '92623-85-3;"milnacipran; racemic";CCN(CC)C(=O)C1(CC1CN)c1ccccc1\n\n'
    )
    path.write_text(text, encoding="utf-8")
    (item,) = read_structures(path)
    assert item.value == "CCN(CC)C(=O)C1(CC1CN)c1ccccc1"
    assert item.name == "milnacipran; racemic"  # "compound" is preferred to "cas" as a name
    assert item.line == 2


def test_latin1_tsv_and_explicit_columns(tmp_path: Path) -> None:
    path = tmp_path / "x.tsv"
    path.write_bytes(
        "nom\tstructure SMILES\ncaféine\tCn1cnc2c1c(=O)n(C)c(=O)n2C\n".encode("cp1252")
    )
    (item,) = read_structures(path, column="structure smiles", name_column="NOM")
    assert item.name == "caféine"
    assert Chem.MolFromSmiles(item.value) is not None


def test_short_rows_give_empty_values(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("name,smiles\nwater\nethanol,CCO\n")
    items = read_structures(path)
    assert [(i.name, i.value) for i in items] == [("water", ""), ("ethanol", "CCO")]


def test_sdf_records_keep_names_and_lines(tmp_path: Path) -> None:
    blocks = []
    for name, smiles in (("ethanol", "CCO"), ("phenol", "c1ccccc1O")):
        mol = Chem.MolFromSmiles(smiles)
        mol.SetProp("_Name", name)
        blocks.append(Chem.MolToMolBlock(mol) + ">  <CAS>\n64-17-5\n\n")
    path = tmp_path / "x.sdf"
    path.write_text("$$$$\n".join(blocks))  # no terminator after the last record
    items = read_structures(path)
    assert [i.name for i in items] == ["ethanol", "phenol"]
    assert items[0].line == 1
    assert all("M  END" in i.value for i in items)


def test_smi_with_tabs_and_comments(tmp_path: Path) -> None:
    path = tmp_path / "x.smi"
    path.write_text("# library\nCCO\tethanol\n\nc1ccccc1O phenol red\n")
    assert [(i.value, i.name, i.line) for i in read_structures(path)] == [
        ("CCO", "ethanol", 2),
        ("c1ccccc1O", "phenol red", 4),
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("x.xlsx", b"PK\x03\x04", "not a readable .xlsx workbook"),
        ("x.xls", b"\xd0\xcf\x11\xe0", "unknown file type .xls"),
        ("x.csv", b"", "empty"),
        ("x.smi", b"\x00\x01\x02", "binary"),
        ("x.csv", b"a,b\n1,2\n", "no structure column found"),
    ],
)
def test_unreadable_files(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputFileError, match=message) as raised:
        read_structures(path)
    assert exit_code(raised.value) == 2


def test_missing_structure_column_names_the_python_parameter(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(InputFileError) as raised:
        read_structures(path)
    assert "name it with column=NAME" in str(raised.value)
    assert "--column" not in str(raised.value)  # the library speaks Python; the CLI adds flags
