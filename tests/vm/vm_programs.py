"""
Random well-formed EVM programs over the supported opcodes, for differential tests.

A program is a sequence of snippets, each pushing the operands of one or a
few instructions (edge values such as 0, 1, 2^255, 2^256 − 1 and small
numbers) and running them: arithmetic, comparisons, bitwise ops, memory and
storage, forward jumps (valid and invalid), counted loops, logs, calls to
helper contracts and CREATE of small initcodes. Programs are deterministic in
their seed. A few helper contracts sit at fixed addresses.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from l2.state.world import Account
from l2.vm.opcodes import STACK_IO, Op

CALLER = bytes.fromhex("ca11e70000000000000000000000000000000001")
CONTRACT = bytes.fromhex("c0de000000000000000000000000000000000001")
H_ECHO = bytes.fromhex("4e1c000000000000000000000000000000000001")
H_REVERT = bytes.fromhex("4e1c000000000000000000000000000000000002")
H_STORE = bytes.fromhex("4e1c000000000000000000000000000000000003")
H_BURN = bytes.fromhex("4e1c000000000000000000000000000000000004")
H_SELF = bytes.fromhex("4e1c000000000000000000000000000000000005")
H_TRANSIENT = bytes.fromhex("4e1c000000000000000000000000000000000006")
EOA = bytes.fromhex("e0a0000000000000000000000000000000000001")
NOBODY = bytes.fromhex("dead000000000000000000000000000000000001")

SLOTS = (0, 1, 2, 3, 7, 2**255, 2**256 - 1)

EDGE = (
    0, 1, 2, 3, 5, 7, 8, 16, 31, 32, 33, 63, 64, 255, 256, 257,
    2**64 - 1, 2**64, 2**128, 2**160 - 1, 2**255 - 1, 2**255, 2**255 + 1,
    2**256 - 2, 2**256 - 1,
)


class Asm:
    """Bytecode with labels patched at the end, and a tracked stack depth."""

    def __init__(self) -> None:
        self.code = bytearray()
        self.fixups: list[tuple[int, str]] = []
        self.labels: dict[str, int] = {}
        self.depth = 0
        self._next = 0

    def op(self, op: int) -> None:
        self.code.append(op)
        pops, pushes = STACK_IO[Op(op)]
        self.depth = max(0, self.depth - pops) + pushes

    def push(self, value: int, width: int | None = None) -> None:
        if width is None:
            width = max(1, (value.bit_length() + 7) // 8)
        if value == 0 and width == 0:
            self.code.append(Op.PUSH0)
        else:
            self.code.append(Op.PUSH1 + width - 1)
            self.code += (value % (1 << (8 * width))).to_bytes(width, "big")
        self.depth += 1

    def new_label(self) -> str:
        self._next += 1
        return f"L{self._next}"

    def push_label(self, name: str) -> None:
        self.code.append(Op.PUSH2)
        self.fixups.append((len(self.code), name))
        self.code += b"\x00\x00"
        self.depth += 1

    def place(self, name: str) -> None:
        self.labels[name] = len(self.code)
        self.code.append(Op.JUMPDEST)

    def raw(self, data: bytes) -> None:
        self.code += data

    def assemble(self) -> bytes:
        for position, name in self.fixups:
            self.code[position : position + 2] = self.labels[name].to_bytes(2, "big")
        return bytes(self.code)


def rand_word(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.45:
        return rng.choice(EDGE)
    if r < 0.75:
        return rng.randrange(0, 70)
    if r < 0.9:
        return rng.getrandbits(rng.choice((8, 16, 64, 160, 255, 256)))
    return (1 << 256) - rng.randrange(1, 70)  # small negative numbers


def rand_offset(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.88:
        return rng.randrange(0, 200)
    if r < 0.98:
        return rng.randrange(200, 3000)
    return rng.choice((2**32, 2**64, 2**256 - 1, 0x10000))


def rand_size(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.2:
        return 0
    if r < 0.95:
        return rng.randrange(1, 80)
    if r < 0.99:
        return rng.choice((200, 1000))
    return rng.choice((2**32, 2**256 - 1))


def _push_word(asm: Asm, rng: random.Random, value: int) -> None:
    if value == 0 and rng.random() < 0.5:
        asm.push(0, 0)
    elif rng.random() < 0.1:
        asm.push(value, 32)
    else:
        asm.push(value)


def _operands(asm: Asm, rng: random.Random, values: list[int]) -> None:
    """Push operands so that values[0] ends on top of the stack."""
    for value in reversed(values):
        _push_word(asm, rng, value)


BINARY = [
    Op.ADD, Op.MUL, Op.SUB, Op.DIV, Op.SDIV, Op.MOD, Op.SMOD, Op.EXP, Op.SIGNEXTEND,
    Op.LT, Op.GT, Op.SLT, Op.SGT, Op.EQ, Op.AND, Op.OR, Op.XOR, Op.BYTE, Op.SHL, Op.SHR, Op.SAR,
]
UNARY = [Op.ISZERO, Op.NOT]
TERNARY = [Op.ADDMOD, Op.MULMOD]
NULLARY_ENV = [
    Op.ADDRESS, Op.ORIGIN, Op.CALLER, Op.CALLVALUE, Op.CALLDATASIZE, Op.CODESIZE, Op.GASPRICE,
    Op.RETURNDATASIZE, Op.CHAINID, Op.SELFBALANCE, Op.NUMBER, Op.TIMESTAMP, Op.BASEFEE, Op.PC,
    Op.MSIZE, Op.GAS,
]
ADDRESSES = [H_ECHO, H_REVERT, H_STORE, H_BURN, H_SELF, H_TRANSIENT, EOA, NOBODY, CALLER, CONTRACT]


def _runtime_returning(value: int) -> bytes:
    """PUSH1 value PUSH0 MSTORE PUSH1 32 PUSH0 RETURN."""
    return bytes([0x60, value & 0xFF, 0x5F, 0x52, 0x60, 0x20, 0x5F, 0xF3])


def _initcode_returning(code: bytes) -> bytes:
    """Initcode that copies the runtime appended after it and returns it."""
    n = len(code)
    # PUSH2 n PUSH2 offset PUSH0 CODECOPY PUSH2 n PUSH0 RETURN  (offset = 13)
    head = bytes([0x61]) + n.to_bytes(2, "big") + bytes([0x61]) + (13).to_bytes(2, "big")
    head += bytes([0x5F, 0x39, 0x61]) + n.to_bytes(2, "big") + bytes([0x5F, 0xF3])
    assert len(head) == 13
    return head + code


INITCODES = [
    _initcode_returning(_runtime_returning(0x42)),
    _initcode_returning(b""),
    _initcode_returning(b"\xef\x00\x01"),  # EIP-3541
    bytes([0x60, 0x07, 0x60, 0x01, 0x55, 0x60, 0x09, 0x5F, 0x52, 0x60, 0x20, 0x5F, 0xFD]),  # sstore, revert
    bytes([0x5B, 0x61, 0x40, 0x00, 0x5F, 0x20, 0x50, 0x5F, 0x56]),  # loops until out of gas
    bytes([0x60, 0x05, 0x60, 0x00, 0x55, 0x61, 0x60, 0x01, 0x5F, 0xF3]),  # returns 0x6001 zero bytes (EIP-170)
    bytes([0xFE]),
    bytes([0x5F, 0x5F, 0xA0, 0x30, 0x31, 0x5F, 0x52, 0x60, 0x20, 0x5F, 0xF3]),  # log0, returns own balance as code
    _initcode_returning(_runtime_returning(0x01)) + b"\x00\x00",
]


def _snippet(asm: Asm, rng: random.Random, budget: list[int]) -> None:
    kind = rng.choices(
        [
            "binary", "unary", "ternary", "stack", "memory", "keccak", "env", "account", "calldata",
            "code", "storage", "transient", "jump", "loop", "log", "call", "create", "returndata",
        ],
        weights=[14, 3, 3, 8, 8, 2, 5, 3, 3, 2, 8, 3, 4, 2, 3, 5, 2, 2],
    )[0]
    if kind == "binary":
        op = rng.choice(BINARY)
        if asm.depth >= 2 and rng.random() < 0.3:
            asm.op(op)
        elif asm.depth >= 1 and rng.random() < 0.3:
            _operands(asm, rng, [rand_word(rng)])
            asm.op(op)
        else:
            _operands(asm, rng, [rand_word(rng), rand_word(rng)])
            asm.op(op)
    elif kind == "unary":
        if asm.depth == 0 or rng.random() < 0.5:
            _operands(asm, rng, [rand_word(rng)])
        asm.op(rng.choice(UNARY))
    elif kind == "ternary":
        _operands(asm, rng, [rand_word(rng), rand_word(rng), rand_word(rng)])
        asm.op(rng.choice(TERNARY))
    elif kind == "stack":
        r = rng.random()
        if r < 0.4:
            n = rng.randint(1, 16)
            if n > asm.depth and rng.random() < 0.98:
                n = max(1, asm.depth)
                if asm.depth == 0:
                    _operands(asm, rng, [rand_word(rng)])
            asm.op(Op.DUP1 + n - 1)
        elif r < 0.8:
            n = rng.randint(1, 16)
            if n + 1 > asm.depth and rng.random() < 0.98:
                while asm.depth < n + 1:
                    _operands(asm, rng, [rand_word(rng)])
            asm.op(Op.SWAP1 + n - 1)
        elif asm.depth or rng.random() < 0.02:
            asm.op(Op.POP)
    elif kind == "memory":
        r = rng.random()
        if r < 0.35:
            _operands(asm, rng, [rand_offset(rng), rand_word(rng)])
            asm.op(Op.MSTORE)
        elif r < 0.5:
            _operands(asm, rng, [rand_offset(rng), rand_word(rng)])
            asm.op(Op.MSTORE8)
        elif r < 0.75:
            _operands(asm, rng, [rand_offset(rng)])
            asm.op(Op.MLOAD)
        elif r < 0.8:
            asm.op(Op.MSIZE)
        else:
            _operands(asm, rng, [rand_offset(rng), rand_offset(rng), rand_size(rng)])
            asm.op(Op.MCOPY)
    elif kind == "keccak":
        _operands(asm, rng, [rand_offset(rng), rand_size(rng)])
        asm.op(Op.KECCAK256)
    elif kind == "env":
        asm.op(rng.choice(NULLARY_ENV))
    elif kind == "account":
        target = rng.choice(ADDRESSES + [(1 + rng.randrange(10)).to_bytes(20, "big")])
        value = int.from_bytes(target, "big")
        if rng.random() < 0.2:
            value |= rng.getrandbits(96) << 160  # high bits are ignored
        _operands(asm, rng, [value])
        asm.op(rng.choice([Op.BALANCE, Op.EXTCODESIZE, Op.EXTCODEHASH]))
    elif kind == "calldata":
        if rng.random() < 0.5:
            _operands(asm, rng, [rng.choice([0, 1, 4, 31, 32, 60, 2**256 - 1, rand_offset(rng)])])
            asm.op(Op.CALLDATALOAD)
        else:
            _operands(asm, rng, [rand_offset(rng), rand_offset(rng), rand_size(rng)])
            asm.op(Op.CALLDATACOPY)
    elif kind == "code":
        _operands(asm, rng, [rand_offset(rng), rand_offset(rng), rand_size(rng)])
        asm.op(Op.CODECOPY)
    elif kind == "storage":
        slot = rng.choice(SLOTS)
        if rng.random() < 0.6:
            value = rng.choice([0, 0, 1, 2, rand_word(rng)])
            _operands(asm, rng, [slot, value])
            asm.op(Op.SSTORE)
        else:
            _operands(asm, rng, [slot])
            asm.op(Op.SLOAD)
    elif kind == "transient":
        slot = rng.choice(SLOTS)
        if rng.random() < 0.5:
            _operands(asm, rng, [slot, rand_word(rng)])
            asm.op(Op.TSTORE)
        else:
            _operands(asm, rng, [slot])
            asm.op(Op.TLOAD)
    elif kind == "jump":
        label = asm.new_label()
        r = rng.random()
        depth = asm.depth
        if r < 0.45:
            _operands(asm, rng, [rng.choice([0, 0, 1, 2, 2**255])])
            asm.push_label(label)
            asm.op(Op.JUMPI)
        elif r < 0.9:
            asm.push_label(label)
            asm.op(Op.JUMP)
        else:
            # a jump to a byte that is not a JUMPDEST instruction: inside push
            # data that looks like a JUMPDEST, or past the end of the code
            asm.push(len(asm.code) + 5, 2)
            asm.op(Op.JUMP)
            asm.push(0x5B)
            asm.op(Op.POP)
            asm.depth = depth
            return
        # stack-neutral filler that a taken jump skips
        _operands(asm, rng, [rand_offset(rng), rand_word(rng)])
        asm.op(Op.MSTORE)
        asm.place(label)
        asm.depth = depth
    elif kind == "loop":
        label = asm.new_label()
        depth = asm.depth
        _operands(asm, rng, [rng.randint(1, 12)])
        asm.place(label)
        body = rng.random()
        if body < 0.4:
            asm.op(Op.DUP1)
            asm.op(Op.DUP1)
            asm.op(Op.MSTORE)
        elif body < 0.7:
            asm.op(Op.DUP1)
            _operands(asm, rng, [rng.choice(SLOTS[:4])])
            asm.op(Op.SSTORE)
        else:
            asm.op(Op.DUP1)
            asm.op(Op.DUP1)
            asm.op(Op.MUL)
            asm.op(Op.POP)
        asm.push(1)
        asm.op(Op.SWAP1)
        asm.op(Op.SUB)
        asm.op(Op.DUP1)
        asm.push_label(label)
        asm.op(Op.JUMPI)
        asm.op(Op.POP)
        asm.depth = depth
    elif kind == "log":
        n = rng.randint(0, 4)
        _operands(asm, rng, [rand_offset(rng), rand_size(rng)] + [rand_word(rng) for _ in range(n)])
        asm.op(Op.LOG0 + n)
    elif kind == "call":
        target = rng.choice(ADDRESSES)
        gas = rng.choice([0, 100, 2300, 5000, 30000, 100000, 2**256 - 1])
        in_off, in_size = rng.randrange(0, 100), rng.choice([0, 4, 32, 64, rng.randrange(0, 100)])
        out_off, out_size = rng.randrange(0, 100), rng.choice([0, 1, 32, 64, 100])
        if rng.random() < 0.6:
            value = rng.choice([0, 0, 1, 1000, 10**30])
            _operands(asm, rng, [gas, int.from_bytes(target, "big"), value, in_off, in_size, out_off, out_size])
            asm.op(Op.CALL)
        else:
            _operands(asm, rng, [gas, int.from_bytes(target, "big"), in_off, in_size, out_off, out_size])
            asm.op(Op.STATICCALL)
    elif kind == "returndata":
        r = rng.random()
        if r < 0.3:
            asm.op(Op.RETURNDATASIZE)
        elif r < 0.85:
            # copy all of the return data: always in bounds
            asm.op(Op.RETURNDATASIZE)
            _operands(asm, rng, [rand_offset(rng), 0])
            asm.op(Op.RETURNDATACOPY)
        else:
            _operands(asm, rng, [rand_offset(rng), rng.choice([0, 1, 16, 32, 40]), rng.choice([0, 1, 8, 32, 33])])
            asm.op(Op.RETURNDATACOPY)
    elif kind == "create":
        initcode = rng.choice(INITCODES)
        base = rng.randrange(0, 64)
        for i in range(0, len(initcode), 32):
            chunk = initcode[i : i + 32].ljust(32, b"\x00")
            if any(chunk):
                _operands(asm, rng, [base + i, int.from_bytes(chunk, "big")])
                asm.op(Op.MSTORE)
        value = rng.choice([0, 0, 1, 10**30])
        _operands(asm, rng, [value, base, len(initcode)])
        asm.op(Op.CREATE)
        if rng.random() < 0.5:
            # call the new contract (or address 0 when creation failed)
            asm.op(Op.DUP1)
            _operands(asm, rng, [7, 0, 0, 0, 32])
            asm.op(Op.SWAP5)
            asm.op(Op.GAS)
            asm.op(Op.STATICCALL)
    budget[0] -= 1


def _ending(asm: Asm, rng: random.Random) -> None:
    r = rng.random()
    if r < 0.45:
        _operands(asm, rng, [rng.randrange(0, 100), rng.choice([0, 1, 32, 64, 65])])
        asm.op(Op.RETURN)
    elif r < 0.65:
        _operands(asm, rng, [rng.randrange(0, 100), rng.choice([0, 1, 32, 64])])
        asm.op(Op.REVERT)
    elif r < 0.8:
        asm.op(Op.STOP)
    elif r < 0.83:
        asm.op(Op.INVALID)
    # else: run off the end of the code


def helper_accounts() -> dict[bytes, Account]:
    echo = bytes([0x36, 0x5F, 0x5F, 0x37, 0x36, 0x5F, 0xF3])  # CALLDATACOPY all, RETURN all
    revert = bytes([0x60, 0x2A, 0x5F, 0x52, 0x60, 0x20, 0x5F, 0xFD])
    store = bytes(
        [0x5F, 0x35, 0x60, 0x00, 0x55, 0x34, 0x60, 0x01, 0x55, 0x60, 0x77, 0x5F, 0x5F, 0xA1,
         0x60, 0x20, 0x5F, 0xF3]
    )
    # hash 16 KiB of memory in a loop until the gas runs out (few steps per gas)
    burn = bytes([0x5B, 0x61, 0x40, 0x00, 0x5F, 0x20, 0x50, 0x5F, 0x56])
    # ADDRESS CALLER CALLVALUE SELFBALANCE stored at 0, 32, 64, 96; return 128 bytes
    me = bytes(
        [0x30, 0x5F, 0x52, 0x33, 0x60, 0x20, 0x52, 0x34, 0x60, 0x40, 0x52, 0x47, 0x60, 0x60, 0x52,
         0x60, 0x80, 0x5F, 0xF3]
    )
    # TLOAD(0)+1 -> TSTORE(0); return TLOAD(0)
    transient = bytes(
        [0x5F, 0x5C, 0x60, 0x01, 0x01, 0x5F, 0x5D, 0x5F, 0x5C, 0x5F, 0x52, 0x60, 0x20, 0x5F, 0xF3]
    )
    return {
        H_ECHO: Account(code=echo),
        H_REVERT: Account(code=revert),
        H_STORE: Account(code=store, storage={0: 9}),
        H_BURN: Account(code=burn),
        H_SELF: Account(balance=5, code=me),
        H_TRANSIENT: Account(code=transient),
        EOA: Account(nonce=3, balance=10**18),
    }


@dataclass
class Case:
    seed: int
    code: bytes
    calldata: bytes
    gas: int
    value: int
    accounts: dict[bytes, Account]


def make_case(seed: int) -> Case:
    rng = random.Random(seed)
    asm = Asm()
    budget = [rng.randint(3, 40)]
    while budget[0] > 0:
        _snippet(asm, rng, budget)
    _ending(asm, rng)
    code = asm.assemble()
    r = rng.random()
    gas = rng.randrange(0, 60_000) if r < 0.2 else (10_000_000 if r > 0.95 else 1_000_000)
    value = rng.choice([0, 0, 0, 1, 12345])
    calldata = rng.randbytes(rng.choice([0, 1, 4, 32, 36, 68, 100]))
    storage = {slot: rng.choice([1, 2, rand_word(rng) or 1]) for slot in rng.sample(SLOTS, rng.randint(0, 3))}
    accounts = helper_accounts()
    accounts[CALLER] = Account(balance=10**18)
    accounts[CONTRACT] = Account(nonce=rng.choice([0, 1, 5]), balance=rng.choice([0, 10**6, 10**20]), code=code, storage=storage)
    return Case(seed, code, calldata, gas, value, accounts)
