"""`registry add|show|list|search|note|import|export` through typer's runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from store_support import COMPOUNDS, MILNACIPRAN, MILNACIPRAN_HCL, in_process_cli


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    invoke = in_process_cli(tmp_path, monkeypatch, f"sqlite:///{tmp_path / 'cli.sqlite'}")
    return lambda *args, input=None, expect=0: invoke(*args, input=input, expect=expect).output


def test_fresh_registry_shows_milnacipran(run) -> None:  # type: ignore[no-untyped-def]
    out = run("show", "milnacipran")
    assert out.startswith("REG-000001  milnacipran")
    assert "92623-85-3    parent" in out
    assert "101152-94-7   salt     hydrochloride" in out
    assert "mentioned by source; not an identifier" in out
    assert "## Mechanism  (source: research-notes; cites 4, 7, 5)" in out
    assert "Descriptors (RDKit" in out
    out = run("show", "507-60-8", expect=1)
    assert "mentioned (role unknown) by REG-000001 (milnacipran)" in out
    data = json.loads(run("show", "92623-85-3", "--format", "json"))
    assert data[0]["registry_id"] == "REG-000001"
    history = run("show", "REG-000001", "--history")
    assert "tester  import-add" in history


def test_add_duplicate_link_and_salt(run) -> None:  # type: ignore[no-untyped-def]
    args = ["milnacipran hydrochloride", "--smiles", MILNACIPRAN_HCL, "--cas", "101152-94-7"]
    out = run("add", *args, "--cas-role", "salt")
    assert "REG-000002" in out
    assert "REG-000001" in out  # the new salt and its parent
    assert "101152-94-7 (salt)" in out
    out = run("add", *args, expect=1)
    assert "already registered as REG-000002 (milnacipran hydrochloride)" in out
    assert "salt forms: REG-000002" in run("show", "milnacipran")
    out = run("add", MILNACIPRAN, expect=1)
    assert "already registered as REG-000001 (milnacipran)" in out
    assert "--link" in out
    out = run("add", "F2207", "--smiles", MILNACIPRAN, "--link", "--source", "ref")
    assert "REG-000001" in out
    assert "F2207" in run("show", "milnacipran")
    assert "error: " in run("add", "CC(", expect=1)


def test_list_search_and_notes(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run("add", "CCO", "--name", "ethanol")
    rows = json.loads(run("list", "--format", "json"))
    assert [r["name"] for r in rows] == ["milnacipran", "ethanol"]
    out = run("search", "fibromyalgia")
    assert "milnacipran" in out
    assert "note:" in out
    run("search", "no such text anywhere", expect=1)
    out = run("search", "--similar", MILNACIPRAN, "--min", "0.9", "--format", "csv")
    assert out.splitlines()[1].startswith("REG-000001,milnacipran,1.0,")
    out = run("search", "--substructure", "[OX2H][CX4]")
    assert "ethanol" in out
    assert "milnacipran" not in out
    run("search", "x", "--similar", "CCO", expect=2)
    note = tmp_path / "note.md"
    note.write_text("Half-life about 8 h[^12].\n", encoding="utf-8")
    out = run("note", "add", "ethanol", "--section", "pharmacokinetics", "--file", str(note))
    assert "added to REG-000002" in out
    out = run("note", "show", "ethanol")
    assert "## Pharmacokinetics  (note 1; source: user; cites 12)" in out
    run("note", "add", "ethanol", "--section", "usage", "--file", str(tmp_path / "no.md"), expect=2)
    out = run("note", "add", "ethanol", "--section", "usage", "--file", "-", input="From stdin.")
    assert "added" in out
    assert "From stdin." in run("note", "show", "ethanol", "--section", "USAGE")


def test_import_and_export(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert "nothing changed" in run("import", str(COMPOUNDS))
    out_dir = tmp_path / "exported"
    assert "wrote 1 file(s)" in run("export", "--format", "md", "--out", str(out_dir))
    assert (out_dir / "milnacipran.md").read_bytes() == (COMPOUNDS / "milnacipran.md").read_bytes()
    assert "$$$$" in run("export", "--format", "sdf")
    assert json.loads(run("export", "milnacipran", "--format", "json"))[0]["name"] == "milnacipran"
    run("export", "--format", "xml", expect=1)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.md").write_text("---\nname: x\n---\n", encoding="utf-8")
    out = run("import", str(bad), expect=1)
    assert f"{bad / 'x.md'}:2: 'smiles' is missing" in out


def test_library_errors_name_the_flags(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # The library names Python parameters (as_salt_of=..., min_similarity=..., out=DIR); the
    # command prints the flag that sets each.
    run("add", "CCO", "--name", "ethanol")
    out = run("add", "CCCO", "--name", "propanol", "--as-salt-of", "ethanol", expect=1)
    assert "error: --as-salt-of ethanol: the structure has no counter-ion" in out
    out = run("search", "--similar", "CCO", "--min", "1.5", expect=1)
    assert "error: --min 1.5: a Tanimoto similarity lies between 0 and 1" in out
    out = run("export", "--format", "md", expect=1)
    assert "give --out DIR" in out
    for printed in (out, run("add", "CCO", expect=1)):
        assert "=" not in printed.partition("error: ")[2]
