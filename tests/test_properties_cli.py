"""`registry properties` and `registry lookup --properties` as a user runs them (fake PubChem)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from fake_pubchem import FakePubChem
from test_cli_lookup import env, run  # noqa: F401  (the env fixture: fake PubChem, temp dirs)


def test_table_with_experimental_values_and_hazards(
    env: dict[str, str],
    pubchem: FakePubChem,
) -> None:
    wide = {**env, "COLUMNS": "250"}  # whole cells: the test reads them
    done = run("properties", "benzene", "--experimental", "--hazards", env=wide)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "benzene: CID 241 benzene" in out
    assert "XLogP" in out
    assert "TPSA" in out
    assert "Å²" in out
    melting = next(
        line for line in out.splitlines() if line.split()[:3] == ["Melting", "Point", "41.9"]
    )
    assert melting.split()[3] == "°F"  # value, unit, conditions, source, text
    assert "(NTP, 1992)" in melting
    assert "CAMEO Chemicals #1" in melting
    assert "80 to 81" in out  # a range read from "80.00 to 81.00 °C. @ 760.00 mm Hg"
    assert "51 more values under other headings" in out  # 97 in all, 46 of the named ones
    assert "GHS02 GHS07 GHS08" in out
    assert "H225 H304" in out
    assert "Danger" in out
    assert pubchem.view_requests() == ["/rest/pug_view/data/compound/241/JSON"]


def test_json_has_every_value_with_provenance(
    env: dict[str, str],
    pubchem: FakePubChem,
) -> None:
    done = run("properties", "CID 7840", "8037", "--experimental", "-f", "json", env=env)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert [d["cid"] for d in data] == [7840, 8037]
    assert [len(d["experimental"]) for d in data] == [59, 22]
    first = data[0]["experimental"][0]
    assert set(first) >= {"name", "value", "unit", "text", "conditions", "reference", "retrieved"}
    assert (first["source"], first["cid"], first["kind"]) == ("pubchem", 7840, "experimental")
    xlogp = next(p for p in data[1]["computed"] if p["name"] == "XLogP")
    assert (xlogp["value"], xlogp["source"]) == (0.3, "pubchem")
    tpsa = next(d for d in data[1]["comparison"] if d["pubchem_name"] == "TPSA")
    assert (tpsa["pubchem"], tpsa["rdkit"], tpsa["differs"]) == (6.5, 6.48, False)


def test_many_to_csv_one_row_per_compound(
    env: dict[str, str],
    pubchem: FakePubChem,
    tmp_path: Path,
) -> None:
    names = tmp_path / "suppliers.txt"
    names.write_text("# supplier list\nbenzene\n50-01-1\n\nno such compound\n", encoding="utf-8")
    done = run("properties", "--many", str(names), "--experimental", "-f", "csv", env=env)
    assert done.returncode == 1  # one query unknown
    assert "warning: no such compound: PubChem knows no compound" in done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [r["query"] for r in rows] == ["benzene", "50-01-1", "no such compound"]
    assert rows[0]["cid"] == "241"
    assert rows[1]["cid"] == "5742"
    assert rows[2]["cid"] == ""
    assert rows[0]["Melting Point"].startswith("41.9 °F (NTP, 1992); 5.5 °C; 5.558 °C")
    assert rows[1]["Melting Point"] == "178-185 °C"
    assert rows[1]["XLogP"] == ""  # PubChem gives none for the salt
    assert rows[0]["TPSA"] == "0.0"
    assert rows[1]["TPSA"] == "75.9"


def test_a_repeat_and_offline_make_no_request(
    env: dict[str, str],
    pubchem: FakePubChem,
) -> None:
    args = ("properties", "benzene", "8037", "--experimental", "--hazards", "-f", "json")
    first = run(*args, env=env)
    assert first.returncode == 0, first.stderr
    pubchem.reset()
    again = run(*args, env=env)
    offline = run(*args, "--offline", env=env)
    assert pubchem.requests == []
    assert json.loads(again.stdout) == json.loads(first.stdout) == json.loads(offline.stdout)


def test_offline_miss_is_one_error_line(
    env: dict[str, str],
    pubchem: FakePubChem,
) -> None:
    done = run("properties", "8037", "--experimental", "--offline", env=env)
    assert done.returncode == 1
    assert done.stderr.count("error:") == 1
    assert "Traceback" not in done.stderr
    assert "CID 8037" in done.stderr
    assert "offline" in done.stderr
    assert pubchem.requests == []


def test_503_on_the_third_pug_view_request(
    env: dict[str, str],
    pubchem: FakePubChem,
) -> None:
    once = {**env, "REGISTRY_PUBCHEM_RETRIES": "0"}
    assert run("properties", "241", "7840", "8037", "5742", env=once).returncode == 0
    pubchem.reset()
    pubchem.fail_view(3, "503-json")
    args = ("properties", "241", "7840", "8037", "5742", "--experimental", "-f", "json")
    done = run(*args, env=once)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        next(line for line in done.stderr.splitlines() if line.startswith("error:"))
    ]
    assert "PUG-View record of CID 8037" in done.stderr
    assert "'8037'" in done.stderr
    data = json.loads(done.stdout)
    assert [len(d["experimental"]) for d in data] == [97, 59, 0, 6]
    assert [bool(d["error"]) for d in data] == [False, False, True, False]


def test_lookup_with_properties(
    env: dict[str, str],
    pubchem: FakePubChem,
) -> None:
    done = run("lookup", "1-bromopropane", "--properties", env=env)
    assert done.returncode == 0, done.stderr
    assert "CID 7840 1-bromopropane: PubChem's computed properties" in done.stdout
    assert "RotatableBondCount" in done.stdout
    as_json = run("lookup", "1-bromopropane", "--properties", "-f", "json", env=env)
    (row,) = json.loads(as_json.stdout)
    values = {p["name"]: p["value"] for p in row["properties"]}
    assert values["XLogP"] == 2.1
    assert values["HeavyAtomCount"] == 4.0
    as_csv = run("lookup", "1-bromopropane", "--properties", "-f", "csv", env=env)
    (line,) = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert line["ExactMass"] == "121.97311"


def test_help_teaches(env: dict[str, str]) -> None:
    done = run("properties", "--help", env=env)
    assert done.returncode == 0
    for text in ("--experimental", "--hazards", "--many", "--offline", "Examples:"):
        assert text in done.stdout
    assert run("properties", env=env).returncode == 2
