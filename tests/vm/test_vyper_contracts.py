"""Vyper-compiled contracts deployed and driven through this VM and py-evm side by side.

An ERC-20 token (transfers, allowances, reverts on overspending), a contract
that calls the token (CALL, STATICCALL, raw_call without revert), and a
factory that deploys tokens with ``raw_create`` (CREATE). Every message's
status, output, gas, refund and logs must match py-evm, and so must the
accounts afterwards.
"""

from __future__ import annotations

import pytest

from l2.state.world import Account
from l2.vm import Op
from l2.vm.trace import TraceRecorder, steps
from vm_contracts import (
    APPROVAL,
    DEPLOYED,
    TRANSFER,
    address_hex,
    calldata,
    compile_contract,
    decode_one,
)
from vm_reference import DualState, run_ours

ALICE = bytes.fromhex("a11ce00000000000000000000000000000000001")
BOB = bytes.fromhex("b0b0000000000000000000000000000000000002")
CAROL = bytes.fromhex("ca20100000000000000000000000000000000003")
SUPPLY = 10**24


def word(address: bytes) -> int:
    return int.from_bytes(address, "big")


@pytest.fixture(scope="module")
def chain():
    token_init, _ = compile_contract("token")
    dual = DualState({ALICE: Account(balance=10**20), BOB: Account(balance=10**20), CAROL: Account(balance=10**20)})
    token, outcome = dual.deploy(ALICE, token_init + calldata("(uint256)", SUPPLY)[4:])
    assert outcome.status == "success"
    assert outcome.logs == [(token, (TRANSFER, 0, word(ALICE)), SUPPLY.to_bytes(32, "big"))]
    return dual, token


def balance_of(dual: DualState, token: bytes, owner: bytes) -> int:
    out = dual.call(BOB, token, calldata("balanceOf(address)", address_hex(owner)))
    return decode_one("uint256", out.output)


def all_slots(dual: DualState):
    return lambda address: set(dual.ours.storage_items(address))


def test_token_metadata(chain):
    dual, token = chain
    assert decode_one("string", dual.call(BOB, token, calldata("name()")).output) == "Rollup Token"
    assert decode_one("uint8", dual.call(BOB, token, calldata("decimals()")).output) == 18
    assert decode_one("uint256", dual.call(BOB, token, calldata("totalSupply()")).output) == SUPPLY
    assert balance_of(dual, token, ALICE) == SUPPLY


def test_transfers_and_overspending(chain):
    dual, token = chain
    out = dual.call(ALICE, token, calldata("transfer(address,uint256)", address_hex(BOB), 1000))
    assert out.status == "success" and decode_one("bool", out.output) is True
    assert out.logs == [(token, (TRANSFER, word(ALICE), word(BOB)), (1000).to_bytes(32, "big"))]
    out = dual.call(BOB, token, calldata("transfer(address,uint256)", address_hex(CAROL), 1001))
    assert out.status == "revert" and out.logs == []
    out = dual.call(BOB, token, calldata("transfer(address,uint256)", address_hex(CAROL), 1000))
    assert out.status == "success"
    # moving a balance back to zero earns the clearing refund
    assert out.refund > 0
    out = dual.call(BOB, token, calldata("transfer(address,uint256)", address_hex(CAROL), 1))
    assert out.status == "revert"
    assert balance_of(dual, token, BOB) == 0 and balance_of(dual, token, CAROL) == 1000
    # out of gas in the middle of a transfer
    out = dual.call(ALICE, token, calldata("transfer(address,uint256)", address_hex(BOB), 5), gas=25_000)
    assert out.status == "error" and out.gas_left == 0
    # a call with value to a non-payable function reverts
    out = dual.call(ALICE, token, calldata("transfer(address,uint256)", address_hex(BOB), 5), value=1)
    assert out.status == "revert"
    dual.assert_same_accounts([ALICE, BOB, CAROL, token], all_slots(dual))


def test_allowances(chain):
    dual, token = chain
    out = dual.call(ALICE, token, calldata("approve(address,uint256)", address_hex(BOB), 500))
    assert out.logs == [(token, (APPROVAL, word(ALICE), word(BOB)), (500).to_bytes(32, "big"))]
    out = dual.call(BOB, token, calldata("transferFrom(address,address,uint256)", address_hex(ALICE), address_hex(CAROL), 501))
    assert out.status == "revert"
    out = dual.call(BOB, token, calldata("transferFrom(address,address,uint256)", address_hex(ALICE), address_hex(CAROL), 200))
    assert out.status == "success"
    out = dual.call(BOB, token, calldata("allowance(address,address)", address_hex(ALICE), address_hex(BOB)))
    assert decode_one("uint256", out.output) == 300
    # unknown selector: no fallback, revert
    assert dual.call(BOB, token, b"\x12\x34\x56\x78").status == "revert"
    dual.assert_same_accounts([ALICE, BOB, CAROL, token], all_slots(dual))


def test_contract_calling_the_token(chain):
    dual, token = chain
    payer_init, _ = compile_contract("payer")
    payer, outcome = dual.deploy(ALICE, payer_init)
    assert outcome.status == "success"
    dual.call(ALICE, token, calldata("transfer(address,uint256)", address_hex(payer), 500))
    out = dual.call(CAROL, payer, calldata("pay(address,address,uint256)", address_hex(token), address_hex(BOB), 200))
    assert out.status == "success" and decode_one("uint256", out.output) == 300
    assert out.logs == [(token, (TRANSFER, word(payer), word(BOB)), (200).to_bytes(32, "big"))]
    # the token call reverts: pay() reverts as a whole, try_pay() reports False
    out = dual.call(CAROL, payer, calldata("pay(address,address,uint256)", address_hex(token), address_hex(BOB), 301))
    assert out.status == "revert"
    out = dual.call(CAROL, payer, calldata("try_pay(address,address,uint256)", address_hex(token), address_hex(BOB), 301))
    assert out.status == "success" and decode_one("bool", out.output) is False
    out = dual.call(CAROL, payer, calldata("try_pay(address,address,uint256)", address_hex(token), address_hex(BOB), 300))
    assert decode_one("bool", out.output) is True
    assert decode_one("uint256", dual.call(CAROL, payer, calldata("payments()")).output) == 2
    # calling a "token" with no code: vyper's extcodesize check reverts
    out = dual.call(CAROL, payer, calldata("pay(address,address,uint256)", address_hex(CAROL), address_hex(BOB), 1))
    assert out.status == "revert"
    dual.assert_same_accounts([ALICE, BOB, CAROL, token, payer], all_slots(dual))


def test_factory_deploys_tokens_with_create(chain):
    dual, _ = chain
    factory_init, _ = compile_contract("factory")
    token_init, token_runtime = compile_contract("token")
    factory, outcome = dual.deploy(ALICE, factory_init)
    assert outcome.status == "success"
    out = dual.call(BOB, factory, calldata("deploy(bytes,uint256)", token_init, 777), gas=3_000_000)
    assert out.status == "success"
    child = decode_one("address", out.output)
    child = bytes.fromhex(child[2:])
    assert dual.ours.get_code(child) == token_runtime
    assert dual.ours.get_nonce(child) == 1 and dual.ours.get_nonce(factory) == 2
    # the child's constructor ran with the factory as msg.sender
    assert out.logs[0] == (child, (TRANSFER, 0, word(factory)), (777).to_bytes(32, "big"))
    assert out.logs[-1][:2] == (factory, (DEPLOYED, word(child)))
    assert balance_of(dual, child, factory) == 777
    # initcode that reverts: raw_create reverts the factory call
    out = dual.call(BOB, factory, calldata("deploy(bytes,uint256)", bytes.fromhex("5f5ffd"), 1), gas=3_000_000)
    assert out.status == "revert"
    # not enough gas for the code deposit
    out = dual.call(BOB, factory, calldata("deploy(bytes,uint256)", token_init, 1), gas=400_000)
    assert out.status in ("revert", "error")
    dual.assert_same_accounts([ALICE, BOB, factory, child], all_slots(dual))


def test_vyper_code_stays_inside_the_opcode_subset(chain):
    dual, token = chain
    recorder = TraceRecorder()
    accounts = {ALICE: Account(balance=1), token: Account(code=dual.ours.get_code(token), storage=dual.ours.storage_items(token))}
    out, _ = run_ours(
        accounts, ALICE, token, 1_000_000, data=calldata("transfer(address,uint256)", address_hex(BOB), 1), tracer=recorder
    )
    assert out.status == "success"
    executed = {op for _, op, _ in steps(recorder.trace)}
    assert executed <= {int(op) for op in Op}
    assert {Op.SLOAD, Op.SSTORE, Op.LOG3, Op.CALLDATALOAD} <= executed
    assert dual.messages > 0
