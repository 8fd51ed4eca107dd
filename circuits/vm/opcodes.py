"""Opcode groups of the execution circuit and the static facts the constraints use about each.

Every opcode byte belongs to exactly one :class:`Group`.  A group is what the circuit sees of an
instruction: one selector column per group, and one row of :data:`SPECS` holding what the constraints
need to know — static gas, how many stack words the step needs, how the stack pointer moves, which of
the four stack-access slots it uses and whether it halts.  PUSHn, DUPn, SWAPn and LOGn are one group
each; their ``n`` comes from the bytecode table with the opcode.

COPYSIZE, COPYUNIT and LOGTOPIC belong to no byte: they are the rows a CALLDATACOPY, CODECOPY or MCOPY
continues on (COPYUNIT also KECCAK256 and LOGn, reading their memory range), and a LOGn's topics;
FINISH is the row ADDMOD, MULMOD and EXP continue on (:mod:`circuits.vm.linked`); RDSIZE the row
RETURNDATACOPY continues on, popping its size (:mod:`circuits.vm.returndata`); CALLARG and CALLEND the
rows CALL and STATICCALL continue on (:mod:`circuits.vm.calls`).

Bytes that the VM executes but the circuit does not prove map to :data:`UNPROVEN` (group code 0): no
selector has that code, so a step at such a byte cannot be written into a valid trace at all.  Bytes
the VM does not define execute as INVALID (the VM's rule), and so do they here.

Stack-access slots (see :mod:`circuits.vm.bus`): C0 and C1 consume a word (W0, W1), P2 and P3 produce
one.  ``p2_depth`` says where P2 writes: at sp − p2_depth (sp = stack depth before the step).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum



class Group(IntEnum):
    """Opcode groups; the value is the group code stored in the bytecode table (0 = unproven)."""

    STOP = 1
    ADD = 2
    SUB = 3
    LT = 4
    GT = 5
    EQ = 6
    ISZERO = 7
    NOT = 8
    POP = 9
    PUSH0 = 10
    PUSH = 11
    DUP = 12
    SWAP = 13
    JUMP = 14
    JUMPI = 15
    PC = 16
    GAS = 17
    JUMPDEST = 18
    RETURN = 19
    REVERT = 20
    INVALID = 21
    AND = 22
    OR = 23
    XOR = 24
    BYTE = 25
    SHL = 26
    SHR = 27
    MLOAD = 28
    MSTORE = 29
    MSTORE8 = 30
    MSIZE = 31
    ADDRESS = 32
    CALLER = 33
    CALLVALUE = 34
    CALLDATASIZE = 35
    CODESIZE = 36
    CALLDATALOAD = 37
    CALLDATACOPY = 38
    CODECOPY = 39
    COPYSIZE = 40
    COPYUNIT = 41
    MCOPY = 42
    SLOAD = 43
    SSTORE = 44
    MUL = 45
    DIV = 46
    MOD = 47
    SLT = 48
    SGT = 49
    ORIGIN = 50
    GASPRICE = 51
    NUMBER = 52
    TIMESTAMP = 53
    CHAINID = 54
    BASEFEE = 55
    SIGNEXTEND = 56
    SAR = 57
    SDIV = 58
    SMOD = 59
    KECCAK256 = 60
    LOG = 61
    LOGTOPIC = 62
    ADDMOD = 63
    MULMOD = 64
    EXP = 65
    FINISH = 66
    SELFBALANCE = 67
    BALANCE = 68
    EXTCODESIZE = 69
    EXTCODEHASH = 70
    RETURNDATASIZE = 71
    RETURNDATACOPY = 72
    RDSIZE = 73
    TLOAD = 74
    TSTORE = 75
    CALL = 76
    STATICCALL = 77
    CALLARG = 78
    CALLEND = 79
    CREATE = 80


UNPROVEN = 0
"""Group code of a byte the VM executes as an instruction the circuit does not prove."""

NUM_GROUPS = len(Group)

# halting kinds, also the status codes of the public statement
RUNNING, SUCCESS, REVERTED, ERROR = 0, 1, 2, 3


@dataclass(frozen=True)
class GroupSpec:
    """Static facts about one group (DUP adds n to ``need``; SWAP adds n)."""

    module: str
    """The constraint module, named like the VM's instruction file it mirrors."""
    opcodes: tuple[int, ...]
    gas: int
    need: int
    delta: int
    consumes: int
    """0: none, 1: C0, 2: C0 and C1."""
    produces: int
    """0: none, 1: P2, 2: P2 and P3."""
    p2_depth: int = 0
    halts: int = RUNNING


VM_OPCODES: frozenset[int] = frozenset(
    b for lo, hi in ((0x00, 0x0B), (0x10, 0x1D), (0x20, 0x20), (0x30, 0x3B), (0x3D, 0x3F), (0x42, 0x43),
                     (0x46, 0x48), (0x50, 0xA4), (0xF0, 0xF1), (0xF3, 0xF3), (0xFA, 0xFA), (0xFD, 0xFE))
    for b in range(lo, hi + 1))
"""The bytes the VM (``l2.vm.opcodes.Op``) defines; every other byte executes as INVALID.  The circuit
cannot import the VM, so the set is written out here and a test checks it against the VM's table."""


def _undefined() -> tuple[int, ...]:
    return tuple(b for b in range(256) if b not in VM_OPCODES)


SPECS: dict[Group, GroupSpec] = {
    Group.STOP: GroupSpec("control_flow", (0x00,), 0, 0, 0, 0, 0, halts=SUCCESS),
    Group.ADD: GroupSpec("arithmetic", (0x01,), 3, 2, -1, 2, 1, p2_depth=2),
    Group.SUB: GroupSpec("arithmetic", (0x03,), 3, 2, -1, 2, 1, p2_depth=2),
    Group.MUL: GroupSpec("arithmetic", (0x02,), 5, 2, -1, 2, 1, p2_depth=2),
    Group.DIV: GroupSpec("arithmetic", (0x04,), 5, 2, -1, 2, 1, p2_depth=2),
    Group.MOD: GroupSpec("arithmetic", (0x06,), 5, 2, -1, 2, 1, p2_depth=2),
    Group.SDIV: GroupSpec("arithmetic", (0x05,), 5, 2, -1, 2, 1, p2_depth=2),
    Group.SMOD: GroupSpec("arithmetic", (0x07,), 5, 2, -1, 2, 1, p2_depth=2),
    Group.SIGNEXTEND: GroupSpec("arithmetic", (0x0B,), 5, 2, -1, 2, 1, p2_depth=2),
    Group.LT: GroupSpec("comparison", (0x10,), 3, 2, -1, 2, 1, p2_depth=2),
    Group.GT: GroupSpec("comparison", (0x11,), 3, 2, -1, 2, 1, p2_depth=2),
    Group.SLT: GroupSpec("comparison", (0x12,), 3, 2, -1, 2, 1, p2_depth=2),
    Group.SGT: GroupSpec("comparison", (0x13,), 3, 2, -1, 2, 1, p2_depth=2),
    Group.EQ: GroupSpec("comparison", (0x14,), 3, 2, -1, 2, 1, p2_depth=2),
    Group.ISZERO: GroupSpec("comparison", (0x15,), 3, 1, 0, 1, 1, p2_depth=1),
    Group.NOT: GroupSpec("bitwise", (0x19,), 3, 1, 0, 1, 1, p2_depth=1),
    Group.AND: GroupSpec("bitwise", (0x16,), 3, 2, -1, 2, 1, p2_depth=2),
    Group.OR: GroupSpec("bitwise", (0x17,), 3, 2, -1, 2, 1, p2_depth=2),
    Group.XOR: GroupSpec("bitwise", (0x18,), 3, 2, -1, 2, 1, p2_depth=2),
    Group.BYTE: GroupSpec("bitwise", (0x1A,), 3, 2, -1, 2, 1, p2_depth=2),
    Group.SHL: GroupSpec("bitwise", (0x1B,), 3, 2, -1, 2, 1, p2_depth=2),
    Group.SHR: GroupSpec("bitwise", (0x1C,), 3, 2, -1, 2, 1, p2_depth=2),
    Group.SAR: GroupSpec("bitwise", (0x1D,), 3, 2, -1, 2, 1, p2_depth=2),
    # memory steps also pay the expansion gas (circuits.vm.memory), not a static cost
    Group.MLOAD: GroupSpec("memory", (0x51,), 3, 1, 0, 1, 1, p2_depth=1),
    Group.MSTORE: GroupSpec("memory", (0x52,), 3, 2, -2, 2, 0),
    Group.MSTORE8: GroupSpec("memory", (0x53,), 3, 2, -2, 2, 0),
    Group.MSIZE: GroupSpec("memory", (0x59,), 2, 0, 1, 0, 1, p2_depth=0),
    Group.ADDRESS: GroupSpec("environment", (0x30,), 2, 0, 1, 0, 1, p2_depth=0),
    Group.CALLER: GroupSpec("environment", (0x33,), 2, 0, 1, 0, 1, p2_depth=0),
    Group.CALLVALUE: GroupSpec("environment", (0x34,), 2, 0, 1, 0, 1, p2_depth=0),
    Group.CALLDATASIZE: GroupSpec("environment", (0x36,), 2, 0, 1, 0, 1, p2_depth=0),
    Group.CODESIZE: GroupSpec("environment", (0x38,), 2, 0, 1, 0, 1, p2_depth=0),
    Group.ORIGIN: GroupSpec("environment", (0x32,), 2, 0, 1, 0, 1, p2_depth=0),
    Group.GASPRICE: GroupSpec("environment", (0x3A,), 2, 0, 1, 0, 1, p2_depth=0),
    Group.NUMBER: GroupSpec("environment", (0x43,), 2, 0, 1, 0, 1, p2_depth=0),
    Group.TIMESTAMP: GroupSpec("environment", (0x42,), 2, 0, 1, 0, 1, p2_depth=0),
    Group.CHAINID: GroupSpec("environment", (0x46,), 2, 0, 1, 0, 1, p2_depth=0),
    Group.BASEFEE: GroupSpec("environment", (0x48,), 2, 0, 1, 0, 1, p2_depth=0),
    Group.CALLDATALOAD: GroupSpec("environment", (0x35,), 3, 1, 0, 1, 1, p2_depth=1),
    # a copy takes a row for its opcode (pops the destination and source offsets), a COPYSIZE row (pops
    # the size, pays 3 gas a word) and one COPYUNIT row per 32-byte or 1-byte read (MCOPY) or write
    # (circuits.vm.copy)
    Group.CALLDATACOPY: GroupSpec("copy", (0x37,), 3, 3, -2, 2, 0),
    Group.CODECOPY: GroupSpec("copy", (0x39,), 3, 3, -2, 2, 0),
    Group.MCOPY: GroupSpec("copy", (0x5E,), 3, 3, -2, 2, 0),
    # storage steps pay EIP-2929/2200 gas computed by the storage chiplet (circuits.vm.storage)
    Group.SLOAD: GroupSpec("storage", (0x54,), 0, 1, 0, 1, 1, p2_depth=1),
    Group.SSTORE: GroupSpec("storage", (0x55,), 0, 2, -2, 2, 0),
    Group.COPYSIZE: GroupSpec("copy", (), 0, 1, -1, 1, 0),
    Group.COPYUNIT: GroupSpec("copy", (), 0, 0, 0, 0, 0),
    Group.POP: GroupSpec("stack", (0x50,), 2, 1, -1, 1, 0),
    Group.PUSH0: GroupSpec("stack", (0x5F,), 2, 0, 1, 0, 1, p2_depth=0),
    Group.PUSH: GroupSpec("stack", tuple(range(0x60, 0x80)), 3, 0, 1, 0, 1, p2_depth=0),
    Group.DUP: GroupSpec("stack", tuple(range(0x80, 0x90)), 3, 0, 1, 1, 2, p2_depth=0),
    Group.SWAP: GroupSpec("stack", tuple(range(0x90, 0xA0)), 3, 1, 0, 2, 2, p2_depth=1),
    Group.JUMP: GroupSpec("control_flow", (0x56,), 8, 1, -1, 1, 0),
    Group.JUMPI: GroupSpec("control_flow", (0x57,), 10, 2, -2, 2, 0),
    Group.PC: GroupSpec("control_flow", (0x58,), 2, 0, 1, 0, 1, p2_depth=0),
    Group.GAS: GroupSpec("control_flow", (0x5A,), 2, 0, 1, 0, 1, p2_depth=0),
    Group.JUMPDEST: GroupSpec("control_flow", (0x5B,), 1, 0, 0, 0, 0),
    # RETURN and REVERT pop offset and size; their output is read from memory (circuits.vm.memory)
    Group.RETURN: GroupSpec("system", (0xF3,), 0, 2, -2, 2, 0, halts=SUCCESS),
    Group.REVERT: GroupSpec("system", (0xFD,), 0, 2, -2, 2, 0, halts=REVERTED),
    Group.INVALID: GroupSpec("system", (0xFE, *_undefined()), 0, 0, 0, 0, 0, halts=ERROR),
    # KECCAK256 pops offset and size and pushes the digest; its message is read on COPYUNIT rows after it,
    # each paying 6 gas a 32-byte word (circuits.vm.keccak, circuits.vm.reads)
    Group.KECCAK256: GroupSpec("keccak", (0x20,), 30, 2, -1, 2, 1, p2_depth=2),
    # LOGn pops offset and size (it needs n more words: n is the byte's, as for DUPn), then continues on
    # one LOGTOPIC row per topic (375 gas each) and COPYUNIT rows reading its data at 8 gas a byte
    # (circuits.vm.log, circuits.vm.reads)
    Group.LOG: GroupSpec("log", tuple(range(0xA0, 0xA5)), 375, 2, -2, 2, 0),
    Group.LOGTOPIC: GroupSpec("log", (), 375, 1, -1, 1, 0),
    # ADDMOD and MULMOD pop a and b and push a link word X (the row's clk) where b was; EXP pops a and
    # pushes X in its place (plus 50 gas a byte of the exponent, X's byte 3); each continues on a FINISH
    # row that pops X and the last operand (N, or EXP's exponent) and pushes the result
    # (circuits.vm.linked, circuits.vm.modular, circuits.vm.exp)
    Group.ADDMOD: GroupSpec("arithmetic", (0x08,), 8, 3, -1, 2, 1, p2_depth=2),
    Group.MULMOD: GroupSpec("arithmetic", (0x09,), 8, 3, -1, 2, 1, p2_depth=2),
    Group.EXP: GroupSpec("arithmetic", (0x0A,), 10, 2, 0, 1, 1, p2_depth=1),
    Group.FINISH: GroupSpec("linked", (), 0, 2, -1, 2, 1, p2_depth=2),
    # SELFBALANCE pushes the public balance of the executing account; BALANCE, EXTCODESIZE and EXTCODEHASH
    # pop an address and push a field of its public account, 100 gas plus 2500 when the address is cold
    # (EIP-2929, proven by a version chain per address: circuits.vm.accounts)
    Group.SELFBALANCE: GroupSpec("accounts", (0x47,), 5, 0, 1, 0, 1, p2_depth=0),
    Group.BALANCE: GroupSpec("accounts", (0x31,), 100, 1, 0, 1, 1, p2_depth=1),
    Group.EXTCODESIZE: GroupSpec("accounts", (0x3B,), 100, 1, 0, 1, 1, p2_depth=1),
    Group.EXTCODEHASH: GroupSpec("accounts", (0x3F,), 100, 1, 0, 1, 1, p2_depth=1),
    # RETURNDATASIZE pushes a public size (the last call's output length); RETURNDATACOPY, as with an
    # empty buffer, pops the destination and offset and continues on an RDSIZE row that pops the size
    # and halts unless both are 0 (circuits.vm.returndata)
    Group.RETURNDATASIZE: GroupSpec("returndata", (0x3D,), 2, 0, 1, 0, 1, p2_depth=0),
    Group.RETURNDATACOPY: GroupSpec("returndata", (0x3E,), 3, 3, -2, 2, 0),
    Group.RDSIZE: GroupSpec("returndata", (), 0, 1, -1, 1, 0),
    # transient storage, 100 gas each (circuits.vm.transient)
    Group.TLOAD: GroupSpec("transient", (0x5C,), 100, 1, 0, 1, 1, p2_depth=1),
    Group.TSTORE: GroupSpec("transient", (0x5D,), 100, 2, -2, 2, 0),
    # CALL and STATICCALL pop the gas word, then one CALLARG row pops each other word; read units take
    # the input from memory, CALLEND pays the call's cost and pushes success, write units put the
    # output back (circuits.vm.calls)
    Group.CALL: GroupSpec("calls", (0xF1,), 0, 7, -1, 1, 0),
    Group.STATICCALL: GroupSpec("calls", (0xFA,), 0, 6, -1, 1, 0),
    Group.CALLARG: GroupSpec("calls", (), 0, 1, -1, 1, 0),
    Group.CALLEND: GroupSpec("calls", (), 0, 0, 1, 0, 1, p2_depth=0),
    # CREATE pops the value, then CALLARG rows pop the initcode's offset and size; the rest as a call's
    Group.CREATE: GroupSpec("calls", (0xF0,), 0, 3, -1, 1, 0),
}

GROUP_OF_BYTE: list[int] = [UNPROVEN] * 256
"""Group code of each opcode byte (UNPROVEN for bytes the VM runs and the circuit does not prove)."""
for _g, _spec in SPECS.items():
    for _b in _spec.opcodes:
        GROUP_OF_BYTE[_b] = int(_g)
del _g, _spec, _b


def immediate_n(byte: int) -> int:
    """The n of PUSHn / DUPn / SWAPn / LOGn (0 for every other byte)."""
    if 0x60 <= byte <= 0x7F:
        return byte - 0x5F
    if 0x80 <= byte <= 0x8F:
        return byte - 0x7F
    if 0x90 <= byte <= 0x9F:
        return byte - 0x8F
    if 0xA0 <= byte <= 0xA4:
        return byte - 0xA0
    return 0
