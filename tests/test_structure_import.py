"""Bulk registration of structure files: batches, checkpoints, resuming after a kill."""

from __future__ import annotations

import itertools
import signal
import subprocess
from pathlib import Path

import pytest
from rdkit import Chem
from store_support import PYTHON, ROOT, cli_env, db_url  # noqa: F401  (fixture)

from registry.config import Settings
from registry.service import Registry
from registry.service.structure_import import import_structures
from registry.sources.chemicals_data import iter_pubchem_rows


def _settings(tmp_path: Path) -> Settings:
    return Settings.from_env(
        {"REGISTRY_DATA_DIR": str(tmp_path / "data"), "REGISTRY_CACHE_DIR": str(tmp_path / "c")},
        author="tester",
        offline=True,
    )


def _write_sdf(path: Path, n: int) -> None:
    """``n`` PubChem structures as an SDF (RDKit Molfiles), plus a broken record and a repeat."""
    rows = (r for r in iter_pubchem_rows() if r.smiles)
    blocks = []
    for row in itertools.islice(rows, n):
        mol = Chem.MolFromSmiles(row.smiles)
        if mol is None:
            continue
        mol.SetProp("_Name", row.common_name or f"CID {row.cid}")
        blocks.append(Chem.MolToMolBlock(mol))
    blocks.insert(
        200, "broken\n  junk\n\n  1  0  0  0  0  0  0  0  0  0999 V2000\nnot an atom\nM  END\n"
    )
    blocks.append(blocks[1])  # the same structure again
    path.write_text("".join(f"{b}$$$$\n" for b in blocks))


def _hashes(url: str, tmp_path: Path) -> list[str]:
    with Registry.open(url, settings=_settings(tmp_path), seed=False) as registry:
        return sorted(
            f"{c.registration_hash} {c.name} {c.smiles}" for c in registry.list_compounds(full=True)
        )


def test_a_killed_import_resumes_without_duplicates(db_url: str, tmp_path: Path) -> None:
    sdf = tmp_path / "library.sdf"
    _write_sdf(sdf, 240)
    command = [PYTHON, "-m", "registry", "import", str(sdf), "--db", db_url, "--progress"]
    command += ["--batch-size", "10"]
    env = cli_env(tmp_path)
    with Registry.open(db_url, settings=_settings(tmp_path), seed=False):
        pass  # an empty registry (the command would seed a new one with the bundled records)
    running = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert running.stderr is not None
    for line in running.stderr:  # let three batches commit, then kill it mid-run
        if line.startswith("imported 40/"):
            break
    running.send_signal(signal.SIGKILL)
    running.wait(timeout=60)
    partial = _hashes(db_url, tmp_path)
    assert 40 <= len(partial) < 230  # interrupted part of the way through

    again = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert again.returncode == 0, again.stderr
    assert "resumed after row" in again.stdout
    assert "1 unreadable" in again.stdout  # the broken record, after the checkpoint
    assert "1 already registered" in again.stdout  # the repeat of an earlier batch's row

    reference = f"sqlite:///{tmp_path / 'reference.sqlite'}"
    with Registry.open(reference, settings=_settings(tmp_path), seed=False) as registry:
        whole = import_structures(registry, sdf, batch_size=1000, workers=1)
    assert whole.added > 220
    assert whole.repeated_in_file == 1
    assert len(whole.invalid) == 1
    resumed = _hashes(db_url, tmp_path)
    assert resumed == _hashes(reference, tmp_path)  # the same compounds, each once
    assert set(partial) <= set(resumed)

    # A third run goes through the finished file again and adds nothing.
    third = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert third.returncode == 0, third.stderr
    assert third.stdout.startswith("library.sdf: 0 added")
    assert _hashes(db_url, tmp_path) == resumed


def test_csv_import_with_columns(db_url: str, tmp_path: Path) -> None:
    table = tmp_path / "vendor.csv"
    table.write_text(
        "Catalog ID,SMILES,price\n"
        "V-1,CCN(CC)C(=O)C1(CC1CN)c1ccccc1,10\n"
        "V-2,CC(=O)Oc1ccccc1C(=O)O,2\n"
        "V-3,not-a-smiles,1\n"
        "V-4,OC(=O)c1ccccc1OC(C)=O,2\n"
    )
    with Registry.open(db_url, settings=_settings(tmp_path), seed=False) as registry:
        report = import_structures(
            registry, table, column="SMILES", name_column="Catalog ID", batch_size=2
        )
        assert (report.added, report.invalid, report.already_registered) == (2, [4], 1)
        assert registry.get("V-1").formula == "C15H22N2O"
        again = import_structures(registry, table, column="SMILES", name_column="Catalog ID")
        assert again.added == 0
        assert registry.count() == 2


def test_a_bad_batch_size_is_refused(tmp_path: Path) -> None:
    from registry.errors import InputFileError

    (tmp_path / "x.smi").write_text("CCO\n")
    with (
        Registry.open(
            f"sqlite:///{tmp_path / 'r.sqlite'}", settings=_settings(tmp_path), seed=False
        ) as registry,
        pytest.raises(InputFileError, match="batch size"),
    ):
        import_structures(registry, tmp_path / "x.smi", batch_size=0)
