"""The registry under stress: a killed import, edit and merge; concurrent writers and editors;
an installed wheel.

These run real processes (``python -m registry`` and small scripts) against real SQLite files.
"""

from __future__ import annotations

import itertools
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


# --- edits and merges: killed mid-transaction, and two processes editing one record ----------

PAUSED_EDIT = textwrap.dedent(
    """
    import sys, time
    from registry.config import Settings
    from registry.models import CasEntry
    from registry.service import Registry
    from registry.store import Store

    url, what = sys.argv[1], sys.argv[2]
    logged = Store.log

    def log_then_wait(connection, *args, **kwargs):
        logged(connection, *args, **kwargs)
        # Every change and an audit row are written, in the open transaction: killed now.
        print("inside", flush=True)
        time.sleep(120)

    Store.log = staticmethod(log_then_wait)
    with Registry.open(url, settings=Settings.from_env(author="killed"), seed=False) as registry:
        if what == "edit":
            registry.edit(
                "aspirin",
                name="renamed",
                add_cas=[CasEntry("11126-35-5", "unknown")],
                set_role={"50-78-2": "salt"},
                remove_synonyms=["ASA"],
                add_identifiers=[("chembl", "CHEMBL25")],
            )
        else:
            registry.merge("salicylic acid", "aspirin", reason="killed merge")
    print("finished", flush=True)
    """
)


def _table_dump(url: str) -> dict[str, list[tuple[object, ...]]]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table: [
                    tuple(r) for r in connection.execute(text(f"SELECT * FROM {table} ORDER BY id"))
                ]
                for table in ("compounds", "identifiers", "notes", "properties", "audit")
            }
    finally:
        engine.dispose()


@pytest.mark.filterwarnings("ignore:Did not recognize type")  # the cartridge's columns
@pytest.mark.parametrize("what", ["edit", "merge"])
def test_killed_edit_or_merge_leaves_the_database_as_it_was(
    tmp_path: Path, db_url: str, what: str
) -> None:
    from registry.models import Note

    settings = Settings.from_env({"REGISTRY_DATA_DIR": str(tmp_path)}, author="tester")
    with Registry.open(db_url, settings=settings, seed=False) as registry:
        registry.add("CC(=O)Oc1ccccc1C(=O)O", name="aspirin", cas=["50-78-2"], synonyms=["ASA"])
        registry.add(
            "Oc1ccccc1C(=O)O",
            name="salicylic acid",
            cas=["69-72-7"],
            synonyms=["SA"],
            notes=[Note("Usage", "Keratolytic.", "label")],
        )
    before = _table_dump(db_url)
    process = subprocess.Popen(
        [sys.executable, "-c", PAUSED_EDIT, db_url, what],
        cwd=ROOT,
        env=cli_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    try:
        line = process.stdout.readline()
        assert line == "inside\n", line + (process.stderr.read() if process.stderr else "")
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL  # killed inside the transaction
    assert _table_dump(db_url) == before
    with Registry.open(db_url, settings=settings, seed=False) as registry:  # and it works after
        if what == "edit":
            assert registry.edit("aspirin", name="renamed").compound.name == "renamed"
        else:
            assert registry.merge("salicylic acid", "aspirin").compound.synonyms == (
                "ASA",
                "SA",
                "salicylic acid",
            )


CONCURRENT_EDITOR = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from registry.config import Settings
    from registry.service import Registry

    url, me, go = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    with Registry.open(url, settings=Settings.from_env(author=f"editor-{me}"), seed=False) as reg:
        reg.get("REG-000001")  # connected and loaded: then both start together
        (go.parent / f"ready-{me}").touch()
        while not go.exists():
            time.sleep(0.005)
        for n in range(8):
            # Alternately a synonym of its own and a new name: the names collide.
            if n % 2:
                reg.edit("REG-000001", name=f"name {me}.{n}")
            else:
                reg.edit("REG-000001", add_synonyms=[f"synonym {me}.{n}"])
            time.sleep(0.02)  # SQLite hands its lock to a waiting writer only between edits
    print("done", me)
    """
)


def test_two_processes_editing_one_record_lose_nothing(tmp_path: Path, db_url: str) -> None:
    settings = Settings.from_env({"REGISTRY_DATA_DIR": str(tmp_path)}, author="tester")
    with Registry.open(db_url, settings=settings, seed=False) as registry:
        registry.add("CCO", name="ethanol")
    go = tmp_path / "go"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", CONCURRENT_EDITOR, db_url, me, str(go)],
            cwd=ROOT,
            env=cli_env(tmp_path),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for me in ("a", "b")
    ]
    deadline = time.monotonic() + 120
    while not all((tmp_path / f"ready-{me}").exists() for me in "ab"):
        assert time.monotonic() < deadline, "the editors did not start"
        assert all(p.poll() is None for p in processes), processes[0].communicate()
        time.sleep(0.01)
    go.touch()
    for me, process in zip(("a", "b"), processes, strict=True):
        out, err = process.communicate(timeout=180)
        assert process.returncode == 0, err
        assert out.strip() == f"done {me}"
    with Registry.open(db_url, settings=settings, seed=False) as registry:
        c = registry.get("REG-000001")
        trail = list(reversed(registry.history(query="REG-000001")))
    assert sorted(c.synonyms) == sorted(f"synonym {me}.{n}" for me in "ab" for n in (0, 2, 4, 6))
    edits = [(a.author, a.action, json.loads(a.detail)) for a in trail[1:]]
    assert sorted((author, action) for author, action, _ in edits) == sorted(
        [(f"editor-{me}", "add-synonym") for me in "ab" for _ in range(4)]
        + [(f"editor-{me}", "rename") for me in "ab" for _ in range(4)]
    )
    # Every rename saw the one before it: the trail explains the final name, nothing lost.
    order = "".join(author[-1] for author, _, _ in edits)
    assert order.count("ab") + order.count("ba") >= 2, order  # they did run at the same time
    names = [d for _, action, d in edits if action == "rename"]
    assert names[0]["before"] == "ethanol"
    assert all(b["before"] == a["after"] for a, b in itertools.pairwise(names))
    assert names[-1]["after"] == c.name


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
    env = cli_env(tmp_path / "fresh", index=False, PYTHONPATH=str(target))
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
