"""Per-opcode tests with nasty values, checked against formulas and against py-evm."""

from __future__ import annotations

import random

import pytest
from Crypto.Hash import keccak

from l2.state.world import Account
from l2.vm import Op
from l2.vm.opcodes import OPCODES, STACK_IO
from vm_reference import BLOCK, CALLER, CONTRACT, GAS_PRICE, ORIGIN, push, push_args, returns_word, run_code_both, run_ours

M = 1 << 256
_rng = random.Random(1234)
NASTY = [0, 1, 2, 3, 31, 32, 255, 256, 2**128, 2**255 - 1, 2**255, 2**256 - 2, 2**256 - 1] + [
    _rng.getrandbits(256) for _ in range(2)
] + [_rng.getrandbits(64)]


def signed(x: int) -> int:
    return x - M if x >> 255 else x


def truncated_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def signextend_ref(b: int, x: int) -> int:
    if b >= 31:
        return x
    bits = 8 * (b + 1)
    v = x % (1 << bits)
    if v >> (bits - 1):
        v -= 1 << bits
    return v % M


BINARY = {
    Op.ADD: lambda a, b: (a + b) % M,
    Op.MUL: lambda a, b: (a * b) % M,
    Op.SUB: lambda a, b: (a - b) % M,
    Op.DIV: lambda a, b: a // b if b else 0,
    Op.SDIV: lambda a, b: truncated_div(signed(a), signed(b)) % M if b else 0,
    Op.MOD: lambda a, b: a % b if b else 0,
    Op.SMOD: lambda a, b: ((-1 if signed(a) < 0 else 1) * (abs(signed(a)) % abs(signed(b)))) % M if b else 0,
    Op.EXP: lambda a, b: pow(a, b, M),
    Op.SIGNEXTEND: signextend_ref,
    Op.LT: lambda a, b: int(a < b),
    Op.GT: lambda a, b: int(a > b),
    Op.SLT: lambda a, b: int(signed(a) < signed(b)),
    Op.SGT: lambda a, b: int(signed(a) > signed(b)),
    Op.EQ: lambda a, b: int(a == b),
    Op.AND: lambda a, b: a & b,
    Op.OR: lambda a, b: a | b,
    Op.XOR: lambda a, b: a ^ b,
    Op.BYTE: lambda i, x: x.to_bytes(32, "big")[i] if i < 32 else 0,
    Op.SHL: lambda s, x: (x << s) % M if s < 256 else 0,
    Op.SHR: lambda s, x: x >> s if s < 256 else 0,
    Op.SAR: lambda s, x: (signed(x) >> min(s, 256)) % M,
}


def _table_program(op: int, operand_lists: list[tuple[int, ...]]) -> bytes:
    """Apply ``op`` to each operand tuple and store result i at memory 32·i; return it all."""
    code = b""
    for i, operands in enumerate(operand_lists):
        code += push_args(*operands) + bytes([op]) + push(32 * i) + b"\x52"
    return code + push(32 * len(operand_lists)) + b"\x5f\xf3"


def _words(output: bytes) -> list[int]:
    return [int.from_bytes(output[i : i + 32], "big") for i in range(0, len(output), 32)]


@pytest.mark.parametrize("op", list(BINARY), ids=lambda op: op.name)
def test_binary_op_on_nasty_values(op):
    pairs = [(a, b) for a in NASTY for b in NASTY]
    if op in (Op.BYTE, Op.SIGNEXTEND, Op.SHL, Op.SHR, Op.SAR):
        pairs += [(s, x) for s in (0, 1, 7, 8, 30, 31, 32, 33, 127, 128, 254, 255, 256, 257, 1000) for x in NASTY]
    ours, _ = run_code_both(_table_program(op, pairs), gas=10_000_000)
    assert ours.status == "success"
    for (a, b), got in zip(pairs, _words(ours.output)):
        assert got == BINARY[op](a, b), (op.name, hex(a), hex(b))


@pytest.mark.parametrize("op", [Op.ADDMOD, Op.MULMOD], ids=lambda op: op.name)
def test_ternary_op_on_nasty_values(op):
    values = [0, 1, 2, 2**255, 2**256 - 1, 2**256 - 2, 7, NASTY[-2]]
    triples = [(a, b, n) for a in values for b in values for n in values]
    ours, _ = run_code_both(_table_program(op, triples), gas=10_000_000)
    for (a, b, n), got in zip(triples, _words(ours.output)):
        expected = 0 if n == 0 else ((a + b) % n if op == Op.ADDMOD else (a * b) % n)
        assert got == expected


@pytest.mark.parametrize("op", [Op.ISZERO, Op.NOT], ids=lambda op: op.name)
def test_unary_op_on_nasty_values(op):
    ours, _ = run_code_both(_table_program(op, [(x,) for x in NASTY]))
    for x, got in zip(NASTY, _words(ours.output)):
        assert got == (int(x == 0) if op == Op.ISZERO else M - 1 - x)


def test_exp_gas_grows_with_exponent_bytes():
    # EXP costs 10 + 50 per byte of the exponent
    used = []
    for exponent in (0, 1, 255, 256, 2**256 - 1):
        ours, _ = run_code_both(push_args(3, exponent) + b"\x0a\x00")
        used.append(1_000_000 - ours.gas_left)
    pushes = [5, 6, 6, 6, 6]  # the zero exponent is a PUSH0 (2 gas)
    assert [u - p for u, p in zip(used, pushes)] == [10, 60, 60, 110, 10 + 50 * 32]


def test_division_by_zero_gives_zero():
    for op in (Op.DIV, Op.SDIV, Op.MOD, Op.SMOD):
        ours, _ = run_code_both(returns_word(push_args(2**256 - 1, 0) + bytes([op])))
        assert ours.output == bytes(32)
    for op in (Op.ADDMOD, Op.MULMOD):
        ours, _ = run_code_both(returns_word(push_args(5, 6, 0) + bytes([op])))
        assert ours.output == bytes(32)


def test_sdiv_most_negative_by_minus_one_overflows_to_itself():
    ours, _ = run_code_both(returns_word(push_args(2**255, 2**256 - 1) + b"\x05"))
    assert int.from_bytes(ours.output, "big") == 2**255


def test_keccak_of_known_inputs():
    empty = keccak.new(digest_bits=256, data=b"").digest()
    ours, _ = run_code_both(returns_word(push_args(0, 0) + b"\x20"))
    assert ours.output == empty
    # memory is zero beyond what was written: keccak of 64 zero bytes, with expansion
    ours, _ = run_code_both(returns_word(push_args(0, 64) + b"\x20"))
    assert ours.output == keccak.new(digest_bits=256, data=bytes(64)).digest()
    # hashing an absurd region runs out of gas instead of allocating
    ours, _ = run_code_both(returns_word(push_args(0, 2**256 - 1) + b"\x20"))
    assert ours.status == "error" and ours.gas_left == 0


def test_environment_and_block_values():
    ops = [
        Op.ADDRESS, Op.ORIGIN, Op.CALLER, Op.CALLVALUE, Op.CALLDATASIZE, Op.CODESIZE, Op.GASPRICE,
        Op.CHAINID, Op.SELFBALANCE, Op.NUMBER, Op.TIMESTAMP, Op.BASEFEE, Op.RETURNDATASIZE,
    ]
    code = b"".join(bytes([op]) + push(32 * i) + b"\x52" for i, op in enumerate(ops))
    code += push(32 * len(ops)) + b"\x5f\xf3"
    data = bytes(range(1, 40))
    ours, _ = run_code_both(code, data=data, value=7, contract_balance=1000)
    words = _words(ours.output)
    expected = [
        int.from_bytes(CONTRACT, "big"), int.from_bytes(ORIGIN, "big"), int.from_bytes(CALLER, "big"),
        7, len(data), len(code), GAS_PRICE, BLOCK.chain_id, 1007, BLOCK.number, BLOCK.timestamp,
        BLOCK.base_fee, 0,
    ]
    assert words == expected


@pytest.mark.parametrize("offset", [0, 1, 7, 31, 32, 38, 39, 40, 2**64, 2**256 - 1])
def test_calldataload_pads_with_zeros(offset):
    data = bytes(range(1, 40))
    ours, _ = run_code_both(returns_word(push(offset) + b"\x35"), data=data)
    assert ours.output == (data[offset : offset + 32] if offset < len(data) else b"").ljust(32, b"\x00")


def test_copies_pad_with_zeros_and_charge_per_word():
    data = bytes(range(1, 40))
    for op in (Op.CALLDATACOPY, Op.CODECOPY):
        for dst, src, size in [(0, 0, 0), (0, 0, 39), (5, 30, 64), (0, 2**256 - 1, 33), (2**256 - 1, 0, 0)]:
            code = push_args(dst, src, size) + bytes([op]) + push_args(0, 128) + b"\xf3"
            ours, _ = run_code_both(code, data=data)
            assert ours.status == "success"


def test_account_queries_warm_cold_and_empty_accounts():
    other = b"\x42" * 20
    eoa = b"\x43" * 20
    extra = {other: Account(code=b"\x60\x01\x00", balance=3), eoa: Account(balance=9)}
    for target in (other, eoa, b"\x44" * 20, CONTRACT, (1).to_bytes(20, "big")):
        word = int.from_bytes(target, "big")
        for op in (Op.BALANCE, Op.EXTCODESIZE, Op.EXTCODEHASH):
            # twice: the second access is warm (100 instead of 2600)
            code = push(word) + bytes([op]) + push(word | (0xFFFF << 160)) + bytes([op]) + b"\x01"
            ours, _ = run_code_both(returns_word(code), extra_accounts=extra)
            assert ours.status == "success"
    ours, _ = run_code_both(returns_word(push(int.from_bytes(b"\x44" * 20, "big")) + b"\x3f"))
    assert ours.output == bytes(32)  # EXTCODEHASH of a missing account is 0


def test_memory_store_load_and_size():
    code = (
        push_args(0, 2**256 - 1) + b"\x52"  # MSTORE 0
        + push_args(33, 0xAB) + b"\x53"  # MSTORE8 33
        + push_args(100, 0x1234) + b"\x52"
        + push(100) + b"\x51" + push(160) + b"\x52"  # MLOAD 100 -> 160
        + b"\x59" + push(192) + b"\x52"  # MSIZE -> 192
        + push_args(0, 256) + b"\xf3"
    )
    ours, _ = run_code_both(code)
    words = _words(ours.output)
    assert words[0] == M - 1
    assert ours.output[33] == 0xAB
    assert words[5] == 0x1234
    assert words[6] == 192  # MSIZE before its own store: 132 rounded up to 160, then 192 by the MLOAD store


@pytest.mark.parametrize("offset", [0, 31, 32, 1000, 2**20, 2**32, 2**256 - 32, 2**256 - 1])
def test_memory_expansion_cost(offset):
    ours, _ = run_code_both(push_args(offset, 1) + b"\x52", gas=30_000_000)
    if offset > 2**25:
        assert ours.status == "error" and ours.gas_left == 0
    else:
        words = (offset + 32 + 31) // 32
        push_cost = 3 + (2 if offset == 0 else 3)  # PUSH1 1 and PUSH0 or PUSHn offset
        assert 30_000_000 - ours.gas_left == push_cost + 3 + 3 * words + words * words // 512


@pytest.mark.parametrize("dst,src,length", [(0, 0, 32), (10, 0, 40), (0, 10, 40), (5, 5, 0), (64, 0, 64), (2**256 - 1, 0, 0)])
def test_mcopy_with_overlap(dst, src, length):
    setup = push_args(0, int.from_bytes(bytes(range(1, 33)), "big")) + b"\x52"
    setup += push_args(32, int.from_bytes(bytes(range(33, 65)), "big")) + b"\x52"
    code = setup + push_args(dst, src, length) + b"\x5e" + push_args(0, 160) + b"\xf3"
    ours, _ = run_code_both(code)
    memory = bytearray(bytes(range(1, 65)) + bytes(96))
    if length:
        memory[dst : dst + length] = memory[src : src + length]
    assert ours.output == bytes(memory[:160])


# EIP-3529 SSTORE test vectors (gas used excludes the 2100 cold surcharge the
# table does not include: our slot starts cold)
SSTORE_VECTORS = [
    ("60006000556000600055", 0, 212, 0),
    ("60006000556001600055", 0, 20112, 0),
    ("60016000556000600055", 0, 20112, 19900),
    ("60016000556002600055", 0, 20112, 0),
    ("60016000556001600055", 0, 20112, 0),
    ("60006000556000600055", 1, 3012, 4800),
    ("60006000556001600055", 1, 3012, 2800),
    ("60006000556002600055", 1, 3012, 0),
    ("60026000556000600055", 1, 3012, 4800),
    ("60026000556003600055", 1, 3012, 0),
    ("60026000556001600055", 1, 3012, 2800),
    ("60026000556002600055", 1, 3012, 0),
    ("60016000556000600055", 1, 3012, 4800),
    ("60016000556002600055", 1, 3012, 0),
    ("60016000556001600055", 1, 212, 0),
    ("600160005560006000556001600055", 0, 40118, 19900),
    ("600060005560016000556000600055", 1, 5918, 7600),
]


@pytest.mark.parametrize("code,original,used,refund", SSTORE_VECTORS)
def test_sstore_gas_and_refund_eip3529(code, original, used, refund):
    ours, _ = run_code_both(bytes.fromhex(code), storage={0: original} if original else {}, slots=(0,))
    assert ours.status == "success"
    assert 1_000_000 - ours.gas_left == used + 2100
    assert ours.refund == refund


def test_sstore_needs_more_than_the_stipend():
    # EIP-2200: with 2300 gas or less left SSTORE fails, even for a 100 gas write
    code = push_args(0, 1) + b"\x55"
    for gas in (6 + 2300, 6 + 2301, 6 + 22100):
        ours, _ = run_code_both(code, gas=gas)
        assert ours.status == ("success" if gas == 6 + 22100 else "error")


def test_sload_cold_then_warm():
    code = returns_word(push(5) + b"\x54" + push(5) + b"\x54" + b"\x01")
    ours, _ = run_code_both(code, storage={5: 21})
    assert int.from_bytes(ours.output, "big") == 42
    assert 1_000_000 - ours.gas_left == 3 + 2100 + 3 + 100 + 3 + 2 + 3 + 3 + 2 + 3


def test_transient_storage_roundtrip():
    code = returns_word(push_args(1, 77) + b"\x5d" + push(1) + b"\x5c" + push(2) + b"\x5c" + b"\x01")
    ours, _ = run_code_both(code)
    assert int.from_bytes(ours.output, "big") == 77
    # pushes 6+3+3, TSTORE/TLOAD 100 each, ADD 3, then PUSH0 MSTORE(+1 word) PUSH1 PUSH0 RETURN
    assert 1_000_000 - ours.gas_left == 12 + 300 + 3 + (2 + 3 + 3 + 3 + 2)


@pytest.mark.parametrize("n", range(1, 17))
def test_dup_and_swap_every_depth(n):
    values = list(range(101, 118))
    base = push_args(*values)
    ours, _ = run_code_both(returns_word(base + bytes([0x80 + n - 1])))
    assert int.from_bytes(ours.output, "big") == values[n - 1]
    ours, _ = run_code_both(returns_word(base + bytes([0x90 + n - 1])))
    assert int.from_bytes(ours.output, "big") == values[n]
    # underflow: DUPn needs n items, SWAPn needs n + 1
    ours, _ = run_code_both(push_args(*values[: n - 1]) + bytes([0x80 + n - 1]))
    assert ours.status == "error" and ours.gas_left == 0
    ours, _ = run_code_both(push_args(*values[:n]) + bytes([0x90 + n - 1]))
    assert ours.status == "error"


@pytest.mark.parametrize("width", range(1, 33))
def test_push_widths_and_truncated_push(width):
    value = int.from_bytes(bytes(range(1, width + 1)), "big")
    ours, _ = run_code_both(returns_word(bytes([0x5F + width]) + value.to_bytes(width, "big")))
    assert int.from_bytes(ours.output, "big") == value
    # a PUSH cut off by the end of the code reads the missing bytes as zero
    code = bytes([0x5F + width]) + value.to_bytes(width, "big")[: width // 2]
    ours, _ = run_code_both(code)
    assert ours.status == "success"


def test_stack_overflow_at_1025():
    ours, _ = run_code_both(b"\x5f" * 1024)
    assert ours.status == "success"
    ours, _ = run_code_both(b"\x5f" * 1025)
    assert ours.status == "error" and ours.gas_left == 0
    ours, _ = run_code_both(b"\x5f" * 1024 + b"\x80")  # DUP1 on a full stack
    assert ours.status == "error"
    ours, _ = run_code_both(b"\x5f" * 1024 + b"\x90")  # SWAP1 on a full stack is fine
    assert ours.status == "success"


@pytest.mark.parametrize("op", [op for op in Op if STACK_IO[op][0] > 0], ids=lambda op: op.name)
def test_every_opcode_underflows_on_a_short_stack(op):
    pops = STACK_IO[op][0]
    ours, _ = run_code_both(b"\x5f" * (pops - 1) + bytes([op]))
    assert ours.status == "error" and ours.gas_left == 0


def test_jumps():
    # JUMP to a JUMPDEST
    ours, _ = run_code_both(returns_word(push(4) + b"\x56\xfe\x5b" + push(9)))
    assert int.from_bytes(ours.output, "big") == 9
    # JUMP into PUSH data that holds 0x5b
    ours, _ = run_code_both(push(4) + b"\x56\x60\x5b\x00")
    assert ours.status == "error" and ours.gas_left == 0
    # JUMP past the end and to a huge destination
    for dest in (100, 2**256 - 1):
        ours, _ = run_code_both(push(dest) + b"\x56")
        assert ours.status == "error"
    # JUMPI not taken never checks its destination
    ours, _ = run_code_both(push_args(2**256 - 1, 0) + b"\x57" + returns_word(push(1)))
    assert int.from_bytes(ours.output, "big") == 1
    # JUMPI taken on any non-zero condition
    code = push(2**255) + b"\x60\x25\x57\xfe\x5b\x00"  # PUSH32, PUSH1 37, JUMPI, INVALID, JUMPDEST@37
    ours, _ = run_code_both(code)
    assert ours.status == "success"


def test_pc_and_gas():
    ours, _ = run_code_both(returns_word(push(0) + b"\x50" + b"\x58"))
    assert int.from_bytes(ours.output, "big") == 2
    ours, _ = run_code_both(returns_word(b"\x5a"), gas=50_000)
    assert int.from_bytes(ours.output, "big") == 50_000 - 2


@pytest.mark.parametrize("topics", range(5))
def test_logs(topics):
    code = push_args(2, int.from_bytes(b"\x11" * 32, "big")) + b"\x52"
    code += push_args(2, 5, *[t + 1000 for t in range(topics)]) + bytes([0xA0 + topics])
    ours, _ = run_code_both(code)
    assert ours.logs == [(CONTRACT, tuple(range(1000, 1000 + topics)), b"\x11" * 5)]
    assert 1_000_000 - ours.gas_left == 6 + 3 + 3 * 2 + 3 * (2 + topics) + 375 + 375 * topics + 8 * 5


def test_revert_and_return_data():
    ours, _ = run_code_both(push_args(0, 0xDEAD) + b"\x52" + push_args(30, 2) + b"\xfd")
    assert ours.status == "revert" and ours.output == b"\xde\xad" and ours.gas_left > 0
    ours, _ = run_code_both(push_args(0, 0) + b"\xf3")
    assert ours.status == "success" and ours.output == b""


def test_returndatacopy_out_of_bounds_is_exceptional():
    ours, _ = run_code_both(push_args(0, 0, 1) + b"\x3e")
    assert ours.status == "error" and ours.gas_left == 0
    ours, _ = run_code_both(push_args(0, 0, 0) + b"\x3e")
    assert ours.status == "success"
    ours, _ = run_code_both(push_args(0, 1, 0) + b"\x3e")
    assert ours.status == "error"


SUPPORTED = {int(op) for op in Op}
# bytes that py-evm's Cancun VM implements but this VM executes as INVALID
PYEVM_ONLY = {0x3C, 0x40, 0x41, 0x44, 0x45, 0x49, 0x4A, 0xF2, 0xF4, 0xF5, 0xFF}


@pytest.mark.parametrize("byte", sorted(set(range(256)) - SUPPORTED))
def test_unsupported_bytes_execute_as_invalid(byte):
    code = b"\x5f" * 8 + bytes([byte])
    if byte in PYEVM_ONLY:
        ours, state = run_ours({CALLER: Account(balance=1), CONTRACT: Account(code=code)}, CALLER, CONTRACT, 100_000)
        assert ours.status == "error" and ours.gas_left == 0
    else:
        ours, _ = run_code_both(code)
        assert ours.status == "error" and ours.gas_left == 0


def test_registry_is_complete():
    assert set(OPCODES) == set(STACK_IO) == set(Op)
    assert all(callable(fn) for fn in OPCODES.values())
    assert OPCODES[Op.PUSH7].__name__ == "push7" and OPCODES[Op.SWAP16].__name__ == "swap16"
