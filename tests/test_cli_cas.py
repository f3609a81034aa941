"""`registry cas` through typer's runner, and its start-up path in a real process."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from registry import __version__
from registry.cli import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"registry {__version__}"


def test_all_valid_exits_zero_with_a_table() -> None:
    result = runner.invoke(app, ["cas", "50-78-2", "101312-07-6"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split() == ["input", "canonical", "status", "reason", "suggestion"]
    assert any(line.startswith("101312-07-6") and "valid" in line for line in lines)


def test_any_invalid_exits_one_and_says_why() -> None:
    result = runner.invoke(app, ["cas", "50-78-2", "50-78-3"])
    assert result.exit_code == 1
    assert "check digit is 3, expected 2" in result.output
    assert "50-78-2" in result.output.splitlines()[-1]  # the suggestion


def test_json_output_carries_everything() -> None:
    result = runner.invoke(
        app, ["cas", "CAS No. 7732\u201318\u20135", "50-78-3", "--format", "json"]
    )
    assert result.exit_code == 1
    rows = json.loads(result.output)
    assert [r["canonical"] for r in rows] == ["7732-18-5", None]
    assert rows[0]["status"] == "normalised"
    assert "replaced Unicode dashes with hyphens" in rows[0]["normalisations"]
    assert rows[1]["expected_check_digit"] == 2
    assert rows[1]["suggestions"][0] == "50-78-2"


def test_csv_output_parses_back() -> None:
    result = runner.invoke(app, ["cas", "50000", "200-629-2", "-f", "csv"])
    assert result.exit_code == 1
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [(r["input"], r["canonical"], r["status"]) for r in rows] == [
        ("50000", "50-00-0", "normalised"),
        ("200-629-2", "", "invalid-format"),
    ]


def test_stdin_dash_reads_one_per_line() -> None:
    result = runner.invoke(
        app, ["cas", "-", "-f", "json"], input="50-78-2\n7732-18-5\r\n92623-85-3\n"
    )
    assert result.exit_code == 0
    assert [r["canonical"] for r in json.loads(result.output)] == [
        "50-78-2",
        "7732-18-5",
        "92623-85-3",
    ]


def test_strict_option() -> None:
    result = runner.invoke(app, ["cas", "--strict", "50782"])
    assert result.exit_code == 1
    assert "canonical form" in result.output


def test_usage_errors_exit_two() -> None:
    assert runner.invoke(app, ["cas"]).exit_code == 2
    assert runner.invoke(app, ["cas", "50-78-2", "--format", "xml"]).exit_code == 2
    assert runner.invoke(app, ["cas", "-"], input="").exit_code == 2
    assert runner.invoke(app, ["no-such-command"]).exit_code == 2


def test_help_teaches() -> None:
    result = runner.invoke(app, ["cas", "--help"])
    assert result.exit_code == 0
    assert "check digit" in result.output
    assert "registry cas 50-78-2" in result.output


HEAVY = ("rdkit", "polars", "pandas", "sqlalchemy", "pubchempy", "numpy")


def _python(code: str) -> str:
    """Standard output of ``code`` run by a fresh interpreter in the checkout."""
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout


def test_cas_command_imports_nothing_heavy_in_a_real_process() -> None:
    probe = (
        "import sys, runpy\n"
        "sys.argv = ['registry', 'cas', '50-78-2']\n"
        "try:\n"
        "    runpy.run_module('registry', run_name='__main__')\n"
        "except SystemExit as e:\n"
        "    code = e.code\n"
        f"heavy = sorted(m for m in {HEAVY!r} if m in sys.modules)\n"
        "print('HEAVY', heavy, code)\n"
    )
    stdout = _python(probe)
    assert "50-78-2" in stdout
    assert stdout.strip().splitlines()[-1] == "HEAVY [] 0"


def test_python_dash_m_registry_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "registry", "cas", "50-78-3"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "expected 2" in done.stdout


def test_registry_errors_become_one_line_and_their_exit_code() -> None:
    import typer

    from registry.cli.base import _RegistryGroup
    from registry.errors import InputFileError, NotFound

    probe = typer.Typer(cls=_RegistryGroup)

    @probe.command()
    def missing() -> None:
        raise NotFound("no compound matches 'unobtainium'")

    @probe.command()
    def binary() -> None:
        raise InputFileError("data.bin is not a text file")

    result = runner.invoke(probe, ["missing"])
    assert (result.exit_code, result.output) == (1, "error: no compound matches 'unobtainium'\n")
    assert runner.invoke(probe, ["binary"]).exit_code == 2


def test_every_command_is_in_the_lazy_command_map() -> None:
    from typer.main import get_command

    from registry.cli import COMMAND_MODULES

    group = get_command(app)
    assert set(group.commands) == set(COMMAND_MODULES)  # type: ignore[attr-defined]


def test_cas_command_loads_only_its_own_command_module() -> None:
    probe = (
        "import sys\n"
        "sys.argv = ['registry', 'cas', '50-78-2']\n"
        "from registry.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('registry.cli.')))\n"
    )
    stdout = _python(probe)
    loaded = stdout.strip().splitlines()[-1]
    assert loaded == "['registry.cli.base', 'registry.cli.cas', 'registry.cli.output']"


def test_console_script_freezes_objects_before_the_interpreter_tears_down() -> None:
    """The last exit handler sees every object frozen (spared by the final collections),
    and the command's output is complete."""
    probe = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('frozen', gc.get_freeze_count() > 1000))\n"
        "sys.argv = ['registry', 'cas', '50-78-2']\n"
        "from registry.cli import main\n"
        "main()\n"
    )
    stdout = _python(probe)
    assert "50-78-2" in stdout
    assert stdout.strip().splitlines()[-1] == "frozen True"


def test_heavy_submodules_are_reachable_after_a_bare_import() -> None:
    probe = (
        "import sys, registry\n"
        "assert 'rdkit' not in sys.modules\n"
        "print(registry.chem.identifiers('CCO').inchikey, registry.descriptors.__name__)\n"
    )
    stdout = _python(probe)
    assert stdout.split() == ["LFQSCWFLJHTTHZ-UHFFFAOYSA-N", "registry.descriptors"]
