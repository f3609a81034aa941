"""``registry descriptors`` and ``registry draw``: RDKit descriptors, rule checks and pictures."""

from __future__ import annotations

import enum
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from registry.chem.structure_files import StructureInput, read_structures
from registry.cli.base import app
from registry.cli.output import OutputFormat, render
from registry.cli.registry_options import Db
from registry.cli.structure_arguments import registered_structures, resolve_arguments
from registry.descriptor_models import DescriptorRow, RuleCheck
from registry.errors import InvalidStructure

if TYPE_CHECKING:
    from registry.service.structure_args import StructureArgument

# Short table headers for the default profile (units in --help; JSON carries them per value).
_SHORT = {
    "molecular_weight": "MW",
    "exact_mass": "exact mass",
    "formula": "formula",
    "logp": "logP",
    "molar_refractivity": "MR",
    "tpsa": "TPSA",
    "hbd": "HBD",
    "hba": "HBA",
    "rotatable_bonds": "RotB",
    "rings": "rings",
    "aromatic_rings": "arom",
    "heavy_atoms": "heavy",
    "fraction_sp3": "Fsp3",
    "formal_charge": "charge",
    "qed": "QED",
}
# Decimals shown in tables (JSON and CSV keep full precision).
_DECIMALS = {"exact_mass": 4, "fraction_sp3": 3, "qed": 3}
_PROGRESS_FROM = 50  # structures; fewer finish before a bar would be worth drawing


class On(enum.StrEnum):
    parent = "parent"
    submitted = "submitted"


def _gather(
    structures: list[str] | None,
    file: Path | None,
    column: str | None,
    name_column: str | None,
    db: str | None = None,
    named: dict[int, StructureArgument] | None = None,
) -> list[StructureInput]:
    """The structures to work on: the arguments (a registry id, name or CAS number resolved to
    its structure), standard input's lines ('-'), a file's records.

    With ``named`` given, an argument nothing resolves is kept as it was given (instead of
    raising), and ``named[index]`` holds each argument that was not a structure itself.
    """
    inputs: list[StructureInput] = []
    given = [value for value in structures or [] if value != "-"]
    keep = named is not None
    found = iter(resolve_arguments(given, db, keep_unresolved=keep) if given else [])
    for value in structures or []:
        if value == "-":
            inputs.extend(
                StructureInput(line.strip(), "", n)
                for n, line in enumerate(sys.stdin, start=1)
                if line.strip()
            )
            continue
        argument = next(found)
        if named is not None and argument.source != "structure":
            named[len(inputs)] = argument
        label = argument.label if argument.resolved else ""
        inputs.append(StructureInput(argument.structure, label))
    if file is not None:
        inputs.extend(read_structures(file, column=column, name_column=name_column))
    elif column is not None or name_column is not None:
        raise typer.BadParameter("--column and --name-column need --file", param_hint="--column")
    if not inputs:
        raise typer.BadParameter(
            "give structures as arguments, '-' for standard input, or --file",
            param_hint="STRUCTURE...",
        )
    return inputs


@contextmanager
def _progress(total: int) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr when it is a terminal and the batch is big enough."""
    if total < _PROGRESS_FROM or not sys.stderr.isatty():
        yield None
        return
    with typer.progressbar(length=total, label="descriptors", file=sys.stderr) as bar:
        shown = 0

        def update(done: int, _total: int) -> None:
            nonlocal shown
            bar.update(done - shown)
            shown = done

        yield update


_SHORT_CRITERIA = {
    "molecular_weight": "MW",
    "logp": "logP",
    "nh_oh_count": "NH+OH",
    "n_o_count": "N+O",
    "rotatable_bonds": "RotB",
    "tpsa": "TPSA",
}
_INPUT_WIDTH = 40  # characters of a long SMILES shown in a wide table


def _rule_text(rule: RuleCheck) -> str:
    """Compact rule result for a wide table: ``fail: MW 721>500, N+O 11>10``."""
    failed = ", ".join(
        f"{_SHORT_CRITERIA.get(c.name, c.name)} {c.value:.4g}>{c.limit:g}" for c in rule.failed
    )
    if rule.passed:
        return f"pass ({failed})" if failed else "pass"
    return f"fail: {failed}"


def _rules_json(rules: Sequence[RuleCheck]) -> dict[str, Any]:
    return {
        rule.name: {
            "passed": rule.passed,
            "allowed_failures": rule.allowed_failures,
            "criteria": [
                {"name": c.name, "value": c.value, "limit": c.limit, "passed": c.passed}
                for c in rule.criteria
            ],
        }
        for rule in rules
    }


def _label(row: DescriptorRow) -> str:
    text = row.name or (row.input.splitlines()[0] if row.input.strip() else row.input)
    return text if len(text) <= _INPUT_WIDTH else text[: _INPUT_WIDTH - 1] + "…"


def _json_row(row: DescriptorRow) -> dict[str, Any]:
    result = row.descriptors
    return {
        "input": row.input,
        "name": row.name,
        "ok": row.ok,
        "error": row.error,
        "smiles": result.smiles if result else None,
        "on": result.on if result else None,
        "rdkit_version": result.rdkit_version if result else None,
        "descriptors": result.as_dict() if result else None,
        "units": {k: v for k, v in result.units().items() if v} if result else None,
        "rules": _rules_json(result.rules) if result else None,
    }


def _flat_row(row: DescriptorRow, table: bool) -> dict[str, Any]:
    flat: dict[str, Any] = {"input": _label(row) if table else row.input, "name": row.name}
    result = row.descriptors
    if result is not None:
        flat["smiles"] = result.smiles
        for descriptor in result.values:
            value = descriptor.value
            if table and isinstance(value, float):
                value = f"{value:.{_DECIMALS.get(descriptor.name, 2)}f}"
            flat[_SHORT.get(descriptor.name, descriptor.name) if table else descriptor.name] = value
        for rule in result.rules:
            flat[rule.name] = _rule_text(rule) if table else rule.summary()
    flat["error"] = row.error
    return flat


def _vertical(row: DescriptorRow) -> list[dict[str, Any]]:
    result = row.descriptors
    assert result is not None
    lines: list[dict[str, Any]] = [
        {"descriptor": "structure", "value": result.smiles, "unit": f"({result.on})"}
    ]
    for descriptor in result.values:
        value = descriptor.value
        if isinstance(value, float):
            value = f"{value:.{_DECIMALS.get(descriptor.name, 3)}f}"
        lines.append({"descriptor": descriptor.name, "value": value, "unit": descriptor.unit})
    for rule in result.rules:
        lines.append({"descriptor": rule.name, "value": rule.summary(), "unit": None})
    lines.append({"descriptor": "rdkit", "value": result.rdkit_version, "unit": None})
    return lines


def _long(rows: Sequence[DescriptorRow]) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    for row in rows:
        if row.descriptors is None:
            lines.append({"input": _label(row), "descriptor": "error", "value": row.error})
            continue
        for descriptor in row.descriptors.values:
            lines.append(
                {
                    "input": _label(row),
                    "descriptor": descriptor.name,
                    "value": descriptor.value,
                    "unit": descriptor.unit,
                }
            )
    return lines


def _render(rows: Sequence[DescriptorRow], fmt: OutputFormat, all_descriptors: bool) -> str:
    if fmt is OutputFormat.json:
        return render([_json_row(r) for r in rows], fmt, [])
    ok = [r for r in rows if r.descriptors is not None]
    names = [d.name for d in ok[0].descriptors.values] if ok and ok[0].descriptors else []
    rules = [r.name for r in ok[0].descriptors.rules] if ok and ok[0].descriptors else []
    if fmt is OutputFormat.csv:
        columns = ["input", "name", "smiles", *names, *rules, "error"]
        return render([_flat_row(r, table=False) for r in rows], fmt, columns)
    if len(rows) == 1 and ok:
        return render(_vertical(rows[0]), fmt, ["descriptor", "value", "unit"])
    if all_descriptors:
        return render(_long(rows), fmt, ["input", "descriptor", "value", "unit"])
    columns = ["input", *(_SHORT.get(n, n) for n in names), *rules]
    if any(not r.ok for r in rows):
        columns.append("error")
    # In a narrow terminal the rule verdicts and errors stay; descriptor columns give way.
    keep = {*rules, "error"}
    return render([_flat_row(r, table=True) for r in rows], fmt, columns, keep=keep)


_ARGUMENTS_HELP = (
    "SMILES or InChI strings, or registry ids, names or CAS numbers (looked up in the registry, "
    "then the offline index); '-' reads SMILES one per line from standard input."
)


@app.command("descriptors")
def descriptors_command(
    structures: Annotated[
        list[str] | None,
        typer.Argument(
            help=_ARGUMENTS_HELP,
            show_default=False,
            metavar="STRUCTURE...",
        ),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            "-i",
            help="Read structures from a .smi, .csv/.tsv or .sdf file.",
            show_default=False,
        ),
    ] = None,
    column: Annotated[
        str | None,
        typer.Option(
            "--column",
            "-c",
            help="CSV column holding the structures (default: one named smiles, inchi, ...).",
            show_default=False,
        ),
    ] = None,
    name_column: Annotated[
        str | None,
        typer.Option(
            "--name-column",
            help="CSV column with a name per structure (default: name, id, cas, ... if present).",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = OutputFormat.table,
    all_descriptors: Annotated[
        bool, typer.Option("--all", help="RDKit's full descriptor set instead of the profile.")
    ] = False,
    on: Annotated[
        On,
        typer.Option(
            "--on",
            help="Measure the standardised parent (salts and solvents removed, neutralised) "
            "or the structure as submitted.",
        ),
    ] = On.parent,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            "-j",
            min=1,
            help="Processes for large batches (default: all CPUs).",
            show_default=False,
        ),
    ] = None,
    db: Db = None,
) -> None:
    """Compute descriptors and Lipinski/Veber rule checks with RDKit.

    The default profile: molecular weight (g/mol), exact mass (Da), formula, Crippen logP and
    molar refractivity (MR, cm³/mol), TPSA (Å², N and O), H-bond donors and acceptors, rotatable
    bonds, rings, aromatic rings, heavy atoms, fraction sp3, formal charge and QED. Lipinski's
    rule of five tolerates one failed criterion; Veber's rules none. Values are computed on the
    standardised parent unless --on submitted; JSON output carries units and the RDKit version.

    An argument that is not a SMILES or InChI RDKit reads is looked up (registry id, name, CAS
    number: the registry, then the offline index); stderr says what it resolved to.

    Examples:

        registry descriptors "CCN(CC)C(=O)C1(CC1CN)c1ccccc1.Cl"

        registry descriptors ibuprofen REG-000001 50-78-2

        registry descriptors CCO c1ccccc1O --format csv

        registry descriptors --file library.csv --column smiles --format json

        registry descriptors -i x.sdf --all --on submitted -f csv > all.csv

    Exit status: 0 when every structure was read, 1 when any was not, 2 on usage errors.
    """
    from registry.chem import descriptors

    named: dict[int, StructureArgument] = {}
    inputs = _gather(structures, file, column, name_column, db, named)
    with _progress(len(inputs)) as progress:
        rows = descriptors.batch(
            [i.value for i in inputs],
            names=[i.name for i in inputs],
            on=on.value,
            all_descriptors=all_descriptors,
            workers=workers,
            progress=progress,
        )
    given = [_as_given(row, named.get(index)) for index, row in enumerate(rows)]
    if len(given) == 1 and given[0].error is not None and fmt is OutputFormat.table:
        raise InvalidStructure(given[0].error)
    typer.echo(_render(given, fmt, all_descriptors))
    if not all(r.ok for r in given):
        raise typer.Exit(1)


def _as_given(row: DescriptorRow, argument: StructureArgument | None) -> DescriptorRow:
    """A row as the argument was given: its text as the input, or why nothing resolved it."""
    if argument is None:
        return row
    if argument.source == "unresolved":
        return replace(row, input=argument.text, descriptors=None, error=argument.error)
    return replace(row, input=argument.text)


@app.command("draw")
def draw_command(
    structures: Annotated[
        list[str] | None,
        typer.Argument(
            help=_ARGUMENTS_HELP,
            show_default=False,
            metavar="STRUCTURE...",
        ),
    ] = None,
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="Image to write: .svg or .png.", show_default=False),
    ] = Path("structure.svg"),
    legends: Annotated[
        list[str] | None,
        typer.Option(
            "--legend",
            "-l",
            help="Caption per structure, in order (repeat the option). "
            "Default: names from --file, else the inputs when there are several.",
            show_default=False,
        ),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", "-i", help="Read structures from a .smi, .csv or .sdf file."),
    ] = None,
    column: Annotated[
        str | None, typer.Option("--column", "-c", help="CSV column holding the structures.")
    ] = None,
    size: Annotated[
        int, typer.Option("--size", min=50, max=4000, help="Panel size in pixels (50 to 4000).")
    ] = 300,
    per_row: Annotated[int, typer.Option("--per-row", min=1, help="Panels per grid row.")] = 4,
    every: Annotated[
        bool,
        typer.Option(
            "--all", help="Draw every registered compound (in registry order), named by id."
        ),
    ] = False,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit", min=1, help="With --all: only the first N compounds.", show_default=False
        ),
    ] = None,
    db: Db = None,
) -> None:
    """Draw structures to an SVG or PNG image; several make a grid with legends.

    A registry id, name or CAS number stands for its structure (looked up in the registry, then
    the offline index; stderr says what it resolved to), and --all draws the whole registry.

    Examples:

        registry draw "CCN(CC)C(=O)C1(CC1CN)c1ccccc1" -o milnacipran.svg

        registry draw CCO c1ccccc1O "CC(=O)Oc1ccccc1C(=O)O" -o grid.png -l A -l B -l C

        registry draw --file library.smi -o library.png --per-row 5

        registry draw sertraline REG-000002 50-78-2 -o three.svg

        registry draw --all -o registry.png --per-row 6
    """
    from registry import chem

    suffix = output.suffix.lower()
    if suffix not in (".svg", ".png"):
        raise typer.BadParameter(
            f"the image must end in .svg or .png, not {suffix or '(nothing)'}", param_hint="-o"
        )
    if limit is not None and not every:
        raise typer.BadParameter("--limit goes with --all", param_hint="--limit")
    if every:
        if structures or file is not None:
            raise typer.BadParameter(
                "--all draws the registry: give no structures or --file with it",
                param_hint="--all",
            )
        inputs = registered_structures(db, limit)
        if not inputs:
            raise typer.BadParameter("the registry holds no compounds to draw", param_hint="--all")
    else:
        inputs = _gather(structures, file, column, None, db)
    if legends is not None and len(legends) != len(inputs):
        raise typer.BadParameter(
            f"{len(legends)} legends for {len(inputs)} structures", param_hint="--legend"
        )
    if legends is None and len(inputs) > 1:
        legends = [i.name or i.value.strip().splitlines()[0][:40] for i in inputs]
    image = chem.draw(
        [i.value for i in inputs],
        fmt="png" if suffix == ".png" else "svg",
        legends=legends,
        size=(size, size),
        per_row=per_row,
    )
    try:
        output.write_bytes(image)
    except OSError as error:
        raise typer.BadParameter(
            f"cannot write {output}: {error.strerror or error}", param_hint="-o"
        ) from error
    count = len(inputs)
    typer.echo(f"wrote {output} ({count} structure{'s' if count != 1 else ''})")
