"""Sweep prover sizes and write the results table into benchmarks/RESULTS.md.

Each size runs in a fresh process (``l2 bench prover --json``) so peak memory is per size, and the
one-time JIT compilation is reported apart from proving time.

    python benchmarks/bench_prover.py --air wide --log-rows 12 14 16 --out benchmarks/out/prover.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 2**20:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{cpu}, {os.cpu_count()} cores{mem}, Python {platform.python_version()}"


def run(air: str, log_rows: int, blowup: int, width: int) -> dict:
    cmd = [sys.executable, "-m", "l2.cli", "bench", "prover", "--air", air, "--log-rows", str(log_rows),
           "--blowup", str(blowup), "--width", str(width), "--json"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--air", default="wide")
    ap.add_argument("--log-rows", type=int, nargs="+", default=[10, 12, 14, 16])
    ap.add_argument("--blowup", type=int, default=8)
    ap.add_argument("--width", type=int, default=64)
    ap.add_argument("--out", type=Path, default=None, help="also write the JSON list here")
    ap.add_argument("--write-results", action="store_true",
                    help="replace the prover table in benchmarks/RESULTS.md with this sweep")
    args = ap.parse_args()
    results = []
    for lr in args.log_rows:
        r = run(args.air, lr, args.blowup, args.width)
        print(json.dumps(r), flush=True)
        results.append(r)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2))
    print(json.dumps({"machine": machine(), "results": results}))
    if args.write_results:
        write_table(HERE / "RESULTS.md", results)


START, END = "<!-- prover-table:start -->", "<!-- prover-table:end -->"


def write_table(path: Path, results: list[dict]) -> None:
    """Replace the text between the prover-table markers with a table of this sweep."""
    lines = [START, f"Machine: {machine()}", "",
             "| rows | columns | prove s | cells/s | verify ms | proof KB | peak RSS MB |",
             "|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| 2^{r['rows'].bit_length() - 1} | {r['columns']} | {r['prove_seconds']:.2f} | "
                     f"{r['cells_per_second']:,} | {r['verify_seconds'] * 1000:.0f} | {r['proof_bytes'] / 1000:.1f} | "
                     f"{r['peak_rss_mb']:,.0f} |")
    lines.append(END)
    text = path.read_text()
    a, b = text.index(START), text.index(END) + len(END)
    path.write_text(text[:a] + "\n".join(lines) + text[b:])


if __name__ == "__main__":
    main()
