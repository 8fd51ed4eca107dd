"""``l2 evm run``: JSON report, readable summary, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from Crypto.Hash import keccak
from typer.testing import CliRunner

from l2.evm_cli import CONTRACT_ADDRESS, DEFAULT_GAS, EvmInputError, evm_app, run_code
from vm_contracts import calldata, compile_contract

runner = CliRunner()


def run_json(*args: str) -> dict:
    result = runner.invoke(evm_app, ["run", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_json_report_of_a_simple_program():
    # SSTORE(0, 1); LOG0 of 32 zero bytes; RETURN 2 bytes
    report = run_json("--code", "0x600160005560206000a061abcd5f52600260" + "1e" + "f3")
    assert set(report) == {"status", "output", "gas_used", "gas_refund", "storage", "logs", "steps"}
    assert report["status"] == "success"
    assert report["output"] == "0xabcd"
    assert report["storage"] == {"0x0": "0x1"}
    assert report["logs"] == [{"address": "0x" + CONTRACT_ADDRESS.hex(), "topics": [], "data": "0x" + "00" * 32}]
    assert report["steps"] == 12
    assert report["gas_used"] == 3 + 3 + 22100 + 3 + 3 + 375 + 8 * 32 + 3 + 3 + 2 + 3 + 3 + 3 + 0


def test_empty_code_succeeds():
    report = run_json("--code", "0x")
    assert report == {"status": "success", "output": "0x", "gas_used": 0, "gas_refund": 0, "storage": {}, "logs": [], "steps": 0}


def test_storage_is_original_cold_and_refunds_are_reported():
    # SSTORE(5, 0) clears a slot that held 0x10: cold 2100 + 2900, refund 4800
    report = run_json("--code", "0x5f600555", "--storage", '{"0x5": "0x10", "7": 3}')
    assert report["gas_used"] == 2 + 3 + 2100 + 2900
    assert report["gas_refund"] == 4800
    assert report["storage"] == {"0x7": "0x3"}


def test_revert_keeps_original_storage_and_no_refund():
    report = run_json("--code", "0x5f60055560205ffd", "--storage", '{"0x5": "0x10"}')
    assert report["status"] == "revert"
    assert report["storage"] == {"0x5": "0x10"}
    assert report["gas_refund"] == 0
    assert report["output"] == "0x" + "00" * 32


def test_error_uses_all_gas():
    report = run_json("--code", "0x01", "--gas", "5000")
    assert report["status"] == "error" and report["gas_used"] == 5000 and report["steps"] == 1


def test_value_input_and_caller():
    # CALLVALUE, CALLDATALOAD(0), CALLER, SELFBALANCE -> storage 0..3
    code = "0x345f55" + "5f35600155" + "33600255" + "47600355"
    report = run_json("--code", code, "--value", "1000", "--input", "0x" + "11" * 32, "--caller", "0x" + "ab" * 20)
    assert report["storage"] == {"0x0": hex(1000), "0x1": "0x" + "11" * 32, "0x2": "0x" + "ab" * 20, "0x3": hex(1000)}


def test_default_gas():
    report = run_json("--code", "0x5a5f55")  # SSTORE(0, GAS)
    assert int(report["storage"]["0x0"], 16) == DEFAULT_GAS - 2


def test_erc20_transfer_through_the_cli():
    _, runtime = compile_contract("token")
    owner = "0x" + "ab" * 20
    # the balance mapping is at slot 6 (name 0-1, symbol 2-3, decimals 4, supply 5);
    # vyper puts balanceOf[owner] at keccak(slot . owner)
    slot_preimage = (6).to_bytes(32, "big") + bytes(12) + b"\xab" * 20
    slot = int.from_bytes(keccak.new(digest_bits=256, data=slot_preimage).digest(), "big")
    data = calldata("transfer(address,uint256)", "0x" + "cd" * 20, 30)
    report = run_json(
        "--code", "0x" + runtime.hex(), "--input", "0x" + data.hex(), "--caller", owner,
        "--storage", json.dumps({hex(slot): "100"}),
    )
    assert report["status"] == "success" and report["output"] == "0x" + "00" * 31 + "01"
    assert report["storage"][hex(slot)] == hex(70)
    assert len(report["logs"]) == 1 and len(report["logs"][0]["topics"]) == 3


def test_readable_summary():
    result = runner.invoke(evm_app, ["run", "--code", "0x6001600055"])
    assert result.exit_code == 0
    assert "status     success" in result.stdout and "0x0 = 0x1" in result.stdout


@pytest.mark.parametrize(
    "args,message",
    [
        (["--code", "0xzz"], "code: not hex"),
        (["--code", "0x123"], "odd number of hex digits"),
        (["--code", "0x00", "--input", "nothex"], "input: not hex"),
        (["--code", "0x00", "--gas", "-5"], "gas: must not be negative"),
        (["--code", "0x00", "--gas", "lots"], "gas: not an integer"),
        (["--code", "0x00", "--value", "-1"], "value: must not be negative"),
        (["--code", "0x00", "--storage", "{bad json"], "storage: bad JSON"),
        (["--code", "0x00", "--storage", "[1, 2]"], "expected a JSON object"),
        (["--code", "0x00", "--storage", '{"0x1": "-3"}'], "must not be negative"),
        (["--code", "0x00", "--storage", '{"0x1": "0x' + "1" * 65 + '"}'], "too large"),
        (["--code", "0x00", "--caller", "0x1234"], "an address is 20 bytes"),
    ],
)
def test_bad_input_is_one_line_exit_1(args, message):
    result = runner.invoke(evm_app, ["run", *args])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert "Traceback" not in result.output


def test_no_traceback_in_a_real_process():
    process = subprocess.run(
        [sys.executable, "-c", "from l2.evm_cli import evm_app; evm_app()", "run", "--code", "0xzz", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert process.returncode == 1
    assert process.stdout == "" and process.stderr.startswith("error: code: not hex")
    assert "Traceback" not in process.stderr


def test_run_code_from_python():
    report = run_code(bytes.fromhex("600160005500"), gas=100_000, storage={1: 2})
    assert report["storage"] == {"0x0": "0x1", "0x1": "0x2"}
    with pytest.raises(EvmInputError):
        run_code("0x00", value=-1)
