"""`registry lookup`, `registry cache` and `registry reference` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fake_pubchem import FakePubChem

ROOT = Path(__file__).resolve().parent.parent


def run(
    *args: str, env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "registry", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def env(reference_dir: Path, tmp_path: Path, pubchem: FakePubChem) -> dict[str, str]:
    return {
        "REGISTRY_DATA_DIR": str(reference_dir),
        "REGISTRY_CACHE_DIR": str(tmp_path / "cache"),
        "REGISTRY_PUBCHEM_URL": pubchem.url,
        "REGISTRY_PUBCHEM_TIMEOUT": "0.5",
        "REGISTRY_OFFLINE": "",
        "REGISTRY_DB": f"sqlite:///{tmp_path / 'registry.sqlite'}",
        "REGISTRY_PUBCHEM_RETRIES": "2",
        "REGISTRY_PUBCHEM_BACKOFF": "0.01",
        "REGISTRY_PUBCHEM_MAX_WAIT": "3",
    }


def test_offline_lookup_of_name_and_cas(env: dict[str, str], pubchem: FakePubChem) -> None:
    done = run("lookup", "caffeine", "50-78-2", "--offline", env=env)
    assert done.returncode == 0, done.stderr
    assert "58-08-2 (primary)" in done.stdout
    assert "RYYVLZVUVIJVGH-UHFFFAOYSA-N" in done.stdout
    assert "aspirin" in done.stdout
    assert pubchem.requests == []


def test_bundled_record_answers_on_a_fresh_install(env: dict[str, str], tmp_path: Path) -> None:
    # No registry database yet: the index does not know milnacipran, so the registry is
    # created from the bundled record files and answers, offline.
    fresh = {**env, "REGISTRY_DB": f"sqlite:///{tmp_path / 'fresh.sqlite'}"}
    done = run("lookup", "milnacipran", "caffeine", "--offline", "-f", "json", env=fresh)
    assert done.returncode == 0, done.stderr
    rows = {row["query"]: row for row in json.loads(done.stdout)}
    assert rows["milnacipran"]["source"] == "registry"
    assert {"number": "92623-85-3", "role": "parent", "valid": True} in rows["milnacipran"][
        "cas_numbers"
    ]
    assert rows["caffeine"]["source"] == "reference"
    # Now the database exists: the registry is asked first, the index still answers the rest.
    again = run("lookup", "milnacipran", "50-78-2", "--offline", env=fresh)
    assert again.returncode == 0, again.stderr
    assert "registry" in again.stdout
    assert "aspirin" in again.stdout


def test_json_output_has_every_field(env: dict[str, str]) -> None:
    done = run("lookup", "2519", "--offline", "--format", "json", env=env)
    assert done.returncode == 0, done.stderr
    [row] = json.loads(done.stdout)
    assert row["kind"] == "cid"
    assert row["source"] == "reference"
    assert row["cas_numbers"][0] == {"number": "58-08-2", "role": "primary", "valid": True}
    assert row["formula"] == "C8H10N4O2"
    assert row["retrieved"]


def test_invalid_cas_suggests_and_exits_1(env: dict[str, str]) -> None:
    done = run("lookup", "50-78-3", "--offline", "--format", "csv", env=env)
    assert done.returncode == 1
    assert "did you mean 50-78-2" in done.stdout


def test_online_falls_through_to_pubchem_and_caches(
    env: dict[str, str], pubchem: FakePubChem
) -> None:
    done = run("lookup", "XLYOFNOQVPJJNP-UHFFFAOYSA-N", env=env)
    assert done.returncode == 0, done.stderr
    assert "962" in done.stdout
    assert "ambiguous" in done.stdout
    made = len(pubchem.requests)
    assert made == 3
    again = run("lookup", "XLYOFNOQVPJJNP-UHFFFAOYSA-N", env=env)
    assert again.stdout == done.stdout
    assert len(pubchem.requests) == made
    info = run("cache", "info", env=env)
    assert f"entries: {made}" in info.stdout
    cleared = run("cache", "clear", env=env)
    assert f"removed {made}" in cleared.stdout


def test_many_from_stdin_and_not_found(env: dict[str, str]) -> None:
    done = run(
        "lookup",
        "--many",
        "-",
        "--offline",
        "-f",
        "csv",
        env=env,
        stdin="# names\ncaffeine\n\nno such thing at all\n58-08-2\n",
    )
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0].startswith("query,source,name")
    assert [line.split(",")[0] for line in lines[1:]] == [
        "caffeine",
        "no such thing at all",
        "58-08-2",
    ]


def test_pubchem_down_is_one_error_line(env: dict[str, str], pubchem: FakePubChem) -> None:
    pubchem.fail("503-html", times=100)
    done = run("lookup", "unknown-to-the-index-xyz", env={**env, "REGISTRY_PUBCHEM_TIMEOUT": "0.2"})
    assert done.returncode == 1
    assert done.stderr.startswith("error: pubchem: PubChem unavailable after 3 attempt(s)")
    assert "503" in done.stderr
    assert len(done.stderr.splitlines()) == 1
    assert len(pubchem.requests) == 3


def test_reference_info(env: dict[str, str]) -> None:
    done = run("reference", "info", env=env)
    assert done.returncode == 0
    assert "compounds:" in done.stdout


def test_lookup_path_stays_light(env: dict[str, str]) -> None:
    code = (
        "import sys\n"
        "from registry.cli import main\n"
        "sys.argv = ['registry', 'lookup', '50-78-2', '--offline']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('rdkit', 'polars', 'pubchempy', 'sqlalchemy', 'pandas', 'numpy')"
        " if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "HEAVY []" in done.stdout, done.stdout + done.stderr
