"""`registry descriptors` and `registry draw` through typer's runner and in a real process."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from rdkit import Chem
from typer.testing import CliRunner

from registry.cli import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()

MILNACIPRAN = "CCN(CC)C(=O)C1(CC1CN)c1ccccc1"
MILNACIPRAN_HCL = MILNACIPRAN + ".Cl"


def test_one_structure_gives_a_vertical_table() -> None:
    result = runner.invoke(app, ["descriptors", MILNACIPRAN_HCL])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line.split()[1:] for line in result.output.splitlines()[2:]}
    assert lines["structure"] == ["CCN(CC)C(=O)C1(c2ccccc2)CC1CN", "(parent)"]
    assert lines["formula"] == ["C15H22N2O"]
    assert lines["molecular_weight"] == ["246.354", "g/mol"]
    assert lines["exact_mass"] == ["246.1732", "Da"]
    assert lines["lipinski"] == ["pass"]
    assert lines["veber"] == ["pass"]
    assert lines["rdkit"][0].startswith("20")


def test_on_submitted_measures_the_salt() -> None:
    result = runner.invoke(app, ["descriptors", MILNACIPRAN_HCL, "--on", "submitted", "-f", "json"])
    assert result.exit_code == 0
    (row,) = json.loads(result.output)
    assert row["descriptors"]["formula"] == "C15H23ClN2O"
    assert row["on"] == "submitted"


def test_several_structures_with_a_bad_one_exit_one_and_keep_order() -> None:
    result = runner.invoke(app, ["descriptors", "CCO", "C1CC", "c1ccccc1O", "-f", "json"])
    assert result.exit_code == 1
    rows = json.loads(result.output)
    assert [r["input"] for r in rows] == ["CCO", "C1CC", "c1ccccc1O"]
    assert [r["ok"] for r in rows] == [True, False, True]
    assert "unclosed ring" in rows[1]["error"]
    assert rows[0]["units"]["molecular_weight"] == "g/mol"
    assert rows[2]["rules"]["lipinski"]["passed"] is True
    assert {c["name"] for c in rows[2]["rules"]["lipinski"]["criteria"]} == {
        "molecular_weight",
        "logp",
        "nh_oh_count",
        "n_o_count",
    }


def test_wide_table_shows_rules_and_errors() -> None:
    ritonavir = (
        "CC(C)C1=NC(=CS1)CN(C)C(=O)N[C@@H](C(C)C)C(=O)N[C@@H](CC2=CC=CC=C2)"
        "C[C@@H]([C@H](CC3=CC=CC=C3)NC(=O)OCC4=CN=CS4)O"
    )
    result = runner.invoke(app, ["--wide", "descriptors", "CCO", ritonavir, "C1CC"])
    assert result.exit_code == 1
    header, _, *rows = result.output.splitlines()
    assert header.split()[:4] == ["input", "MW", "exact", "mass"]
    assert "lipinski" in header
    assert "error" in header
    assert "fail: MW 721>500, logP 5.905>5, N+O 11>10" in rows[1]
    assert "fail: RotB 17>10, TPSA 145.8>140" in rows[1]
    assert "unclosed ring" in rows[2]


def test_a_narrow_terminal_keeps_the_rules_and_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    result = runner.invoke(app, ["descriptors", "CCO", "c1ccccc1O", "C1CC"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    header = lines[0].split()
    assert header[0] == "input"
    assert header[-3:] == ["lipinski", "veber", "error"]
    note = result.output[result.output.index("\n(") + 1 :]
    assert note.startswith("(")
    assert "not shown: " in note
    assert " ".join(note.split()).endswith("registry --wide ... or --format json shows all)")
    assert "MW" not in note  # the first columns stay; the note names only those left out
    assert "unclosed ring" in result.output


def test_a_single_bad_structure_is_one_error_line() -> None:
    result = runner.invoke(app, ["descriptors", "C1CC"])
    assert result.exit_code == 1
    assert (
        result.output.strip() == "error: cannot read SMILES 'C1CC': unclosed ring for input: 'C1CC'"
    )


def test_csv_output_parses_back() -> None:
    result = runner.invoke(app, ["descriptors", "CCO", MILNACIPRAN, "-f", "csv"])
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [r["formula"] for r in rows] == ["C2H6O", "C15H22N2O"]
    assert float(rows[1]["exact_mass"]) == pytest.approx(246.1732, abs=1e-4)
    assert rows[1]["lipinski"] == "pass"


def test_all_descriptors(tmp_path: Path) -> None:
    result = runner.invoke(app, ["descriptors", "CCO", "--all", "-f", "json"])
    assert result.exit_code == 0
    (row,) = json.loads(result.output)
    assert len(row["descriptors"]) == 217
    table = runner.invoke(app, ["descriptors", "CCO", "c1ccccc1", "--all"])
    assert table.exit_code == 0
    assert len(table.output.splitlines()) == 2 + 2 * 217  # long layout: one line per value


def test_file_inputs(tmp_path: Path) -> None:
    table = tmp_path / "library.csv"
    table.write_text(
        "id;Name;SMILES\n1;milnacipran HCl;"
        + MILNACIPRAN_HCL
        + "\n2;broken;C1CC\n3;phenol;c1ccccc1O\n"
    )
    result = runner.invoke(app, ["descriptors", "--file", str(table), "-f", "json"])
    assert result.exit_code == 1
    rows = json.loads(result.output)
    assert [r["name"] for r in rows] == ["milnacipran HCl", "broken", "phenol"]
    assert rows[0]["descriptors"]["formula"] == "C15H22N2O"

    sdf = tmp_path / "two.sdf"
    blocks = []
    for name, smiles in (("milnacipran", MILNACIPRAN), ("phenol", "c1ccccc1O")):
        mol = Chem.MolFromSmiles(smiles)
        mol.SetProp("_Name", name)
        blocks.append(Chem.MolToMolBlock(mol) + "$$$$\n")
    sdf.write_text("".join(blocks))
    result = runner.invoke(app, ["descriptors", "-i", str(sdf), "-f", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [(r["name"], r["formula"]) for r in rows] == [
        ("milnacipran", "C15H22N2O"),
        ("phenol", "C6H6O"),
    ]

    smi = tmp_path / "list.smi"
    smi.write_text(f"# two\n{MILNACIPRAN} milnacipran\nCCO ethanol\n")
    result = runner.invoke(app, ["descriptors", "-i", str(smi), "-f", "json"])
    assert [r["name"] for r in json.loads(result.output)] == ["milnacipran", "ethanol"]


def test_file_errors_are_usage_errors(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("a,b\n1,2\n")
    result = runner.invoke(app, ["descriptors", "--file", str(table)])
    assert result.exit_code == 2
    assert "no structure column found" in result.output
    assert "name it with --column NAME" in result.output
    result = runner.invoke(app, ["descriptors", "--file", str(table), "--column", "smiles"])
    assert result.exit_code == 2
    assert "no column 'smiles'; the columns are: a, b" in result.output
    result = runner.invoke(app, ["descriptors", "--file", str(tmp_path / "missing.csv")])
    assert result.exit_code == 2
    assert "cannot read" in result.output
    binary = tmp_path / "x.smi"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    result = runner.invoke(app, ["descriptors", "--file", str(binary)])
    assert result.exit_code == 2
    assert "binary" in result.output
    result = runner.invoke(app, ["descriptors"])
    assert result.exit_code == 2


def test_stdin() -> None:
    result = runner.invoke(app, ["descriptors", "-", "-f", "csv"], input="CCO\n\nc1ccccc1\n")
    assert result.exit_code == 0
    assert [r["formula"] for r in csv.DictReader(io.StringIO(result.output))] == ["C2H6O", "C6H6"]


def test_draw_svg_png_and_grid(tmp_path: Path) -> None:
    svg = tmp_path / "one.svg"
    result = runner.invoke(app, ["draw", MILNACIPRAN, "-o", str(svg)])
    assert result.exit_code == 0, result.output
    assert "</svg>" in svg.read_text()
    png = tmp_path / "grid.png"
    result = runner.invoke(
        app,
        [
            "draw",
            MILNACIPRAN,
            "CCO",
            "c1ccccc1O",
            "-o",
            str(png),
            "--per-row",
            "2",
            "--size",
            "200",
        ],
    )
    assert result.exit_code == 0
    assert result.output.strip() == f"wrote {png} (3 structures)"
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG")
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (400, 400)


def test_draw_errors(tmp_path: Path) -> None:
    result = runner.invoke(app, ["draw", "CCO", "-o", str(tmp_path / "x.gif")])
    assert result.exit_code == 2
    assert ".svg or .png" in result.output
    result = runner.invoke(app, ["draw", "CCO", "CC", "-l", "one", "-o", str(tmp_path / "x.svg")])
    assert result.exit_code == 2
    assert "1 legends for 2 structures" in result.output
    result = runner.invoke(app, ["draw", "C1CC", "-o", str(tmp_path / "x.svg")])
    assert result.exit_code == 1
    assert "unclosed ring" in result.output


def test_descriptors_in_a_real_process_write_nothing_to_stderr() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "registry",
            "descriptors",
            "[H+].[OH-]",
            "C1CC",
            "CCO",
            "-f",
            "json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr == ""
    assert [r["ok"] for r in json.loads(result.stdout)] == [True, False, True]


def test_cas_path_does_not_import_rdkit() -> None:
    code = (
        "import sys; from registry.cli import app\n"
        "assert 'rdkit' not in sys.modules, 'rdkit imported'\n"
        "assert 'registry.chem.structures' not in sys.modules\n"
        "loaded = {m for m in sys.modules if m.startswith('registry.chem.')}\n"
        "assert loaded <= {'registry.chem.structure_files'}, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from registry.cli import chem as chem_cli

    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with chem_cli._progress(200) as update:
        assert update is not None
        update(100, 200)
        update(200, 200)
    assert "descriptors" in terminal.getvalue()
    assert "100%" in terminal.getvalue()
    with chem_cli._progress(10) as update:  # too small to bother
        assert update is None
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # not a terminal
    with chem_cli._progress(200) as update:
        assert update is None
