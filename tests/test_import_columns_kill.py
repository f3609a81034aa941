"""A killed import of a table with CAS and property columns: every compound committed has all
its row's facts (they go in the transaction of its batch), and running the command again gives
exactly what one uninterrupted import gives."""

from __future__ import annotations

import csv
import itertools
import signal
import subprocess
from pathlib import Path

from roundtrip_support import snapshot
from store_support import PYTHON, ROOT, cli_env

from registry.config import Settings
from registry.service import Registry
from registry.sources.chemicals_data import iter_pubchem_rows


def _settings(tmp_path: Path) -> Settings:
    return Settings.from_env(
        {"REGISTRY_DATA_DIR": str(tmp_path / "data"), "REGISTRY_CACHE_DIR": str(tmp_path / "c")},
        author="tester",
        offline=True,
    )


def _write_table(path: Path, n: int) -> int:
    """``n`` PubChem rows with their CAS numbers, a text and a number column; rows with CAS."""
    rows = (r for r in iter_pubchem_rows() if r.smiles and r.cas)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["smiles", "name", "cas", "project", "assay"])
        for number, row in enumerate(itertools.islice(rows, n)):
            writer.writerow([row.smiles, row.common_name or f"CID {row.cid}", row.cas,
                             f"p{number % 3}", f"{number / 7:.3f}"])  # fmt: skip
    return n


def test_a_killed_import_keeps_each_batch_whole_and_resumes(tmp_path: Path) -> None:
    table = tmp_path / "team.csv"
    _write_table(table, 240)
    url = f"sqlite:///{tmp_path / 'killed.sqlite'}"
    with Registry.open(url, settings=_settings(tmp_path), seed=False):
        pass
    command = [PYTHON, "-m", "registry", "import", str(table), "--db", url, "--progress"]
    command += ["--batch-size", "10"]
    env = cli_env(tmp_path)
    running = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert running.stderr is not None
    for line in running.stderr:
        if line.startswith("imported 40/"):
            break
    running.send_signal(signal.SIGKILL)
    running.wait(timeout=60)
    with Registry.open(url, settings=_settings(tmp_path), seed=False) as registry:
        partial = registry.list_compounds(full=True)
        assert 40 <= len(partial) < 230
        for compound in partial:  # nothing committed without its row's facts
            assert compound.cas, compound.name
            assert {p.name for p in compound.properties if p.source == "team.csv"} == {
                "project",
                "assay",
            }
    again = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert "resumed after row" in again.stdout
    reference = f"sqlite:///{tmp_path / 'reference.sqlite'}"
    with Registry.open(reference, settings=_settings(tmp_path), seed=False) as registry:
        whole = registry.import_structures(table, workers=1)
        expected = snapshot(registry)
    assert again.returncode == (0 if whole.complete else 1), again.stderr
    with Registry.open(url, settings=_settings(tmp_path), seed=False) as registry:
        assert snapshot(registry) == expected
