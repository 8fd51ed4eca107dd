"""The `l2` command line end to end: init → send → deploy → call → seal, restart, and bad input."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest

from l2.crypto import dev_address, dev_private_key, to_hex
from l2.demo import SELECTORS, STORE_INITCODE
from l2.node import DEV_BALANCE

RECIPIENT = "0x" + "42" * 20


def test_init_send_deploy_call_seal(cli, tmp_path):
    home = tmp_path / "chain"
    init = cli(home, "init", "--dev-accounts", "3", "--chain-id", "901", "--json").json()
    assert init["chain_id"] == 901
    assert [a["address"] for a in init["accounts"]] == [to_hex(dev_address(i)) for i in range(3)]
    assert [a["private_key"] for a in init["accounts"]] == [to_hex(dev_private_key(i)) for i in range(3)]
    assert all(a["balance"] == DEV_BALANCE == 10**24 for a in init["accounts"])

    listed = cli(home, "account", "list", "--json").json()
    assert listed == [{"index": i, "address": to_hex(dev_address(i)), "balance": DEV_BALANCE, "nonce": 0}
                      for i in range(3)]

    sent = cli(home, "tx", "send", "--from", "0", "--to", RECIPIENT, "--value", "1000", "--json").json()
    assert sent["status"] == "pending" and sent["hash"].startswith("0x") and len(sent["hash"]) == 66
    assert sent["gas"] == 21_000 and sent["nonce"] == 0
    second = cli(home, "tx", "send", "--from", "0", "--to", RECIPIENT, "--value", "0x10", "--json").json()
    assert second["nonce"] == 1  # counts the pending transaction

    deployed = cli(home, "tx", "deploy", "--from", "1", "--code", to_hex(STORE_INITCODE), "--json").json()
    assert set(deployed) >= {"hash", "address"}
    address = deployed["address"]

    sealed = cli(home, "batch", "seal", "--json").json()
    assert {k: sealed[k] for k in ("batch", "txs", "skipped")} == {"batch": 1, "txs": 3, "skipped": 0}
    assert sealed["steps"] > 0 and sealed["prev_state_root"] != sealed["state_root"]
    assert sealed["state_root"].startswith("0x") and sealed["state_root"] == sealed["state_root"].lower()

    receipt = cli(home, "tx", "receipt", deployed["hash"], "--json").json()
    assert receipt["status"] == "included" and receipt["contract_address"] == address
    assert cli(home, "account", "balance", RECIPIENT, "--json").json() == {
        "address": RECIPIENT, "balance": 1016, "nonce": 0}

    data = to_hex(SELECTORS["store(uint256)"] + (42).to_bytes(32, "big"))
    stored = cli(home, "tx", "send", "--from", "2", "--to", address, "--data", data, "--json").json()
    assert stored["gas"] > 21_000  # estimated
    sealed2 = cli(home, "--json", "batch", "seal").json()  # --json before the command works too
    assert sealed2["batch"] == 2 and sealed2["prev_state_root"] == sealed["state_root"]
    receipt = cli(home, "tx", "receipt", stored["hash"], "--json").json()
    assert receipt["status"] == "included" and len(receipt["logs"]) == 1

    called = cli(home, "call", "--to", address, "--data", to_hex(SELECTORS["value()"]), "--json").json()
    assert called["status"] == "success" and int(called["output"], 16) == 42 and called["gas_used"] > 21_000

    batches = cli(home, "batch", "list", "--json").json()
    assert [b["batch"] for b in batches] == [0, 1, 2]
    shown = cli(home, "batch", "show", "2", "--json").json()
    assert shown["tx_hashes"] == [stored["hash"]] and shown["state_root"] == sealed2["state_root"]
    status = cli(home, "status", "--json").json()
    assert status["head_batch"] == 2 and status["state_root"] == sealed2["state_root"]
    assert status["chain_id"] == 901


def test_restart_shows_the_same_state(cli, tmp_path):
    home = tmp_path / "chain"
    cli(home, "init", "--dev-accounts", "2")
    cli(home, "tx", "send", "--from", "0", "--to", RECIPIENT, "--value", "5")
    cli(home, "tx", "deploy", "--from", "1", "--code", to_hex(STORE_INITCODE))
    cli(home, "batch", "seal")
    cli(home, "tx", "send", "--from", "1", "--to", RECIPIENT, "--value", "7")  # left pending
    views = [("account", "list"), ("batch", "list"), ("status",), ("account", "balance", RECIPIENT)]
    before = [cli(home, *view, "--json").json() for view in views]

    # a fresh process opens the data dir from disk
    script = ("import json, sys; from l2.node import Node; n = Node.open(sys.argv[1]); "
              "print(json.dumps([n.dev_accounts(), n.batches(), n.status(), n.verify_chain()]))")
    out = subprocess.run([sys.executable, "-c", script, str(home)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    accounts, batches, status, checked = json.loads(out.stdout)
    assert accounts == before[0] and batches == before[1] and status == before[2]
    assert checked == 1 and status["transactions"]["pending"] == 1

    after = subprocess.run([sys.executable, "-m", "l2.cli", "--home", str(home), "--json", "batch", "seal"],
                           capture_output=True, text=True, timeout=120)
    assert after.returncode == 0, after.stderr
    assert json.loads(after.stdout)["prev_state_root"] == before[2]["state_root"]


def _dump(home) -> list[str]:
    conn = sqlite3.connect(home / "l2.sqlite")
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


BAD_INPUTS = [
    ("init",),
    ("init", "--dev-accounts", "ten"),
    ("account", "balance", "0x1234"),
    ("account", "balance", "7"),
    ("tx", "send", "--from", "9", "--to", RECIPIENT, "--value", "1"),
    ("tx", "send", "--from", "0", "--to", RECIPIENT, "--value", "-1"),
    ("tx", "send", "--from", "0", "--to", RECIPIENT, "--value", "lots"),
    ("tx", "send", "--from", "0", "--to", "0xnothex", "--value", "1"),
    ("tx", "send", "--from", "0", "--to", RECIPIENT, "--data", "0xabc"),
    ("tx", "send", "--from", "0", "--to", RECIPIENT, "--value", "1", "--nonce", "0"),  # nonce already used
    ("tx", "send", "--from", "0", "--to", RECIPIENT, "--value", "2e24"),  # insufficient funds
    ("tx", "send", "--from", "0", "--to", RECIPIENT, "--gas", "100"),
    ("tx", "send", "--from", "0", "--to", RECIPIENT, "--gas", "40000000"),
    ("tx", "send", "--from", "no-such-keyfile", "--to", RECIPIENT),
    ("tx", "send", "--to", RECIPIENT),
    ("tx", "send", "--from", "0", "--to", RECIPIENT, "--frobnicate"),
    ("tx", "deploy", "--from", "0", "--code", "0xzz"),
    ("tx", "deploy", "--from", "0", "--code", "0xfe"),  # initcode that always fails: estimation refuses it
    ("tx", "submit-raw", "0x1234"),
    ("tx", "submit-raw", "not hex"),
    ("tx", "receipt", "0x1234"),
    ("tx", "receipt", "0x" + "ab" * 32),
    ("batch", "show", "99"),
    ("batch", "show", "one"),
    ("call", "--to", "0x12", "--data", "0x"),
    ("call", "--to", RECIPIENT, "--data", "0x1"),
    ("no-such-command",),
]


@pytest.fixture
def chain_with_pending(cli, tmp_path):
    home = tmp_path / "chain"
    cli(home, "init", "--dev-accounts", "2")
    cli(home, "tx", "send", "--from", "0", "--to", RECIPIENT, "--value", "1")
    cli(home, "batch", "seal")
    cli(home, "tx", "send", "--from", "0", "--to", RECIPIENT, "--value", "1")  # nonce 1 pending
    return home


def test_bad_input_is_one_line_exit_1_and_changes_nothing(cli, chain_with_pending):
    home = chain_with_pending
    before = _dump(home)
    for args in BAD_INPUTS:
        result = cli(home, *args)
        assert result.exit_code == 1, (args, result.stdout, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), (args, result.stderr)
        assert "Traceback" not in result.stderr and result.stdout == "", (args, result.stdout)
        assert _dump(home) == before, args


def test_wrong_nonce_named_in_the_error(cli, chain_with_pending):
    result = cli(chain_with_pending, "tx", "send", "--from", "0", "--to", RECIPIENT, "--nonce", "0")
    assert "nonce 0 already used" in result.stderr


def test_not_a_data_dir(cli, tmp_path):
    (tmp_path / "empty").mkdir()
    for home in (tmp_path / "empty", tmp_path / "missing"):
        result = cli(home, "status")
        assert result.exit_code == 1 and "is not an l2 data dir" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "missing").exists()


def test_debug_shows_the_traceback(cli, tmp_path):
    result = cli(tmp_path, "status", "--debug")
    assert result.exit_code == 1 and "Traceback" in result.stderr


def test_home_from_environment(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from l2.cli import app

    monkeypatch.setenv("L2_HOME", str(tmp_path / "envhome"))
    runner = CliRunner()
    assert runner.invoke(app, ["init", "--dev-accounts", "1"]).exit_code == 0
    out = runner.invoke(app, ["status", "--json"])
    assert json.loads(out.stdout)["home"] == str(tmp_path / "envhome")


def test_submit_raw_from_eth_account(cli, tmp_path):
    eth_account = pytest.importorskip("eth_account")
    home = tmp_path / "chain"
    cli(home, "init", "--dev-accounts", "1", "--chain-id", "1337")
    account = eth_account.Account.from_key(dev_private_key(0))
    signed = account.sign_transaction({
        "type": 2, "chainId": 1337, "nonce": 0, "to": RECIPIENT, "value": 99, "gas": 21_000,
        "maxFeePerGas": 3 * 10**9, "maxPriorityFeePerGas": 10**9, "data": b"",
    })
    raw = signed.raw_transaction if hasattr(signed, "raw_transaction") else signed.rawTransaction
    out = cli(home, "tx", "submit-raw", to_hex(bytes(raw)), "--json").json()
    assert out["hash"] == to_hex(bytes(signed.hash)) and out["from"] == account.address.lower()
    legacy = account.sign_transaction({"chainId": 1337, "nonce": 1, "to": RECIPIENT, "value": 1, "gas": 21_000,
                                       "gasPrice": 2 * 10**9})
    raw = legacy.raw_transaction if hasattr(legacy, "raw_transaction") else legacy.rawTransaction
    assert cli(home, "tx", "submit-raw", to_hex(bytes(raw))).exit_code == 0
    sealed = cli(home, "batch", "seal", "--json").json()
    assert sealed["txs"] == 2
    assert cli(home, "account", "balance", RECIPIENT, "--json").json()["balance"] == 100
    wrong_chain = account.sign_transaction({"chainId": 1, "nonce": 2, "to": RECIPIENT, "value": 1, "gas": 21_000,
                                            "gasPrice": 2 * 10**9})
    raw = wrong_chain.raw_transaction if hasattr(wrong_chain, "raw_transaction") else wrong_chain.rawTransaction
    result = cli(home, "tx", "submit-raw", to_hex(bytes(raw)))
    assert result.exit_code == 1 and "wrong chain id" in result.stderr


def test_key_file_sender(cli, tmp_path):
    home = tmp_path / "chain"
    cli(home, "init", "--dev-accounts", "1")
    cli(home, "tx", "send", "--from", "0", "--to", to_hex(dev_address(5)), "--value", "1e19")
    cli(home, "batch", "seal")
    keyfile = tmp_path / "key.hex"
    keyfile.write_text(to_hex(dev_private_key(5)) + "\n")
    sent = cli(home, "tx", "send", "--from", str(keyfile), "--to", RECIPIENT, "--value", "3", "--json").json()
    assert sent["status"] == "pending"
    assert cli(home, "batch", "seal", "--json").json()["txs"] == 1


def test_human_output_is_not_json(cli, tmp_path):
    home = tmp_path / "chain"
    result = cli(home, "init", "--dev-accounts", "2")
    assert result.exit_code == 0 and "dev accounts" in result.stdout
    result = cli(home, "account", "list")
    assert result.exit_code == 0 and to_hex(dev_address(1))[:20] in result.stdout.replace("\n", "")


def test_sub_apps_load_lazily_and_a_broken_one_is_one_line(cli, tmp_path, monkeypatch):
    import l2.cli as cli_module

    result = cli(tmp_path, "bench", "--help")
    if cli_module._module_exists("l2.bench_cli"):
        assert result.exit_code == 0 and "prover" in result.stdout
    monkeypatch.setitem(cli_module.LAZY_SUBAPPS, "ghost", ("l2.no_such_module", "ghost_app", "Not here."))
    result = cli(tmp_path, "ghost", "anything", "--flag")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "error: the `ghost` commands are unavailable: No module named 'l2.no_such_module'"]
    assert "ghost" not in cli(tmp_path, "--help").stdout  # only existing modules are listed


def test_init_on_postgresql(cli, tmp_path, postgres_url):
    home = tmp_path / "chain"
    init = cli(home, "init", "--dev-accounts", "2", "--db", postgres_url, "--json").json()
    assert init["db"].startswith("postgresql+psycopg://")
    assert not (home / "l2.sqlite").exists()
    cli(home, "tx", "send", "--from", "1", "--to", RECIPIENT, "--value", "77")
    sealed = cli(home, "batch", "seal", "--json").json()
    assert sealed["txs"] == 1
    assert cli(home, "status", "--json").json()["state_root"] == sealed["state_root"]
    assert cli(home, "account", "balance", RECIPIENT, "--json").json()["balance"] == 77
    again = cli(tmp_path / "other", "init", "--db", postgres_url)
    assert again.exit_code == 1 and "already holds a chain" in again.stderr
    assert not (tmp_path / "other").exists()


def test_bench_prover_on_the_execution_circuit(cli, tmp_path):
    report = cli(tmp_path, "bench", "prover", "--air", "vm", "--log-rows", "10", "--json").json()
    assert report["air"] == "vm" and report["rows"] == 1024 and report["verified"] is True
    assert report["evm_steps"] > 100 and report["rows_per_step"] >= 1 and report["security_bits"] >= 100
    bad = cli(tmp_path, "bench", "prover", "--air", "vm", "--log-rows", "5")
    assert bad.exit_code == 1 and bad.stderr.strip().startswith("error: --log-rows must be between 8")
