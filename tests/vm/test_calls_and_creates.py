"""CALL, STATICCALL and CREATE: gas rules, failures, rollback, against py-evm."""

from __future__ import annotations

import sys

import pytest

from l2.state.world import Account
from l2.vm import compute_contract_address
from vm_reference import CALLER, CONTRACT, compare, push, push_args, returns_word, run_code_both, run_ours

ECHO = b"\xe1" * 20
REVERTER = b"\xe2" * 20
STORER = b"\xe3" * 20
EOA = b"\xe4" * 20
NOBODY = b"\xe5" * 20
TOUCHER = b"\xe6" * 20
COUNTER = b"\xe7" * 20
SENDER = b"\xe8" * 20


NAMES = {ECHO: "echo", REVERTER: "reverter", STORER: "storer", EOA: "eoa", NOBODY: "nobody",
         TOUCHER: "toucher", COUNTER: "counter", SENDER: "sender", CONTRACT: "self"}


def param_id(value) -> str:
    return NAMES.get(value, value.hex()[:12]) if isinstance(value, bytes) else str(value)


def word(address: bytes) -> int:
    return int.from_bytes(address, "big")


def helpers() -> dict[bytes, Account]:
    return {
        # return the calldata
        ECHO: Account(code=bytes.fromhex("365f5f37365ff3")),
        # store 1 at slot 0, then revert with 0x2a as data
        REVERTER: Account(code=bytes.fromhex("60015f55602a5f5260205ffd")),
        # store calldata word at slot 0, log it, return 32 bytes
        STORER: Account(code=bytes.fromhex("5f355f555f355f52602060" + "00a0" + "60205ff3"), storage={0: 9}),
        EOA: Account(nonce=1, balance=10),
        # BALANCE(NOBODY) (warms it), then revert
        TOUCHER: Account(code=bytes.fromhex("73" + NOBODY.hex() + "31505f5ffd")),
        # TSTORE(0, TLOAD(0) + 1); return TLOAD(0); revert instead when calldata is non-empty
        COUNTER: Account(code=bytes.fromhex("5f5c600101" + "5f5d" + "5f5c5f52" + "3615601457" + "60205ffd" + "5b60205ff3")),
        # CALL(NOBODY) with value 1 and no gas
        SENDER: Account(balance=5, code=bytes.fromhex("5f5f5f5f6001" + "73" + NOBODY.hex() + "5ff1" + "00")),
    }


def call_code(target: bytes, value: int = 0, gas: int = 100_000, in_off: int = 0, in_size: int = 0, out_off: int = 0, out_size: int = 32, static: bool = False) -> bytes:
    if static:
        return push_args(gas, word(target), in_off, in_size, out_off, out_size) + b"\xfa"
    return push_args(gas, word(target), value, in_off, in_size, out_off, out_size) + b"\xf1"


def run(code: bytes, gas: int = 1_000_000, balance: int = 0, extra: dict | None = None, nonce: int = 0):
    accounts = helpers()
    accounts.update(extra or {})
    return run_code_both(
        code, gas=gas, contract_balance=balance, extra_accounts=accounts, slots=(0, 1), contract_nonce=nonce
    )


def test_call_copies_output_and_sets_return_data():
    code = push_args(0, 0x1122) + b"\x52" + call_code(ECHO, in_off=30, in_size=2, out_off=64, out_size=1)
    code += push_args(96, 0, 2) + b"\x3e"  # RETURNDATACOPY all of it to 96
    code += b"\x3d" + push(128) + b"\x52"  # RETURNDATASIZE at 128
    code += push(160) + b"\x52" + push_args(0, 192) + b"\xf3"  # call result at 160
    ours, _ = run(code)
    out = ours.output
    assert out[64] == 0x11 and out[65] == 0  # only min(out_size, returned) bytes copied
    assert out[96:98] == b"\x11\x22"
    assert int.from_bytes(out[128:160], "big") == 2 and int.from_bytes(out[160:192], "big") == 1


def test_call_cold_then_warm_address():
    one = call_code(ECHO, gas=0, out_size=0) + b"\x50"
    ours1, _ = run(one)
    ours2, _ = run(one + one)
    first = 1_000_000 - ours1.gas_left
    second = (1_000_000 - ours2.gas_left) - first
    assert first - second == 2600 - 100


@pytest.mark.parametrize(
    "target,value", [(EOA, 1), (NOBODY, 1), (NOBODY, 0), (EOA, 0), (CONTRACT, 3), (ECHO, 2)], ids=param_id
)
def test_value_transfers(target, value):
    ours, _ = run(call_code(target, value=value, gas=0) + b"\x50", balance=5)
    assert ours.status == "success"
    if target != CONTRACT and value:
        assert ours.accounts[target][1] == helpers().get(target, Account()).balance + value


def test_call_with_value_above_balance_fails_softly():
    code = returns_word(call_code(EOA, value=6, gas=50_000))
    ours, _ = run(code, balance=5)
    assert ours.status == "success" and ours.output == bytes(32)


def test_63_64_rule_and_stipend():
    # ask for more gas than available: the callee gets all but 1/64 (burns it in a loop)
    burner = b"\xb0" * 20
    extra = {burner: Account(code=bytes.fromhex("5b5f56"))}
    for gas_asked, value in [(2**256 - 1, 0), (10_000, 0), (0, 1), (2**256 - 1, 1)]:
        ours, _ = run(returns_word(call_code(burner, value=value, gas=gas_asked)), gas=200_000, balance=1, extra=extra)
        assert ours.status == "success"


def test_revert_in_callee_rolls_back_its_writes():
    code = returns_word(call_code(REVERTER, out_size=32) + b"\x50" + push(0) + b"\x51")
    ours, _ = run(code)
    assert int.from_bytes(ours.output, "big") == 0x2A  # revert data copied to memory
    assert REVERTER not in ours.accounts or ours.accounts[REVERTER][3] == {}


def test_warm_set_of_a_reverted_callee_is_rolled_back():
    # TOUCHER warms NOBODY then reverts; our BALANCE(NOBODY) afterwards is cold again
    code = call_code(TOUCHER) + b"\x50" + push(word(NOBODY)) + b"\x31\x50"
    ours, _ = run(code)
    plain, _ = run(call_code(TOUCHER) + b"\x50")
    assert (plain.gas_left - ours.gas_left) == 3 + 2600 + 2


def test_transient_storage_survives_calls_but_not_reverts():
    code = call_code(COUNTER, out_off=0) + b"\x50"  # -> 1
    code += call_code(COUNTER, in_size=1, out_off=32) + b"\x50"  # increments to 2 then reverts
    code += call_code(COUNTER, out_off=64) + b"\x50"  # -> 2
    code += push_args(0, 96) + b"\xf3"
    ours, _ = run(code)
    assert [int.from_bytes(ours.output[i : i + 32], "big") for i in (0, 32, 64)] == [1, 2, 2]


@pytest.mark.parametrize(
    "callee,static_ok",
    [(ECHO, True), (STORER, False), (SENDER, False), (COUNTER, False), (REVERTER, False)],
    ids=param_id,
)
def test_static_calls(callee, static_ok):
    ours, _ = run(returns_word(call_code(callee, static=True, gas=200_000)), balance=1)
    assert ours.status == "success"
    assert int.from_bytes(ours.output, "big") == (1 if static_ok else 0)


def test_static_mode_is_inherited_by_nested_calls():
    relay = b"\xa1" * 20
    # relay CALLs STORER with value 0 and returns that call's success flag
    extra = {relay: Account(code=call_code(STORER, in_size=0) + returns_word(b""))}
    read_relay_output = b"\x50" + push(0) + b"\x51"
    ours, _ = run(returns_word(call_code(relay, static=False, gas=300_000) + read_relay_output), extra=extra)
    assert int.from_bytes(ours.output, "big") == 1
    # under STATICCALL the relay still succeeds, but STORER's SSTORE two levels down fails
    ours, _ = run(returns_word(call_code(relay, static=True, gas=300_000) + read_relay_output), extra=extra)
    assert int.from_bytes(ours.output, "big") == 0


@pytest.mark.parametrize("opcode_code", [
    push_args(0, 1) + b"\x55",  # SSTORE
    push_args(0, 1) + b"\x5d",  # TSTORE
    push_args(0, 0) + b"\xa0",  # LOG0
    push_args(0, 0, 0) + b"\xf0",  # CREATE
    call_code(EOA, value=1),  # CALL with value
], ids=["sstore", "tstore", "log0", "create", "call-with-value"])
def test_state_changes_fail_inside_static_call(opcode_code):
    victim = b"\xa2" * 20
    extra = {victim: Account(balance=10, code=opcode_code + b"\x00")}
    ours, _ = run(returns_word(call_code(victim, static=True, gas=300_000)), extra=extra)
    assert ours.output == bytes(32)


def test_call_depth_limit_1024():
    recursion = sys.getrecursionlimit()
    sys.setrecursionlimit(max(recursion, 40_000))
    try:
        # count depth in slot 0, then call ourselves with all gas
        code = bytes.fromhex("5f54600101" + "5f55" + "5f5f5f5f5f30" + "5a" + "f1" + "00")
        ours, _ = run_code_both(code, gas=2**40, slots=(0,))
        assert ours.accounts[CONTRACT][3] == {0: 1025}
    finally:
        sys.setrecursionlimit(recursion)


def create_code(initcode: bytes, value: int = 0, offset: int = 0) -> bytes:
    code = b""
    for i in range(0, len(initcode), 32):
        chunk = initcode[i : i + 32].ljust(32, b"\x00")
        code += push_args(offset + i, int.from_bytes(chunk, "big")) + b"\x52"
    return code + push_args(value, offset, len(initcode)) + b"\xf0"


def initcode_returning(runtime: bytes) -> bytes:
    n = len(runtime)
    head = b"\x61" + n.to_bytes(2, "big") + b"\x61\x00\x0d\x5f\x39\x61" + n.to_bytes(2, "big") + b"\x5f\xf3"
    return head + runtime


RUNTIME = returns_word(push(0x42))


def test_create_address_nonce_and_code():
    ours, _ = run(returns_word(create_code(initcode_returning(RUNTIME), value=3)), balance=10, nonce=5)
    expected = compute_contract_address(CONTRACT, 5)
    assert ours.output[12:] == expected
    nonce, balance, code, _ = ours.accounts[expected]
    assert (nonce, balance, code) == (1, 3, RUNTIME)


def test_known_create_address():
    # keccak(rlp([0x6ac7ea33f8831ea9dcc53393aaa88b25a785dbf0, 0]))[12:]
    sender = bytes.fromhex("6ac7ea33f8831ea9dcc53393aaa88b25a785dbf0")
    assert compute_contract_address(sender, 0).hex() == "cd234a471b72ba2f1ccf0a70fcaba648a5eecd8d"
    assert compute_contract_address(sender, 1).hex() == "343c43a37d37dff08ae8c4a11544c718abb4fcf8"


@pytest.mark.parametrize(
    "initcode,succeeds",
    [
        (initcode_returning(b""), True),
        (initcode_returning(b"\xef"), False),  # EIP-3541
        (initcode_returning(b"\xfe\xef"), True),
        (bytes.fromhex("60015f55602a5f5260205ffd"), False),  # stores, then reverts
        (bytes.fromhex("5b6140005f20505f56"), False),  # hashes 16 KiB in a loop until out of gas
        (bytes.fromhex("615fff5ff3"), True),  # 24575 bytes of code
        (bytes.fromhex("6160005ff3"), True),  # exactly 24576 bytes (EIP-170 limit)
        (bytes.fromhex("6160015ff3"), False),  # 24577 bytes
    ],
    ids=["empty-code", "ef-prefix", "fe-ef", "revert", "out-of-gas", "24575-bytes", "24576-bytes", "24577-bytes"],
)
def test_create_outcomes(initcode, succeeds):
    code = returns_word(create_code(initcode) + b"\x3d" + push(32) + b"\x52")
    ours, _ = run(code, gas=10_000_000)
    assert ours.status == "success"
    assert (ours.output != bytes(32)) == succeeds
    # the creator's nonce moves either way (the account is created at nonce 1)
    assert ours.accounts[CONTRACT][0] == 1


def test_create_with_value_above_balance_returns_zero_without_nonce_bump():
    ours, _ = run(returns_word(create_code(initcode_returning(b""), value=11)), balance=10)
    assert ours.output == bytes(32)
    assert ours.accounts[CONTRACT][0] == 0


def test_create_collision_consumes_the_forwarded_gas():
    target = compute_contract_address(CONTRACT, 0)
    ours, _ = run(returns_word(create_code(initcode_returning(b""))), extra={target: Account(nonce=1)})
    assert ours.output == bytes(32)
    assert ours.accounts[CONTRACT][0] == 1
    assert ours.gas_left < 1_000_000 // 64


def test_nested_create_and_call_of_the_new_contract():
    inner = initcode_returning(RUNTIME)
    # outer initcode: CREATE the inner contract and return nothing
    outer = create_code(inner) + b"\x50\x00"
    code = create_code(outer) + b"\x50"
    grandchild = compute_contract_address(compute_contract_address(CONTRACT, 0), 1)
    code += returns_word(call_code(grandchild, out_off=0) + b"\x50" + push(0) + b"\x51")
    ours, _ = run(code, gas=5_000_000)
    assert int.from_bytes(ours.output, "big") == 0x42


def test_create_in_static_context_fails():
    creator = b"\xa3" * 20
    extra = {creator: Account(code=create_code(initcode_returning(b"")) + b"\x00")}
    ours, _ = run(returns_word(call_code(creator, static=True)), extra=extra)
    assert ours.output == bytes(32)


def test_deploy_message():
    for initcode, status in [
        (initcode_returning(RUNTIME), "success"),
        (bytes.fromhex("60015f55602a5f5260205ffd"), "revert"),
        (initcode_returning(b"\xef\x01"), "error"),
    ]:
        address = compute_contract_address(CALLER, 0)
        accounts = {CALLER: Account(balance=10**18)}
        ours, ref = compare(accounts, CALLER, None, 500_000, 7, create_address=address, initcode=initcode, extra_slots=(0,))
        assert ours.summary() == ref.summary() and ours.accounts == ref.accounts
        assert ours.status == status
        if status == "success":
            assert ours.accounts[address][:3] == (1, 7, RUNTIME)


# Cases where py-evm and the Ethereum execution specs disagree; this VM
# follows the specs, so these are checked on this VM alone.


def test_initcode_above_eip3860_limit_halts_the_creator():
    # the specs raise out-of-gas in the creating frame (py-evm fails the child instead)
    size = 2 * 24576 + 1
    code = push_args(0, 0, size) + b"\xf0"
    accounts = {CALLER: Account(balance=1), CONTRACT: Account(code=code)}
    ours, _ = run_ours(accounts, CALLER, CONTRACT, 1_000_000)
    assert ours.status == "error" and ours.gas_left == 0
    code = push_args(0, 0, size - 1) + b"\xf0\x00"
    ours, _ = run_ours({CALLER: Account(balance=1), CONTRACT: Account(code=code)}, CALLER, CONTRACT, 1_000_000)
    assert ours.status == "success"


def test_create_collides_with_storage_only_account():
    # the specs also treat existing storage as a collision (py-evm checks code and nonce only)
    target = compute_contract_address(CONTRACT, 0)
    code = returns_word(create_code(initcode_returning(b"")))
    accounts = {CALLER: Account(balance=1), CONTRACT: Account(code=code), target: Account(storage={1: 1})}
    ours, state = run_ours(accounts, CALLER, CONTRACT, 1_000_000)
    assert ours.output == bytes(32)
    assert state.get_nonce(CONTRACT) == 1


def test_precompile_addresses_are_warm_but_run_no_code():
    for index in (1, 2, 9, 10):
        precompile = index.to_bytes(20, "big")
        code = returns_word(call_code(precompile, gas=10_000, in_size=32, out_size=32) + b"\x3d\x01")
        accounts = {CALLER: Account(balance=1), CONTRACT: Account(code=code)}
        ours, _ = run_ours(accounts, CALLER, CONTRACT, 100_000)
        assert int.from_bytes(ours.output, "big") == 1  # success, no return data
        # warm: 100 for the access and nothing for running it. The rest:
        # seven pushes (18), one word of memory (3), RETURNDATASIZE and ADD (5),
        # then PUSH0, MSTORE, PUSH1, PUSH0, RETURN (10)
        assert 100_000 - ours.gas_left == 18 + 100 + 3 + 5 + 10


def test_contract_address_rlp_matches_the_rlp_library():
    import random

    import rlp
    from Crypto.Hash import keccak

    rng = random.Random(5)
    for nonce in [0, 1, 0x7F, 0x80, 0xFF, 0x100, 2**32, 2**64 - 1] + [rng.getrandbits(rng.randint(1, 64)) for _ in range(50)]:
        sender = rng.randbytes(20)
        expected = keccak.new(digest_bits=256, data=rlp.encode([sender, nonce])).digest()[12:]
        assert compute_contract_address(sender, nonce) == expected
