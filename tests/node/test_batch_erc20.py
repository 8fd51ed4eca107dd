"""Batch proofs of a compiled Vyper ERC-20: KECCAK256 for every hashmap slot, LOG3 for every event.

Batch 1 deploys ``tests/contracts/token.vy`` (its constructor writes the deployer's balance at a
keccak slot and logs a Transfer); batch 2 holds transfers between three holders — one that spends
what it received earlier in the same batch, one that overspends and reverts — plus an approve and a
transferFrom (a nested hashmap: two KECCAK256 per slot).  Both batches prove and verify with the
node's roots; each execution statement's logs are the executor's receipts, and the Keccak table
proves every digest the statements list.  Refused: a statement whose KECCAK256 digest or message is
changed, a Keccak section for other chaining states, a LOG topic or data changed, a log dropped —
each in the advice under an otherwise honest proof.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from pathlib import Path

import pytest

vyper = pytest.importorskip("vyper")

from Crypto.Hash import keccak  # noqa: E402
from eth_abi import encode as abi_encode  # noqa: E402
from vyper.compiler.settings import Settings  # noqa: E402

from l2.batch_proof import (batch_statement, decode_advice, encode_advice, prove_batch, verify_batch)  # noqa: E402
from l2.batch_statement import root_bytes  # noqa: E402
from l2.crypto import contract_address, dev_address, dev_private_key  # noqa: E402
from l2.keccak_tables import hash_messages  # noqa: E402
from l2.node import Node  # noqa: E402
from l2.tx import DynamicFeeTx, encode, sign  # noqa: E402
from verifier.errors import ProofFormatError, VerificationError  # noqa: E402
from verifier.proof import ProofOptions  # noqa: E402

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts"
FAST = ProofOptions(blowup=8, num_queries=24, grinding_bits=4, fri_remainder_log=2)
CHAIN_ID = 1337
SUPPLY = 10**24
TRANSFER_TOPIC = int.from_bytes(keccak.new(digest_bits=256, data=b"Transfer(address,address,uint256)").digest(), "big")


@lru_cache(maxsize=None)
def token_initcode() -> bytes:
    out = vyper.compile_code((CONTRACTS / "token.vy").read_text(), output_formats=["bytecode"],
                             settings=Settings(evm_version="cancun"))
    return bytes.fromhex(out["bytecode"][2:]) + abi_encode(["uint256"], [SUPPLY])


def call(signature: str, types: list[str], args: list) -> bytes:
    return keccak.new(digest_bits=256, data=signature.encode()).digest()[:4] + abi_encode(types, args)


def raw_tx(i: int, nonce: int, *, to: bytes | None, data: bytes, gas: int = 200_000) -> bytes:
    tx = DynamicFeeTx(chain_id=CHAIN_ID, nonce=nonce, max_priority_fee_per_gas=0, max_fee_per_gas=2 * 10**9,
                      gas=gas, to=to, value=0, data=data)
    return encode(sign(tx, dev_private_key(i)))


def holder(i: int) -> str:
    return "0x" + dev_address(i).hex()


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    home = tmp_path_factory.mktemp("erc20") / "chain"
    node = Node.init(home, dev_accounts=3)
    node.home_dir = home
    token = contract_address(dev_address(0), 0)
    node.submit_raw(raw_tx(0, 0, to=None, data=token_initcode(), gas=2_000_000))
    assert node.seal().batch == 1
    raws = [
        raw_tx(0, 1, to=token, data=call("transfer(address,uint256)", ["address", "uint256"], [holder(1), 500])),
        raw_tx(1, 0, to=token, data=call("transfer(address,uint256)", ["address", "uint256"], [holder(2), 200])),
        raw_tx(2, 0, to=token, data=call("transfer(address,uint256)", ["address", "uint256"], [holder(1), 10**6])),
        raw_tx(1, 1, to=token, data=call("approve(address,uint256)", ["address", "uint256"], [holder(2), 50])),
        raw_tx(2, 1, to=token, data=call("transferFrom(address,address,uint256)", ["address", "address", "uint256"],
                                         [holder(1), holder(0), 30])),
    ]
    for raw in raws:
        node.submit_raw(raw)
    sealed = node.seal()
    assert sealed.batch == 2 and len(sealed.tx_hashes) == len(raws) and not sealed.skipped
    yield node, token, sealed
    node.close()


@pytest.fixture(scope="module")
def proofs(chain):
    node, _, _ = chain
    return {n: prove_batch(node, n, FAST) for n in (1, 2)}


def test_the_token_ran_as_expected(chain):
    node, token, sealed = chain
    assert [o.success for o in sealed.outcomes] == [True, True, False, True, True]   # the overspend reverts
    def balance(i: int) -> int:
        out = node.call(to=token, data=call("balanceOf(address)", ["address"], [holder(i)]))
        return int.from_bytes(out.output, "big")

    assert balance(1) == 500 - 200 - 30 and balance(2) == 200 and balance(0) == SUPPLY - 500 + 30


@pytest.mark.parametrize("number", [1, 2])
def test_both_batches_prove_and_verify_with_the_nodes_roots(chain, proofs, number):
    node, _, _ = chain
    proof = proofs[number]
    statement = batch_statement(node, number)
    assert proof.statement == statement
    assert "0x" + root_bytes(statement.new_root).hex() == node.batch(number)["state_root"]
    verify_batch(statement, proof.proof, min_security=0)


def test_statements_list_the_hashes_and_the_receipts_logs(chain, proofs):
    node, token, sealed = chain
    runs, keccak_statement, _, _ = decode_advice(proofs[2].proof)
    assert sorted(runs) == [0, 1, 2, 3, 4]
    messages = hash_messages(runs[i] for i in sorted(runs))
    assert keccak_statement is not None and list(keccak_statement.messages) == messages
    assert all(len(m) == 64 for m in messages)                     # hashmap slots: key ‖ slot
    assert len(runs[4].hashes) > len(runs[0].hashes)               # allowance is a hashmap of hashmaps
    for index, (tx_hash, outcome) in enumerate(zip(sealed.tx_hashes, sealed.outcomes)):
        emitted = [{"address": "0x" + token.hex(), "topics": [hex(t) for t in topics], "data": "0x" + data.hex()}
                   for _, topics, data in runs[index].logs] if outcome.success else []
        assert _logs(node.transaction(tx_hash)["logs"]) == emitted
    assert runs[2].logs == () and not sealed.outcomes[2].success          # the overspend reverts before its log
    assert runs[0].logs[0][1] == (TRANSFER_TOPIC, int(holder(0), 16), int(holder(1), 16))


def _logs(logs) -> list[dict]:
    return [{"address": log["address"].lower(), "topics": [hex(int(t, 16)) for t in log["topics"]],
             "data": log["data"].lower()} for log in logs]


def _with_run(proof: bytes, index: int, change) -> bytes:
    runs, keccak_statement, advice, multi = decode_advice(proof)
    runs = dict(runs)
    runs[index] = change(runs[index])
    return encode_advice(runs, keccak_statement) + multi


def _flip_digest(st):
    (k, m, d), *rest = st.hashes
    return dataclasses.replace(st, hashes=((k, m, bytes([d[0] ^ 0x80]) + d[1:]), *rest))


def _flip_message(st):
    (k, m, d), *rest = st.hashes
    return dataclasses.replace(st, hashes=((k, bytes([m[0] ^ 1]) + m[1:], d), *rest))


def _flip_topic(st):
    (k, topics, data), *rest = st.logs
    return dataclasses.replace(st, logs=((k, (topics[0], topics[1] ^ 1, topics[2]), data), *rest))


def _flip_log_data(st):
    (k, topics, data), *rest = st.logs
    return dataclasses.replace(st, logs=((k, topics, data[:-1] + bytes([data[-1] ^ 1])), *rest))


def _drop_log(st):
    return dataclasses.replace(st, logs=st.logs[1:])


@pytest.mark.parametrize("change", [_flip_digest, _flip_message, _flip_topic, _flip_log_data, _drop_log],
                         ids=["digest", "message", "topic", "log-data", "dropped-log"])
def test_changed_hashes_and_logs_are_refused(chain, proofs, change):
    node, _, _ = chain
    statement = batch_statement(node, 2)
    with pytest.raises(VerificationError):
        verify_batch(statement, _with_run(proofs[2].proof, 0, change), min_security=0)


def test_a_keccak_section_with_other_chaining_states_is_refused(chain, proofs):
    node, _, _ = chain
    statement = batch_statement(node, 2)
    runs, keccak_statement, _advice, multi = decode_advice(proofs[2].proof)
    states = keccak_statement.states.copy()
    states[0, 5] ^= 1                                # a lane outside the digest: digests still agree
    forged = type(keccak_statement)(keccak_statement.messages, states)
    with pytest.raises(VerificationError):
        verify_batch(statement, encode_advice(runs, forged) + multi, min_security=0)
    with pytest.raises(ProofFormatError, match="Keccak section"):
        verify_batch(statement, encode_advice(runs, None) + multi, min_security=0)


def test_batch_verify_checks_the_receipts_logs(chain, cli):
    """``l2 batch verify`` accepts the proof and its logs; with a receipt whose log the proof does not
    emit (a node whose store was altered), it refuses with one line."""
    from sqlalchemy import select

    from l2.store import TxRow

    node, _, sealed = chain
    assert cli(node.home_dir, "batch", "prove", "2").exit_code == 0       # default options: ≥ 100 bits
    ok = cli(node.home_dir, "batch", "verify", "2", "--json")
    assert ok.exit_code == 0, ok.stderr
    with node.store.write() as session:
        row = session.execute(select(TxRow).where(TxRow.hash == sealed.tx_hashes[0])).scalar_one()
        receipt = dict(row.receipt)
        logs = [dict(log) for log in receipt["logs"]]
        logs[0]["data"] = "0x" + "00" * 31 + "01"
        receipt["logs"] = logs
        row.receipt = receipt
    refused = cli(node.home_dir, "batch", "verify", "2")
    assert refused.exit_code == 1 and "transaction 0's receipt logs" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
