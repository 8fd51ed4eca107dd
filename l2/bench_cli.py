"""``l2 bench``: measure the prover (time, proof size, memory) as the trace grows.

Needs no data dir.  ``--json`` prints one JSON object; otherwise a table.
"""

from __future__ import annotations

import json
import sys

import typer

bench_app = typer.Typer(help="Benchmark the prover.", no_args_is_help=True, add_completion=False)


def _fail(msg: str) -> None:
    typer.echo(f"error: {msg}", err=True)
    raise typer.Exit(1)


def _int(name: str, text: str, lo: int, hi: int) -> int:
    try:
        v = int(text, 0)
    except ValueError:
        _fail(f"--{name} must be an integer, got {text!r}")
    if not lo <= v <= hi:
        _fail(f"--{name} must be between {lo} and {hi}, got {v}")
    return v


@bench_app.command("prover")
def prover(
    air: str = typer.Option("wide", "--air", help="fib | wide | vm (the execution circuit on an EVM loop)"),
    log_rows: str = typer.Option("12", "--log-rows", help="log2 of the trace length"),
    blowup: str = typer.Option("8", "--blowup", help="LDE blowup factor (power of two)"),
    width: str = typer.Option("64", "--width", help="columns of the wide AIR"),
    security: str = typer.Option("100", "--security", help="target conjectured security bits"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
):
    """Prove and verify one instance of an AIR and report time, size and memory."""
    from l2.stark_demo import AIRS, bench_prover

    if air not in AIRS:
        _fail(f"unknown AIR {air!r} (choose from {', '.join(AIRS)})")
    lr = _int("log-rows", log_rows, 8 if air == "vm" else 3, 22)
    b = _int("blowup", blowup, 4, 64)
    if b & (b - 1):
        _fail("--blowup must be a power of two")
    w = _int("width", width, 2, 1024)
    sec = _int("security", security, 1, 127)
    progress = None
    if not as_json and sys.stderr.isatty():
        progress = lambda phase: typer.echo(f"  {phase}…", err=True)  # noqa: E731
    try:
        result = bench_prover(air, lr, b, w, sec, progress=progress)
    except (ValueError, MemoryError) as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps(result))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"prover benchmark: {air}, 2^{lr} rows")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for k, v in result.items():
        if k != "phases":
            table.add_row(k, str(v))
    for k, v in result["phases"].items():
        table.add_row(f"  phase: {k}", f"{v:.3f} s")
    Console().print(table)
