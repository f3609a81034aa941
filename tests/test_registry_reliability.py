"""The registry under stress: a killed import, four concurrent writers, an installed wheel.

These run real processes (``python -m registry`` and small scripts) against real SQLite files.
"""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest
from store_support import COMPOUNDS, ROOT, cli_env, db_url  # noqa: F401  (fixture)

from registry.config import Settings
from registry.service import Registry
from registry.sources.chemicals_data import iter_pubchem_rows


def _pubchem_smiles(count: int, skip: int = 0) -> list[tuple[str, str]]:
    """Real, simple PubChem structures (single component, no stereo, small)."""
    found: list[tuple[str, str]] = []
    for index, row in enumerate(iter_pubchem_rows()):
        if index < skip:
            continue
        smiles = row.smiles
        if "." in smiles or "@" in smiles or "/" in smiles or len(smiles) > 40:
            continue
        found.append((smiles, f"cid-{row.cid}"))
        if len(found) == count:
            break
    return found


def _dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return {
            table: sorted(connection.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
            for table in ("compounds", "identifiers", "notes", "properties", "audit")
        }


def test_killed_import_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    folder = tmp_path / "records"
    folder.mkdir()
    for smiles, name in _pubchem_smiles(300):
        (folder / f"{name}.md").write_text(
            f"---\nname: {name}\nsmiles: '{smiles}'\nsynonyms:\n- {name} synonym\n---\n\n"
            f"# {name}\n\n## Usage\n\nNote about {name}[^1].\n\n## Mechanism\n\nUnknown.\n",
            encoding="utf-8",
        )
    db_path = tmp_path / "registry.sqlite"
    settings = Settings.from_env({"REGISTRY_DATA_DIR": str(tmp_path)}, author="tester")
    with Registry.open(f"sqlite:///{db_path}", settings=settings) as registry:
        registry.add("CCO", name="ethanol", synonyms=["spirit"])
    before = _dump(db_path)
    assert len(before["compounds"]) == 2  # the bundled milnacipran and ethanol

    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "registry",
            "import",
            str(folder),
            "--progress",
            "--db",
            f"sqlite:///{db_path}",
        ],
        cwd=ROOT,
        env=cli_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    try:
        line = process.stderr.readline()  # written inside the import transaction
        assert line.startswith("importing 1/300"), line + process.stderr.read()
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL  # killed, not finished
    assert _dump(db_path) == before
    # ...and the registry opens and works afterwards; the import then goes through.
    with Registry.open(f"sqlite:///{db_path}", settings=settings) as registry:
        assert registry.count() == 2
        assert len(registry.import_records(folder).added) == 300
        assert registry.count() == 302


WRITER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from registry.config import Settings
    from registry.models import Note
    from registry.service import Registry

    url, me, items, go = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3]), Path(sys.argv[4])
    while not go.exists():
        time.sleep(0.01)
    settings = Settings.from_env(author=f"writer-{me}")
    with Registry.open(url, settings=settings) as registry:
        for smiles, name in items:
            registry.add(
                smiles,
                name=name,
                synonyms=[f"{name} from writer {me}"],
                notes=[Note("research", f"{name} noted by writer {me}", f"writer-{me}")],
                source=f"writer-{me}",
                link=True,
            )
    print("done", me)
    """
)


def test_four_concurrent_writers_lose_nothing(tmp_path: Path, db_url: str) -> None:
    pool = _pubchem_smiles(24, skip=1000)
    lists = [pool[0:12], pool[6:18], pool[12:24], pool[0:24:2]]
    # The database is created (and migrated, and seeded) by the race itself.
    go = tmp_path / "go"
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                WRITER,
                db_url,
                str(i),
                json.dumps(items),
                str(go),
            ],
            cwd=ROOT,
            env=cli_env(tmp_path),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i, items in enumerate(lists)
    ]
    time.sleep(0.5)
    go.touch()
    for i, process in enumerate(processes):
        out, err = process.communicate(timeout=180)
        assert process.returncode == 0, err
        assert out.strip() == f"done {i}"

    settings = Settings.from_env({"REGISTRY_DATA_DIR": str(tmp_path)}, author="tester")
    with Registry.open(db_url, settings=settings) as registry:
        compounds = [c for c in registry.list_compounds() if c.name != "milnacipran"]
        assert sorted(c.name for c in compounds) == sorted(name for _, name in pool)
        assert registry.count() == len(pool) + 1  # each once, plus the bundled milnacipran
        for smiles, name in pool:
            writers = [i for i, items in enumerate(lists) if (smiles, name) in items]
            c = registry.get(name)
            assert sorted(c.synonyms) == sorted(f"{name} from writer {i}" for i in writers)
            assert sorted(n.source for n in c.notes) == sorted(f"writer-{i}" for i in writers)
            trail = registry.get(name, history=True).history
            assert sorted(a.author for a in trail) == sorted(f"writer-{i}" for i in writers)


def _build_wheel(tmp_path: Path) -> Path:
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        shutil.copy(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "_records")
    shutil.copytree(ROOT / "registry", source / "registry", ignore=ignore)
    shutil.copytree(COMPOUNDS, source / "compounds")
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(source),
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "--wheel-dir",
            str(wheels),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = wheels.glob("registry-*.whl")
    return wheel


def test_installed_wheel_shows_milnacipran_offline(tmp_path: Path) -> None:
    pytest.importorskip("setuptools", minversion="77")  # the test extra installs it
    wheel = _build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        bundled = {
            Path(name).name: archive.read(name)
            for name in archive.namelist()
            if name.startswith("registry/_records/")
        }
        assert "registry/store/migrations/versions/0001_initial.py" in archive.namelist()
    # The wheel carries exactly the repository's records: they cannot drift apart.
    assert bundled == {p.name: p.read_bytes() for p in COMPOUNDS.glob("*.md")}
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--quiet",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = cli_env(tmp_path / "fresh", PYTHONPATH=str(target))
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import registry, sys; print(registry.__file__, file=sys.stderr);"
            "from registry.cli import main; main()",
            "show",
            "milnacipran",
        ],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith(str(target))  # the installed copy, not the checkout
    assert result.stdout.startswith("REG-000001  milnacipran")
    assert "92623-85-3    parent" in result.stdout
    assert (tmp_path / "fresh" / "data" / "registry.sqlite").is_file()
