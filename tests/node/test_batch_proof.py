"""Batch proofs end to end: a sealed batch of transfers proves and verifies against the node's roots;
changed public data (roots, transactions, block context) and tampered bytes are refused; the CLI
proves, verifies, exports and checks an exported file with no data dir."""

from __future__ import annotations

import dataclasses

import pytest

from l2.batch_proof import (BatchProofError, batch_statement, decode_file, encode_file, prove_batch,
                            prove_statement, verify_batch, verify_file_bytes)
from l2.batch_statement import BatchStatement, StatementError, root_bytes
from l2.crypto import dev_address, dev_private_key, to_hex
from l2.demo import STORE_INITCODE
from l2.node import Node
from l2.sequencer import state_tree
from l2.tx import AccessListEntry, DynamicFeeTx, LegacyTx, encode, sign
from verifier.errors import ProofFormatError, VerificationError
from verifier.proof import ProofOptions

RECIPIENT = b"\x42" * 20
FAST = ProofOptions(blowup=8, num_queries=24, grinding_bits=4, fri_remainder_log=2)
"""Cheaper options for the tests that only need a valid proof (verified with min_security=0)."""


def raw_tx(i, nonce, *, to=RECIPIENT, value=1, gas=21_000, tip=0, fee=None, data=b"", chain_id=1337):
    fee = 2 * 10**9 + tip if fee is None else fee
    return encode(sign(DynamicFeeTx(chain_id=chain_id, nonce=nonce, max_priority_fee_per_gas=tip, max_fee_per_gas=fee,
                                    gas=gas, to=to, value=value, data=data), dev_private_key(i)))


def legacy_tx(i, nonce, *, to=RECIPIENT, value=1, price=3 * 10**9):
    return encode(sign(LegacyTx(nonce=nonce, gas_price=price, gas=21_000, to=to, value=value, data=b"",
                                chain_id=1337), dev_private_key(i)))


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    """A node with batch 1: transfers from three senders (two from one), legacy and EIP-1559, a
    self-transfer, a transfer to the fee recipient, a new account, value 0, calldata."""
    node = Node.init(tmp_path_factory.mktemp("batch") / "chain", dev_accounts=4)
    coinbase = node.config.coinbase_bytes
    for raw in (raw_tx(0, 0, value=10**18, tip=3), raw_tx(0, 1, value=5, gas=30_000, data=b"\x00hello"),
                legacy_tx(1, 0, to=dev_address(1), value=7), raw_tx(2, 0, to=coinbase, value=9),
                raw_tx(2, 1, to=b"\x77" * 20, value=0)):
        node.submit_raw(raw)
    sealed = node.seal()
    assert sealed.batch == 1 and len(sealed.tx_hashes) == 5
    yield node
    node.close()


@pytest.fixture(scope="module")
def proven(chain):
    return prove_batch(chain, 1, FAST)


def test_batch_proves_and_verifies_against_the_node_roots(chain, proven):
    statement = proven.statement
    info = chain.batch(1)
    assert "0x" + root_bytes(statement.prev_root).hex() == info["prev_state_root"]
    assert "0x" + root_bytes(statement.new_root).hex() == info["state_root"]
    # the root the proof binds is the one the state module computes for the node's state
    assert "0x" + root_bytes(statement.new_root).hex() == state_tree(chain.world()).root_hex
    verify_batch(statement, proven.proof, min_security=0)


def test_default_options_reach_100_bits(chain):
    result = prove_batch(chain, 1)
    assert result.security_bits >= 100
    verify_batch(result.statement, result.proof)


@pytest.mark.parametrize("change", [
    "new_root_bit", "prev_root", "dropped_tx", "reordered", "altered_tx", "base_fee", "fee_recipient", "chain_id",
    "number", "timestamp",
])
def test_changed_public_data_is_refused(proven, change):
    s = proven.statement
    txs = list(s.transactions)
    new_root = list(s.new_root)
    if change == "new_root_bit":
        new_root[3] ^= 1
        other = dataclasses.replace(s, new_root=tuple(new_root))
    elif change == "prev_root":
        other = dataclasses.replace(s, prev_root=s.new_root)
    elif change == "dropped_tx":
        other = dataclasses.replace(s, transactions=tuple(txs[:2] + txs[3:]))
    elif change == "reordered":
        other = dataclasses.replace(s, transactions=tuple([txs[2], txs[0], txs[1], *txs[3:]]))
    elif change == "altered_tx":  # the same sender and nonce, another value
        other = dataclasses.replace(s, transactions=tuple([raw_tx(0, 0, value=10**18 + 1, tip=3), *txs[1:]]))
    elif change == "base_fee":
        other = dataclasses.replace(s, base_fee=s.base_fee - 1)
    elif change == "fee_recipient":
        other = dataclasses.replace(s, fee_recipient=b"\x01" * 20)
    elif change == "chain_id":
        other = dataclasses.replace(s, chain_id=s.chain_id + 1)
    elif change == "number":
        other = dataclasses.replace(s, number=s.number + 1)
    else:
        other = dataclasses.replace(s, timestamp=s.timestamp + 1)
    with pytest.raises(VerificationError):
        verify_batch(other, proven.proof, min_security=0)


def test_tampered_and_malformed_bytes_are_refused(proven):
    proof = proven.proof
    for pos in list(range(0, 64)) + list(range(64, len(proof), max(1, len(proof) // 300))):
        bad = bytearray(proof)
        bad[pos] ^= 0x01
        with pytest.raises(VerificationError):
            verify_batch(proven.statement, bytes(bad), min_security=0)
    for cut in (0, 1, 10, len(proof) // 2, len(proof) - 1):
        with pytest.raises(ProofFormatError):
            verify_batch(proven.statement, proof[:cut], min_security=0)
    with pytest.raises(ProofFormatError):
        verify_batch(proven.statement, proof + b"\x00", min_security=0)


def test_weak_proofs_are_refused_at_the_default_level(proven):
    with pytest.raises(VerificationError):
        verify_batch(proven.statement, proven.proof)


def test_export_file_binds_every_byte(proven):
    blob = encode_file(proven.statement, proven.proof)
    statement, proof = decode_file(blob)
    assert statement == proven.statement and proof == proven.proof
    assert verify_file_bytes(blob, min_security=0)["valid"] is True
    for pos in range(0, len(blob), max(1, len(blob) // 200)):
        bad = bytearray(blob)
        bad[pos] ^= 0x80
        with pytest.raises(VerificationError):
            verify_file_bytes(bytes(bad), min_security=0)
    for bad in (blob + b"\x00", blob[:-1], b"", b"L2BP", b"junk" * 10):
        with pytest.raises(VerificationError):
            verify_file_bytes(bad, min_security=0)


def test_statement_encoding_round_trips_and_commitment_binds(proven):
    s = proven.statement
    assert BatchStatement.from_bytes(s.to_bytes()) == s
    assert dataclasses.replace(s, timestamp=s.timestamp + 1).commitment != s.commitment
    with pytest.raises(StatementError):
        BatchStatement.from_bytes(s.to_bytes() + b"\x00")


def test_a_contract_transaction_it_cannot_prove_is_refused_naming_it(tmp_path):
    """A deployment with an access list: the execution circuit proves runs from cold storage only."""
    node = Node.init(tmp_path / "chain", dev_accounts=2)
    try:
        warm = (AccessListEntry(RECIPIENT, (bytes(32),)),)
        node.submit_raw(encode(sign(DynamicFeeTx(chain_id=1337, nonce=0, max_priority_fee_per_gas=0,
                                                 max_fee_per_gas=2 * 10**9, gas=300_000, to=None, value=0,
                                                 data=STORE_INITCODE, access_list=warm), dev_private_key(0))))
        assert node.seal().batch == 1
        with pytest.raises(BatchProofError, match="transaction 0 has an access list"):
            prove_batch(node, 1, FAST)
    finally:
        node.close()


def test_empty_batch_proves(chain):
    s = batch_statement(chain, 1)
    empty = dataclasses.replace(s, transactions=(), prev_root=s.new_root)
    result = prove_statement(empty, chain.world(), FAST)
    verify_batch(empty, result.proof, min_security=0)
    with pytest.raises(VerificationError):
        verify_batch(dataclasses.replace(empty, new_root=s.prev_root), result.proof, min_security=0)


def test_cli_prove_verify_export_and_verify_file(tmp_path, cli):
    home = tmp_path / "chain"
    cli(home, "init", "--dev-accounts", "2")
    cli(home, "tx", "send", "--from", "0", "--to", to_hex(RECIPIENT), "--value", "5")
    cli(home, "batch", "seal")
    out = tmp_path / "b1.proof"
    proven = cli(home, "batch", "prove", "1", "--out", str(out), "--json").json()
    assert proven["batch"] == 1 and proven["proof_bytes"] == out.stat().st_size and proven["security_bits"] >= 100
    assert proven["prove_seconds"] > 0
    assert cli(home, "batch", "verify", "1", "--json").json()["valid"] is True
    assert cli(home, "batch", "verify", "1", "--proof", str(out), "--json").json()["valid"] is True
    bad = tmp_path / "bad.proof"
    data = bytearray(out.read_bytes())
    data[len(data) // 2] ^= 1
    bad.write_bytes(bytes(data))
    refused = cli(home, "batch", "verify", "1", "--proof", str(bad))
    assert refused.exit_code == 1 and len(refused.stderr.strip().splitlines()) == 1
    exported = tmp_path / "b1.batch"
    assert cli(home, "batch", "export", "1", str(exported), "--json").json()["file"] == str(exported)
    checked = cli(tmp_path / "nowhere", "verify", str(exported), "--json").json()
    assert checked["valid"] is True and checked["batch"] == 1 and checked["txs"] == 1
    exported.write_bytes(exported.read_bytes()[:-3])
    refused = cli(tmp_path / "nowhere", "verify", str(exported))
    assert refused.exit_code == 1 and refused.stderr.startswith("error:")
    missing = cli(home, "batch", "prove", "9")
    assert missing.exit_code == 1 and "unknown batch 9" in missing.stderr
