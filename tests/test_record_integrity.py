"""Record files lose nothing and invent nothing (issue 19, items 4 and 6).

Exported file names are unique, stable and as many as the files on disk; an export imports
back into a fresh registry with every record. A front-matter key given twice is an error at
the line of the second one; two files holding the same compound import one and refuse the
other, with both files and the registry id named.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from store_support import (  # noqa: F401  (fixtures)
    cli_env,
    db_url,
    registry,
    registry_settings,
)
from typer.testing import CliRunner

from registry import records
from registry.cli import app
from registry.config import Settings
from registry.errors import RecordFileError
from registry.service import Registry

# Names whose slugs collide: "foo!" slugs to "foo", taken by REG-000001, and its old fallback
# "foo-reg-000003" is the slug of REG-000002's own name; "FOO" and "Foo" differ from "foo" by
# case only; "β" and "é" both slug to "compound"; two 120-letter names give a 100-character slug.
COLLIDING = [
    ("CCO", "foo"),  # REG-000001
    ("CCN", "foo reg 000003"),  # REG-000002
    ("CCC", "foo!"),  # REG-000003
    ("CCCC", "FOO"),  # REG-000004
    ("CCCCC", "Foo"),  # REG-000005
    ("CCCCCC", "β"),  # REG-000006
    ("CCCCCCC", "é"),  # REG-000007
    ("CCCCCCCC", "a" * 120),  # REG-000008
    ("CCCCCCCCC", "A" * 120),  # REG-000009
]
EXPECTED_FILES = sorted(
    [
        "foo.md",
        "foo-reg-000003.md",
        "foo-reg-000003-2.md",
        "foo-reg-000004.md",
        "foo-reg-000005.md",
        "compound.md",
        "compound-reg-000007.md",
        "a" * 100 + ".md",
        "a" * 89 + "-reg-000009.md",
    ]
)


def _fill(registry: Registry) -> None:
    for smiles, name in COLLIDING:
        registry.add(smiles, name=name)


def _contents(registry: Registry) -> set[tuple[str, str]]:
    return {(c.name, c.smiles) for c in (registry.get(r) for r in _ids(registry))}


def _ids(registry: Registry) -> list[str]:
    return [f"REG-{n:06d}" for n in range(1, registry.count() + 1)]


def test_export_names_are_unique_and_every_record_comes_back(
    registry: Registry, registry_settings: Settings, tmp_path: Path
) -> None:
    _fill(registry)
    out = tmp_path / "ex"
    written = registry.export("md", out)
    assert isinstance(written, list)
    on_disk = sorted(p.name for p in out.iterdir())
    assert on_disk == EXPECTED_FILES
    assert sorted(p.name for p in written) == EXPECTED_FILES
    assert len(written) == len(on_disk) == len(COLLIDING)
    # The same registry always gives the same names, whole or in part.
    again = registry.export("md", tmp_path / "ex2")
    assert isinstance(again, list)
    assert [p.name for p in again] == [p.name for p in written]
    [one] = registry.export("md", tmp_path / "ex3", queries=["REG-000003", "foo!"])
    assert one.name == "foo-reg-000003-2.md"
    assert one.read_bytes() == (out / "foo-reg-000003-2.md").read_bytes()
    assert [p.name for p in (tmp_path / "ex3").iterdir()] == [one.name]
    # A fresh registry gets every record back, and exports the same files byte for byte.
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    with Registry.open(url, settings=registry_settings, seed=False) as fresh:
        report = fresh.import_records(out)
        assert sorted(report.added) == sorted(name[: -len(".md")] for name in EXPECTED_FILES)
        assert report.refused == {}
        assert _contents(fresh) == _contents(registry)
        back = fresh.export("md", tmp_path / "back")
        assert isinstance(back, list)
        assert sorted(p.name for p in back) == EXPECTED_FILES
        for path in back:
            assert path.read_bytes() == (out / path.name).read_bytes()


@pytest.fixture
def cli_env_vars(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in cli_env(tmp_path).items():
        if name.startswith("REGISTRY_"):
            monkeypatch.setenv(name, value)
    monkeypatch.delenv("REGISTRY_DB", raising=False)


@pytest.mark.usefixtures("cli_env_vars")
def test_cli_export_count_is_the_files_on_disk(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    runner = CliRunner()
    for smiles, name in [("CCO", "foo"), ("CCN", "foo reg 000004"), ("CCC", "foo!")]:
        result = runner.invoke(app, ["add", smiles, "--name", name, "--db", db])
        assert result.exit_code == 0, result.output
    out = tmp_path / "ex"
    result = runner.invoke(app, ["export", "--out", str(out), "--db", db])
    assert result.exit_code == 0, result.output
    # the bundled milnacipran record is REG-000001 here
    assert sorted(p.name for p in out.iterdir()) == [
        "foo-reg-000004-2.md",
        "foo-reg-000004.md",
        "foo.md",
        "milnacipran.md",
    ]
    assert result.output == f"wrote 4 file(s) to {out}\n"


# --- item 6: duplicate keys --------------------------------------------------------------------


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_duplicate_front_matter_key_names_the_second_line(
    registry: Registry, tmp_path: Path
) -> None:
    folder = tmp_path / "compounds"
    path = _write(folder, "ethanol.md", "---\nname: ethanol\nsmiles: CCO\nsmiles: CCN\n---\n")
    message = f"{path}:4: YAML: duplicate key 'smiles' (first on line 3)"
    with pytest.raises(RecordFileError) as caught:
        registry.import_records(folder)
    assert str(caught.value) == f"1 malformed record file(s); nothing imported:\n{message}"
    assert registry.count() == 0
    text = (
        "---\nname: x\n'smiles': C\ncas:\n- number: 64-17-5\n  role: parent\n"
        "  number: 50-00-0\n---\n"
    )
    with pytest.raises(RecordFileError) as caught:
        records.parse(text, slug="x", path="x.md")
    assert str(caught.value) == "x.md:7: YAML: duplicate key 'number' (first on line 5)"
    with pytest.raises(RecordFileError) as caught:
        records.parse('---\nname: x\nsmiles: C\n"smiles": C\n---\n', slug="x")
    assert str(caught.value) == "x.md:4: YAML: duplicate key 'smiles' (first on line 3)"


# --- item 6: two files, one compound ------------------------------------------------------------


def test_second_file_of_one_compound_is_refused_and_named(
    registry: Registry, tmp_path: Path
) -> None:
    folder = tmp_path / "compounds"
    first = _write(folder, "ethanol2.md", "---\nname: ethanol2\nsmiles: OCC\n---\n")
    second = _write(folder, "ethanol3.md", "---\nname: ethanol3\nsmiles: C(O)C\n---\n")
    reason = (
        f"{second}: the same compound as {first} (REG-000001); not imported "
        "(keep one file and give the other name as a synonym there)"
    )
    report = registry.import_records(folder)
    assert (report.added, report.updated, report.unchanged) == (["ethanol2"], [], [])
    assert report.refused == {"ethanol3": reason}
    assert report.summary() == "1 added, 0 updated, 0 unchanged; 1 refused"
    assert registry.count() == 1
    assert registry.get("REG-000001").name == "ethanol2"
    assert registry.get("REG-000001").synonyms == ()
    # Idempotent: the same files again change nothing and refuse the same file.
    again = registry.import_records(folder)
    assert (again.added, again.updated, again.unchanged) == ([], [], ["ethanol2"])
    assert again.refused == {"ethanol3": reason}
    assert again.summary() == "nothing changed (1 record(s) already up to date); 1 refused"
    # Export is byte-exact: the file that was imported comes back as it was.
    [path] = registry.export("md", tmp_path / "out")
    assert path.name == "ethanol2.md"
    assert path.read_bytes() == first.read_bytes()


def test_file_already_imported_keeps_its_compound(registry: Registry, tmp_path: Path) -> None:
    # "b.md" was imported first; "a.md" (sorted before it) arrives later with the same compound.
    folder = tmp_path / "compounds"
    owner = _write(folder, "b.md", "---\nname: b\nsmiles: OCC\n---\n")
    registry.import_records(folder)
    newcomer = _write(folder, "a.md", "---\nname: a\nsmiles: C(O)C\n---\n")
    report = registry.import_records(folder)
    assert (report.added, report.updated, report.unchanged) == ([], [], ["b"])
    assert report.refused == {
        "a": f"{newcomer}: the same compound as {owner} (REG-000001); not imported "
        "(keep one file and give the other name as a synonym there)"
    }
    assert registry.get("REG-000001").name == "b"


@pytest.mark.usefixtures("cli_env_vars")
def test_cli_import_reports_the_refused_file(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    folder = tmp_path / "compounds"
    first = _write(folder, "ethanol2.md", "---\nname: ethanol2\nsmiles: OCC\n---\n")
    second = _write(folder, "ethanol3.md", "---\nname: ethanol3\nsmiles: C(O)C\n---\n")
    result = CliRunner().invoke(app, ["import", str(folder), "--db", db])
    assert result.exit_code == 1
    assert result.stdout == "1 added, 0 updated, 0 unchanged; 1 refused\n"
    assert result.stderr == (
        f"refused: {second}: the same compound as {first} (REG-000002); not imported "
        "(keep one file and give the other name as a synonym there)\n"
    )
