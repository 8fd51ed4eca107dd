"""Batch proofs of a contract that reads its block and transaction: ORIGIN, GASPRICE, CHAINID, NUMBER,
TIMESTAMP and BASEFEE.

One sealed batch deploys a contract that stores the six values in slots 0…5 and calls it.  The batch
proves and verifies; the stored values are the batch's (origin = the sender, gas price = the effective
price, the chain id, the batch number, its timestamp and base fee) and so are the call's execution
statement's.  Advice whose statement states another timestamp — or another origin, gas price, chain id,
number or base fee — is refused.
"""

from __future__ import annotations

import dataclasses

import pytest

from l2.batch_proof import (batch_statement, batch_tables, block_env_of, decode_proof,
                            encode_advice, prove_batch, verify_batch)
from l2.batch_witness import batch_inputs, batch_witness
from l2.crypto import contract_address, dev_address, dev_private_key
from l2.node import Node
from l2.tx import DynamicFeeTx, effective_gas_price, encode, sign
from verifier.errors import VerificationError
from verifier.proof import ProofOptions

FAST = ProofOptions(blowup=8, num_queries=24, grinding_bits=4, fri_remainder_log=2)
RUNTIME = bytes.fromhex("325f55" "3a600155" "46600255" "43600355" "42600455" "48600555" "00")
"""SSTORE(0, ORIGIN), SSTORE(1, GASPRICE), … SSTORE(5, BASEFEE), STOP."""
INIT = bytes([0x60, len(RUNTIME), 0x60, 12, 0x5F, 0x39, 0x60, len(RUNTIME), 0x5F, 0xF3, 0x00, 0x00]) + RUNTIME
"""CODECOPY(0, 12, len) then RETURN(0, len): deploys RUNTIME."""
TIP = 3


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    node = Node.init(tmp_path_factory.mktemp("env") / "chain", dev_accounts=1)
    contract = contract_address(dev_address(0), 0)
    chain_id = node.config.chain_id
    for nonce, to, data, gas in ((0, None, INIT, 200_000), (1, contract, b"", 300_000)):
        tx = DynamicFeeTx(chain_id=chain_id, nonce=nonce, max_priority_fee_per_gas=TIP, max_fee_per_gas=4 * 10**9,
                          gas=gas, to=to, value=0, data=data)
        node.submit_raw(encode(sign(tx, dev_private_key(0))))
    sealed = node.seal()
    assert sealed.batch == 1 and not sealed.skipped and all(o.success for o in sealed.outcomes)
    yield node, contract
    node.close()


@pytest.fixture(scope="module")
def statement(chain):
    return batch_statement(chain[0], 1)


@pytest.fixture(scope="module")
def runs(chain, statement):
    node, _ = chain
    w = batch_witness(statement.decoded, node.state_before(1), block_env_of(statement), statement.deposits)
    return {r.index: r.statement for r in w.runs}


def test_the_contract_stored_the_batchs_values(chain, statement, runs):
    node, contract = chain
    tx, sender = statement.decoded[1]
    price = effective_gas_price(tx, statement.base_fee)
    want = [int.from_bytes(sender, "big"), price, statement.chain_id, statement.number, statement.timestamp,
            statement.base_fee]
    world = node.world()
    assert [world.get_storage(contract, slot) for slot in range(6)] == want
    call = runs[1]
    assert (call.origin, call.gas_price, call.chain_id, call.block_number, call.timestamp, call.base_fee) == \
        (sender, price, statement.chain_id, statement.number, statement.timestamp, statement.base_fee)
    assert price > statement.base_fee > 0 and statement.timestamp > 0


def test_the_batch_proves_and_verifies(chain, statement):
    proof = prove_batch(chain[0], 1, FAST).proof
    verify_batch(statement, proof, min_security=0)
    found, _, _ = decode_proof(proof)
    assert found[1].timestamp == statement.timestamp


@pytest.mark.parametrize("field, delta", [("timestamp", 1), ("block_number", 1), ("origin", None),
                                          ("gas_price", 1), ("chain_id", 1), ("base_fee", 1)])
def test_advice_with_another_block_value_is_refused(statement, runs, field, delta):
    value = getattr(runs[1], field)
    lie = {**runs, 1: dataclasses.replace(runs[1], **{field: bytes(20) if delta is None else value + delta})}
    name = field.replace("_", " ")
    with pytest.raises(ValueError, match=f"transaction 1: its execution statement has another {name}"):
        batch_inputs(statement.decoded, statement.base_fee, statement.fee_recipient, statement.gas_limit, lie,
                     statement.deposits, block=statement)


def test_a_proof_with_a_wrong_timestamp_in_its_advice_is_refused(chain, statement, runs):
    proof = prove_batch(chain[0], 1, FAST).proof
    _, _, multi = decode_proof(proof)
    lie = {**runs, 1: dataclasses.replace(runs[1], timestamp=statement.timestamp + 1)}
    with pytest.raises(VerificationError, match="another timestamp"):
        verify_batch(statement, encode_advice(lie) + multi, min_security=0)
    # a value the verifier rebuilds from the transaction alone is refused before any proof is checked
    lie = {**runs, 1: dataclasses.replace(runs[1], gas_price=runs[1].gas_price + 1)}
    with pytest.raises(ValueError, match="another gas price"):
        batch_tables(statement, lie)


def test_a_batch_run_in_another_block_cannot_be_proven_as_this_one(chain, statement):
    """The witness is built from the batch's block values: replaying in a block with another
    timestamp gives statements the batch refuses."""
    node, _ = chain
    other = dataclasses.replace(block_env_of(statement), timestamp=statement.timestamp + 7)
    w = batch_witness(statement.decoded, node.state_before(1), other, statement.deposits)
    assert w.runs[1].statement.timestamp == statement.timestamp + 7
    with pytest.raises(ValueError, match="another timestamp"):
        batch_inputs(statement.decoded, statement.base_fee, statement.fee_recipient, statement.gas_limit,
                     {r.index: r.statement for r in w.runs}, statement.deposits, block=statement)
