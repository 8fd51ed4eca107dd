"""`l2 demo`, and the demo contract's embedded bytecode against the Vyper compiler."""

from __future__ import annotations

import json
import shutil
import subprocess
import time

import pytest

from l2.demo import SELECTORS, STORE_INITCODE, STORE_SOURCE


def test_demo_runs_end_to_end_as_json(cli, tmp_path):
    start = time.perf_counter()
    result = cli(tmp_path / "unused", "demo", "--json")
    elapsed = time.perf_counter() - start
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    contract = report["contract"]
    assert contract["deploy_status"] == "included"
    assert [c["status"] for c in contract["calls"]] == ["included", "included", "included"]
    # store(7), store(35), then store(8) through the forwarder
    assert (contract["value"], contract["total"], contract["count"]) == (8, 50, 3)
    assert [c["logs"] for c in contract["calls"]] == [1, 1, 1]
    assert [b["batch"] for b in report["batches"]] == [1, 2]
    assert report["batches"][0]["txs"] == 6 and report["batches"][0]["deposits"] == [0]
    assert report["re_executed_batches"] == 2
    assert report["state_root"] == report["batches"][1]["state_root"]
    assert report["deposit"]["credited_on_l2"] == report["deposit"]["amount"]
    rollup = report["rollup"]
    assert [b["batch"] for b in rollup["batches"]] == [1, 2]
    assert all(b["l1_accepted"] and b["security_bits"] >= 100 for b in rollup["batches"])
    # the two deployments; the store() calls, the forwarded one as two frames
    assert [b["execution_tables"] for b in rollup["batches"]] == [2, 4]
    assert rollup["withdrawal_claimed"]
    assert rollup["l1_state_root"] == report["batches"][1]["state_root"]
    assert set(report["timings"]) >= {"init", "transfers", "deploy", "seal_1", "prove_batch_1", "l1_submit_1",
                                      "prove_batch_2", "l1_submit_2", "total"}
    assert elapsed < 60
    assert not (tmp_path / "unused").exists()  # the demo never touches --home


def test_demo_prints_a_report(capsys):
    """The report as ``l2 demo`` prints it without --json (the chain's run without proving: the JSON test
    above runs the whole demo through the CLI)."""
    from l2.demo import print_report, run_demo

    print_report(run_demo(stark=False))
    out = capsys.readouterr().out
    assert "batches" in out and "timings" in out and "forwarder" in out


def test_embedded_bytecode_is_the_compiled_source(tmp_path):
    vyper = shutil.which("vyper")
    if vyper is None:
        pytest.skip("vyper is not installed")
    version = subprocess.run([vyper, "--version"], capture_output=True, text=True).stdout
    if not version.startswith("0.4.3"):
        pytest.skip(f"the embedded bytecode is vyper 0.4.3's; found {version.strip()}")
    source = tmp_path / "Store.vy"
    source.write_text(STORE_SOURCE)
    out = subprocess.run([vyper, "-f", "bytecode,method_identifiers", str(source)], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert bytes.fromhex(out[0][2:]) == STORE_INITCODE
    identifiers = json.loads(out[1])
    assert {name: int(sel, 16) for name, sel in identifiers.items()} == {
        name: int.from_bytes(sel, "big") for name, sel in SELECTORS.items()}
