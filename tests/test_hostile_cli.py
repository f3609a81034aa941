"""No traceback from any command on any input (issue 19, items 9, 12-14, 16-19, 22 and the
last resort): each case runs the real ``registry`` process and checks its one error line and
its exit status.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from store_support import cli_env

REGISTRY = [sys.executable, "-m", "registry"]
LONG_NAME = "a" * 300 + ".csv"  # over the 255 bytes a file name may have


def run(
    tmp_path: Path,
    *args: str | bytes,
    stdin: bytes = b"",
    stdout: int | None = subprocess.PIPE,
    **env: str,
) -> subprocess.CompletedProcess[bytes]:
    environment = cli_env(tmp_path, REGISTRY_DB=f"sqlite:///{tmp_path / 'registry.sqlite'}")
    environment.pop("REGISTRY_DEBUG", None)
    environment.update(env)
    return subprocess.run(
        [*REGISTRY, *args],
        input=stdin,
        stdout=stdout,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=environment,
        timeout=120,
        check=False,
    )


def error_line(result: subprocess.CompletedProcess[bytes]) -> str:
    """The one ``error:`` line a failed command prints (and never a traceback)."""
    stderr = result.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.mark.parametrize(
    "args",
    [
        ("show", b"\xff"),
        ("lookup", b"\xff"),
        ("search", b"\xff"),
        ("add", b"\xff"),
        ("export", "--format", "json", b"\xff"),
        ("draw", b"\xff", "-o", "x.svg"),
    ],
    ids=["show", "lookup", "search", "add", "export", "draw"],
)
def test_an_argument_that_is_not_utf8_is_one_error_line(
    tmp_path: Path, args: tuple[str | bytes, ...]
) -> None:
    result = run(tmp_path, *args)
    assert result.returncode == 2
    assert error_line(result) == "error: input is not valid UTF-8 text: bytes b'\\xff'"


@pytest.mark.parametrize(
    "args", [("lookup", "--many", "-"), ("draw", "-", "-o", "x.svg")], ids=["lookup", "draw"]
)
def test_binary_stdin_is_one_error_line(tmp_path: Path, args: tuple[str, ...]) -> None:
    result = run(tmp_path, *args, stdin=b"\xff\xfe\x00binary\n")
    assert result.returncode == 2
    line = error_line(result)
    assert "utf-8" in line.lower()
    assert "xff" in line
    assert "position 0" in line


@pytest.mark.parametrize("unbuffered", ["1", ""])
def test_a_full_disk_is_one_error_line(tmp_path: Path, unbuffered: str) -> None:
    # A shell's Python buffers stdout (PYTHONUNBUFFERED unset): the bytes the full disk refused
    # stay buffered, and a second flush at exit must not say the same line again.
    with open("/dev/full", "wb") as full:
        result = run(tmp_path, "cas", "50-78-2", stdout=full.fileno(), PYTHONUNBUFFERED=unbuffered)
    assert result.returncode == 2
    assert error_line(result) == "error: cannot write the output: No space left on device"


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    numbers = tmp_path / "numbers.txt"
    numbers.write_text("".join(f"{n}-00-0\n" for n in range(10, 5_000)))  # > a pipe's 64 KiB
    environment = cli_env(tmp_path)
    environment.pop("REGISTRY_DEBUG", None)
    with numbers.open("rb") as given:  # a file, so that nothing here waits on the child
        producer = subprocess.Popen(
            [*REGISTRY, "cas", "-"],
            stdin=given,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=environment,
        )
        assert producer.stdout is not None
        assert producer.stdout.readline().startswith(b"input")
        producer.stdout.close()  # the reader goes away, as `| head -1` does
        assert producer.wait(timeout=120) == 1
    assert producer.stderr is not None
    assert producer.stderr.read() == b""


@pytest.mark.parametrize(
    "args",
    [("import", LONG_NAME), ("validate", LONG_NAME), ("export", "--out", "a" * 300)],
    ids=["import", "validate", "export"],
)
def test_a_file_name_too_long_is_one_error_line(tmp_path: Path, args: tuple[str, ...]) -> None:
    if args[0] == "export":
        assert run(tmp_path, "add", "CCO", "--name", "ethanol").returncode == 0
    result = run(tmp_path, *args)
    assert result.returncode == 2
    line = error_line(result)
    assert "File name too long" in line
    assert len(line) < 200  # the name is cut, not printed whole


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (("import", ""), "DIR|FILE"),
        (("export", "--out", ""), "--out"),
    ],
    ids=["import", "export"],
)
def test_an_empty_path_is_a_usage_error(tmp_path: Path, args: tuple[str, ...], hint: str) -> None:
    result = run(tmp_path, *args)
    assert result.returncode == 2
    stderr = result.stderr.decode()
    assert f"Invalid value for {hint}: an empty path names nothing" in stderr
    assert "Traceback" not in stderr


def test_export_into_a_file_is_refused(tmp_path: Path) -> None:
    assert run(tmp_path, "add", "CCO", "--name", "ethanol").returncode == 0
    (tmp_path / "taken").write_text("mine\n")
    result = run(tmp_path, "export", "--out", "taken")
    assert result.returncode == 2
    assert "'taken' is a file: give the directory to write into" in result.stderr.decode()
    assert (tmp_path / "taken").read_text() == "mine\n"


def test_import_of_a_missing_file_says_so(tmp_path: Path) -> None:
    result = run(tmp_path, "import", "nosuch.csv")
    assert result.returncode == 2
    assert error_line(result) == "error: nosuch.csv: no such file or directory"


@pytest.mark.parametrize("command", ["add", "descriptors"])
def test_a_giant_structure_is_refused_not_a_crash(tmp_path: Path, command: str) -> None:
    result = run(tmp_path, command, "C" * 20_000)
    assert result.returncode == 1  # was 139: RDKit's parser overflowed the C stack
    assert "longer than the limit of 10,000 (REGISTRY_MAX_STRUCTURE_CHARS)" in error_line(result)


def test_a_giant_row_in_a_structure_file_is_reported_and_the_rest_imported(
    tmp_path: Path,
) -> None:
    (tmp_path / "big.smi").write_text(
        "CCO ethanol\n" + "C" * 20_000 + " long\n" + "C(C" * 3000 + ")" * 3000 + " deep\n"
        "c1ccccc1 benzene\n"
    )
    result = run(tmp_path, "import", "big.smi")
    assert result.returncode == 0, result.stderr.decode()
    assert "2 added" in result.stdout.decode()
    assert "2 unreadable; unreadable at lines 2, 3" in result.stdout.decode()
    listed = run(tmp_path, "list", "--format", "csv").stdout.decode()
    assert "ethanol" in listed
    assert "benzene" in listed


def test_the_limits_are_configurable(tmp_path: Path) -> None:
    result = run(tmp_path, "descriptors", "CCCCCC", REGISTRY_MAX_ATOMS="5")
    assert result.returncode == 1
    assert "has 6 atoms, more than the limit of 5 (REGISTRY_MAX_ATOMS)" in error_line(result)
    result = run(tmp_path, "descriptors", "CCCCCC", REGISTRY_MAX_ATOMS="many")
    assert error_line(result) == ("error: REGISTRY_MAX_ATOMS='many': give a positive whole number")


@pytest.mark.parametrize(
    ("structure", "reason"),
    [
        ("[C+9]", "C with charge +9 is impossible"),
        ("[U+92]", "U with charge +92 is impossible"),
        ("*", "has no real atoms, only '*'"),
    ],
)
def test_impossible_structures_are_not_registered(
    tmp_path: Path, structure: str, reason: str
) -> None:
    for args in (("add", structure), ("add", "x", "--smiles", structure)):
        result = run(tmp_path, *args)
        assert result.returncode == 1
        assert reason in error_line(result)
    listed = run(tmp_path, "list", "--format", "csv").stdout.decode().splitlines()
    assert [row.split(",")[1] for row in listed[1:]] == ["milnacipran"]  # the bundled record


def test_draw_size_is_bounded(tmp_path: Path) -> None:
    result = run(tmp_path, "draw", "CCO", "--size", "100000", "-o", "x.png")
    assert result.returncode == 2
    assert "100000 is not in the range 50<=x<=4000" in result.stderr.decode()
    many = ["CCO"] * 40
    result = run(tmp_path, "draw", *many, "--size", "4000", "-o", "x.png")
    assert result.returncode == 1
    assert "more than 64 million: draw fewer structures or smaller panels" in error_line(result)
    assert not (tmp_path / "x.png").exists()


DEFECT = """
import sys
import registry.cli.cas as command

def broken(result):
    raise RuntimeError("the row cannot be built")

command._row = broken
sys.argv = ["registry", *sys.argv[1:]]
from registry.cli import main
main()
"""


def test_a_defect_is_one_line_and_the_traceback_needs_debug(tmp_path: Path) -> None:
    environment = cli_env(tmp_path)
    environment.pop("REGISTRY_DEBUG", None)

    def defect(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [sys.executable, "-c", DEFECT, *args],
            capture_output=True,
            env=environment,
            timeout=120,
            check=False,
        )

    result = defect("cas", "50-78-2")
    assert result.returncode == 2
    assert result.stderr.decode().splitlines() == [
        "error: internal error: RuntimeError: the row cannot be built",
        "Please report it; run again with --debug to see the traceback.",
    ]
    shown = defect("--debug", "cas", "50-78-2")
    assert shown.returncode == 1
    assert "Traceback" in shown.stderr.decode()
    assert "RuntimeError: the row cannot be built" in shown.stderr.decode()


def test_a_csv_field_longer_than_the_csv_module_allows_is_one_unreadable_row(
    tmp_path: Path,
) -> None:
    (tmp_path / "wide.csv").write_text(
        "smiles,name\nCCO,ethanol\n" + "C" * 200_000 + ",long\nc1ccccc1,benzene\n"
    )
    result = run(tmp_path, "import", "wide.csv")
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode() == (
        "wide.csv: 2 added, 0 already registered, 0 repeated in the file, 1 unreadable; "
        "unreadable at line 3\n"
    )


def test_inputs_of_one_name_get_their_own_results(tmp_path: Path) -> None:
    for folder, number in (("x", "50-78-2"), ("y", "64-17-5"), ("z", "58-08-2")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "a.csv").write_text(f"cas\n{number}\n")
    result = run(tmp_path, "validate", "x/a.csv", "y/a.csv", "z/a.csv", "-o", "res")
    assert result.returncode == 0, result.stderr.decode()
    written = {p.name: p.read_text().splitlines()[1] for p in (tmp_path / "res").iterdir()}
    assert written == {
        "a.validated.csv": "50-78-2,50-78-2,valid,,",
        "a-2.validated.csv": "64-17-5,64-17-5,valid,,",
        "a-3.validated.csv": "58-08-2,58-08-2,valid,,",
    }


def test_search_text_too_long_or_no_hits_asked_is_a_clear_error(tmp_path: Path) -> None:
    result = run(tmp_path, "search", "%_" * 50_000)
    assert result.returncode == 1
    assert error_line(result) == (
        "error: search text of 100,000 characters is longer than 1,000: search for a part of it"
    )
    result = run(tmp_path, "search", "fib", "--limit", "0")
    assert result.returncode == 2
    assert "0 is not in the range x>=1" in result.stderr.decode()


def test_a_file_size_limit_is_one_error_line(tmp_path: Path) -> None:
    import resource

    (tmp_path / "big.csv").write_text("cas\n" + "".join(f"{n}-00-0\n" for n in range(10, 60_000)))
    environment = cli_env(tmp_path)
    environment.pop("REGISTRY_DEBUG", None)

    def limit_file_size() -> None:  # as `ulimit -f 100` does
        resource.setrlimit(resource.RLIMIT_FSIZE, (100 * 1024, 100 * 1024))

    result = subprocess.run(
        [*REGISTRY, "validate", "big.csv", "-o", "out.csv", "--fail-on", "never"],
        capture_output=True,
        cwd=tmp_path,
        env=environment,
        preexec_fn=limit_file_size,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert error_line(result).startswith("error: File too large")
