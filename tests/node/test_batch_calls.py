"""Batch proofs of contracts calling contracts: compiled Vyper ``payer.vy`` calling ``token.vy``, and
``factory.vy`` deploying tokens with CREATE.

Batch 1 deploys the token (the whole supply to holder 0), the payer and the factory; batch 2 funds
the payer with tokens, then ``try_pay`` (a CALL of ``token.transfer``: the payer's and the token's
storage change, the token logs a Transfer), ``held`` (a STATICCALL of ``token.balanceOf``), a
``try_pay`` of more than the payer holds (the token reverts with no data: False, nothing kept), the
factory's ``deploy`` of a token (CREATE: the child's constructor mints to the factory and logs, the
factory records the child and logs Deployed) and ``pay`` (CALL of transfer, then STATICCALL of
balanceOf: the token's storage in two frames, the second finding a slot warm and already written) —
transactions of two or three frames, each frame
proven by its own execution table and put together by the verifier (:func:`l2.call_frames.compose`).  Refused under an otherwise honest proof: a callee's
statement whose storage write is dropped, a reverted callee claiming success, a record whose cost or
output is changed, a callee handed more than 63/64 of the gas, a callee frame dropped, a callee's
calldata changed, a STATICCALL callee that is handed value, a CREATE at another address or from
another nonce, the created code changed.
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

from l2.batch_proof import (batch_statement, decode_advice, encode_advice, frames_of, proven_logs, prove_batch,  # noqa: E402
                            verify_batch)
from l2.keccak_tables import keccak_table  # noqa: E402
from l2.crypto import contract_address, dev_address, dev_private_key  # noqa: E402
from l2.node import Node  # noqa: E402
from l2.tx import DynamicFeeTx, encode, sign  # noqa: E402
from verifier.errors import VerificationError  # noqa: E402
from verifier.proof import ProofOptions  # noqa: E402

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts"
FAST = ProofOptions(blowup=8, num_queries=24, grinding_bits=4, fri_remainder_log=2)
CHAIN_ID = 1337
SUPPLY = 10**24


@lru_cache(maxsize=None)
def initcode(name: str) -> bytes:
    out = vyper.compile_code((CONTRACTS / f"{name}.vy").read_text(), output_formats=["bytecode"],
                             settings=Settings(evm_version="cancun"))
    return bytes.fromhex(out["bytecode"][2:])


def call(signature: str, types: list[str], args: list) -> bytes:
    return keccak.new(digest_bits=256, data=signature.encode()).digest()[:4] + abi_encode(types, args)


def raw_tx(i: int, nonce: int, *, to: bytes | None, data: bytes, gas: int = 300_000) -> bytes:
    tx = DynamicFeeTx(chain_id=CHAIN_ID, nonce=nonce, max_priority_fee_per_gas=0, max_fee_per_gas=2 * 10**9,
                      gas=gas, to=to, value=0, data=data)
    return encode(sign(tx, dev_private_key(i)))


def address(i: int) -> str:
    return "0x" + dev_address(i).hex()


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    home = tmp_path_factory.mktemp("calls") / "chain"
    node = Node.init(home, dev_accounts=3)
    token, payer = contract_address(dev_address(0), 0), contract_address(dev_address(0), 1)
    factory = contract_address(dev_address(0), 2)
    node.submit_raw(raw_tx(0, 0, to=None, data=initcode("token") + abi_encode(["uint256"], [SUPPLY]), gas=2_000_000))
    node.submit_raw(raw_tx(0, 1, to=None, data=initcode("payer"), gas=2_000_000))
    node.submit_raw(raw_tx(0, 2, to=None, data=initcode("factory"), gas=2_000_000))
    assert node.seal().batch == 1
    raws = [
        raw_tx(0, 3, to=token, data=call("transfer(address,uint256)", ["address", "uint256"], [address(0)[:2] + payer.hex(), 500])),
        raw_tx(1, 0, to=payer, data=call("try_pay(address,address,uint256)", ["address", "address", "uint256"],
                                         ["0x" + token.hex(), address(2), 200])),
        raw_tx(2, 0, to=payer, data=call("held(address)", ["address"], ["0x" + token.hex()])),
        raw_tx(1, 1, to=payer, data=call("try_pay(address,address,uint256)", ["address", "address", "uint256"],
                                         ["0x" + token.hex(), address(2), 10**6])),
        raw_tx(2, 1, to=factory, data=call("deploy(bytes,uint256)", ["bytes", "uint256"], [initcode("token"), 777]),
               gas=3_000_000),
        raw_tx(1, 2, to=payer, data=call("pay(address,address,uint256)", ["address", "address", "uint256"],
                                         ["0x" + token.hex(), address(2), 50])),
    ]
    for raw in raws:
        node.submit_raw(raw)
    sealed = node.seal()
    assert sealed.batch == 2 and not sealed.skipped
    yield node, token, payer, sealed
    node.close()


@pytest.fixture(scope="module")
def proof(chain):
    node, *_ = chain
    return prove_batch(node, 2, FAST)


def test_the_calls_ran_as_expected(chain):
    node, token, payer, sealed = chain
    assert [o.success for o in sealed.outcomes] == [True, True, True, True, True, True]
    assert int.from_bytes(sealed.outcomes[5].result.output, "big") == 250   # pay(): what the payer has left
    held = node.call(to=payer, data=call("held(address)", ["address"], ["0x" + token.hex()]))
    assert int.from_bytes(held.output, "big") == 250
    assert int.from_bytes(sealed.outcomes[3].result.output, "big") == 0          # try_pay of too much: False
    child = contract_address(factory_of(node), 1)
    assert int.from_bytes(sealed.outcomes[4].result.output, "big") == int.from_bytes(child, "big")
    minted = node.call(to=child, data=call("balanceOf(address)", ["address"], ["0x" + factory_of(node).hex()]))
    assert int.from_bytes(minted.output, "big") == 777


def factory_of(node) -> bytes:
    return contract_address(dev_address(0), 2)


def test_a_batch_with_calls_proves_and_verifies(chain, proof):
    node, token, payer, sealed = chain
    statement = batch_statement(node, 2)
    verify_batch(statement, proof.proof, min_security=0)
    runs, *_ = decode_advice(proof.proof)
    assert len(runs[1]) == 2 and len(runs[2]) == 2          # try_pay and held: two frames each
    assert runs[1][0].calls[0].kind == 0xF1 and runs[2][0].calls[0].kind == 0xFA
    assert runs[1][1].address == token and runs[1][1].caller == payer
    # the Transfer the token logged inside try_pay is the receipt's
    logs = proven_logs(proof.proof)
    receipt = node.transaction(sealed.tx_hashes[1])["logs"]
    assert [("0x" + log.address.hex()) for log in logs[1]] == [r["address"].lower() for r in receipt] \
        == ["0x" + token.hex()]
    # the factory's deploy: the child's Transfer, then the factory's Deployed, as the receipt lists them
    assert runs[4][0].calls[0].kind == 0xF0 and len(runs[4]) == 2
    receipt = node.transaction(sealed.tx_hashes[4])["logs"]
    assert [("0x" + log.address.hex(), [hex(int.from_bytes(t, "big")) for t in log.topics]) for log in logs[4]] \
        == [(r["address"].lower(), [hex(int(t, 16)) for t in r["topics"]]) for r in receipt]
    assert len(logs[4]) == 2 and logs[4][1].address == factory_of(node)
    # pay(): the token's storage in two frames — the second (balanceOf) finds the payer's slot warm
    # and already written, priced from the transaction's start
    assert len(runs[5]) == 3 and runs[5][2].storage_warm and runs[5][2].storage_original is not None


def _with_frame(proof: bytes, index: int, frame: int, change) -> bytes:
    runs, keccak_statement, _advice, multi = decode_advice(proof)
    runs = dict(runs)
    frames = list(runs[index])
    frames[frame] = change(frames[frame])
    runs[index] = tuple(frames)
    return encode_advice(runs, keccak_statement) + multi


def _record(change):
    def apply(st):
        first, *rest = st.calls
        return dataclasses.replace(st, calls=(change(first), *rest))
    return apply


CHEATS = {
    # the token's frame keeps its balances as they were: the callee's writes dropped
    "callee-writes-dropped": (1, 1, lambda st: dataclasses.replace(st, storage_final=st.storage_initial)),
    "cost-lowered": (1, 0, _record(lambda c: dataclasses.replace(c, cost=c.cost - 1))),
    "output-changed": (2, 0, _record(lambda c: dataclasses.replace(c, output=bytes(31) + b"\x07"))),
    "calldata-changed": (1, 1, lambda st: dataclasses.replace(st, calldata=st.calldata[:-1] + b"\x01")),
    "static-callee-paid": (2, 1, lambda st: dataclasses.replace(st, value=1)),
    "call-gas-above-63/64": (1, 1, lambda st: dataclasses.replace(st, gas_limit=st.gas_limit + 1000,
                                                                  gas_used=st.gas_used + 1000)),
    # the token's frame reverted (try_pay of too much); its statement claims success instead
    "reverted-callee-claims-success": (3, 1, lambda st: dataclasses.replace(st, status=1,
                                                                             storage_final=st.storage_initial)),
    "second-frame-claims-cold": (5, 2, lambda st: dataclasses.replace(st, storage_warm=())),
    "create-at-another-address": (4, 0, _record(lambda c: dataclasses.replace(c, to=c.to ^ 1))),
    "create-nonce-changed": (4, 0, _record(lambda c: dataclasses.replace(c, nonce=c.nonce + 1))),
    "created-code-changed": (4, 1, lambda st: dataclasses.replace(st, output=st.output[:-1] + bytes([st.output[-1] ^ 1]))),
    "child-gas-above-63/64": (4, 1, lambda st: dataclasses.replace(st, gas_limit=st.gas_limit + 1000,
                                                                   gas_used=st.gas_used + 1000)),
}


@pytest.mark.parametrize("name", sorted(CHEATS))
def test_changed_frames_are_refused(chain, proof, name):
    node, *_ = chain
    index, frame, change = CHEATS[name]
    with pytest.raises(VerificationError):
        verify_batch(batch_statement(node, 2), _with_frame(proof.proof, index, frame, change), min_security=0)


def test_a_dropped_callee_frame_is_refused(chain, proof):
    node, *_ = chain
    runs, keccak_statement, _advice, multi = decode_advice(proof.proof)
    runs = dict(runs)
    runs[2] = runs[2][:1]
    # the Keccak section of the frames that are left, so that only the missing frame is wrong
    keccak_statement = keccak_table(frame for i in sorted(runs) for frame in frames_of(runs[i]))[0]
    with pytest.raises(VerificationError, match="transaction 2: frame 0 call"):
        verify_batch(batch_statement(node, 2), encode_advice(runs, keccak_statement) + multi, min_security=0)
